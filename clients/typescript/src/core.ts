/**
 * The request loop: build a transaction's request from the operation table, send it until answered or the
 * retry policy says stop, turn the answer into its typed result.  The Python SDK's sdk/_core.py, for fetch.
 *
 *   const core = new Core(config);
 *   const result = await core.call("1101", { data: { ... } }, {});
 *
 * One X-Request-ID for every attempt of a call; X-Retry-Count counts the attempts before this one.
 */

import { randomUUID } from "node:crypto";

import { type Answer, finalError, readAnswer, type RawResponse, transportFailure } from "./answers.js";
import type { SDKConfig } from "./config.js";
import { Decimal } from "./decimal.js";
import { DataValidationError, UnsupportedInterfaceError } from "./errors.js";
import { API_PREFIX, OPERATIONS } from "./generated/operations.js";
import { RESULT_CLASSES, RESULT_FIELDS } from "./generated/results.js";
import { isRecord, stringify, type JsonRecord } from "./json.js";
import { pick, Result } from "./result.js";
import { type Failure, RetryPolicy } from "./retry.js";
import type { CallOptions, OperationSpec, Safety } from "./types.js";

export const VERSION = "1.0.0";
export const USER_AGENT = `medical-insurance-sdk-typescript/${VERSION}`;
export { API_PREFIX };

/** One HTTP request of one attempt. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string | FormData;
  /** seconds */
  readonly timeout: number;
}

export interface SendOptions {
  readonly safety: Safety;
  readonly requestId: string;
  readonly infno?: string | null;
  readonly maxAttempts?: number;
  readonly file?: boolean;
}

export type Fetch = typeof fetch;
export type Sleep = (seconds: number) => Promise<void>;

export function newRequestId(): string {
  return "REQ" + randomUUID().replace(/-/g, "");
}

const INDEX: ReadonlyMap<string, OperationSpec> = new Map(
  Object.values(OPERATIONS).flatMap((op) => [
    [op.infno, op],
    [op.interfaceType, op],
    [op.method, op],
  ]),
);

/** A transaction by infno, interface_type or method name; an unknown one is 20001. */
export function operation(key: string): OperationSpec {
  const found = INDEX.get(key);
  if (!found) throw new UnsupportedInterfaceError(`不支持的接口类型: ${key}`);
  return found;
}

/** The name of the only input node when it has no field table (any fields, and more nodes, pass). */
function openNode(op: OperationSpec): string | null {
  const [only] = op.nodes;
  return op.nodes.length === 1 && only && !only.many && only.open ? only.name : null;
}

/**
 * The bureau `input` from what the caller gave: whole nodes (`{ data: {...} }`), or a single object node's
 * flat fields (`{ psn_no: ... }`), or both mixed.  Next to an open node, an object or a list is another node.
 */
export function normalizeInput(op: OperationSpec, given: JsonRecord): JsonRecord {
  const names = new Set(op.nodes.map((n) => n.name));
  const result: JsonRecord = {};
  const loose: JsonRecord = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    (names.has(key) ? result : loose)[key] = value;
  }
  const lone = openNode(op);
  if (lone !== null && lone in result) {
    for (const [key, value] of Object.entries(loose)) {
      if (isRecord(value) || Array.isArray(value)) {
        result[key] = value;
        delete loose[key];
      }
    }
  }
  const keys = Object.keys(loose);
  if (keys.length > 0) {
    const [only] = op.nodes;
    if (op.nodes.length !== 1 || !only || only.many) {
      const errors = keys.map((key) => ({ code: 30001, field: key, message: `30001 - 数据节点缺失: ${key} (不是 ${op.infno} 的输入节点)` }));
      throw new DataValidationError(errors.map((e) => e.message).join("; "), { code: 30001, infno: op.infno, errors });
    }
    const base = result[only.name];
    result[only.name] = { ...(isRecord(base) ? base : {}), ...loose };
  }
  return result;
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Decimal || typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  return stringify(value);
}

/** A GET's query: the single node's fields as text (objects and lists as JSON text). */
export function queryParams(op: OperationSpec, payload: JsonRecord): [string, string][] {
  const [only] = op.nodes;
  const node = op.nodes.length === 1 && only ? payload[only.name] : payload;
  const source = isRecord(node) ? node : payload;
  return Object.entries(source)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => [key, text(value)]);
}

export class Core {
  readonly retry: RetryPolicy;

  constructor(
    readonly config: SDKConfig,
    readonly fetchFn: Fetch = globalThis.fetch,
    readonly sleep: Sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
    random: () => number = Math.random,
  ) {
    this.retry = new RetryPolicy(config.retry, random);
  }

  /** One transaction: its request, sent under its safety class, answered as its typed result. */
  async call(key: string, input: unknown, options: CallOptions = {}): Promise<Result> {
    const op = operation(key);
    if (!isRecord(input)) {
      throw new DataValidationError(`【${op.infno}】的输入应为对象`, { code: 30009, infno: op.infno });
    }
    const payload = normalizeInput(op, input);
    const requestId = options.requestId ?? newRequestId();
    const answer = await this.send((attempt) => this.buildRequest(op, payload, options, requestId, attempt), {
      safety: op.safety,
      requestId,
      infno: op.infno,
      maxAttempts: options.maxAttempts,
      file: op.file,
    });
    return toResult(op, answer);
  }

  /** The headers every gateway request carries (authentication, request id, attempt count). */
  headers(requestId: string, attempt: number): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "User-Agent": USER_AGENT,
      "X-Request-ID": requestId,
      "X-Retry-Count": String(attempt - 1),
    };
    if (this.config.apiKey) headers["X-API-Key"] = this.config.apiKey;
    if (this.config.institutionCode) headers["X-Institution-Code"] = this.config.institutionCode;
    if (this.config.jwtToken) headers["Authorization"] = `Bearer ${this.config.jwtToken}`;
    return headers;
  }

  /** The HTTP request for one attempt: the route of the registry, the input as the JSON body (GET: query). */
  buildRequest(op: OperationSpec, payload: JsonRecord, options: CallOptions, requestId: string, attempt = 1): OutgoingRequest {
    const headers = this.headers(requestId, attempt);
    const envelope: [string, string | undefined][] = [
      ["X-Operator", options.operator],
      ["X-Operator-Name", options.operatorName],
      ["X-Insuplc-Admdvs", options.insuplcAdmdvs],
    ];
    for (const [name, value] of envelope) {
      if (value) headers[name] = encodeURIComponent(value); // header values are Latin-1: Chinese goes encoded
    }
    if (options.idempotencyKey !== undefined) headers["Idempotency-Key"] = options.idempotencyKey;
    Object.assign(headers, options.headers ?? {});
    const timeout = options.timeout ?? this.config.timeout;
    const url = this.config.apiBaseUrl + op.path;
    if (op.httpMethod === "GET") {
      const query = new URLSearchParams(queryParams(op, payload)).toString();
      return { method: "GET", url: query ? `${url}?${query}` : url, headers, timeout };
    }
    headers["Content-Type"] = "application/json; charset=utf-8";
    return { method: op.httpMethod, url, headers, body: stringify(payload), timeout };
  }

  /** One exchange; the body is read inside, so a connection dropped mid-answer is a lost answer too. */
  private async exchangeOnce(request: OutgoingRequest): Promise<RawResponse> {
    const response = await this.fetchFn(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(Math.max(1, Math.round(request.timeout * 1000))),
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body };
  }

  /**
   * Send `make(attempt)` until answered or the retry policy says stop; one X-Request-ID for every attempt.
   * The one request loop of the client: transactions and the gateway's own endpoints alike.
   */
  async send(make: (attempt: number) => OutgoingRequest, options: SendOptions): Promise<Answer> {
    const infno = options.infno ?? null;
    for (let attempt = 1; ; attempt++) {
      const request = make(attempt);
      let failure: Failure;
      try {
        const response = await this.exchangeOnce(request);
        const outcome = readAnswer(response, options.requestId, infno, options.file ?? false);
        if (!("kind" in outcome)) return outcome;
        failure = outcome;
      } catch (error) {
        failure = transportFailure(infno, error, options.requestId);
      }
      const limit = options.maxAttempts ?? this.config.retry.maxAttempts;
      const delay = attempt < limit ? this.retry.delay(options.safety, failure, attempt) : null;
      if (delay === null) throw finalError(options.safety, infno, failure, options.requestId);
      await this.sleep(delay);
    }
  }

  /** A request to one of the gateway's own endpoints (batch, async, file, query), sent by `send`. */
  async gateway(
    method: "GET" | "POST",
    path: string,
    safety: Safety,
    body?: { json?: unknown; form?: () => FormData; params?: Record<string, string | number> },
    file = false,
  ): Promise<Answer> {
    const requestId = newRequestId();
    const query = body?.params ? new URLSearchParams(Object.entries(body.params).map(([k, v]) => [k, String(v)])).toString() : "";
    const url = this.config.apiBaseUrl + path + (query ? `?${query}` : "");
    return this.send(
      (attempt) => {
        const headers = this.headers(requestId, attempt);
        let content: string | FormData | undefined;
        if (body?.json !== undefined) {
          headers["Content-Type"] = "application/json; charset=utf-8";
          content = stringify(body.json);
        } else if (body?.form) {
          content = body.form(); // fetch sets the multipart Content-Type with its boundary
        }
        return { method, url, headers, body: content, timeout: this.config.timeout };
      },
      { safety, requestId, file },
    );
  }
}

/** The typed result of `op` from its answer: the result class of the registry, friendly names filled. */
export function toResult(op: OperationSpec, answer: Answer): Result {
  return buildResult(op.resultType, op.infno, answer.data, answer);
}

export function buildResult(
  resultType: string,
  infno: string,
  raw: unknown,
  receipt: Partial<Pick<Answer, "msgid" | "requestId" | "message" | "pagination" | "content" | "filename">> = {},
): Result {
  const cls = RESULT_CLASSES[resultType] ?? Result;
  const result = new cls({ infno, raw, ...receipt });
  const values: Record<string, unknown> = { msgid: receipt.msgid ?? null, request_id: receipt.requestId ?? null };
  for (const [name, [kind, paths]] of Object.entries(RESULT_FIELDS[resultType] ?? {})) {
    const value = pick(raw, kind, paths, values);
    if (value !== undefined) Object.defineProperty(result, name, { value, enumerable: true });
  }
  return result;
}
