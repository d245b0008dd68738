"""Faults on demand: make the sandbox bureau slow, silent, rude or broken, per infno or for everything.

    plan = FaultPlan([FaultRule(scope="2207", kind="timeout_after", probability=0.1)], seed=7)
    decision = plan.decide("2207")      # one decision per message; the same seed gives the same sequence

Kinds, and what a client sees (the app carries them out, see `app.py`):

    latency          sleeps `latency_ms`, then answers normally
    timeout_before   waits `hang_s` BEFORE processing, then answers an HTML 504: the client times out and the
                     bureau's state is unchanged
    timeout_after    processes and COMMITS, then waits `hang_s` before answering: the client times out, but
                     the state changed (the 单边账 case that 2601 冲正 exists for)
    delayed_commit   processes and COMMITS `latency_ms` after the message arrived, whatever happens to the
                     request meanwhile, and answers nothing in time (504 after `hang_s`): a bureau slower than
                     the client's timeout, so a 2601 sent after the timeout overtakes the original
    reset_before     drops the connection without processing
    reset_after      processes and commits, then drops the connection
    http_5xx         answers an HTML page with `status` (default 502) without processing
    infcode_error    answers infcode -1 with `err_msg` without processing

Several latency rules add up; of the other kinds at most one applies to a message (the first that fires,
in rule order).  A rule with `count` stops after firing that many times.  Random draws are made only for
rules with 0 < probability < 1, so adding an always-on rule does not shift another rule's sequence.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal[
    "latency",
    "timeout_before",
    "timeout_after",
    "delayed_commit",
    "reset_before",
    "reset_after",
    "http_5xx",
    "infcode_error",
]
ANY_INFNO = "*"


class FaultRule(BaseModel):
    """One fault: where (`scope`: an infno or "*"), what (`kind`), how often (`probability`, `count`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: Annotated[str, Field(pattern=r"^(\*|\d{4}[0-9A-Z]{0,2})$")] = ANY_INFNO
    kind: FaultKind
    probability: Annotated[float, Field(ge=0, le=1)] = 1.0
    latency_ms: Annotated[int, Field(ge=0, le=600_000)] = 0
    status: Annotated[int, Field(ge=500, le=599)] = 502
    err_msg: str = "系统繁忙，请稍后再试"
    count: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _latency_has_duration(self) -> FaultRule:
        if self.kind in ("latency", "delayed_commit") and self.latency_ms == 0:
            raise ValueError(f"a {self.kind} fault needs latency_ms > 0")
        return self

    def matches(self, infno: str | None) -> bool:
        return self.scope == ANY_INFNO or self.scope == infno


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What happens to one message: extra latency, and at most one other fault."""

    latency_ms: int = 0
    fault: FaultRule | None = None

    @property
    def kind(self) -> FaultKind | None:
        return self.fault.kind if self.fault else None


NO_FAULT = FaultDecision()


class FaultPlan:
    """The active rules and the seeded random source; thread-safe (the admin API edits it live)."""

    def __init__(self, rules: tuple[FaultRule, ...] | list[FaultRule] = (), *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._left: list[int | None] = []
        self._seed = seed
        self._random = random.Random(seed)
        self.replace(rules, seed=seed)

    def replace(self, rules: tuple[FaultRule, ...] | list[FaultRule], *, seed: int | None = None) -> None:
        """Install `rules` (counts start afresh); a new `seed` restarts the random sequence."""
        with self._lock:
            self._rules = list(rules)
            self._left = [rule.count for rule in self._rules]
            if seed is not None:
                self._seed = seed
                self._random = random.Random(seed)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)
            self._left.append(rule.count)

    def clear(self) -> None:
        self.replace([])

    @property
    def seed(self) -> int:
        return self._seed

    def snapshot(self) -> list[dict[str, object]]:
        """The rules with how many firings each has left (None = unlimited)."""
        with self._lock:
            return [
                {**rule.model_dump(), "left": left}
                for rule, left in zip(self._rules, self._left, strict=True)
            ]

    def decide(self, infno: str | None) -> FaultDecision:
        """Roll the dice for one message of `infno` (None when the message names no infno)."""
        latency = 0
        chosen: FaultRule | None = None
        with self._lock:
            for index, rule in enumerate(self._rules):
                left = self._left[index]
                if not rule.matches(infno) or left == 0:
                    continue
                if rule.kind != "latency" and chosen is not None:
                    continue
                if not self._fires(rule.probability):
                    continue
                if left is not None:
                    self._left[index] = left - 1
                if rule.kind == "latency":
                    latency += rule.latency_ms
                else:
                    chosen = rule
        return FaultDecision(latency, chosen) if latency or chosen else NO_FAULT

    def _fires(self, probability: float) -> bool:
        if probability >= 1:
            return True
        if probability <= 0:
            return False
        return self._random.random() < probability


class ConnectionDropped(Exception):
    """Raised by the sandbox app after the response has started: the server drops the connection.

    Over a socket, uvicorn closes the connection (the client reads a truncated response); in process,
    `SandboxTransport` turns it into httpx.RemoteProtocolError.
    """
