/** Shapes shared by the hand-written core and the generated code. */

/** How a call may be sent again (sdk/_retry.py): reads freely, writes and money only when never sent. */
export type Safety = "query" | "write" | "money";

/** One input node of a transaction; `open`: no published field table, any fields pass. */
export interface NodeSpec {
  readonly name: string; // "" for fields directly under the bureau's input
  readonly many: boolean;
  readonly open: boolean;
}

/** One row of the generated operation table. */
export interface OperationSpec {
  readonly infno: string;
  readonly title: string;
  readonly interfaceType: string;
  readonly method: string;
  readonly httpMethod: "GET" | "POST" | "PUT" | "DELETE";
  readonly path: string;
  readonly safety: Safety;
  readonly resultType: string;
  readonly file: boolean; // the answer is a file (9102), not the gateway's JSON
  readonly schemaLevel: string;
  readonly nodes: readonly NodeSpec[];
}

/** One row of the error-code table (spec §5.2). */
export interface ErrorCodeInfo {
  readonly message: string;
  readonly retry: boolean;
  readonly retryAfter: number | null;
  readonly maxRetry: number | null;
  readonly httpStatus: number;
  readonly family: string;
}

/** Per-call choices; anything left out is the configured default. */
export interface CallOptions {
  /** seconds for the whole answer */
  timeout?: number;
  /** attempts in total (the retry policy still decides whether another one is allowed) */
  maxAttempts?: number;
  /** X-Request-ID of the call (one id for every attempt) */
  requestId?: string;
  /** write/money calls: the Idempotency-Key header; the same key and input answer the first outcome */
  idempotencyKey?: string;
  /** the envelope's operator code and name, the insured person's 参保地 (X-Operator …, percent-encoded) */
  operator?: string;
  operatorName?: string;
  insuplcAdmdvs?: string;
  /** extra headers */
  headers?: Record<string, string>;
}
