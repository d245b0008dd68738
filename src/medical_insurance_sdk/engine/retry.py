"""The one retry policy of the engine.  Read top to bottom; each rule has its reason.

A write or money call is never sent again once it may have reached the bureau: the answer to "did it
settle?" comes from compensation (2601 or a query), never from sending it twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from medical_insurance_sdk.engine.classify import Attempt, Outcome
from medical_insurance_sdk.engine.settings import EngineSettings
from medical_insurance_sdk.registry import Safety


@dataclass
class RetryPolicy:
    settings: EngineSettings = field(default_factory=EngineSettings)
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, safety: Safety, attempt: Attempt, number: int) -> float | None:
        """Seconds to wait before attempt `number + 1`, or None: do not send again."""
        if number >= self.settings.max_attempts:
            return None
        # The request never left this machine: sending it is safe for every kind of call.
        if attempt.outcome is Outcome.NOT_SENT:
            return self.backoff(number)
        # A 429 is a refusal at the door: nothing was processed, so any call may be sent again later.
        if attempt.rate_limited:
            return attempt.retry_after if attempt.retry_after is not None else self.backoff(number)
        # A read has no effect: a lost answer or a 5xx is simply asked again.
        if safety is Safety.QUERY and attempt.outcome is Outcome.UNKNOWN:
            return self.backoff(number)
        # Everything else is final for this call: a bureau answer is an answer, and a write or money call
        # that may have arrived goes to compensation instead.
        return None

    def backoff(self, number: int) -> float:
        base = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2 ** (number - 1))
        return self.jitter(base)

    def jitter(self, seconds: float) -> float:
        # spread retries of many callers (half to full delay) so they do not hit the bureau in step
        return seconds * (0.5 + self.rng.random() / 2)
