/**
 * The one retry policy, rule for rule the Python SDK's (sdk/_retry.py).  Read top to bottom.
 *
 *   const policy = new RetryPolicy(config.retry);
 *   policy.delay("money", failure, 1);   // null: do not send again
 *
 * A query may be asked again whenever the answer was lost or the server failed.  A write or money call is
 * sent again only when it provably never reached the gateway (connection refused) or the gateway refused it
 * at the door (429): otherwise it may have settled, and a second send could settle twice.
 */

import type { MedicalInsuranceException } from "./errors.js";
import type { RetrySettings } from "./config.js";
import type { Safety } from "./types.js";

/** `not_sent` (never left), `lost` (no answer), `answered` (an HTTP error answer). */
export type FailureKind = "not_sent" | "lost" | "answered";

export interface Failure {
  readonly kind: FailureKind;
  readonly error: MedicalInsuranceException;
  readonly status?: number | null;
  /** the Retry-After header, seconds */
  readonly retryAfter?: number | null;
}

export class RetryPolicy {
  constructor(
    readonly config: RetrySettings,
    readonly random: () => number = Math.random,
  ) {}

  /** Seconds to wait before attempt `attempt + 1`, or null: give the error to the caller. */
  delay(safety: Safety, failure: Failure, attempt: number): number | null {
    if (attempt >= this.maxAttempts(failure)) return null;
    // The request never left this machine: sending it is safe for every kind of call.
    if (failure.kind === "not_sent") return this.backoff(attempt);
    // A 429 is a refusal at the door, nothing was processed: wait as long as the gateway asks.
    if (failure.status === 429) {
      const wait = failure.retryAfter ?? failure.error.retryAfter;
      if (wait == null) return this.backoff(attempt);
      return wait <= this.config.maxRetryAfter ? wait : null;
    }
    // From here on the request may have been processed: only reads may be asked again.
    if (safety !== "query") return null;
    // A lost answer to a read: ask again.
    if (failure.kind === "lost") return this.backoff(attempt);
    // A server-side failure the error table calls retryable (20005 timeout, 20006 bureau, 6xxxx ...).
    if (failure.status != null && failure.status >= 500 && failure.error.retry) return this.backoff(attempt);
    // Everything else (validation, permission, business refusals) gets the same answer every time.
    return null;
  }

  maxAttempts(failure: Failure): number {
    // the error table may allow fewer tries than configured (20007 报文ID重复: max_retry 1)
    let allowed = this.config.maxAttempts;
    if (failure.kind === "answered" && failure.error.maxRetry != null) {
      allowed = Math.min(allowed, failure.error.maxRetry + 1);
    }
    return allowed;
  }

  backoff(attempt: number): number {
    const base = Math.min(this.config.maxBackoff, this.config.backoffFactor * 2 ** (attempt - 1));
    return this.jitter(base);
  }

  jitter(seconds: number): number {
    // half to full delay: many HIS workstations retrying at once must not hit the gateway in step
    return seconds * (0.5 + this.random() / 2);
  }
}
