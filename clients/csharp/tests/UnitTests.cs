// Unit tests of the hand-written core: JSON decimals, retry decisions per safety class, the request loop with
// a fake HTTP handler (how many attempts, which error), answer mapping, config precedence, input shapes.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MedicalInsurance.Sdk.Tests
{
    /// <summary>Answers each request with the next reply (or throws it), recording what was sent.</summary>
    public sealed class FakeHandler : HttpMessageHandler
    {
        private readonly Queue<Func<HttpRequestMessage, HttpResponseMessage>> replies;
        public readonly List<string> Sent = new List<string>();
        public readonly List<string> Bodies = new List<string>();
        public readonly List<HttpRequestMessage> Requests = new List<HttpRequestMessage>();

        public FakeHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] replies)
        {
            this.replies = new Queue<Func<HttpRequestMessage, HttpResponseMessage>>(replies);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken token)
        {
            Sent.Add(request.Method + " " + request.RequestUri + " retry=" + string.Join(",", request.Headers.GetValues("X-Retry-Count"))
                     + " id=" + string.Join(",", request.Headers.GetValues("X-Request-ID")));
            Requests.Add(request);
            Bodies.Add(request.Content == null ? null : await request.Content.ReadAsStringAsync());
            var reply = replies.Count > 1 ? replies.Dequeue() : replies.Peek();
            return reply(request);
        }

        public static Func<HttpRequestMessage, HttpResponseMessage> Json(int status, string body, string retryAfter = null)
        {
            return _ =>
            {
                var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                if (retryAfter != null) response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
                return response;
            };
        }

        public static Func<HttpRequestMessage, HttpResponseMessage> Html(int status)
        {
            return _ => new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent("<html>bad gateway</html>", Encoding.UTF8, "text/html") };
        }

        public static Func<HttpRequestMessage, HttpResponseMessage> Lost()
        {
            return _ => { throw new HttpRequestException("Error while copying content to a stream.", new IOException("connection reset by peer")); };
        }
    }

    public static class UnitTests
    {
        private static SdkConfig Config(int attempts = 3)
        {
            return SdkConfig.Load(null, new Dictionary<string, string>(), new Dictionary<string, object>
            {
                { "api_base_url", "http://gateway.test/api/v1/medical-insurance/" }, { "api_key", "k" },
                { "institution_code", "H43028110001" }, { "max_attempts", attempts },
            });
        }

        private static MedicalInsuranceSDK Sdk(FakeHandler handler, List<double> sleeps, int attempts = 3)
        {
            var sdk = new MedicalInsuranceSDK(Config(attempts), handler, new Random(7));
            sdk.Sleep = (s, t) => { sleeps.Add(s); return Task.FromResult(0); };
            return sdk;
        }

        private static readonly Dictionary<string, object> Settle = new Dictionary<string, object>
        {
            { "data", new Dictionary<string, object> { { "psn_no", "P1" }, { "medfee_sumamt", 1775.00m } } },
        };

        private const string Ok = "{\"success\": true, \"data\": {\"setlinfo\": {\"setl_id\": \"S1\", \"medfee_sumamt\": 1775.00, "
            + "\"fund_pay_sumamt\": 718.90, \"psn_cash_pay\": 431.70, \"acct_pay\": 624.40, \"balc\": 0.10}}, \"message\": \"成功\", \"request_id\": \"R\"}";

        private static Failure Failed(FailureKind kind, int code, int? status = null, double? retryAfter = null)
        {
            return new Failure(kind, MedicalInsuranceException.For(code), status, retryAfter);
        }

        public static IEnumerable<KeyValuePair<string, Action>> All()
        {
            var t = new List<KeyValuePair<string, Action>>();
            Action<string, Action> add = (name, body) => t.Add(new KeyValuePair<string, Action>("unit: " + name, body));

            // ---------------------------------------------------------------- JSON and decimals
            add("json reads fractions as exact decimals with their scale", () =>
            {
                var map = (IDictionary<string, object>)Json.Parse("{\"a\": 0.1, \"b\": 0.2, \"c\": 25.00, \"n\": 12, \"big\": 12345678901234567890123}");
                Check.True(map["a"] is decimal, "0.1 is decimal");
                Check.Equal(0.3m, (decimal)map["a"] + (decimal)map["b"], "0.1 + 0.2");
                Check.Equal("25.00", ((decimal)map["c"]).ToString(System.Globalization.CultureInfo.InvariantCulture), "scale kept");
                Check.Equal(12L, (long)map["n"], "integer is long");
                Check.Equal(12345678901234567890123m, (decimal)map["big"], "big integer exact");
            });
            add("json refuses a number decimal cannot hold exactly", () =>
            {
                Check.Throws<FormatException>(() => Json.Parse("[1e-30]"), "1e-30");
                Check.Throws<FormatException>(() => Json.Parse("[0.12345678901234567890123456789012]"), "32 digits");
                Check.Throws<FormatException>(() => Json.Parse("{\"a\": 1,}"), "trailing comma");
            });
            add("json writes decimals, strings and nested values exactly", () =>
            {
                var value = new Dictionary<string, object>
                {
                    { "pric", 12.50m }, { "cnt", 2L }, { "name", "张三 \"引号\"\n" }, { "rows", new List<object> { true, null } },
                };
                string text = Json.Serialize(value);
                Check.Equal("{\"pric\":12.50,\"cnt\":2,\"name\":\"张三 \\\"引号\\\"\\n\",\"rows\":[true,null]}", text, "serialized");
                var back = (IDictionary<string, object>)Json.Parse(text);
                Check.Equal(12.50m, (decimal)back["pric"], "round trip");
                Check.Equal("张三 \"引号\"\n", (string)back["name"], "string round trip");
            });
            add("typed request serializes amounts as written and skips unset fields", () =>
            {
                var request = new OutpatientSettleRequest
                {
                    Data = new OutpatientSettleData { PsnNo = "P1", MedfeeSumamt = 1775.00m, InscpScpAmt = 1251.10m },
                };
                request.Data.Extra["invono"] = "INV1";
                string text = Json.Serialize(request);
                Check.Equal("{\"data\":{\"psn_no\":\"P1\",\"medfee_sumamt\":1775.00,\"inscp_scp_amt\":1251.10,\"invono\":\"INV1\"}}", text, "body");
            });

            // ---------------------------------------------------------------- retry decisions
            var policy = new RetryPolicy(Config(), new Random(1));
            add("retry: a lost answer is asked again for a query only", () =>
            {
                Check.True(policy.Delay(Safety.Query, Failed(FailureKind.Lost, 20005), 1).HasValue, "query lost");
                Check.Equal(null, policy.Delay(Safety.Write, Failed(FailureKind.Lost, 20005), 1), "write lost");
                Check.Equal(null, policy.Delay(Safety.Money, Failed(FailureKind.Lost, 20005), 1), "money lost");
            });
            add("retry: never-sent requests are sent again for every safety class", () =>
            {
                foreach (Safety s in new[] { Safety.Query, Safety.Write, Safety.Money })
                    Check.True(policy.Delay(s, Failed(FailureKind.NotSent, 60005), 1).HasValue, "not sent " + s);
            });
            add("retry: a retryable 5xx answer is re-sent for a query, never for money", () =>
            {
                Check.True(policy.Delay(Safety.Query, Failed(FailureKind.Answered, 20006, 502), 1).HasValue, "query 502");
                Check.Equal(null, policy.Delay(Safety.Money, Failed(FailureKind.Answered, 20006, 502), 1), "money 502");
                Check.Equal(null, policy.Delay(Safety.Write, Failed(FailureKind.Answered, 10005, 503), 1), "write 503");
                Check.Equal(null, policy.Delay(Safety.Query, Failed(FailureKind.Answered, 20004, 502), 1), "20004 not retryable");
            });
            add("retry: 429 waits Retry-After for every class, up to max_retry_after", () =>
            {
                Check.Equal((double?)2, policy.Delay(Safety.Money, Failed(FailureKind.Answered, 10004, 429, 2), 1), "money 429");
                Check.Equal(null, policy.Delay(Safety.Query, Failed(FailureKind.Answered, 10004, 429, 120), 1), "too long");
                Check.Equal((double?)60, policy.Delay(Safety.Write, Failed(FailureKind.Answered, 10004, 429), 1), "table's 60 s");
            });
            add("retry: client errors and the last attempt are never retried", () =>
            {
                Check.Equal(null, policy.Delay(Safety.Query, Failed(FailureKind.Answered, 30002, 422), 1), "422");
                Check.Equal(null, policy.Delay(Safety.Query, Failed(FailureKind.Lost, 20005), 3), "attempt 3 of 3");
                double? first = policy.Delay(Safety.Query, Failed(FailureKind.Lost, 20005), 1);
                Check.True(first >= 0.75 && first <= 1.5, "backoff 1.5 s jittered to half–full: " + first);
            });

            // ---------------------------------------------------------------- the request loop
            add("loop: a money call whose answer is lost is sent once and is OutcomeUnknown", () =>
            {
                var handler = new FakeHandler(FakeHandler.Lost());
                var sleeps = new List<double>();
                var e = Check.Throws<OutcomeUnknownException>(() => Sdk(handler, sleeps).Call("2207", Settle), "2207");
                Check.Equal(1, handler.Sent.Count, "attempts");
                Check.Equal(false, e.Retry, "retry");
                Check.Equal("unknown", e.Outcome, "outcome");
                Check.Equal(0, sleeps.Count, "no wait");
            });
            add("loop: a query whose answer is lost is asked again with the same X-Request-ID", () =>
            {
                var handler = new FakeHandler(FakeHandler.Lost(), FakeHandler.Lost(), FakeHandler.Json(200, Ok));
                var sleeps = new List<double>();
                Result r = Sdk(handler, sleeps).Call("5203", new Dictionary<string, object> { { "psn_no", "P1" }, { "setl_id", "S1" }, { "mdtrt_id", "M1" } });
                Check.Equal(3, handler.Sent.Count, "attempts");
                Check.True(handler.Sent[2].Contains("retry=2"), "X-Retry-Count 2: " + handler.Sent[2]);
                string id = handler.Sent[0].Substring(handler.Sent[0].LastIndexOf(" id=", StringComparison.Ordinal));
                Check.True(handler.Sent.All(s => s.EndsWith(id, StringComparison.Ordinal)), "one request id");
                Check.Equal(2, sleeps.Count, "two waits");
                Check.Equal(1775.00m, (decimal)r.Get("medfee_sumamt"), "exact amount");
            });
            add("loop: a connection refused is re-sent even for money, then 60005 (not OutcomeUnknown)", () =>
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();  // nothing listens there now: the connection is refused
                var config = SdkConfig.Load(null, new Dictionary<string, string>(), new Dictionary<string, object>
                    { { "api_base_url", "http://127.0.0.1:" + port + "/api/v1/medical-insurance/" }, { "max_attempts", 2 } });
                var sleeps = new List<double>();
                var sdk = new MedicalInsuranceSDK(config);
                sdk.Sleep = (s, tk) => { sleeps.Add(s); return Task.FromResult(0); };
                var e = Check.Throws<MedicalInsuranceException>(() => sdk.Call("2207", Settle), "refused");
                Check.True(!(e is OutcomeUnknownException), "refused is not an unknown outcome: " + e.GetType().Name);
                Check.Equal(60005, e.Code, "code");
                Check.Equal(1, sleeps.Count, "sent twice");
            });
            add("loop: a proxy's 502 page to a money call is OutcomeUnknown, to a query a retried 20003", () =>
            {
                var money = new FakeHandler(FakeHandler.Html(502));
                Check.Throws<OutcomeUnknownException>(() => Sdk(money, new List<double>()).Call("2207", Settle), "money");
                Check.Equal(1, money.Sent.Count, "money attempts");
                var query = new FakeHandler(FakeHandler.Html(502));
                var e = Check.Throws<InterfaceException>(() => Sdk(query, new List<double>()).Call("1101", new Dictionary<string, object>()), "query");
                Check.Equal(20003, e.Code, "code");
                Check.Equal(3, query.Sent.Count, "query attempts");
            });
            add("loop: a gateway 429 with Retry-After is waited out for money", () =>
            {
                var handler = new FakeHandler(FakeHandler.Json(429, "{\"success\": false, \"error_code\": 10004, \"message\": \"请求频率过高\"}", "3"),
                    FakeHandler.Json(200, Ok));
                var sleeps = new List<double>();
                SettlementResult r = Sdk(handler, sleeps).OutpatientSettle(Settle);
                Check.Equal("3", string.Join(",", sleeps), "waited Retry-After");
                Check.Equal(718.90m + 431.70m + 624.40m, r.TotalAmount.Value, "total = fund + cash + account");
                Check.Equal(0.10m, r.Balance.Value, "balance");
            });
            add("loop: request carries the route, headers and the exact JSON body", () =>
            {
                var handler = new FakeHandler(FakeHandler.Json(200, Ok));
                Sdk(handler, new List<double>()).OutpatientSettle(Settle, new CallOptions { IdempotencyKey = "IK1", OperatorName = "李医生" });
                HttpRequestMessage sent = handler.Requests[0];
                Check.Equal("http://gateway.test/api/v1/medical-insurance/business/outpatient/settle", sent.RequestUri.ToString(), "url");
                Check.Equal("IK1", sent.Headers.GetValues("Idempotency-Key").Single(), "idempotency key");
                Check.Equal("k", sent.Headers.GetValues("X-API-Key").Single(), "api key");
                Check.Equal("H43028110001", sent.Headers.GetValues("X-Institution-Code").Single(), "institution");
                Check.Equal("%E6%9D%8E%E5%8C%BB%E7%94%9F", sent.Headers.GetValues("X-Operator-Name").Single(), "encoded name");
                Check.Equal("{\"data\":{\"psn_no\":\"P1\",\"medfee_sumamt\":1775.00}}", handler.Bodies[0], "body");
            });

            // ---------------------------------------------------------------- answers
            add("answers: data {msgid, outcome} is OutcomeUnknown with retry false whatever the gateway says", () =>
            {
                var body = "{\"success\": false, \"error_code\": 20005, \"message\": \"医保局未应答\", \"error\": {\"retry\": true}, \"data\": {\"msgid\": \"M1\", \"outcome\": \"unknown\"}}";
                var f = (Failure)Answers.Read(new RawResponse(504, Encoding.UTF8.GetBytes(body), new Dictionary<string, string> { { "Content-Type", "application/json" } }), "R1", "2207");
                var e = f.Error as OutcomeUnknownException;
                Check.True(e != null, "OutcomeUnknownException");
                Check.Equal(false, e.Retry, "retry");
                Check.Equal("M1", e.Msgid, "msgid");
                Check.Equal("医保局未应答", e.Message, "Chinese message kept");
            });
            add("answers: a 422 keeps every field error; a 5xxxx from the bureau is a refusal", () =>
            {
                var body = "{\"success\": false, \"error_code\": 30002, \"message\": \"必填字段缺失\", \"data\": {\"errors\": [{\"code\": 30002, \"field\": \"data.psn_no\"}, {\"code\": 30004, \"field\": \"data.dr_name\"}]}}";
                var e = Answers.GatewayError("2201", (IDictionary<string, object>)Json.Parse(body), 422, "R");
                Check.True(e is DataValidationException, "class");
                Check.Equal(2, e.Errors.Count, "errors");
                Check.Equal("data.dr_name", e.Errors[1].Path, "path");
                var refusal = Answers.GatewayError("2207", (IDictionary<string, object>)Json.Parse(
                    "{\"success\": false, \"error_code\": 50009, \"message\": \"结算已撤销\", \"data\": {\"infcode\": -2}}"), 409, "R");
                Check.True(refusal is BureauRefusalException && refusal is BusinessException, "refusal");
                Check.Equal(-2, ((BureauRefusalException)refusal).Infcode, "infcode");
            });

            // ---------------------------------------------------------------- config and input
            add("config: argument > env > file > default, bare host gets the API prefix", () =>
            {
                string path = Path.GetTempFileName();
                File.WriteAllText(path, "{\"medical_insurance\": {\"api_base_url\": \"http://file:8000\", \"api_key\": \"file-key\", "
                    + "\"institution_code\": \"FILE\", \"timeout\": 30, \"retry\": {\"max_attempts\": 5, \"backoff_factor\": 2}}, "
                    + "\"medical_bureau\": {\"ak\": \"x\"}}");
                var env = new Dictionary<string, string> { { "MEDICAL_INSURANCE_API_KEY", "env-key" }, { "MEDICAL_INSURANCE_TIMEOUT", "12" },
                    { "MEDICAL_INSURANCE_INSTITUTION_CODE", "" } };
                var config = SdkConfig.Load(path, env, new Dictionary<string, object> { { "timeout", 7 } });
                File.Delete(path);
                Check.Equal("http://file:8000/api/v1/medical-insurance/", config.ApiBaseUrl, "prefix");
                Check.Equal("env-key", config.ApiKey, "env over file");
                Check.Equal("FILE", config.InstitutionCode, "empty env is unset");
                Check.Equal(7.0, config.Timeout, "argument over env");
                Check.Equal(5, config.MaxAttempts, "file's retry.max_attempts");
                Check.Equal(2.0, config.BackoffFactor, "backoff");
                Check.Equal(300.0, config.CacheTtl, "default");
            });
            add("input: flat fields go into the single node; a stray key of a multi-node input is 30001", () =>
            {
                var op = Registry.Find("2207");
                var input = MedicalInsuranceSDK.NormalizeInput(op, new Dictionary<string, object> { { "psn_no", "P1" } });
                Check.Equal("P1", ((IDictionary<string, object>)input["data"])["psn_no"], "flat → data");
                var e = Check.Throws<DataValidationException>(() => MedicalInsuranceSDK.NormalizeInput(Registry.Find("2101"),
                    new Dictionary<string, object> { { "psn_no", "P1" } }), "2101");
                Check.Equal(30001, e.Errors[0].Code, "code");
                Check.Throws<UnsupportedInterfaceException>(() => Registry.Find("9999"), "unknown infno");
                Check.Equal(206, Registry.Operations.Count, "206 transactions");
            });
            add("results: friendly names follow the registry's paths", () =>
            {
                var answer = new Answer { Data = Json.Parse("{\"baseinfo\": {\"psn_no\": \"P1\", \"psn_name\": \"张三\", \"age\": 35}, "
                    + "\"insuinfo\": [{\"insutype\": \"310\", \"balc\": \"\"}, {\"insutype\": \"390\", \"balc\": 1500.00}]}"), Msgid = "M" };
                PersonInfo p = Result.Build<PersonInfo>("1101", answer);
                Check.Equal("张三", p.Name, "name");
                Check.Equal(1500.00m, p.InsuranceBalance.Value, "first row that has it");
                Check.Equal("310", p.InsuranceType, "first row");
                Check.Equal(35m, p.Age.Value, "age");
            });
            return t;
        }
    }
}
