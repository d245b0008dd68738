package cn.medicalinsurance.sdk;

import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import java.util.Random;

/**
 * The SDK's one retry policy, rule for rule the Python SDK's (sdk/_retry.py).
 *
 * <p>A query may be asked again whenever the answer was lost or the server failed. A write or money call is
 * sent again only when it provably never reached the gateway (connection refused) or the gateway refused
 * it at the door (429): otherwise it may have settled, and a second send could settle twice.
 */
public final class RetryPolicy {
    /** How an attempt failed: never left this machine, left but no answer came, or an HTTP error answer. */
    public enum Kind { NOT_SENT, LOST, ANSWERED }

    /** One failed attempt. */
    public static final class Failure {
        public final Kind kind;
        public final MedicalInsuranceException error;
        public final Integer status;
        public final Double retryAfter; // the Retry-After header, seconds

        public Failure(Kind kind, MedicalInsuranceException error, Integer status, Double retryAfter) {
            this.kind = kind;
            this.error = error;
            this.status = status;
            this.retryAfter = retryAfter;
        }
    }

    private final int maxAttempts;
    private final double backoffFactor;
    private final double maxBackoff;
    private final double maxRetryAfter;
    private final Random random;

    public RetryPolicy(int maxAttempts, double backoffFactor, double maxBackoff, double maxRetryAfter, Random random) {
        this.maxAttempts = maxAttempts;
        this.backoffFactor = backoffFactor;
        this.maxBackoff = maxBackoff;
        this.maxRetryAfter = maxRetryAfter;
        this.random = random;
    }

    public RetryPolicy(SdkConfig config) {
        this(config.maxAttempts, config.backoffFactor, config.maxBackoff, config.maxRetryAfter, new Random());
    }

    /** Seconds to wait before attempt {@code attempt + 1}, or null: give the error to the caller. */
    public Double delay(Safety safety, Failure failure, int attempt) {
        if (attempt >= maxAttempts(failure)) {
            return null;
        }
        // The request never left this machine: sending it is safe for every kind of call.
        if (failure.kind == Kind.NOT_SENT) {
            return backoff(attempt);
        }
        // A 429 is a refusal at the door, nothing was processed: wait as long as the gateway asks.
        if (failure.status != null && failure.status == 429) {
            Double wait = failure.retryAfter != null ? failure.retryAfter : failure.error.getRetryAfter();
            if (wait == null) {
                return backoff(attempt);
            }
            return wait <= maxRetryAfter ? wait : null;
        }
        // From here on the request may have been processed: only reads may be asked again.
        if (safety != Safety.QUERY) {
            return null;
        }
        // A lost answer to a read: ask again.
        if (failure.kind == Kind.LOST) {
            return backoff(attempt);
        }
        // A server-side failure the error table calls retryable (20005 timeout, 20006 bureau, 6xxxx ...).
        if (failure.status != null && failure.status >= 500 && failure.error.isRetry()) {
            return backoff(attempt);
        }
        // Everything else (validation, permission, business refusals) gets the same answer every time.
        return null;
    }

    /** The error table may allow fewer tries than configured (20007 报文ID重复: max_retry 1). */
    public int maxAttempts(Failure failure) {
        int allowed = maxAttempts;
        if (failure.kind == Kind.ANSWERED && failure.error.getMaxRetry() != null) {
            allowed = Math.min(allowed, failure.error.getMaxRetry() + 1);
        }
        return allowed;
    }

    public double backoff(int attempt) {
        double base = Math.min(maxBackoff, backoffFactor * Math.pow(2, attempt - 1));
        // half to full delay: many HIS workstations retrying at once must not hit the gateway in step
        return base * (0.5 + random.nextDouble() / 2);
    }
}
