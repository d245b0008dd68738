package cn.medicalinsurance.sdk;

import cn.medicalinsurance.sdk.exception.Errors;
import cn.medicalinsurance.sdk.exception.FieldError;
import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import cn.medicalinsurance.sdk.generated.ErrorCodes;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Gateway answers → an {@link Answer} or the failure it means: the SDK's one error mapping (Python: _answers.py). */
public final class Answers {
    private Answers() {}

    /** One HTTP answer: status, headers (lower-case names) and body. */
    public static final class Reply {
        public final int status;
        public final Map<String, String> headers;
        public final byte[] body;

        public Reply(int status, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    /** An answer, or the failure an error answer means. */
    static final class Outcome {
        final Answer answer;
        final RetryPolicy.Failure failure;

        Outcome(Answer answer, RetryPolicy.Failure failure) {
            this.answer = answer;
            this.failure = failure;
        }
    }

    /** An HTTP error answer without the gateway's JSON body (a proxy's page) → the table's code. */
    static int statusCode(int status) {
        switch (status) {
            case 401: return 10007;
            case 403: return 10009;
            case 404: return 20001;
            case 408: return 20005;
            case 413: return 10003;
            case 422: return 30010;
            case 429: return 10004;
            case 503: return 10005;
            case 504: return 20005;
            default: return status >= 500 ? 20003 : 10002;
        }
    }

    @SuppressWarnings("unchecked")
    static Outcome read(Reply reply, String requestId, String infno, boolean file) {
        int status = reply.status;
        Double retryAfter = retryAfter(reply.header("retry-after"));
        Object data = json(reply.body);
        String type = reply.header("content-type");
        boolean envelope = (type == null || type.startsWith("application/json")) && data instanceof Map
                && ((Map<String, Object>) data).containsKey("success");
        if (file && status >= 200 && status < 300 && !envelope) {
            String msgid = reply.header("x-msgid");
            String rid = reply.header("x-request-id");
            return new Outcome(new Answer(infno, null, null, rid != null ? rid : requestId, msgid, null, reply.body,
                    filename(reply.header("content-disposition")), status), null);
        }
        if (data == null) {
            Errors.Extra extra = extra(infno, requestId);
            if (status >= 200 && status < 300) {
                return failed(Errors.forCode(20004, "网关应答不是 JSON", extra), status, null);
            }
            extra.httpStatus = status;
            extra.details.put("gateway_answered", false);
            String text = new String(reply.body, 0, Math.min(reply.body.length, 200), StandardCharsets.UTF_8).trim();
            return failed(Errors.forCode(statusCode(status), "HTTP " + status + ": " + text, extra), status, retryAfter);
        }
        if (!(data instanceof Map)) {
            return failed(Errors.forCode(20004, "网关应答不是 JSON 对象", extra(infno, requestId)), status, null);
        }
        Map<String, Object> body = (Map<String, Object>) data;
        Object success = body.containsKey("success") ? body.get("success") : (status >= 200 && status < 300);
        if (Boolean.TRUE.equals(success) && status < 400) {
            Map<String, Object> info = body.get("interface_info") instanceof Map ? (Map<String, Object>) body.get("interface_info") : Map.of();
            Object msgid = body.get("msgid") != null ? body.get("msgid") : info.get("msgid");
            Object rid = body.get("request_id") != null ? body.get("request_id") : reply.header("x-request-id");
            Map<String, Object> page = body.get("pagination") instanceof Map ? (Map<String, Object>) body.get("pagination") : null;
            return new Outcome(new Answer(infno, body.get("data"), str(body.get("message")),
                    rid != null ? rid.toString() : requestId, msgid != null && !"".equals(msgid) ? msgid.toString() : null,
                    page, null, null, status), null);
        }
        return failed(gatewayError(infno, body, status, requestId, retryAfter), status, retryAfter);
    }

    private static Outcome failed(MedicalInsuranceException error, int status, Double retryAfter) {
        return new Outcome(null, new RetryPolicy.Failure(RetryPolicy.Kind.ANSWERED, error, status, retryAfter));
    }

    /**
     * The exception for a gateway error answer {success: false, error_code, message, error, data}: data
     * {msgid, outcome} of an unknown money outcome (also in a failed task's data.result, or a batch's
     * data.result.failed_operation) → OutcomeUnknownException; data {errors} → DataValidationException.
     */
    @SuppressWarnings("unchecked")
    public static MedicalInsuranceException gatewayError(String infno, Map<String, Object> body, int status,
            String requestId, Double retryAfter) {
        Map<String, Object> data = map(body.get("data"));
        Map<String, Object> error = map(body.get("error"));
        Map<String, Object> result = map(data.get("result"));
        List<Map<String, Object>> sources = List.of(data, result, map(result.get("failed_operation")), error);
        Integer code = code(body.get("error_code"));
        if (code == null) {
            code = code(error.get("code"));
        }
        if (code == null) {
            code = statusCode(status);
        }
        String message = str(body.get("message") != null ? body.get("message") : error.get("message"));
        Object msgid = first(sources, "msgid");
        Errors.Extra extra = new Errors.Extra();
        extra.details.put("request_id", body.get("request_id") != null ? body.get("request_id") : requestId);
        for (String key : new String[] {"infcode", "kind", "outcome", "server_ip", "upstream_status"}) {
            Object value = first(sources, key);
            if (value != null) {
                extra.details.put(key, value instanceof BigDecimal ? ((BigDecimal) value).intValue() : value);
            }
        }
        if (infno == null) {
            Object named = first(List.of(data, result, map(result.get("failed_operation")), error, map(body.get("interface_info"))), "infno");
            infno = named == null ? null : named.toString();
        }
        extra.infno = infno;
        extra.msgid = msgid == null ? null : msgid.toString();
        extra.httpStatus = status;
        extra.traceId = str(error.get("trace_id"));
        Object outcome = extra.details.get("outcome");
        if ("unknown".equals(outcome) || "reversed".equals(outcome)) {
            return Errors.outcomeUnknown(code, message, outcome.toString(), extra);
        }
        if (error.get("retry") instanceof Boolean) {
            extra.retry = (Boolean) error.get("retry");
        }
        Object hint = retryAfter != null ? retryAfter : error.get("retry_after");
        if (hint instanceof Number) {
            extra.retryAfter = ((Number) hint).doubleValue();
        }
        Object errors = data.get("errors");
        if (code / 10000 == 3) {
            List<FieldError> rows = new ArrayList<>();
            if (errors instanceof List) {
                for (Object item : (List<Object>) errors) {
                    if (item instanceof Map) {
                        rows.add(fieldError((Map<String, Object>) item));
                    }
                }
            }
            extra.errors = rows;
        } else if (errors instanceof List) {
            extra.details.put("errors", errors);
        }
        if (extra.details.get("infcode") instanceof Integer) {
            extra.infcode = (Integer) extra.details.get("infcode");
        }
        return Errors.forCode(code, message, extra);
    }

    /** The exception of a failed batch operation (§3.2.3 status row), as if it had been called alone. */
    static MedicalInsuranceException operationError(Map<String, Object> op, String requestId) {
        if (op.get("status") == null || "success".equals(op.get("status"))) {
            return null;
        }
        Integer code = code(op.get("error_code"));
        int c = code == null ? 20003 : code;
        Map<String, Object> output = map(op.get("output"));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("msgid", op.get("msgid"));
        data.put("outcome", op.get("outcome"));
        data.put("infcode", op.containsKey("infcode") ? op.get("infcode") : output.get("infcode"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error_code", c);
        body.put("message", op.get("error_message") != null ? op.get("error_message") : String.valueOf(op.get("status")));
        body.put("data", data);
        ErrorCodes.Row row = ErrorCodes.row(c);
        String infno = op.get("infno") == null ? null : op.get("infno").toString();
        return gatewayError(infno, body, row == null ? 500 : row.httpStatus, requestId, null);
    }

    /** A transport exception: NOT_SENT when the request provably never left (connection refused). */
    static RetryPolicy.Failure transportFailure(String infno, IOException exc, String requestId) {
        Errors.Extra extra = extra(infno, requestId);
        extra.details.put("transport", exc.getClass().getSimpleName());
        if (neverSent(exc)) {
            MedicalInsuranceException e = Errors.forCode(60005, "网络连接异常，请求未发出: " + exc, extra);
            return new RetryPolicy.Failure(RetryPolicy.Kind.NOT_SENT, e, null, null);
        }
        MedicalInsuranceException e = Errors.forCode(20005, ("网关未应答: " + exc.getClass().getSimpleName() + " "
                + (exc.getMessage() == null ? "" : exc.getMessage())).trim(), extra);
        return new RetryPolicy.Failure(RetryPolicy.Kind.LOST, e, null, null);
    }

    static boolean neverSent(Throwable exc) {
        for (Throwable t = exc; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
                    || t instanceof UnresolvedAddressException || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    /**
     * What the caller gets when no further attempt is made: a write or money call whose answer was lost (or
     * met a proxy's 5xx page) may have taken effect — an OutcomeUnknownException, never a plain error.
     */
    static MedicalInsuranceException finalError(Safety safety, String infno, RetryPolicy.Failure failure, String requestId) {
        boolean mayHaveHappened = failure.kind == RetryPolicy.Kind.LOST
                || (failure.status != null && failure.status >= 500
                        && Boolean.FALSE.equals(failure.error.getDetails().get("gateway_answered")));
        if (safety != Safety.QUERY && mayHaveHappened) {
            Errors.Extra extra = extra(infno, requestId);
            extra.details.put("cause", failure.error.getMessage());
            return Errors.outcomeUnknown(20005, "网关未应答，请求 " + requestId + " 的结果未知：请先查询确认，勿重复办理",
                    "unknown", extra);
        }
        return failure.error;
    }

    // ------------------------------------------------------------------------------------------ helpers


    private static FieldError fieldError(Map<String, Object> item) {
        Integer code = code(item.get("code"));
        Object path = item.get("field") != null ? item.get("field") : item.get("path") != null ? item.get("path") : item.get("loc");
        String text = str(item.get("message"));
        return new FieldError(code == null ? 30010 : code, path == null ? "" : path.toString(), text);
    }

    private static Errors.Extra extra(String infno, String requestId) {
        Errors.Extra extra = new Errors.Extra();
        extra.infno = infno;
        extra.details.put("request_id", requestId);
        return extra;
    }

    static Integer code(Object value) {
        if (value == null) {
            return null;
        }
        try {
            int code = new BigDecimal(value.toString().trim()).intValueExact();
            return ErrorCodes.row(code) != null ? code : null;
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : Map.of();
    }

    private static Object first(List<Map<String, Object>> sources, String key) {
        for (Map<String, Object> source : sources) {
            Object value = source.get(key);
            if (value != null && !"".equals(value)) {
                return value;
            }
        }
        return null;
    }

    static String str(Object value) {
        return value == null || "".equals(value) ? null : value.toString();
    }

    static Object json(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).replaceFirst("^\uFEFF", "").trim();
        if (!(text.startsWith("{") || text.startsWith("["))) {
            return null;
        }
        return Json.tryParse(text);
    }

    static Double retryAfter(String value) {
        try {
            return value == null || value.isEmpty() ? null : Math.max(0.0, Double.parseDouble(value.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String filename(String disposition) {
        if (disposition == null) {
            return null;
        }
        Matcher star = Pattern.compile("filename\\*=(?:UTF-8'')?([^;]+)", Pattern.CASE_INSENSITIVE).matcher(disposition);
        Matcher plain = Pattern.compile("filename=\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE).matcher(disposition);
        String name = star.find() ? java.net.URLDecoder.decode(star.group(1).trim(), StandardCharsets.UTF_8)
                : plain.find() ? plain.group(1).trim() : null;
        if (name == null) {
            return null;
        }
        String clean = name.replace('\\', '/');
        return clean.substring(clean.lastIndexOf('/') + 1);
    }
}
