/**
 * `MedicalInsuranceSDK`: every transaction as a method (generated), the spec's convenience signatures, and
 * the gateway's own endpoints (batches §3.2, async tasks §3.3, files §3.4, universal query §3.5).
 *
 *   const sdk = new MedicalInsuranceSDK("config.json");            // or {...settings}, or env vars only
 *   const patient = await sdk.queryPersonInfo("02", "430302199001010017", "张三");
 *   const settled = await sdk.outpatientSettle({ data: { ... } });  // typed input, SettlementResult
 *
 * Retry: every call goes through the one request loop (src/core.ts) and the one policy (src/retry.ts).  A
 * batch submit is asked again like a read (the gateway answers a repeated batch_id with the first run);
 * creating a task or uploading a file only when the request never left.
 */

import { operationError } from "./answers.js";
import { loadConfig, type SDKConfig, type SDKSettings } from "./config.js";
import { buildResult, Core, type Fetch, newRequestId, operation, type Sleep } from "./core.js";
import { exceptionFor, type MedicalInsuranceException } from "./errors.js";
import { GeneratedOperations } from "./generated/operations.js";
import type {
  BenefitCheckRequest,
  BenefitCheckRequestData,
  QueryInstitutionInfoRequest,
  QueryInstitutionInfoRequestMedinsinfo,
  QueryPersonInfoRequest,
  QueryPersonInfoRequestData,
} from "./generated/requests.js";
import type { BenefitCheckResponse, QueryInstitutionInfoResponse, QueryPersonInfoResponse } from "./generated/responses.js";
import type { BenefitCheckResult, InstitutionInfo, PersonInfo } from "./generated/results.js";
import { isRecord, type JsonRecord } from "./json.js";
import type { Result } from "./result.js";
import type { CallOptions } from "./types.js";

export interface SDKOptions extends SDKSettings {
  /** a fetch to use instead of the global one (tests, proxies) */
  fetch?: Fetch;
  /** how to wait between attempts (tests) */
  sleep?: Sleep;
  /** jitter source (tests) */
  random?: () => number;
}

/** One operation of a batch (§3.2.1): the transaction, the bureau's input, its place in the order. */
export interface BatchOperation {
  interfaceType?: string;
  infno?: string;
  data: JsonRecord;
  sequence?: number;
}

export interface BatchOptions {
  batchId?: string;
  stopOnError?: boolean;
  maxConcurrent?: number;
  /** seconds to wait for the batch to end (polling batch/status) */
  timeout?: number;
  /** seconds between status polls */
  poll?: number;
}

/** One operation's outcome; `exception` is what it would have raised called alone (same class, retry). */
export interface BatchItem {
  readonly sequence: number;
  readonly interfaceType: string;
  readonly infno: string | null;
  readonly success: boolean;
  readonly status: string;
  readonly result: Result | null;
  readonly errorCode: number | null;
  readonly exception: MedicalInsuranceException | null;
}

export interface BatchResult {
  readonly batchId: string;
  readonly status: string;
  readonly totalCount: number;
  readonly successCount: number;
  readonly failedCount: number;
  readonly items: readonly BatchItem[];
  readonly raw: JsonRecord;
}

/** An async task (§3.3): status pending / processing / completed / failed, progress in %. */
export interface TaskInfo {
  readonly taskId: string;
  readonly taskType: string | null;
  readonly status: string;
  readonly progress: number;
  readonly result: unknown;
  readonly raw: JsonRecord;
}

/** A file kept by the gateway (§3.4). */
export interface FileInfo {
  readonly fileId: string;
  readonly filename: string;
  readonly size: number;
  readonly sha256: string;
  readonly raw: JsonRecord;
}

/** A page of the universal query (§3.5.1): the rows and §1.4's pagination. */
export interface QueryPage {
  readonly rows: readonly JsonRecord[];
  readonly pagination: JsonRecord | null;
}

const FINISHED = new Set(["completed", "failed"]);
const SERVER_WAIT_S = 60;
// 就诊凭证类型 02 居民身份证 = 人员证件类型 01 居民身份证(户口簿)
const ID_CARD_CREDENTIAL = "02";
const ID_CARD_DOCUMENT = "01";

function taskInfo(data: unknown): TaskInfo {
  const raw = isRecord(data) ? data : {};
  return {
    taskId: String(raw["task_id"] ?? ""),
    taskType: typeof raw["task_type"] === "string" ? raw["task_type"] : null,
    status: String(raw["status"] ?? ""),
    progress: Number(raw["progress"] ?? 0),
    result: raw["result"] ?? null,
    raw,
  };
}

function beijingNow(): string {
  const shifted = new Date(Date.now() + 8 * 3600 * 1000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 19)}`;
}

export class MedicalInsuranceSDK extends GeneratedOperations {
  readonly config: SDKConfig;
  private readonly core: Core;

  /** `new MedicalInsuranceSDK("config.json")`, `new MedicalInsuranceSDK({ apiKey, ... })`, or both. */
  constructor(configPath?: string | SDKOptions, options: SDKOptions = {}) {
    super();
    const settings: SDKOptions = typeof configPath === "string" ? { ...options, configPath } : { ...(configPath ?? {}), ...options };
    this.config = loadConfig(settings);
    this.core = new Core(this.config, settings.fetch, settings.sleep, settings.random);
  }

  protected invoke(infno: string, input: unknown, options?: CallOptions): Promise<unknown> {
    return this.core.call(infno, input, options);
  }

  /** Any transaction by infno, interface_type or method name, with the bureau's input as a plain record. */
  call(key: string, input: JsonRecord = {}, options?: CallOptions): Promise<Result> {
    return this.core.call(key, input, options);
  }

  // ------------------------------------------------------------------------------ the spec's signatures

  /** 【1101】人员基本信息获取 — spec §9.1: (certType, certNo[, psnName]); or the typed input. */
  override queryPersonInfo(certType: string, certNo: string, psnName?: string, options?: CallOptions): Promise<PersonInfo<QueryPersonInfoResponse>>;
  override queryPersonInfo(input: QueryPersonInfoRequest | QueryPersonInfoRequestData, options?: CallOptions): Promise<PersonInfo<QueryPersonInfoResponse>>;
  override queryPersonInfo(
    first: string | QueryPersonInfoRequest | QueryPersonInfoRequestData,
    second?: string | CallOptions,
    psnName?: string,
    options?: CallOptions,
  ): Promise<PersonInfo<QueryPersonInfoResponse>> {
    if (typeof first !== "string") return super.queryPersonInfo(first, second as CallOptions | undefined);
    // the credential pair and the document pair have their own code tables: 就诊凭证 02 is 证件 01
    const data: QueryPersonInfoRequestData = {
      mdtrt_cert_type: first,
      mdtrt_cert_no: String(second),
      psn_cert_type: first === ID_CARD_CREDENTIAL ? ID_CARD_DOCUMENT : first,
      certno: String(second),
    };
    if (psnName) data.psn_name = psnName;
    return super.queryPersonInfo({ data }, options);
  }

  /** 【1201】医药机构信息获取 — (institutionCode); or the typed input. */
  override queryInstitutionInfo(institutionCode: string, options?: CallOptions): Promise<InstitutionInfo<QueryInstitutionInfoResponse>>;
  override queryInstitutionInfo(
    input: QueryInstitutionInfoRequest | QueryInstitutionInfoRequestMedinsinfo,
    options?: CallOptions,
  ): Promise<InstitutionInfo<QueryInstitutionInfoResponse>>;
  override queryInstitutionInfo(
    first: string | QueryInstitutionInfoRequest | QueryInstitutionInfoRequestMedinsinfo,
    options?: CallOptions,
  ): Promise<InstitutionInfo<QueryInstitutionInfoResponse>> {
    const input = typeof first === "string" ? { medinsinfo: { fixmedins_code: first } } : first;
    return super.queryInstitutionInfo(input, options);
  }

  /**
   * 【2001】人员待遇享受检查 — spec §9.1: (personNo, checkItems[, fields]); the bureau checks every benefit at
   * once, so `checkItems` is the spec's wording and is not sent.  fixmedins_code is this institution and
   * begntime now (Beijing time) unless `fields` says otherwise; insutype and med_type come from `fields`.
   */
  override benefitCheck(
    personNo: string,
    checkItems: readonly string[],
    fields?: Partial<BenefitCheckRequestData>,
    options?: CallOptions,
  ): Promise<BenefitCheckResult<BenefitCheckResponse>>;
  override benefitCheck(input: BenefitCheckRequest | BenefitCheckRequestData, options?: CallOptions): Promise<BenefitCheckResult<BenefitCheckResponse>>;
  override benefitCheck(
    first: string | BenefitCheckRequest | BenefitCheckRequestData,
    second?: readonly string[] | CallOptions,
    fields: Partial<BenefitCheckRequestData> = {},
    options?: CallOptions,
  ): Promise<BenefitCheckResult<BenefitCheckResponse>> {
    if (typeof first !== "string") return super.benefitCheck(first, second as CallOptions | undefined);
    const data = { psn_no: first, fixmedins_code: this.config.institutionCode ?? undefined, begntime: beijingNow(), ...fields };
    return super.benefitCheck({ data } as BenefitCheckRequest, options);
  }

  // ----------------------------------------------------------------------------------------- batches

  /**
   * 【§3.2.1】Several transactions as one gateway batch, in `sequence` order per visit; waits for its end.
   * Each operation gives the bureau's input.  The same batchId sent again answers the first run.
   */
  async batchUpload(operations: readonly BatchOperation[], options: BatchOptions = {}): Promise<BatchResult> {
    const batchId = options.batchId ?? `BATCH${newRequestId().slice(3, 23).toUpperCase()}`;
    const timeout = options.timeout ?? 300;
    const body = {
      batch_id: batchId,
      operations: operations.map((op, index) => ({
        interface_type: op.interfaceType ?? (op.infno ? operation(op.infno).interfaceType : undefined),
        data: op.data,
        sequence: op.sequence ?? index + 1,
      })),
      options: { stop_on_error: options.stopOnError ?? true, max_concurrent: options.maxConcurrent ?? 5, wait: Math.min(timeout, SERVER_WAIT_S) },
    };
    // idempotent by batch_id: a lost answer may be asked again like a read
    let view = (await this.core.gateway("POST", "batch/data-upload", "query", { json: body })).data;
    const deadline = Date.now() + timeout * 1000;
    while (!FINISHED.has(String((isRecord(view) ? view : {})["status"]))) {
      if (Date.now() >= deadline) {
        throw exceptionFor(20005, `批次 ${batchId} 在 ${timeout} 秒内未完成，可用 batchStatus 查询进度`, { retry: false });
      }
      await new Promise((resolve) => setTimeout(resolve, (options.poll ?? 1) * 1000));
      view = (await this.batchStatus(batchId, 1, 1)).data;
    }
    const items: BatchItem[] = [];
    let last: JsonRecord = isRecord(view) ? view : {};
    for (let page = 1; ; page++) {
      const answer = await this.batchStatus(batchId, page, 1000);
      last = isRecord(answer.data) ? answer.data : {};
      const ops = Array.isArray(last["operations"]) ? last["operations"].filter(isRecord) : [];
      items.push(...ops.map((op) => batchItem(op, answer.requestId ?? "")));
      if (!answer.pagination?.["has_next"]) break;
    }
    return {
      batchId,
      status: String(last["status"] ?? ""),
      totalCount: Number(last["total_count"] ?? items.length),
      successCount: Number(last["success_count"] ?? items.filter((i) => i.success).length),
      failedCount: Number(last["failed_count"] ?? items.filter((i) => !i.success).length),
      items,
      raw: last,
    };
  }

  /** 【§3.2.3】Counts, progress and one page of operations of a batch. */
  async batchStatus(batchId: string, page = 1, pageSize = 100): Promise<{ data: unknown; pagination: JsonRecord | null; requestId: string | null }> {
    const answer = await this.core.gateway("GET", `batch/status/${encodeURIComponent(batchId)}`, "query", { params: { page, page_size: pageSize } });
    return { data: answer.data, pagination: answer.pagination, requestId: answer.requestId };
  }

  // ------------------------------------------------------------------------------------------- tasks

  /** 【§3.3.1】A transaction ("transaction"), batch or catalogue sync run in the background. */
  async createTask(taskType: string, taskData: JsonRecord): Promise<TaskInfo> {
    const answer = await this.core.gateway("POST", "async/create-task", "write", { json: { task_type: taskType, task_data: taskData } });
    return taskInfo(answer.data);
  }

  /** 【§3.3.2】Status and progress (%) of a task. */
  async taskStatus(taskId: string): Promise<TaskInfo> {
    return taskInfo((await this.core.gateway("GET", `async/task-status/${encodeURIComponent(taskId)}`, "query")).data);
  }

  /** 【§3.3.3】The finished task with its result; still running: result null; failed: its error thrown. */
  async taskResult(taskId: string): Promise<TaskInfo> {
    return taskInfo((await this.core.gateway("GET", `async/task-result/${encodeURIComponent(taskId)}`, "query")).data);
  }

  /** Poll a task until it ends, then its result (a failed task throws its operation's error). */
  async waitTask(taskId: string, timeout = 300, poll = 1): Promise<TaskInfo> {
    const deadline = Date.now() + timeout * 1000;
    while (!FINISHED.has((await this.taskStatus(taskId)).status)) {
      if (Date.now() >= deadline) throw exceptionFor(20005, `任务 ${taskId} 在 ${timeout} 秒内未完成`, { retry: false });
      await new Promise((resolve) => setTimeout(resolve, poll * 1000));
    }
    return this.taskResult(taskId);
  }

  // ------------------------------------------------------------------------------------------- files

  /** 【§3.4.1】Store a file at the gateway (multipart), checksummed; answers its file_id. */
  async gatewayFileUpload(content: Uint8Array, filename: string): Promise<FileInfo> {
    const answer = await this.core.gateway("POST", "file/upload", "write", {
      form: () => {
        const form = new FormData();
        form.append("file", new Blob([new Uint8Array(content)]), filename);
        return form;
      },
    });
    const raw = isRecord(answer.data) ? answer.data : {};
    return { fileId: String(raw["file_id"]), filename: String(raw["filename"]), size: Number(raw["size"]), sha256: String(raw["sha256"]), raw };
  }

  /** 【§3.4.3】A stored file's bytes. */
  async gatewayFileDownload(fileId: string): Promise<Uint8Array> {
    const answer = await this.core.gateway("GET", `file/download/${encodeURIComponent(fileId)}`, "query", undefined, true);
    return answer.content ?? new Uint8Array();
  }

  // ------------------------------------------------------------------------------------------- query

  /** 【§3.5.1】The institution's stored interface data or call log, filtered, sorted and paged. */
  async universalQuery(
    queryType: "interface_data" | "call_log",
    filters: JsonRecord = {},
    options: { page?: number; pageSize?: number; sort?: { field: string; order?: "asc" | "desc" }[] } = {},
  ): Promise<QueryPage> {
    const body: JsonRecord = { query_type: queryType, filters, pagination: { page: options.page ?? 1, page_size: options.pageSize ?? 20 } };
    if (options.sort) body["sort"] = options.sort;
    const answer = await this.core.gateway("POST", "query/universal", "query", { json: body });
    return { rows: Array.isArray(answer.data) ? answer.data.filter(isRecord) : [], pagination: answer.pagination };
  }
}

function batchItem(op: JsonRecord, requestId: string): BatchItem {
  const success = op["status"] === "success";
  const infno = typeof op["infno"] === "string" ? op["infno"] : null;
  let result: Result | null = null;
  if (success && infno) {
    const spec = operation(infno);
    result = buildResult(spec.resultType, infno, op["output"] ?? null, { msgid: (op["msgid"] as string | undefined) ?? null });
  }
  return {
    sequence: Number(op["sequence"] ?? 0),
    interfaceType: String(op["interface_type"] ?? ""),
    infno,
    success,
    status: String(op["status"] ?? ""),
    result,
    errorCode: typeof op["error_code"] === "number" ? op["error_code"] : null,
    exception: success ? null : operationError(op, requestId),
  };
}
