"""The SDK's one retry policy.  Read top to bottom; each rule carries its reason.

    policy = RetryPolicy(config.retry)
    delay = policy.delay(Safety.MONEY, failure, attempt=1)    # None: do not send again

A query may be asked again whenever the answer was lost or the server failed.  A write or money call is
sent again only when it provably never reached the gateway (connection refused) or the gateway refused it
at the door (429): otherwise it may have settled, and a second send could settle twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.registry import Safety
from medical_insurance_sdk.sdk._config import RetryConfig

FailureKind = Literal["not_sent", "lost", "answered"]


@dataclass(frozen=True)
class Failure:
    """One failed attempt: `not_sent` (never left), `lost` (no answer), `answered` (an HTTP error answer)."""

    kind: FailureKind
    error: MedicalInsuranceException
    status: int | None = None
    retry_after: float | None = None  # the Retry-After header, seconds


@dataclass
class RetryPolicy:
    config: RetryConfig = field(default_factory=RetryConfig)
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, safety: Safety, failure: Failure, attempt: int) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None: give the error to the caller."""
        if attempt >= self.max_attempts(failure):
            return None
        # The request never left this machine: sending it is safe for every kind of call.
        if failure.kind == "not_sent":
            return self.backoff(attempt)
        # A 429 is a refusal at the door, nothing was processed: wait as long as the gateway asks.
        if failure.status == 429:
            wait = failure.retry_after if failure.retry_after is not None else failure.error.retry_after
            if wait is None:
                return self.backoff(attempt)
            return wait if wait <= self.config.max_retry_after else None
        # From here on the request may have been processed: only reads may be asked again.
        if safety is not Safety.QUERY:
            return None
        # A lost answer to a read: ask again.
        if failure.kind == "lost":
            return self.backoff(attempt)
        # A server-side failure the error table calls retryable (20005 timeout, 20006 bureau, 6xxxx ...).
        if failure.status is not None and failure.status >= 500 and failure.error.retry:
            return self.backoff(attempt)
        # Everything else (validation, permission, business refusals) gets the same answer every time.
        return None

    def max_attempts(self, failure: Failure) -> int:
        # the error table may allow fewer tries than configured (20007 报文ID重复: max_retry 1)
        allowed = self.config.max_attempts
        if failure.kind == "answered" and failure.error.max_retry is not None:
            allowed = min(allowed, failure.error.max_retry + 1)
        return allowed

    def backoff(self, attempt: int) -> float:
        base = min(self.config.max_backoff, self.config.backoff_factor * 2 ** (attempt - 1))
        return self.jitter(base)

    def jitter(self, seconds: float) -> float:
        # half to full delay: many HIS workstations retrying at once must not hit the gateway in step
        return seconds * (0.5 + self.rng.random() / 2)
