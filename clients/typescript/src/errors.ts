/**
 * Exceptions: one tree, every class tied to the error table of spec §5.2 (as the Python SDK's).
 *
 *   MedicalInsuranceException             code, message, retry, retryAfter, httpStatus, infno, msgid,
 *   │                                      requestId, traceId, details
 *   ├── RequestError                       10001 10002 10003 10006 20010
 *   ├── AuthenticationError                10007 10008 20008 20009
 *   ├── PermissionDeniedError              10009
 *   ├── RateLimitError                     10004
 *   ├── ServiceUnavailableError            10005 10010
 *   ├── InterfaceError                     2xxxx (20003 itself)
 *   │   ├── UnsupportedInterfaceError      20001 20002
 *   │   ├── BureauError                    20006 (infcode -1); `instanceof BureauError` also holds for
 *   │   │                                  a BureauRefusalError
 *   │   ├── ResponseFormatError            20004
 *   │   ├── BureauTimeoutError             20005
 *   │   └── DuplicateMessageError          20007
 *   ├── DataValidationError                3xxxx; `errors` lists every field problem
 *   ├── FileError                          4xxxx
 *   ├── BusinessError                      5xxxx
 *   │   └── BureauRefusalError             5000x the bureau refused (infcode -2): nothing took effect
 *   ├── SystemError                        6xxxx
 *   └── OutcomeUnknownError                a write/money call whose outcome is not known: msgid, outcome
 *                                          ("unknown" | "reversed"); retry is always false
 */

import { ERROR_CODES } from "./generated/errors.js";
import type { ErrorCodeInfo } from "./types.js";

/** One problem with one field: code 3000x, the field's path, the gateway's words. */
export interface FieldError {
  readonly code: number;
  readonly field: string;
  readonly message: string;
}

export interface ExceptionInit {
  code?: number;
  infno?: string | null;
  msgid?: string | null;
  traceId?: string | null;
  httpStatus?: number;
  retry?: boolean;
  retryAfter?: number | null;
  details?: Record<string, unknown>;
  infcode?: number | null;
  errors?: readonly FieldError[];
  outcome?: string;
}

const UNKNOWN_CODE: ErrorCodeInfo = {
  message: "接口调用失败",
  retry: false,
  retryAfter: null,
  maxRetry: null,
  httpStatus: 500,
  family: "interface",
};

/** The table row of `code` (an unknown code reads as 20003 接口调用失败, not retryable). */
export function errorInfo(code: number): ErrorCodeInfo {
  return ERROR_CODES[code] ?? UNKNOWN_CODE;
}

export class MedicalInsuranceException extends Error {
  static readonly defaultCode: number = 20003;
  readonly code: number;
  readonly retry: boolean;
  readonly retryAfter: number | null;
  readonly maxRetry: number | null;
  readonly httpStatus: number;
  readonly infno: string | null;
  readonly msgid: string | null;
  readonly traceId: string | null;
  readonly details: Record<string, unknown>;

  constructor(message?: string | null, init: ExceptionInit = {}) {
    const code = init.code ?? (new.target as typeof MedicalInsuranceException).defaultCode;
    const row = errorInfo(code);
    super(message || row.message);
    this.name = new.target.name;
    this.code = code;
    this.retry = init.retry ?? row.retry;
    this.retryAfter = init.retryAfter !== undefined ? init.retryAfter : row.retryAfter;
    this.maxRetry = row.maxRetry;
    this.httpStatus = init.httpStatus ?? row.httpStatus;
    this.infno = init.infno ?? null;
    this.msgid = init.msgid ?? null;
    this.traceId = init.traceId ?? null;
    this.details = { ...(init.details ?? {}) };
  }

  /** The X-Request-ID of the call that failed. */
  get requestId(): string | null {
    const id = this.details["request_id"];
    return typeof id === "string" ? id : null;
  }

  override toString(): string {
    return `${this.infno ? `【${this.infno}】` : ""}${this.code} - ${this.message}`;
  }
}

export class RequestError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 10002;
}
export class AuthenticationError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 10007;
}
export class PermissionDeniedError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 10009;
}
export class RateLimitError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 10004;
}
export class ServiceUnavailableError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 10005;
}
export class InterfaceError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 20003;
}
export class UnsupportedInterfaceError extends InterfaceError {
  static override readonly defaultCode: number = 20001;
}
export class BureauError extends InterfaceError {
  static override readonly defaultCode: number = 20006;
  readonly infcode: number | null;
  constructor(message?: string | null, init: ExceptionInit = {}) {
    super(message, init);
    this.infcode = init.infcode ?? null;
  }
  // a BureauRefusalError is a BusinessError by its family and a BureauError by what happened
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === BureauError && value instanceof BureauRefusalError;
  }
}
export class ResponseFormatError extends InterfaceError {
  static override readonly defaultCode: number = 20004;
}
export class BureauTimeoutError extends InterfaceError {
  static override readonly defaultCode: number = 20005;
}
export class DuplicateMessageError extends InterfaceError {
  static override readonly defaultCode: number = 20007;
}

/** All field problems of one message, reported together. */
export class DataValidationError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 30010;
  readonly errors: readonly FieldError[];
  constructor(message?: string | null, init: ExceptionInit = {}) {
    super(message, init);
    this.errors = init.errors ?? [];
  }
}
export class FileError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 40005;
}
export class BusinessError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 50010;
}
/** The bureau refused for a business reason (infcode -2): nothing took effect; sending again gets the same. */
export class BureauRefusalError extends BusinessError {
  static override readonly defaultCode: number = 50010;
  readonly infcode: number | null;
  constructor(message?: string | null, init: ExceptionInit = {}) {
    super(message, { retry: false, ...init });
    this.infcode = init.infcode ?? -2;
  }
}
export class SystemError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 60010;
}

/**
 * A write or money call may or may not have taken effect at the bureau.  `outcome` is "unknown" while the
 * gateway resolves it and "reversed" once a 2601 undid it.  `retry` is false, always: find out first (query
 * by `msgid`, or the visit's settlement), never send the same money call again blindly.
 */
export class OutcomeUnknownError extends MedicalInsuranceException {
  static override readonly defaultCode: number = 20005;
  override readonly retry: false = false;
  readonly outcome: string;
  constructor(message?: string | null, init: ExceptionInit = {}) {
    super(message, { ...init, retry: false });
    this.outcome = init.outcome ?? "unknown";
    if (this.details["outcome"] === undefined) this.details["outcome"] = this.outcome;
  }
}
/** The spec's Java/C# name for the same class. */
export const OutcomeUnknownException = OutcomeUnknownError;
export type OutcomeUnknownException = OutcomeUnknownError;

type ExceptionClass = new (message?: string | null, init?: ExceptionInit) => MedicalInsuranceException;

const BY_CODE: Record<number, ExceptionClass> = {
  10001: RequestError,
  10002: RequestError,
  10003: RequestError,
  10006: RequestError,
  20010: RequestError,
  10007: AuthenticationError,
  10008: AuthenticationError,
  20008: AuthenticationError,
  20009: AuthenticationError,
  10009: PermissionDeniedError,
  10004: RateLimitError,
  10005: ServiceUnavailableError,
  10010: ServiceUnavailableError,
  20001: UnsupportedInterfaceError,
  20002: UnsupportedInterfaceError,
  20003: InterfaceError,
  20004: ResponseFormatError,
  20005: BureauTimeoutError,
  20006: BureauError,
  20007: DuplicateMessageError,
};
const BY_FAMILY: Record<number, ExceptionClass> = {
  3: DataValidationError,
  4: FileError,
  5: BusinessError,
  6: SystemError,
};

/** The class for an error code: the one code → class mapping of this package. */
export function exceptionClass(code: number): ExceptionClass {
  return BY_CODE[code] ?? BY_FAMILY[Math.floor(code / 10000)] ?? MedicalInsuranceException;
}

/** The exception for `code`; a business code the bureau gave (`infcode` set) is a BureauRefusalError. */
export function exceptionFor(code: number, message?: string | null, init: ExceptionInit = {}): MedicalInsuranceException {
  let cls = exceptionClass(code);
  if (cls === BusinessError && init.infcode != null) cls = BureauRefusalError;
  return new cls(message, { ...init, code });
}
