"""A scripted bureau for engine unit tests: answers, loses answers, refuses connections, on demand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx

from tests.engine.conftest import FAST  # noqa: F401  (re-exported for the tests)

REVERSIBLE = {"2207", "2208", "2304", "2305", "2401"}


@dataclass
class Bureau:
    lose: dict[str, int] = field(default_factory=dict)  # infno -> how many answers to lose (ReadTimeout)
    process_lost: bool = True  # a lost answer was processed first (timeout after commit)
    refuse: dict[str, int] = field(default_factory=dict)  # infno -> how many connections to refuse
    refusals: dict[str, tuple[int, str]] = field(default_factory=dict)
    refusal_times: int = 10**9
    seen: list[dict] = field(default_factory=list)
    processed: dict[str, dict] = field(default_factory=dict)
    settled: set[str] = field(default_factory=set)
    sign_ins: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        message = json.loads(request.content)
        infno = message["infno"]
        if self.refuse.get(infno, 0) > 0:
            self.refuse[infno] -= 1
            raise httpx.ConnectError("connection refused", request=request)
        self.seen.append(message)
        if infno in self.refusals and self.refusal_times > 0:
            self.refusal_times -= 1
            code, text = self.refusals[infno]
            return self.answer(
                message, None, infcode=code, err_msg=f"{text}(0123456789abcdef0123456789abcdef@10.8.0.21)"
            )
        if self.lose.get(infno, 0) > 0:
            self.lose[infno] -= 1
            if self.process_lost:
                self.process(message)
            raise httpx.ReadTimeout("timed out", request=request)
        return self.answer(message, self.process(message))

    def process(self, message: dict) -> dict | None:
        infno, data = message["infno"], message["input"]
        self.processed[message["msgid"]] = message
        if infno == "9001":
            self.sign_ins += 1
            return {"signinoutb": {"sign_time": "2025-07-14 08:00:00", "sign_no": f"S{self.sign_ins:04d}"}}
        if infno == "2207":
            self.settled.add(message["msgid"])
            return {
                "setlinfo": {"setl_id": "SETL" + message["msgid"][-6:], "medins_setl_id": message["msgid"]}
            }
        if infno == "2601":
            original = self.processed.get(data["data"]["omsgid"])
            if original is None:
                return None  # answered below as a refusal
            self.settled.discard(original["msgid"])
            return {}
        if infno == "1101":
            return {"baseinfo": {"psn_no": "43000030281000128715", "psn_name": "张三"}, "insuinfo": []}
        return {}

    def answer(
        self, message: dict, output: dict | None, *, infcode: int = 0, err_msg: str | None = None
    ) -> httpx.Response:
        if (
            message["infno"] == "2601"
            and infcode == 0
            and message["input"]["data"]["omsgid"] not in self.processed
        ):
            infcode, err_msg = -1, "原交易不存在(0123456789abcdef0123456789abcdef@10.8.0.21)"
        body = {
            "infcode": infcode,
            "inf_refmsgid": "430200202507140800000000000001",
            "refmsg_time": "20250714080000000",
            "respond_time": "20250714080000100",
            "err_msg": err_msg,
            "warn_msg": None,
            "output": output if infcode == 0 else None,
        }
        return httpx.Response(200, json=body)
