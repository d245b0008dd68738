/**
 * Gateway answers → a successful `Answer`, or the `Failure` it means: the error mapping, in one place
 * (the Python SDK's sdk/_answers.py, rule for rule).
 *
 * A §1.3 error answer becomes `exceptionFor(error_code, message, …)` with the gateway's retry verdict and
 * Retry-After; data {msgid, outcome} of an unknown money outcome — also inside a failed task's `result` or a
 * batch's `failed_operation` — is an OutcomeUnknownError (retry false: resolve it, never send it again);
 * data {errors} a DataValidationError with every field.  An HTTP answer without the gateway's JSON (a
 * proxy's page) is mapped by its status.
 */

import { Decimal } from "./decimal.js";
import {
  type FieldError,
  type MedicalInsuranceException,
  OutcomeUnknownError,
  exceptionFor,
  type ExceptionInit,
} from "./errors.js";
import { ERROR_CODES } from "./generated/errors.js";
import { isRecord, parse, type JsonRecord } from "./json.js";
import type { Failure } from "./retry.js";
import type { Safety } from "./types.js";

/** An HTTP error answer without the gateway's JSON body → the table's code. */
export const STATUS_CODES: Readonly<Record<number, number>> = {
  400: 10002,
  401: 10007,
  403: 10009,
  404: 20001,
  405: 10002,
  408: 20005,
  413: 10003,
  422: 30010,
  429: 10004,
  503: 10005,
  504: 20005,
};

/** Errors raised before any byte of the request can have left (sending again is safe). */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_INVALID_URL",
]);

/** What one HTTP exchange gave back. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

/** One successful gateway answer (§1.3), or the file a 9102 download returned. */
export interface Answer {
  readonly data: unknown;
  readonly message: string | null;
  readonly requestId: string | null;
  readonly msgid: string | null;
  readonly interfaceInfo: JsonRecord | null;
  readonly pagination: JsonRecord | null;
  readonly content: Uint8Array | null;
  readonly filename: string | null;
  readonly status: number;
}

const decoder = new TextDecoder("utf-8");

function json(body: Uint8Array): unknown {
  const text = decoder.decode(body);
  const start = text.replace(/^[\ufeff \t\r\n]+/, "")[0];
  if (start !== "{" && start !== "[") return undefined;
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

function mapping(value: unknown): JsonRecord {
  return isRecord(value) ? value : {};
}

function first(sources: readonly JsonRecord[], key: string): unknown {
  for (const source of sources) {
    const value = source[key];
    if (value !== undefined && value !== null && value !== "") return value;
  }
  return undefined;
}

function code(value: unknown): number | null {
  const number = value instanceof Decimal ? value.toNumber() : Number(value);
  return Number.isInteger(number) && ERROR_CODES[number] !== undefined ? number : null;
}

function retryAfterHeader(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? Math.max(0, seconds) : null;
}

function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition);
  const raw = star ? decodeURIComponent(star[1]!.trim()) : plain ? plain[1]!.trim() : null;
  return raw ? raw.replace(/\\/g, "/").split("/").pop() ?? null : null;
}

/** A successful Answer, or the Failure the error answer means.  `file`: a 2xx non-JSON answer is a file. */
export function readAnswer(response: RawResponse, requestId: string, infno: string | null, file = false): Answer | Failure {
  const { status, headers, body } = response;
  const retryAfter = retryAfterHeader(headers.get("retry-after"));
  const data = json(body);
  const isJson = (headers.get("content-type") ?? "application/json").startsWith("application/json");
  const envelope = isJson && isRecord(data) && "success" in data;
  if (file && status >= 200 && status < 300 && !envelope) {
    return {
      data: null,
      message: null,
      requestId: headers.get("x-request-id") ?? requestId,
      msgid: headers.get("x-msgid"),
      interfaceInfo: null,
      pagination: null,
      content: body,
      filename: filenameOf(headers.get("content-disposition")),
      status,
    };
  }
  if (data === undefined) {
    if (status >= 200 && status < 300) {
      const error = exceptionFor(20004, "网关应答不是 JSON", { infno, details: { request_id: requestId } });
      return { kind: "answered", error, status };
    }
    const text = decoder.decode(body.slice(0, 200)).trim();
    const error = exceptionFor(STATUS_CODES[status] ?? (status >= 500 ? 20003 : 10002), `HTTP ${status}: ${text}`, {
      infno,
      httpStatus: status,
      details: { request_id: requestId, gateway_answered: false },
    });
    return { kind: "answered", error, status, retryAfter };
  }
  if (!isRecord(data)) {
    const error = exceptionFor(20004, "网关应答不是 JSON 对象", { infno, details: { request_id: requestId } });
    return { kind: "answered", error, status };
  }
  const success = data["success"] ?? (status >= 200 && status < 300);
  if (success === true && status < 400) {
    const info = isRecord(data["interface_info"]) ? data["interface_info"] : null;
    const msgid = data["msgid"] ?? info?.["msgid"];
    return {
      data: data["data"] ?? null,
      message: typeof data["message"] === "string" ? data["message"] : null,
      requestId: (data["request_id"] as string | undefined) ?? headers.get("x-request-id") ?? requestId,
      msgid: msgid ? String(msgid) : null,
      interfaceInfo: info,
      pagination: isRecord(data["pagination"]) ? data["pagination"] : null,
      content: null,
      filename: null,
      status,
    };
  }
  return { kind: "answered", error: gatewayError(infno, data, status, requestId, retryAfter), status, retryAfter };
}

/**
 * The exception for a gateway error answer {success: false, error_code, message, error, data}: data
 * {msgid, outcome: unknown|reversed} → OutcomeUnknownError (also in a failed task's data.result or a
 * batch's data.result.failed_operation); a 3xxxx with data.errors → DataValidationError with every field;
 * else `exceptionFor(error_code)` with the gateway's retry verdict, trace id and infcode.
 */
export function gatewayError(
  infno: string | null,
  body: unknown,
  status: number,
  requestId: string,
  retryAfter: number | null = null,
): MedicalInsuranceException {
  const answer = mapping(body);
  const data = mapping(answer["data"]);
  const error = mapping(answer["error"]);
  const result = mapping(data["result"]);
  const sources = [data, result, mapping(result["failed_operation"]), error];
  const errorCode = code(answer["error_code"]) ?? code(error["code"]) ?? STATUS_CODES[status] ?? (status >= 500 ? 20003 : 10002);
  const message = String(answer["message"] ?? error["message"] ?? "") || null;
  const msgid = first(sources, "msgid");
  const details: Record<string, unknown> = { request_id: answer["request_id"] ?? requestId };
  for (const key of ["infcode", "kind", "outcome", "server_ip", "upstream_status"]) {
    const value = first(sources, key);
    if (value !== undefined) details[key] = value;
  }
  const named = infno ?? first([...sources, mapping(answer["interface_info"])], "infno");
  const init: ExceptionInit = {
    infno: named ? String(named) : null,
    msgid: msgid ? String(msgid) : null,
    httpStatus: status,
    details,
    traceId: typeof error["trace_id"] === "string" ? error["trace_id"] : null,
  };
  if (details["outcome"] === "unknown" || details["outcome"] === "reversed") {
    return new OutcomeUnknownError(message, { ...init, code: errorCode, outcome: String(details["outcome"]) });
  }
  if (typeof error["retry"] === "boolean") init.retry = error["retry"];
  const hint = retryAfter ?? error["retry_after"];
  if (typeof hint === "number") init.retryAfter = hint;
  else if (hint instanceof Decimal) init.retryAfter = hint.toNumber();
  const errors = data["errors"];
  if (Math.floor(errorCode / 10000) === 3) {
    init.errors = (Array.isArray(errors) ? errors : []).filter(isRecord).map(fieldError);
  } else if (Array.isArray(errors)) {
    details["errors"] = errors;
  }
  const infcode = details["infcode"];
  if (typeof infcode === "number" && Number.isInteger(infcode)) init.infcode = infcode;
  return exceptionFor(errorCode, message, init);
}

function fieldError(item: JsonRecord): FieldError {
  return {
    code: code(item["code"]) ?? 30010,
    field: String(item["field"] ?? item["path"] ?? item["loc"] ?? ""),
    message: String(item["message"] ?? ""),
  };
}

/** The exception of a failed batch operation (§3.2.3 status row), as if it had been called alone. */
export function operationError(op: JsonRecord, requestId: string): MedicalInsuranceException | null {
  if (op["status"] === "success" || op["status"] == null) return null;
  const errorCode = code(op["error_code"]) ?? 20003;
  const output = mapping(op["output"]);
  const body = {
    error_code: errorCode,
    message: op["error_message"] ?? String(op["status"]),
    data: { msgid: op["msgid"], outcome: op["outcome"], infcode: op["infcode"] ?? output["infcode"] },
  };
  const infno = typeof op["infno"] === "string" ? op["infno"] : null;
  return gatewayError(infno, body, ERROR_CODES[errorCode]?.httpStatus ?? 500, requestId);
}

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const value = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof value.code === "string") codes.push(value.code);
    if (Array.isArray(value.errors)) for (const inner of value.errors) codes.push(...causeCodes(inner));
    current = value.cause;
  }
  return codes;
}

/** A fetch that threw: `not_sent` when the connection was never made, else `lost` (may have arrived). */
export function transportFailure(infno: string | null, error: unknown, requestId: string): Failure {
  const codes = causeCodes(error);
  const name = error instanceof Error ? error.name : typeof error;
  const details = { request_id: requestId, transport: codes[0] ?? name };
  const text = error instanceof Error ? `${error.message}${codes.length ? ` (${codes.join(", ")})` : ""}` : String(error);
  if (codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c))) {
    return { kind: "not_sent", error: exceptionFor(60005, `网络连接异常，请求未发出: ${text}`, { infno, details }) };
  }
  return { kind: "lost", error: exceptionFor(20005, `网关未应答: ${name} ${text}`.trim(), { infno, details }) };
}

/**
 * What the caller gets when no further attempt is made: a write or money call whose answer was lost (or met
 * a proxy's 5xx page) may have taken effect — an OutcomeUnknownError, never an error inviting a resend.
 */
export function finalError(safety: Safety, infno: string | null, failure: Failure, requestId: string): MedicalInsuranceException {
  const mayHaveHappened =
    failure.kind === "lost" ||
    (failure.status != null && failure.status >= 500 && failure.error.details["gateway_answered"] === false);
  if (safety !== "query" && mayHaveHappened) {
    return new OutcomeUnknownError(`网关未应答，请求 ${requestId} 的结果未知：请先查询确认，勿重复办理`, {
      infno,
      details: { request_id: requestId, cause: failure.error.message },
    });
  }
  return failure.error;
}
