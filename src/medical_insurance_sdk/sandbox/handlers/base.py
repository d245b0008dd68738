"""The contract between the sandbox dispatcher and its transaction handlers.

A handler is a function `(ctx, data) -> output` registered for one or more infnos:

    @handles("2207")
    def settle(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
        visit = ctx.session.get(Visit, data["data"]["mdtrt_id"]) or ctx.refuse("就诊信息不存在")
        ...
        return {"setlinfo": ..., "setldetail": [...]}

`data` is the message's `input`, already validated against the registry schema (strict, so handlers may
trust types: amounts are Decimal, dates are bureau text).  The return value is the `output` node (a dict,
a list, or None).  `ctx.refuse(msg)` answers infcode -2 (the spec's business error: "just show err_msg")
with that Chinese message; the dispatcher rolls the transaction back, so a refused message changes
nothing.  Protocol-level rejections before processing (signature, sign-in, msgid, schema) and system
faults answer -1, the code after which the HIS must follow up (冲正/查询).  A handler never commits: the
dispatcher commits once, after the message is recorded in `sbx_message`, so state and ledger move
together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy.orm import Session

Output = dict[str, Any] | list[Any] | None
Handler = Callable[["Context", dict[str, Any]], Output]

HANDLERS: dict[str, Handler] = {}


class Refusal(Exception):
    """The bureau says no to the business: infcode -2 with a Chinese err_msg, state untouched."""

    def __init__(self, err_msg: str, *, infcode: int = -2) -> None:
        super().__init__(err_msg)
        self.err_msg = err_msg
        self.infcode = infcode


@dataclass
class Context:
    """What a handler may use: the open session, the envelope, the clock, the sandbox settings."""

    session: Session
    infno: str
    msgid: str
    envelope: dict[str, Any]
    now: datetime
    settings: Any  # SandboxSettings; typed loosely to keep this module import-light
    services: dict[str, Any] = field(default_factory=dict)  # shared helpers (policy, id generators, files)

    @property
    def fixmedins_code(self) -> str:
        return str(self.envelope.get("fixmedins_code", ""))

    @property
    def opter(self) -> str:
        return str(self.envelope.get("opter", ""))

    def refuse(self, err_msg: str, *, infcode: int = -2) -> NoReturn:
        raise Refusal(err_msg, infcode=infcode)


def handles(*infnos: str) -> Callable[[Handler], Handler]:
    """Register a handler for these infnos (each infno has at most one handler)."""

    def register(fn: Handler) -> Handler:
        for infno in infnos:
            if infno in HANDLERS:
                raise ValueError(f"two sandbox handlers for {infno}")
            HANDLERS[infno] = fn
        return fn

    return register
