<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/**
 * The SDK's one retry policy, rule for rule the Python SDK's (sdk/_retry.py).
 *
 * A query may be asked again whenever the answer was lost or the server failed. A write or money call is
 * sent again only when it provably never reached the gateway (connection refused) or the gateway refused
 * it at the door (429): otherwise it may have settled, and a second send could settle twice.
 */
final class RetryPolicy
{
    /** @var callable(): float a random number in [0, 1) */
    private $random;

    public function __construct(
        private readonly int $maxAttempts = 3,
        private readonly float $backoffFactor = 1.5,
        private readonly float $maxBackoff = 30.0,
        private readonly float $maxRetryAfter = 60.0,
        ?callable $random = null,
    ) {
        $this->random = $random ?? static fn (): float => mt_rand() / (mt_getrandmax() + 1);
    }

    public static function fromConfig(Config $config): self
    {
        return new self($config->maxAttempts, $config->backoffFactor, $config->maxBackoff, $config->maxRetryAfter);
    }

    /** Seconds to wait before attempt $attempt + 1, or null: give the error to the caller. */
    public function delay(Safety $safety, Failure $failure, int $attempt): ?float
    {
        if ($attempt >= $this->maxAttempts($failure)) {
            return null;
        }
        // The request never left this machine: sending it is safe for every kind of call.
        if ($failure->kind === Failure::NOT_SENT) {
            return $this->backoff($attempt);
        }
        // A 429 is a refusal at the door, nothing was processed: wait as long as the gateway asks.
        if ($failure->status === 429) {
            $wait = $failure->retryAfter ?? $failure->error->retryAfter;
            if ($wait === null) {
                return $this->backoff($attempt);
            }
            return $wait <= $this->maxRetryAfter ? $wait : null;
        }
        // From here on the request may have been processed: only reads may be asked again.
        if ($safety !== Safety::Query) {
            return null;
        }
        // A lost answer to a read: ask again.
        if ($failure->kind === Failure::LOST) {
            return $this->backoff($attempt);
        }
        // A server-side failure the error table calls retryable (20005 timeout, 20006 bureau, 6xxxx ...).
        if ($failure->status !== null && $failure->status >= 500 && $failure->error->retry) {
            return $this->backoff($attempt);
        }
        // Everything else (validation, permission, business refusals) gets the same answer every time.
        return null;
    }

    /** The error table may allow fewer tries than configured (20007 报文ID重复: max_retry 1). */
    public function maxAttempts(Failure $failure): int
    {
        $allowed = $this->maxAttempts;
        if ($failure->kind === Failure::ANSWERED && $failure->error->maxRetry !== null) {
            $allowed = min($allowed, $failure->error->maxRetry + 1);
        }
        return $allowed;
    }

    public function backoff(int $attempt): float
    {
        $base = min($this->maxBackoff, $this->backoffFactor * 2 ** ($attempt - 1));
        // half to full delay: many HIS workstations retrying at once must not hit the gateway in step
        return $base * (0.5 + ($this->random)() / 2);
    }
}
