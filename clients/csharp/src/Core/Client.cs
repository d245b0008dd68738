// Hand-written: MedicalInsuranceSDK's HTTP core — one request loop, request building, input normalisation —
// and the gateway's own endpoints (batch, async tasks, files, universal query).  The 206 transaction methods
// are generated (Generated/Operations.cs) and all end in CallAsync<T>(infno, input, options).
//
//   var sdk = new MedicalInsuranceSDK("config.json");           // spec §9.1.3; env vars override the file
//   PersonInfo p = sdk.QueryPersonInfo("02", "430302199001010017", "张三");
//   SettlementResult s = await sdk.OutpatientSettleAsync(request, new CallOptions { IdempotencyKey = "…" });
//
// Retry and error mapping are Retry.cs and Answers.cs: a write or money call is never re-sent once it may have
// reached the gateway; a lost answer to one is an OutcomeUnknownException.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MedicalInsurance.Sdk
{
    /// <summary>Per-call choices; null means the configured default.</summary>
    public sealed class CallOptions
    {
        public double? Timeout { get; set; }
        public int? MaxAttempts { get; set; }
        /// <summary>X-Request-ID (one id for every attempt); a new one when null.</summary>
        public string RequestId { get; set; }
        /// <summary>Write/money calls: the Idempotency-Key header — the same key and input answer the first outcome again.</summary>
        public string IdempotencyKey { get; set; }
        public string Operator { get; set; }
        public string OperatorName { get; set; }
        /// <summary>参保地医保区划 of the person (X-Insuplc-Admdvs).</summary>
        public string InsuplcAdmdvs { get; set; }
        public IDictionary<string, string> Headers { get; set; }
    }

    public partial class MedicalInsuranceSDK : IDisposable
    {
        public const string Version = "1.0.0";
        private const int ServerWaitSeconds = 60;
        private readonly HttpClient http;

        /// <summary>Spec §9.1.3: the JSON file of §9.2.1; environment variables (§9.2.2) override it.</summary>
        public MedicalInsuranceSDK(string configPath) : this(SdkConfig.Load(configPath)) { }

        /// <summary>From the environment variables alone.</summary>
        public MedicalInsuranceSDK() : this(SdkConfig.Load()) { }

        /// <summary>From a loaded config; <paramref name="handler"/> replaces the HTTP stack (tests, proxies).</summary>
        public MedicalInsuranceSDK(SdkConfig config, HttpMessageHandler handler = null, Random random = null)
        {
            if (config == null) throw new ArgumentNullException("config");
            if (config.ApiBaseUrl == null)
                throw MedicalInsuranceException.For(10001, "未配置网关地址：请设置 api_base_url 或环境变量 MEDICAL_INSURANCE_API_URL");
            Config = config;
            RetryPolicy = new RetryPolicy(config, random);
            http = handler != null ? new HttpClient(handler, false) : new HttpClient();
            http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;  // each attempt has its own deadline
            Sleep = (seconds, token) => Task.Delay(TimeSpan.FromSeconds(seconds), token);
        }

        /// <summary>Explicit arguments over environment over file: argument &gt; env &gt; config file &gt; default.</summary>
        public static MedicalInsuranceSDK Create(string configPath = null, string apiBaseUrl = null, string apiKey = null,
            string institutionCode = null, double? timeout = null, int? maxAttempts = null, HttpMessageHandler handler = null)
        {
            var overrides = new Dictionary<string, object>
            {
                { "api_base_url", apiBaseUrl }, { "api_key", apiKey }, { "institution_code", institutionCode },
                { "timeout", timeout }, { "max_attempts", maxAttempts },
            };
            return new MedicalInsuranceSDK(SdkConfig.Load(configPath, null, overrides), handler);
        }

        public SdkConfig Config { get; private set; }
        public RetryPolicy RetryPolicy { get; private set; }
        /// <summary>How the client waits between attempts (tests replace it to record the waits).</summary>
        public Func<double, CancellationToken, Task> Sleep { get; set; }

        public void Dispose() { http.Dispose(); }

        // ------------------------------------------------------------------------------ transactions

        /// <summary>Any transaction by infno ("2207"), interface_type ("outpatient_settle") or method name.</summary>
        public Result Call(string key, object input, CallOptions options = null)
        {
            return Run(() => CallAsync(key, input, options));
        }

        public Task<Result> CallAsync(string key, object input, CallOptions options = null)
        {
            return CallAsync<Result>(Registry.Find(key).Infno, input, options);
        }

        protected T CallSync<T>(string infno, object input, CallOptions options) where T : Result, new()
        {
            return Run(() => CallAsync<T>(infno, input, options));
        }

        protected async Task<T> CallAsync<T>(string infno, object input, CallOptions options) where T : Result, new()
        {
            OperationInfo op = Registry.Find(infno);
            options = options ?? new CallOptions();
            IDictionary<string, object> payload = NormalizeInput(op, ToInput(input));
            string requestId = options.RequestId ?? NewRequestId();
            Answer answer = await SendAsync(attempt => BuildRequest(op, payload, options, requestId, attempt), op.Safety,
                requestId, op.Infno, options.MaxAttempts, op.ResultType == "FileResult", options.Timeout).ConfigureAwait(false);
            return Result.Build<T>(op.Infno, answer);
        }

        /// <summary>
        /// The one request loop: send make(attempt) until answered or the retry policy says stop, with one
        /// X-Request-ID for every attempt.  Transactions and the gateway's own endpoints alike.
        /// </summary>
        internal async Task<Answer> SendAsync(Func<int, HttpRequestMessage> make, Safety safety, string requestId,
            string infno = null, int? maxAttempts = null, bool file = false, double? timeout = null)
        {
            int attempt = 0;
            while (true)
            {
                attempt++;
                Failure failure;
                using (HttpRequestMessage request = make(attempt))
                using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(timeout ?? Config.Timeout)))
                {
                    try
                    {
                        using (HttpResponseMessage response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false))
                        {
                            byte[] body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                            object outcome = Answers.Read(ToRaw(response, body), requestId, infno, file);
                            var answer = outcome as Answer;
                            if (answer != null) return answer;
                            failure = (Failure)outcome;
                        }
                    }
                    catch (Exception exc) when (exc is HttpRequestException || exc is OperationCanceledException
                                                || exc is IOException || exc is System.Net.WebException)
                    {
                        failure = Answers.TransportFailure(infno, exc, requestId);
                    }
                }
                int limit = maxAttempts ?? Config.MaxAttempts;
                double? delay = attempt < limit ? RetryPolicy.Delay(safety, failure, attempt) : null;
                if (delay == null) throw Answers.FinalError(safety, infno, failure, requestId);
                await Sleep(delay.Value, CancellationToken.None).ConfigureAwait(false);
            }
        }

        /// <summary>The HTTP request of one attempt: the registry's route, the input as JSON body (GET: query).</summary>
        public HttpRequestMessage BuildRequest(OperationInfo op, IDictionary<string, object> payload, CallOptions options,
            string requestId, int attempt = 1)
        {
            string url = Config.ApiBaseUrl + op.Path;
            HttpRequestMessage request;
            if (op.HttpMethod == "GET")
                request = new HttpRequestMessage(HttpMethod.Get, url + QueryString(QueryParams(op, payload)));
            else
            {
                request = new HttpRequestMessage(new HttpMethod(op.HttpMethod), url);
                request.Content = JsonContent(payload);
            }
            AddHeaders(request, requestId, attempt);
            AddHeader(request, "X-Operator", options.Operator, true);
            AddHeader(request, "X-Operator-Name", options.OperatorName, true);
            AddHeader(request, "X-Insuplc-Admdvs", options.InsuplcAdmdvs, true);
            if (options.IdempotencyKey != null) request.Headers.TryAddWithoutValidation("Idempotency-Key", options.IdempotencyKey);
            if (options.Headers != null)
                foreach (var pair in options.Headers)
                {
                    request.Headers.Remove(pair.Key);
                    request.Headers.TryAddWithoutValidation(pair.Key, pair.Value);
                }
            return request;
        }

        private void AddHeaders(HttpRequestMessage request, string requestId, int attempt)
        {
            request.Headers.ExpectContinue = false;  // .NET Framework would wait for a 100 before sending the body
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            request.Headers.TryAddWithoutValidation("User-Agent", "medical-insurance-sdk-csharp/" + Version);
            request.Headers.TryAddWithoutValidation("X-Request-ID", requestId);
            request.Headers.TryAddWithoutValidation("X-Retry-Count", (attempt - 1).ToString(CultureInfo.InvariantCulture));
            AddHeader(request, "X-API-Key", Config.ApiKey, false);
            AddHeader(request, "X-Institution-Code", Config.InstitutionCode, false);
            if (Config.JwtToken != null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Config.JwtToken);
        }

        private static void AddHeader(HttpRequestMessage request, string name, string value, bool encode)
        {
            // header values are Latin-1: Chinese names go percent-encoded
            if (!string.IsNullOrEmpty(value)) request.Headers.TryAddWithoutValidation(name, encode ? Uri.EscapeDataString(value) : value);
        }

        private static HttpContent JsonContent(object body)
        {
            var content = new ByteArrayContent(new UTF8Encoding(false).GetBytes(Json.Serialize(body)));
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
            return content;
        }

        private static RawResponse ToRaw(HttpResponseMessage response, byte[] body)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in response.Headers) headers[h.Key] = string.Join(", ", h.Value);
            if (response.Content != null)
                foreach (var h in response.Content.Headers) headers[h.Key] = string.Join(", ", h.Value);
            return new RawResponse((int)response.StatusCode, body, headers);
        }

        public static string NewRequestId()
        {
            return "REQ" + Guid.NewGuid().ToString("N");
        }

        internal static T Run<T>(Func<Task<T>> work)
        {
            // blocking twin of an async call; Task.Run keeps a UI synchronization context out of the await chain
            try { return Task.Run(work).GetAwaiter().GetResult(); }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1) { throw e.InnerException; }
        }

        // ------------------------------------------------------------------------------------ input

        /// <summary>A typed request (IJsonValue), a dictionary, or null → the bureau input as a dictionary.</summary>
        public static IDictionary<string, object> ToInput(object input)
        {
            if (input == null) return new Dictionary<string, object>();
            var json = input as IJsonValue;
            object value = json != null ? json.ToJsonValue() : input;
            var typed = value as IDictionary<string, object>;
            if (typed != null) return typed;
            var loose = value as IDictionary;
            if (loose == null) throw MedicalInsuranceException.For(10002, "输入应为请求对象或字典");
            var result = new Dictionary<string, object>();
            foreach (DictionaryEntry entry in loose) result[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)] = entry.Value;
            return result;
        }

        /// <summary>
        /// The bureau input of <paramref name="op"/>: whole nodes ({"data": {...}}) pass as they are; a one-node
        /// transaction also takes that node's flat fields; a transaction without a field table (one open node)
        /// may have more nodes next to it.  Same rules as the Python SDK's normalize_input.
        /// </summary>
        public static IDictionary<string, object> NormalizeInput(OperationInfo op, IDictionary<string, object> given)
        {
            var nodes = new HashSet<string>(op.Nodes.Select(n => n.Name));
            var result = new Dictionary<string, object>();
            var loose = new Dictionary<string, object>();
            foreach (var pair in given)
            {
                if (nodes.Contains(pair.Key)) result[pair.Key] = pair.Value;
                else loose[pair.Key] = pair.Value;
            }
            string open = op.Nodes.Length == 1 && !op.Nodes[0].Many && op.Nodes[0].Fields.Length == 0 ? op.Nodes[0].Name : null;
            if (open != null && result.ContainsKey(open))
                foreach (var key in loose.Keys.ToList())
                    if (loose[key] is IDictionary || (loose[key] is IEnumerable && !(loose[key] is string)))
                    {
                        result[key] = loose[key];
                        loose.Remove(key);
                    }
            if (loose.Count > 0)
            {
                if (op.Nodes.Length != 1 || op.Nodes[0].Many)
                    throw new DataValidationException(30001, infno: op.Infno,
                        errors: loose.Keys.Select(k => new FieldError(30001, k, "不是 " + op.Infno + " 的输入节点")));
                string name = op.Nodes[0].Name;
                var merged = new Dictionary<string, object>();
                object baseNode;
                if (result.TryGetValue(name, out baseNode))
                    foreach (var pair in ToInput(baseNode)) merged[pair.Key] = pair.Value;
                foreach (var pair in loose) merged[pair.Key] = pair.Value;
                result[name] = merged;
            }
            return result;
        }

        /// <summary>A GET's query: the single node's fields as text (objects and lists as JSON text).</summary>
        public static IList<KeyValuePair<string, string>> QueryParams(OperationInfo op, IDictionary<string, object> payload)
        {
            object node = op.Nodes.Length == 1 ? Answers.Get(payload, op.Nodes[0].Name) : null;
            IDictionary<string, object> fields = node != null ? ToInput(node) : payload;
            return fields.Where(p => p.Value != null)
                .Select(p => new KeyValuePair<string, string>(p.Key, Json.ToText(p.Value is IJsonValue ? ((IJsonValue)p.Value).ToJsonValue() : p.Value)))
                .ToList();
        }

        private static string QueryString(IEnumerable<KeyValuePair<string, string>> pairs)
        {
            string text = string.Join("&", pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
            return text.Length > 0 ? "?" + text : "";
        }
    }
}
