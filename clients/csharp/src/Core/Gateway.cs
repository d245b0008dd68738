// Hand-written: the gateway's own endpoints (spec §3.2–§3.5) and the spec's convenience signatures (§9.1.3).
//
//   BatchResult r = sdk.BatchUpload(operations);                 // §3.2.1, run by the gateway, waited for
//   TaskInfo t = sdk.WaitTask(sdk.CreateTask("transaction", data).TaskId);
//   StoredFile f = sdk.UploadGatewayFile("fees.csv");  byte[] b = sdk.DownloadGatewayFile(f.FileId);
//   GatewayAnswer rows = sdk.UniversalQuery("call_log", filters);
//   PersonInfo p = sdk.QueryPersonInfo("02", certNo, "张三");   // spec's signature, next to the generated one
//
// Every request goes through the one request loop (SendAsync) and the one error mapping (Answers).  Retry
// classes as in the Python SDK's lib/general.py: reads (status, result, query, download, parse) and a batch
// submit (the gateway answers a repeated batch_id with the first run) are Query; creating a task or uploading a
// file is Write — its lost answer is an OutcomeUnknownException.  A failed task throws its operation's error.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace MedicalInsurance.Sdk
{
    public partial class MedicalInsuranceSDK
    {
        private const int StatusPage = 1000;

        // ------------------------------------------------------------------------------ exchange

        private async Task<GatewayAnswer> ExchangeAsync(Safety safety, Func<string, int, HttpRequestMessage> make, bool file = false)
        {
            string requestId = NewRequestId();
            Answer answer = await SendAsync(attempt => make(requestId, attempt), safety, requestId, file: file).ConfigureAwait(false);
            return new GatewayAnswer
            {
                Data = answer.Data, Message = answer.Message, RequestId = answer.RequestId, Pagination = answer.Pagination,
                StatusCode = answer.Status, Content = answer.Content, FileName = answer.FileName,
            };
        }

        private HttpRequestMessage GatewayRequest(HttpMethod method, string path, string requestId, int attempt,
            object body = null, IDictionary<string, object> query = null, HttpContent content = null)
        {
            string url = Config.ApiBaseUrl + path;
            if (query != null && query.Count > 0)
                url += "?" + string.Join("&", query.Where(p => p.Value != null)
                    .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(Json.ToText(p.Value))));
            var request = new HttpRequestMessage(method, url);
            if (body != null) request.Content = JsonContent(body);
            if (content != null) request.Content = content;
            AddHeaders(request, requestId, attempt);
            return request;
        }

        private Task<GatewayAnswer> GetAsync(string path, IDictionary<string, object> query = null, bool file = false)
        {
            return ExchangeAsync(Safety.Query, (rid, n) => GatewayRequest(HttpMethod.Get, path, rid, n, query: query), file);
        }

        private Task<GatewayAnswer> PostAsync(string path, object body, Safety safety)
        {
            return ExchangeAsync(safety, (rid, n) => GatewayRequest(HttpMethod.Post, path, rid, n, body: body));
        }

        // ------------------------------------------------------------------------------ batches

        /// <summary>【§3.2.1】The operations as one gateway batch; waits for its end and answers every operation.</summary>
        public BatchResult BatchUpload(IEnumerable<BatchOperation> operations, string batchId = null, bool stopOnError = true,
            int maxConcurrent = 5, double timeoutSeconds = 300)
        {
            return Run(() => BatchUploadAsync(operations, batchId, stopOnError, maxConcurrent, timeoutSeconds));
        }

        public async Task<BatchResult> BatchUploadAsync(IEnumerable<BatchOperation> operations, string batchId = null,
            bool stopOnError = true, int maxConcurrent = 5, double timeoutSeconds = 300)
        {
            batchId = batchId ?? "BATCH" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)
                + Guid.NewGuid().ToString("N").Substring(0, 8).ToUpperInvariant();
            var ops = operations.Select((op, i) => (object)new Dictionary<string, object>
            {
                { "interface_type", op.InterfaceType },
                { "data", ToInput(op.Data) },
                { "sequence", op.Sequence != 0 ? op.Sequence : i + 1 },
            }).ToList();
            var body = new Dictionary<string, object>
            {
                { "batch_id", batchId },
                { "operations", ops },
                { "options", new Dictionary<string, object>
                    {
                        { "stop_on_error", stopOnError }, { "max_concurrent", maxConcurrent },
                        { "wait", (long)Math.Min(timeoutSeconds, ServerWaitSeconds) },
                    } },
            };
            // idempotent by batch_id: a lost answer may be asked again like a read
            GatewayAnswer answer = await PostAsync("batch/data-upload", body, Safety.Query).ConfigureAwait(false);
            IDictionary<string, object> view = answer.DataMap;
            DateTime deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
            while (!Finished(Json.ToText(Answers.Get(view, "status"))))
            {
                if (DateTime.UtcNow >= deadline)
                    // still running at the gateway: wait or ask BatchStatus, never submit it anew
                    throw MedicalInsuranceException.For(20005, "批次 " + batchId + " 在 " + timeoutSeconds + " 秒内未完成，可用 BatchStatus 查询进度", retry: false);
                await Sleep(1, default(System.Threading.CancellationToken)).ConfigureAwait(false);
                view = (await GetAsync("batch/status/" + batchId, new Dictionary<string, object> { { "page_size", 1 } }).ConfigureAwait(false)).DataMap;
            }
            var items = new List<BatchItem>();
            for (int page = 1; ; page++)
            {
                GatewayAnswer status = await BatchStatusAsync(batchId, page, StatusPage).ConfigureAwait(false);
                var rows = Answers.Get(status.DataMap, "operations") as IList<object> ?? new List<object>();
                items.AddRange(rows.OfType<IDictionary<string, object>>().Select(op => Item(op, status.RequestId)));
                if (!(Answers.Get(status.Pagination, "has_next") is bool more && more)) break;
            }
            decimal? skipped = Json.ToDecimal(Answers.Get(view, "skipped_count"));
            return new BatchResult { BatchId = batchId, Items = items.AsReadOnly(), StoppedEarly = skipped > 0 };
        }

        private static BatchItem Item(IDictionary<string, object> op, string requestId)
        {
            string state = Json.ToText(Answers.Get(op, "status"));
            bool success = state == "success";
            decimal? code = Json.ToDecimal(Answers.Get(op, "error_code"));
            return new BatchItem
            {
                Sequence = (int)(Json.ToDecimal(Answers.Get(op, "sequence")) ?? 0),
                InterfaceType = Json.ToText(Answers.Get(op, "interface_type")) ?? "",
                Infno = Json.ToText(Answers.Get(op, "infno")),
                Success = success,
                Msgid = Json.ToText(Answers.Get(op, "msgid")),
                Output = success ? Answers.Get(op, "output") : null,
                ErrorCode = code.HasValue ? (int?)code.Value : null,
                Error = success ? null : (state + ": " + Json.ToText(Answers.Get(op, "error_message"))).Trim(),
                Exception = success ? null : Answers.OperationError(op, requestId ?? ""),
            };
        }

        private static bool Finished(string status) { return status == "completed" || status == "failed"; }

        /// <summary>【§3.2.3】Counts, progress and one page of operations of a batch.</summary>
        public GatewayAnswer BatchStatus(string batchId, int page = 1, int pageSize = 100)
        {
            return Run(() => BatchStatusAsync(batchId, page, pageSize));
        }

        public Task<GatewayAnswer> BatchStatusAsync(string batchId, int page = 1, int pageSize = 100)
        {
            return GetAsync("batch/status/" + Uri.EscapeDataString(batchId),
                new Dictionary<string, object> { { "page", page }, { "page_size", pageSize } });
        }

        // ------------------------------------------------------------------------------ async tasks

        /// <summary>【§3.3.1】A transaction, batch or catalogue sync run in the background; answers its task at once.</summary>
        public TaskInfo CreateTask(string taskType, IDictionary<string, object> taskData)
        {
            return Run(() => CreateTaskAsync(taskType, taskData));
        }

        public async Task<TaskInfo> CreateTaskAsync(string taskType, IDictionary<string, object> taskData)
        {
            var body = new Dictionary<string, object> { { "task_type", taskType }, { "task_data", taskData ?? new Dictionary<string, object>() } };
            return TaskInfo.From((await PostAsync("async/create-task", body, Safety.Write).ConfigureAwait(false)).Data);
        }

        /// <summary>【§3.3.2】Status and progress (%) of a task.</summary>
        public TaskInfo TaskStatus(string taskId) { return Run(() => TaskStatusAsync(taskId)); }

        public async Task<TaskInfo> TaskStatusAsync(string taskId)
        {
            return TaskInfo.From((await GetAsync("async/task-status/" + Uri.EscapeDataString(taskId)).ConfigureAwait(false)).Data);
        }

        /// <summary>【§3.3.3】The finished task with its Result; a failed task throws its operation's error.</summary>
        public TaskInfo TaskResult(string taskId) { return Run(() => TaskResultAsync(taskId)); }

        public async Task<TaskInfo> TaskResultAsync(string taskId)
        {
            return TaskInfo.From((await GetAsync("async/task-result/" + Uri.EscapeDataString(taskId)).ConfigureAwait(false)).Data);
        }

        /// <summary>Poll a task until it ends, then its result (a failed task throws its error).</summary>
        public TaskInfo WaitTask(string taskId, double timeoutSeconds = 300, double pollSeconds = 1)
        {
            return Run(() => WaitTaskAsync(taskId, timeoutSeconds, pollSeconds));
        }

        public async Task<TaskInfo> WaitTaskAsync(string taskId, double timeoutSeconds = 300, double pollSeconds = 1)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
            while (!(await TaskStatusAsync(taskId).ConfigureAwait(false)).Finished)
            {
                if (DateTime.UtcNow >= deadline)
                    // still running at the gateway: wait again (TaskStatus), never create it anew
                    throw MedicalInsuranceException.For(20005, "任务 " + taskId + " 在 " + timeoutSeconds + " 秒内未完成", retry: false);
                await Sleep(pollSeconds, default(System.Threading.CancellationToken)).ConfigureAwait(false);
            }
            return await TaskResultAsync(taskId).ConfigureAwait(false);
        }

        // ------------------------------------------------------------------------------ files

        /// <summary>【§3.4.1】Upload a file to the gateway, which keeps it checksummed (not 9101: that is UploadFile).</summary>
        public StoredFile UploadGatewayFile(string path) { return Run(() => UploadGatewayFileAsync(File.ReadAllBytes(path), Path.GetFileName(path))); }

        public StoredFile UploadGatewayFile(byte[] content, string fileName) { return Run(() => UploadGatewayFileAsync(content, fileName)); }

        public async Task<StoredFile> UploadGatewayFileAsync(byte[] content, string fileName)
        {
            GatewayAnswer answer = await ExchangeAsync(Safety.Write, (rid, n) =>
            {
                var form = new MultipartFormDataContent();
                form.Add(new ByteArrayContent(content), "file", fileName);
                return GatewayRequest(HttpMethod.Post, "file/upload", rid, n, content: form);
            }).ConfigureAwait(false);
            return StoredFile.From(answer.Data);
        }

        /// <summary>【§3.4.2】Parse a stored file: catalog, 3202_detail, or fee_list (CSV/XLSX → feedetail).</summary>
        public GatewayAnswer ParseGatewayFile(string fileId, string kind = null, IDictionary<string, object> options = null)
        {
            return Run(() => ParseGatewayFileAsync(fileId, kind, options));
        }

        public Task<GatewayAnswer> ParseGatewayFileAsync(string fileId, string kind = null, IDictionary<string, object> options = null)
        {
            var body = new Dictionary<string, object> { { "file_id", fileId } };
            if (kind != null) body["kind"] = kind;
            if (options != null) foreach (var pair in options) body[pair.Key] = pair.Value;
            return PostAsync("file/parse", body, Safety.Query);
        }

        /// <summary>【§3.4.3】A stored file's bytes.</summary>
        public byte[] DownloadGatewayFile(string fileId) { return Run(() => DownloadGatewayFileAsync(fileId)); }

        public async Task<byte[]> DownloadGatewayFileAsync(string fileId)
        {
            GatewayAnswer answer = await GetAsync("file/download/" + Uri.EscapeDataString(fileId), file: true).ConfigureAwait(false);
            return answer.Content ?? new byte[0];
        }

        // ------------------------------------------------------------------------------ query

        /// <summary>【§3.5.1】The institution's stored interface data or call log, filtered, sorted and paged.</summary>
        public GatewayAnswer UniversalQuery(string queryType, IDictionary<string, object> filters = null, int page = 1, int pageSize = 20)
        {
            return Run(() => UniversalQueryAsync(queryType, filters, page, pageSize));
        }

        public Task<GatewayAnswer> UniversalQueryAsync(string queryType, IDictionary<string, object> filters = null, int page = 1, int pageSize = 20)
        {
            var body = new Dictionary<string, object>
            {
                { "query_type", queryType },
                { "filters", filters ?? new Dictionary<string, object>() },
                { "pagination", new Dictionary<string, object> { { "page", page }, { "page_size", pageSize } } },
            };
            return PostAsync("query/universal", body, Safety.Query);
        }

        // ------------------------------------------------------------------------------ spec signatures

        // 就诊凭证类型 02 居民身份证 = 人员证件类型 01 居民身份证(户口簿) (the Python SDK's plans.py)
        private const string IdCardCredential = "02", IdCardDocument = "01";

        /// <summary>【1101】人员基本信息获取 — spec §9.1.3's signature: certType/certNo fill both credential pairs.</summary>
        public PersonInfo QueryPersonInfo(string certType, string certNo, string psnName = null, CallOptions options = null)
        {
            return Run(() => QueryPersonInfoAsync(certType, certNo, psnName, options));
        }

        public Task<PersonInfo> QueryPersonInfoAsync(string certType, string certNo, string psnName = null, CallOptions options = null)
        {
            var data = new Dictionary<string, object>
            {
                { "mdtrt_cert_type", certType }, { "mdtrt_cert_no", certNo },
                { "psn_cert_type", certType == IdCardCredential ? IdCardDocument : certType }, { "certno", certNo },
            };
            if (!string.IsNullOrEmpty(psnName)) data["psn_name"] = psnName;
            return CallAsync<PersonInfo>("1101", new Dictionary<string, object> { { "data", data } }, options);
        }

        /// <summary>【1201】医药机构信息获取 by institution code.</summary>
        public InstitutionInfo QueryInstitutionInfo(string institutionCode, CallOptions options = null)
        {
            return Run(() => QueryInstitutionInfoAsync(institutionCode, options));
        }

        public Task<InstitutionInfo> QueryInstitutionInfoAsync(string institutionCode, CallOptions options = null)
        {
            var node = new Dictionary<string, object> { { "fixmedins_code", institutionCode } };
            return CallAsync<InstitutionInfo>("1201", new Dictionary<string, object> { { "medinsinfo", node } }, options);
        }

        /// <summary>
        /// 【2001】人员待遇享受检查 — spec §9.1.3's signature.  The bureau checks every benefit at once: checkItems
        /// is the spec's wording and is not sent; begntime is now (Beijing time), fixmedins_code the configured one.
        /// </summary>
        public BenefitCheckResult BenefitCheck(string personNo, List<string> checkItems, string insutype = "310", string medType = "11",
            CallOptions options = null)
        {
            return Run(() => BenefitCheckAsync(personNo, checkItems, insutype, medType, options));
        }

        public Task<BenefitCheckResult> BenefitCheckAsync(string personNo, List<string> checkItems, string insutype = "310",
            string medType = "11", CallOptions options = null)
        {
            var data = new Dictionary<string, object>
            {
                { "psn_no", personNo }, { "insutype", insutype }, { "fixmedins_code", Config.InstitutionCode },
                { "med_type", medType }, { "begntime", DateTime.UtcNow.AddHours(8) },
            };
            return CallAsync<BenefitCheckResult>("2001", new Dictionary<string, object> { { "data", data } }, options);
        }
    }
}
