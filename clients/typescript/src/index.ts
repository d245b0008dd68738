/** medical-insurance-sdk: the JavaScript/TypeScript client of the medical-insurance gateway. */

export { MedicalInsuranceSDK } from "./sdk.js";
export type { BatchItem, BatchOperation, BatchOptions, BatchResult, FileInfo, QueryPage, SDKOptions, TaskInfo } from "./sdk.js";
export { loadConfig, normalizeBaseUrl, type SDKConfig, type SDKSettings, type RetrySettings } from "./config.js";
export { Core, normalizeInput, queryParams, operation, newRequestId, USER_AGENT, VERSION, API_PREFIX } from "./core.js";
export { Decimal, type DecimalInput } from "./decimal.js";
export { parse as parseJson, stringify as stringifyJson, type JsonRecord } from "./json.js";
export * from "./errors.js";
export { RetryPolicy, type Failure, type FailureKind } from "./retry.js";
export { readAnswer, gatewayError, finalError, transportFailure, operationError } from "./answers.js";
export { Result } from "./result.js";
export * from "./generated/results.js";
export { OPERATIONS } from "./generated/operations.js";
export { ERROR_CODES } from "./generated/errors.js";
export type * from "./generated/requests.js";
export type * from "./generated/responses.js";
export type { CallOptions, OperationSpec, NodeSpec, Safety, ErrorCodeInfo } from "./types.js";
