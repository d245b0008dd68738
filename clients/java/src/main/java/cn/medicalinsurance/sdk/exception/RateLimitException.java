package cn.medicalinsurance.sdk.exception;

/** 10004: too many requests (HTTP 429); wait getRetryAfter() seconds. */
public class RateLimitException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public RateLimitException(int code, String message) {
        super(code, message);
    }
}
