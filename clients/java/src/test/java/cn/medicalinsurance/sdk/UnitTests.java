package cn.medicalinsurance.sdk;

import static cn.medicalinsurance.sdk.TestRunner.check;
import static cn.medicalinsurance.sdk.TestRunner.equal;
import static cn.medicalinsurance.sdk.TestRunner.raises;

import cn.medicalinsurance.sdk.exception.AuthenticationException;
import cn.medicalinsurance.sdk.exception.BureauRefusalException;
import cn.medicalinsurance.sdk.exception.DataValidationException;
import cn.medicalinsurance.sdk.exception.Errors;
import cn.medicalinsurance.sdk.exception.InterfaceException;
import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import cn.medicalinsurance.sdk.exception.OutcomeUnknownException;
import cn.medicalinsurance.sdk.generated.OutpatientExpenseUploadRequest;
import cn.medicalinsurance.sdk.generated.OutpatientRegisterRequest;
import cn.medicalinsurance.sdk.generated.Operations;
import cn.medicalinsurance.sdk.generated.SettlementResult;
import com.sun.net.httpserver.HttpServer;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/** Unit tests of the hand-written core: retry decisions, decimals, answer mapping, config, inputs. */
final class UnitTests {
    private UnitTests() {}

    private static final SdkConfig CONFIG = SdkConfig.load(null, Map.of(),
            Map.of("api_base_url", "http://gateway.test/api/v1/medical-insurance/", "api_key", "k", "institution_code", "H1"));

    static void register(TestRunner t) {
        t.test("retry: a request that never left is re-sent for every safety class", () -> {
            RetryPolicy policy = new RetryPolicy(3, 1.5, 30, 60, new Random(1));
            RetryPolicy.Failure refused = failure(RetryPolicy.Kind.NOT_SENT, 60005, null, null);
            for (Safety s : Safety.values()) {
                check(policy.delay(s, refused, 1) != null, s + " not re-sent after connection refused");
                check(policy.delay(s, refused, 3) == null, s + " re-sent beyond max_attempts");
            }
        });
        t.test("retry: a lost answer is re-asked for a query only, never for a write or money call", () -> {
            RetryPolicy policy = new RetryPolicy(3, 1.5, 30, 60, new Random(1));
            RetryPolicy.Failure lost = failure(RetryPolicy.Kind.LOST, 20005, null, null);
            check(policy.delay(Safety.QUERY, lost, 1) != null, "query not re-asked");
            equal(null, policy.delay(Safety.WRITE, lost, 1), "write delay");
            equal(null, policy.delay(Safety.MONEY, lost, 1), "money delay");
        });
        t.test("retry: a retryable 5xx is re-asked for a query only; 4xx never", () -> {
            RetryPolicy policy = new RetryPolicy(3, 1.5, 30, 60, new Random(1));
            RetryPolicy.Failure bureau = failure(RetryPolicy.Kind.ANSWERED, 20006, 502, null);
            check(policy.delay(Safety.QUERY, bureau, 1) != null, "query not re-asked after 20006");
            equal(null, policy.delay(Safety.MONEY, bureau, 1), "money after 502");
            equal(null, policy.delay(Safety.QUERY, failure(RetryPolicy.Kind.ANSWERED, 30002, 422, null), 1), "422");
            equal(null, policy.delay(Safety.QUERY, failure(RetryPolicy.Kind.ANSWERED, 20004, 502, null), 1), "20004 retry=false");
        });
        t.test("retry: 429 waits Retry-After for money too, unless longer than max_retry_after", () -> {
            RetryPolicy policy = new RetryPolicy(3, 1.5, 30, 60, new Random(1));
            equal(7.0, policy.delay(Safety.MONEY, failure(RetryPolicy.Kind.ANSWERED, 10004, 429, 7.0), 1), "wait");
            equal(null, policy.delay(Safety.MONEY, failure(RetryPolicy.Kind.ANSWERED, 10004, 429, 61.0), 1), "too long");
            equal(60.0, policy.delay(Safety.QUERY, failure(RetryPolicy.Kind.ANSWERED, 10004, 429, null), 1), "table's 60 s");
        });
        t.test("retry: backoff doubles, jittered between half and full, capped", () -> {
            RetryPolicy policy = new RetryPolicy(5, 1.5, 4, 60, new Random(3));
            for (int i = 0; i < 50; i++) {
                double d = policy.backoff(2);
                check(d >= 1.5 && d <= 3.0, "attempt 2 backoff " + d);
                double capped = policy.backoff(5);
                check(capped >= 2.0 && capped <= 4.0, "capped backoff " + capped);
            }
        });

        t.test("json: amounts are read and written exactly (BigDecimal, plain notation)", () -> {
            Map<?, ?> parsed = (Map<?, ?>) Json.parse("{\"a\": 1775.00, \"b\": 0.1, \"c\": 12345678901234567.89, \"n\": 3}");
            equal(new BigDecimal("1775.00"), parsed.get("a"), "scale kept");
            equal(new BigDecimal("0.3"), ((BigDecimal) parsed.get("b")).add(new BigDecimal("0.2")), "0.1 + 0.2");
            equal("12345678901234567.89", ((BigDecimal) parsed.get("c")).toPlainString(), "no double rounding");
            equal("{\"x\":1000}", Json.write(Map.of("x", new BigDecimal("1E+3"))), "plain notation");
            equal("{\"y\":12.50}", Json.write(Map.of("y", new BigDecimal("12.50"))), "trailing zero kept");
        });

        t.test("answers: an unknown money outcome is OutcomeUnknownException with retry false, whatever error.retry says", () -> {
            String body = "{\"success\":false,\"error_code\":20005,\"message\":\"医保局未应答\",\"data\":{\"msgid\":\"M1\",\"outcome\":\"unknown\"},"
                    + "\"error\":{\"code\":20005,\"retry\":true}}";
            MedicalInsuranceException e = Answers.read(reply(504, body), "R1", "2207", false).failure.error;
            check(e instanceof OutcomeUnknownException, "class " + e.getClass());
            equal(false, e.isRetry(), "retry");
            equal("M1", e.getMsgid(), "msgid");
            equal("unknown", ((OutcomeUnknownException) e).getOutcome(), "outcome");
        });
        t.test("answers: 422 carries every field error; 401 is AuthenticationException; 5000x with infcode a refusal", () -> {
            String body = "{\"success\":false,\"error_code\":30002,\"message\":\"必填字段缺失\",\"data\":{\"errors\":["
                    + "{\"code\":30002,\"field\":\"data.psn_no\",\"message\":\"30002 - 必填字段缺失: data.psn_no\"},"
                    + "{\"code\":30002,\"field\":\"data.insutype\",\"message\":\"x\"}]}}";
            DataValidationException v = (DataValidationException) Answers.read(reply(422, body), "R", "2201", false).failure.error;
            equal(2, v.getErrors().size(), "field errors");
            equal("data.psn_no", v.getErrors().get(0).getField(), "field");
            equal(422, v.getHttpStatus(), "status");
            MedicalInsuranceException auth = Answers.read(reply(401, "{\"success\":false,\"error_code\":10007,\"message\":\"API Key 无效\"}"), "R", null, false).failure.error;
            check(auth instanceof AuthenticationException && auth.getCode() == 10007, "auth " + auth);
            MedicalInsuranceException refusal = Answers.read(reply(409, "{\"success\":false,\"error_code\":50009,\"message\":\"该结算已撤销\","
                    + "\"error\":{\"code\":50009,\"retry\":false,\"infcode\":-2}}"), "R", "2208", false).failure.error;
            check(refusal instanceof BureauRefusalException, "refusal " + refusal);
            equal(-2, refusal.getInfcode(), "infcode");
            equal("该结算已撤销", refusal.getMessage(), "Chinese message kept");
        });
        t.test("answers: a proxy's HTML 502 is 20003 for a query, an unknown outcome for a money call", () -> {
            RetryPolicy.Failure f = Answers.read(reply(502, "<html>bad gateway</html>"), "R9", "2207", false).failure;
            check(f.error instanceof InterfaceException && f.error.getCode() == 20003, "query error " + f.error);
            equal(f.error, Answers.finalError(Safety.QUERY, "2207", f, "R9"), "query keeps the error");
            MedicalInsuranceException money = Answers.finalError(Safety.MONEY, "2207", f, "R9");
            check(money instanceof OutcomeUnknownException && !money.isRetry(), "money " + money);
            equal("R9", money.getRequestId(), "request id");
        });

        t.test("core: a money call whose answer is lost is sent once and ends OutcomeUnknownException", () -> {
            List<HttpRequest> sent = new ArrayList<>();
            Core core = core(request -> {
                sent.add(request);
                throw new HttpTimeoutException("request timed out");
            });
            OutcomeUnknownException e = raises(OutcomeUnknownException.class,
                    () -> core.call(Operations.find("2207"), Map.of("data", Map.of("psn_no", "1")), null));
            equal(1, sent.size(), "attempts");
            equal(false, e.isRetry(), "retry");
        });
        t.test("core: a lost query is asked again with the same X-Request-ID and a growing X-Retry-Count", () -> {
            List<HttpRequest> sent = new ArrayList<>();
            Core core = core(request -> {
                sent.add(request);
                throw new HttpTimeoutException("request timed out");
            });
            raises(MedicalInsuranceException.class, () -> core.call(Operations.find("1101"), Map.of("mdtrt_cert_type", "02"), null));
            equal(3, sent.size(), "attempts");
            equal(sent.get(0).headers().firstValue("X-Request-ID"), sent.get(2).headers().firstValue("X-Request-ID"), "one id");
            equal("2", sent.get(2).headers().firstValue("X-Retry-Count").orElse(null), "retry count");
        });
        t.test("core: a refused connection is re-sent for money (it never left) and ends 60005, not unknown", () -> {
            AtomicInteger calls = new AtomicInteger();
            Core core = core(request -> {
                calls.incrementAndGet();
                throw new ConnectException("Connection refused");
            });
            MedicalInsuranceException e = raises(MedicalInsuranceException.class,
                    () -> core.call(Operations.find("2207"), Map.of("data", Map.of()), null));
            equal(3, calls.get(), "attempts");
            equal(60005, e.getCode(), "code");
            check(!(e instanceof OutcomeUnknownException), "never sent cannot be unknown");
        });
        t.test("core over real HTTP: a slow gateway gives money OutcomeUnknownException after 1 request, a query 3", () -> {
            AtomicInteger hits = new AtomicInteger();
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                hits.incrementAndGet();
                try {
                    Thread.sleep(1500);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
            });
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.start();
            try {
                SdkConfig config = SdkConfig.load(null, Map.of(), Map.of("api_base_url",
                        "http://127.0.0.1:" + server.getAddress().getPort() + "/", "timeout", "0.3", "api_key", "k"));
                MedicalInsuranceSDK sdk = new MedicalInsuranceSDK(config, Core.httpTransport(config), seconds -> { });
                OutcomeUnknownException e = raises(OutcomeUnknownException.class,
                        () -> sdk.outpatientSettle(Map.of("psn_no", "1")));
                equal(1, hits.get(), "money requests");
                equal(false, e.isRetry(), "retry");
                hits.set(0);
                raises(MedicalInsuranceException.class, () -> sdk.queryPersonInfo("02", "1"));
                equal(3, hits.get(), "query requests");
            } finally {
                server.stop(0);
            }
        });
        t.test("core over real HTTP: connection refused re-sends a money call and reports it was never sent", () -> {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            SdkConfig config = SdkConfig.load(null, Map.of(), Map.of("api_base_url", "http://127.0.0.1:" + port + "/", "api_key", "k"));
            List<Double> sleeps = new ArrayList<>();
            MedicalInsuranceSDK sdk = new MedicalInsuranceSDK(config, Core.httpTransport(config), sleeps::add);
            MedicalInsuranceException e = raises(MedicalInsuranceException.class, () -> sdk.outpatientSettle(Map.of("psn_no", "1")));
            equal(60005, e.getCode(), "code");
            equal(2, sleeps.size(), "waits between 3 attempts");
        });

        t.test("config: argument > environment > file > default; bare host gets the API prefix", () -> {
            Path file = Files.createTempFile("mi", ".json");
            Files.write(file, ("{\"medical_insurance\": {\"api_base_url\": \"http://file:8000\", \"api_key\": \"file-key\","
                    + " \"institution_code\": \"HFILE\", \"timeout\": {\"connection\": 3, \"read\": 45}, \"retry\": {\"max_attempts\": 2}}}")
                    .getBytes(StandardCharsets.UTF_8));
            SdkConfig fromFile = SdkConfig.load(file.toString(), Map.of(), Map.of());
            equal("http://file:8000/api/v1/medical-insurance/", fromFile.apiBaseUrl, "prefix");
            equal(45.0, fromFile.timeout, "read timeout");
            equal(3.0, fromFile.connectTimeout, "connect timeout");
            equal(2, fromFile.maxAttempts, "retry.max_attempts");
            SdkConfig layered = SdkConfig.load(file.toString(),
                    Map.of("MEDICAL_INSURANCE_API_KEY", "env-key", "MEDICAL_INSURANCE_INSTITUTION_CODE", "HENV", "MEDICAL_INSURANCE_MAX_RETRIES", "4"),
                    Map.of("institution_code", "HARG"));
            equal("env-key", layered.apiKey, "env beats file");
            equal("HARG", layered.institutionCode, "argument beats env");
            equal(4, layered.maxAttempts, "MAX_RETRIES");
            raises(IllegalArgumentException.class, () -> SdkConfig.load(null, Map.of(), Map.of()));
            Files.delete(file);
        });

        t.test("inputs: flat fields go into the single node; typed requests build bureau nodes; GET query text", () -> {
            Map<String, Object> flat = Core.normalizeInput(Operations.find("2201"), Map.of("psn_no", "P1"));
            equal(Map.of("data", Map.of("psn_no", "P1")), flat, "flat");
            DataValidationException e = raises(DataValidationException.class,
                    () -> Core.normalizeInput(Operations.find("2203"), Map.of("psn_no", "P1")));
            equal(30001, e.getCode(), "not a node");
            Map<String, Object> typed = OutpatientRegisterRequest.builder().psnNo("P1").begntime(java.time.LocalDateTime.of(2025, 7, 14, 9, 30)).build().toInput();
            equal(Map.of("data", Map.of("psn_no", "P1", "begntime", "2025-07-14 09:30:00")), typed, "typed");
            Map<String, Object> fees = new OutpatientExpenseUploadRequest()
                    .addFeedetail(OutpatientExpenseUploadRequest.Feedetail.builder().cnt("2").pric("12.50").detItemFeeSumamt("25.00"))
                    .toInput();
            equal("{\"feedetail\":[{\"cnt\":2,\"pric\":12.50,\"det_item_fee_sumamt\":25.00}]}", Json.write(fees), "exact amounts on the wire");
            List<String[]> params = Core.queryParams(Operations.find("5203"), Map.of("data", Map.of("setl_id", "S1", "n", new BigDecimal("1.50"))));
            String query = Core.queryString(params);
            check(query.contains("setl_id=S1") && query.contains("n=1.50"), query);
        });
        t.test("results: friendly names read the registry's paths, amounts as exact BigDecimal", () -> {
            Object raw = Json.parse("{\"setlinfo\": {\"setl_id\": \"S1\", \"medfee_sumamt\": 1775.00, \"fund_pay_sumamt\": 150.60,"
                    + " \"acct_pay\": 1624.40, \"psn_cash_pay\": 0.00}}");
            SettlementResult r = new SettlementResult(new Answer("2207", raw, null, "R", "M", null, null, null, 200));
            equal("S1", r.getSettlementId(), "settlement id");
            equal(new BigDecimal("1775.00"), r.getTotalAmount(), "total");
            equal(r.getTotalAmount(), r.getInsuranceAmount().add(r.getAccountAmount()).add(r.getCashAmount()), "sum");
            equal(new BigDecimal("1624.40"), r.getDecimal("acct_pay"), "get by bureau name");
        });
        t.test("errors: the code table maps families to classes", () -> {
            check(Errors.forCode(10009, null) instanceof cn.medicalinsurance.sdk.exception.PermissionDeniedException, "10009");
            check(Errors.forCode(30004, null) instanceof DataValidationException, "3xxxx");
            equal("权限不足", Errors.forCode(10009, null).getMessage(), "table message");
            equal(true, Errors.forCode(20005, null).isRetry(), "20005 retry");
        });
    }

    private static RetryPolicy.Failure failure(RetryPolicy.Kind kind, int code, Integer status, Double retryAfter) {
        return new RetryPolicy.Failure(kind, Errors.forCode(code, null), status, retryAfter);
    }

    private static Answers.Reply reply(int status, String body) {
        boolean json = body.startsWith("{");
        return new Answers.Reply(status, Map.of("content-type", json ? "application/json" : "text/html"), body.getBytes(StandardCharsets.UTF_8));
    }

    private static Core core(Core.Transport transport) {
        return new Core(CONFIG, new RetryPolicy(3, 0.01, 0.01, 60, new Random(1)), transport, seconds -> { });
    }

}
