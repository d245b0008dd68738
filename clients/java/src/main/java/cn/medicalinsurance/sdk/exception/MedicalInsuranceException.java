package cn.medicalinsurance.sdk.exception;

import cn.medicalinsurance.sdk.generated.ErrorCodes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of every error of this SDK, tied to the error table of spec §5.2 ({@link ErrorCodes}).
 *
 * <p>{@code getCode()}, {@code getMessage()} (Chinese, as the gateway sends it), {@code isRetry()} and
 * {@code getRetryAfter()} (seconds) come from the gateway's answer, else from the table. An unknown money
 * outcome is an {@link OutcomeUnknownException}, whose {@code isRetry()} is always false.
 */
public class MedicalInsuranceException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int code;
    private boolean retry;
    private Double retryAfter;
    private Integer maxRetry;
    private int httpStatus;
    private String infno;
    private String msgid;
    private String traceId;
    private Integer infcode;
    private final Map<String, Object> details = new LinkedHashMap<>();

    public MedicalInsuranceException(int code, String message) {
        super(message != null && !message.isEmpty() ? message : ErrorCodes.message(code));
        this.code = code;
        ErrorCodes.Row row = ErrorCodes.row(code);
        this.retry = row != null && row.retry;
        this.retryAfter = row == null || row.retryAfter == null ? null : row.retryAfter.doubleValue();
        this.maxRetry = row == null ? null : row.maxRetry;
        this.httpStatus = row == null ? 500 : row.httpStatus;
    }

    /** Fills what the gateway's answer said beyond the table (used by {@link Errors}). */
    void apply(Errors.Extra extra) {
        if (extra.retry != null) {
            retry = extra.retry;
        }
        if (extra.retryAfter != null) {
            retryAfter = extra.retryAfter;
        }
        if (extra.httpStatus != null) {
            httpStatus = extra.httpStatus;
        }
        infno = extra.infno;
        msgid = extra.msgid;
        traceId = extra.traceId;
        infcode = extra.infcode;
        details.putAll(extra.details);
    }

    void forceNoRetry() {
        retry = false;
    }

    public int getCode() {
        return code;
    }

    /** Whether sending the same request again can help (the gateway's verdict, else the table's). */
    public boolean isRetry() {
        return retry;
    }

    /** Seconds to wait before trying again, when the gateway or the table says so; else null. */
    public Double getRetryAfter() {
        return retryAfter;
    }

    /** The table's limit of further tries (20007: 1), or null. */
    public Integer getMaxRetry() {
        return maxRetry;
    }

    public int getHttpStatus() {
        return httpStatus;
    }

    public String getInfno() {
        return infno;
    }

    /** The bureau message id (报文ID) of the call, when one was sent. */
    public String getMsgid() {
        return msgid;
    }

    public String getTraceId() {
        return traceId;
    }

    /** X-Request-ID of the call (the same on every attempt). */
    public String getRequestId() {
        Object id = details.get("request_id");
        return id == null ? null : id.toString();
    }

    /** The bureau's infcode when the bureau itself answered (-1 system, -2 business), else null. */
    public Integer getInfcode() {
        return infcode;
    }

    /** Everything else the answer carried: request_id, outcome, kind, infcode, cause … */
    public Map<String, Object> getDetails() {
        return Collections.unmodifiableMap(details);
    }

    @Override
    public String toString() {
        String where = infno != null ? "【" + infno + "】" : "";
        return getClass().getSimpleName() + ": " + where + code + " - " + getMessage();
    }
}
