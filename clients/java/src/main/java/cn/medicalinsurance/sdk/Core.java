package cn.medicalinsurance.sdk;

import cn.medicalinsurance.sdk.exception.DataValidationException;
import cn.medicalinsurance.sdk.exception.FieldError;
import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * The request loop (Python: Core.send) and request building (Core.build_request, normalize_input): one
 * X-Request-ID for every attempt, X-Retry-Count, and the retry policy deciding after each failure.
 */
final class Core {
    static final String USER_AGENT = "medical-insurance-sdk-java/1.0.0";

    /** Performs one HTTP exchange; the seam unit tests replace. */
    interface Transport {
        Answers.Reply exchange(HttpRequest request) throws IOException, InterruptedException;
    }

    /** Sleeps between attempts; tests record instead. */
    interface Sleeper {
        void sleep(double seconds) throws InterruptedException;
    }

    final SdkConfig config;
    final RetryPolicy retry;
    private final Transport transport;
    private final Sleeper sleeper;

    Core(SdkConfig config, RetryPolicy retry, Transport transport, Sleeper sleeper) {
        this.config = config;
        this.retry = retry;
        this.transport = transport;
        this.sleeper = sleeper;
    }

    static Transport httpTransport(SdkConfig config) {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis((long) (Math.min(config.connectTimeout, config.timeout) * 1000)))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        return request -> {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> headers = new LinkedHashMap<>();
            response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(), String.join(",", values)));
            return new Answers.Reply(response.statusCode(), headers, response.body());
        };
    }

    static Sleeper threadSleeper() {
        return seconds -> Thread.sleep((long) (seconds * 1000));
    }

    static String newRequestId() {
        return "REQ" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Sends {@code make(attempt)} until answered or the retry policy says stop. */
    Answer send(IntFunction<HttpRequest> make, Safety safety, String requestId, String infno, Integer maxAttempts,
            boolean file) throws MedicalInsuranceException {
        int attempt = 0;
        while (true) {
            attempt++;
            HttpRequest request = make.apply(attempt);
            RetryPolicy.Failure failure;
            try {
                Answers.Outcome outcome = Answers.read(transport.exchange(request), requestId, infno, file);
                if (outcome.answer != null) {
                    return outcome.answer;
                }
                failure = outcome.failure;
            } catch (IOException e) {
                failure = Answers.transportFailure(infno, e, requestId);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = Answers.transportFailure(infno, new IOException("interrupted", e), requestId);
            }
            int limit = maxAttempts != null ? maxAttempts : config.maxAttempts;
            Double delay = attempt < limit ? retry.delay(safety, failure, attempt) : null;
            if (delay == null) {
                throw Answers.finalError(safety, infno, failure, requestId);
            }
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Answers.finalError(safety, infno, failure, requestId);
            }
        }
    }

    /** One transaction: the route of the registry, the input as JSON body (GET: query parameters). */
    Answer call(OperationInfo op, Map<String, Object> input, CallOptions options) throws MedicalInsuranceException {
        CallOptions o = options != null ? options : CallOptions.create();
        Map<String, Object> payload = normalizeInput(op, input);
        String requestId = o.requestId != null ? o.requestId : newRequestId();
        return send(attempt -> buildRequest(op, payload, o, requestId, attempt), op.safety, requestId, op.infno,
                o.maxAttempts, op.fileAnswer());
    }

    HttpRequest buildRequest(OperationInfo op, Map<String, Object> payload, CallOptions o, String requestId, int attempt) {
        double total = o.timeout != null ? o.timeout : config.timeout;
        String url = config.apiBaseUrl + op.path;
        String body = null;
        if ("GET".equals(op.httpMethod)) {
            String query = queryString(queryParams(op, payload));
            url = query.isEmpty() ? url : url + "?" + query;
        } else {
            body = Json.write(payload);
        }
        HttpRequest.Builder b = base(url, requestId, attempt, total);
        for (String[] h : new String[][] {{"X-Operator", o.operator}, {"X-Operator-Name", o.operatorName},
                {"X-Insuplc-Admdvs", o.insuplcAdmdvs}}) {
            if (h[1] != null && !h[1].isEmpty()) {
                b.header(h[0], quote(h[1])); // header values are Latin-1: Chinese names go percent-encoded
            }
        }
        if (o.idempotencyKey != null) {
            b.header("Idempotency-Key", o.idempotencyKey);
        }
        o.headers.forEach(b::setHeader);
        if (body == null) {
            return b.method(op.httpMethod, HttpRequest.BodyPublishers.noBody()).build();
        }
        b.header("Content-Type", "application/json; charset=utf-8");
        return b.method(op.httpMethod, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    }

    /** The common headers of every request (transactions and the gateway's own endpoints). */
    HttpRequest.Builder base(String url, String requestId, int attempt, double timeoutSeconds) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMillis((long) (timeoutSeconds * 1000)))
                .header("Accept", "application/json")
                .header("User-Agent", USER_AGENT)
                .header("X-Request-ID", requestId)
                .header("X-Retry-Count", String.valueOf(attempt - 1));
        if (config.apiKey != null) {
            b.header("X-API-Key", config.apiKey);
        }
        if (config.institutionCode != null) {
            b.header("X-Institution-Code", config.institutionCode);
        }
        if (config.jwtToken != null) {
            b.header("Authorization", "Bearer " + config.jwtToken);
        }
        return b;
    }

    /**
     * The bureau input from what the caller gave: whole nodes, or a single node's flat fields (both may be
     * mixed). A transaction without a field table (one open node) may have more nodes: next to the node
     * itself, an object or a list is another node.
     */
    static Map<String, Object> normalizeInput(OperationInfo op, Map<String, Object> given) throws DataValidationException {
        List<String> names = new ArrayList<>();
        op.nodes.forEach(n -> names.add(n.name));
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Object> loose = new LinkedHashMap<>();
        given.forEach((key, value) -> (names.contains(key) ? result : loose).put(key, value));
        String lone = op.openNode();
        if (lone != null && result.containsKey(lone)) {
            for (String key : new ArrayList<>(loose.keySet())) {
                Object value = loose.get(key);
                if (value instanceof Map || value instanceof List) {
                    result.put(key, loose.remove(key));
                }
            }
        }
        if (!loose.isEmpty()) {
            if (op.nodes.size() != 1 || op.nodes.get(0).many) {
                List<FieldError> errors = new ArrayList<>();
                loose.keySet().forEach(k -> errors.add(new FieldError(30001, k, "30001 - 数据节点缺失: " + k + "（不是 " + op.infno + " 的输入节点）")));
                DataValidationException e = new DataValidationException(30001, "不是 " + op.infno + " 的输入节点: " + loose.keySet(), errors);
                throw e;
            }
            String name = op.nodes.get(0).name;
            Map<String, Object> merged = new LinkedHashMap<>(Answers.map(result.get(name)));
            merged.putAll(loose);
            result.put(name, merged);
        }
        return result;
    }

    /** A GET's query: the single node's fields as text (objects and lists as JSON text). */
    static List<String[]> queryParams(OperationInfo op, Map<String, Object> payload) {
        Object node = op.nodes.size() == 1 ? payload.get(op.nodes.get(0).name) : payload;
        Map<String, Object> fields = node instanceof Map ? Answers.map(node) : payload;
        List<String[]> params = new ArrayList<>();
        fields.forEach((key, value) -> {
            if (value == null) {
                return;
            }
            String text;
            if (value instanceof Map || value instanceof List) {
                text = Json.write(value);
            } else if (value instanceof BigDecimal) {
                text = ((BigDecimal) value).toPlainString();
            } else {
                text = value.toString();
            }
            params.add(new String[] {key, text});
        });
        return params;
    }

    static String queryString(List<String[]> params) {
        StringBuilder sb = new StringBuilder();
        for (String[] p : params) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(p[0], StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(p[1], StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    static String quote(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
    }
}
