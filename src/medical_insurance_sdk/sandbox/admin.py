"""Admin API and HTML page of the sandbox bureau, under /sandbox/.

    POST   /sandbox/admin/reset        drop and recreate every table, reseed, restore the configured faults
    POST   /sandbox/admin/seed         add the seed persons that are missing (nothing is overwritten)
    GET    /sandbox/admin/faults       the active fault rules (with firings left) and the seed
    PUT    /sandbox/admin/faults       replace them: {"rules": [FaultRule, …], "seed": 7}
    POST   /sandbox/admin/faults       add one FaultRule
    DELETE /sandbox/admin/faults       remove every rule
    GET    /sandbox/admin/persons      psn_no, certno, psn_name, insutype, balc … of every insured person
    GET    /sandbox/admin/balances     balance and year-to-date counters of every person
    GET    /sandbox/admin/ledger       recent processed messages (?infno=&fixmedins_code=&limit=)
    GET    /sandbox/admin/rejections   recent messages refused before processing (not in the ledger)
    GET    /sandbox/                   a small HTML page: persons and recent settlements

`admin_router(state, guard=...)` is bound to one sandbox state, so a gateway that embeds the sandbox serves
the same paths with `gateway_app.include_router(admin_router(sandbox_app.state.sandbox, guard=...))`.
Amounts are written as exact JSON numbers (jsoncodec), never floats.

Nothing here is open: every endpoint and the page first run `guard`, a FastAPI dependency that answers
who is asking (`AdminAccess`) or refuses.  The standalone sandbox (`yibao sandbox`) guards with its own
admin token (`token_guard`: `Authorization: Bearer <token>` or `X-Sandbox-Admin-Token`); the gateway guards
with its API keys and tokens (`gateway.policies.sandbox_access`).  Access limited to one institution
(`AdminAccess.institution`) may only read that institution's ledger rows; everything else (persons,
balances, faults, reset, seed, rejections, the page) needs full access.
"""

from __future__ import annotations

import hmac
import html
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from medical_insurance_sdk.protocol.jsoncodec import dumps
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.faults import FaultRule
from medical_insurance_sdk.sandbox.runtime import SandboxState, seed_persons
from medical_insurance_sdk.sandbox.state import Message, Person

ADMIN_TOKEN_HEADER = "X-Sandbox-Admin-Token"
# the registry's settlements (clearing_class) and the cancellations that undo them
SETTLEMENT_INFNOS = frozenset(
    t.infno
    for t in REGISTRY.transactions
    if t.clearing_class is not None
    or (t.undoes is not None and REGISTRY[t.undoes].clearing_class is not None)
)
_INSUTYPE = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险"}


class FaultConfig(BaseModel):
    """Body of PUT /sandbox/admin/faults."""

    model_config = ConfigDict(extra="forbid")

    rules: list[FaultRule] = []
    seed: int | None = None


@dataclass(frozen=True)
class AdminAccess:
    """What a caller of the admin API may see: everything, or one institution's ledger rows."""

    institution: str | None = None  # None: full access

    @property
    def full(self) -> bool:
        return self.institution is None


AdminGuard = Callable[..., Awaitable[AdminAccess]]
"""A FastAPI dependency: the caller's AdminAccess, or an HTTPException / error that refuses it."""


def new_admin_token() -> str:
    return secrets.token_urlsafe(32)


def token_guard(token: str) -> AdminGuard:
    """Full access for a request that presents `token` (Bearer or X-Sandbox-Admin-Token), else 401."""
    if len(token) < 16:
        raise ValueError("the sandbox admin token must have at least 16 characters")
    expected = token.encode("utf-8")

    async def guard(request: Request) -> AdminAccess:
        presented = request.headers.get(ADMIN_TOKEN_HEADER)
        if presented is None:
            scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
            presented = value.strip() if scheme.lower() == "bearer" else None
        if not presented or not hmac.compare_digest(presented.encode("utf-8"), expected):
            raise HTTPException(
                401,
                detail=f"沙箱管理接口需要管理令牌: Authorization: Bearer <令牌> 或 {ADMIN_TOKEN_HEADER}",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return AdminAccess()

    return guard


def _full(access: AdminAccess) -> None:
    if not access.full:
        raise HTTPException(403, detail="权限不足: 沙箱管理接口需要管理员（admin）API Key 或令牌")


def _json(value: Any, status: int = 200) -> Response:
    return Response(dumps(value), status_code=status, media_type="application/json")


def admin_router(
    state: SandboxState, *, guard: AdminGuard, docs_url: str | None = "/sandbox/docs"
) -> APIRouter:
    """The admin endpoints and the HTML page, bound to `state`, each behind `guard`."""

    # `= Depends(guard)`, not Annotated: `guard` is a local, which string annotations cannot name
    async def full_access(access: AdminAccess = Depends(guard)) -> AdminAccess:  # noqa: B008
        _full(access)
        return access

    router = APIRouter(prefix="/sandbox", tags=["sandbox admin"], dependencies=[Depends(full_access)])
    scoped = APIRouter(prefix="/sandbox", tags=["sandbox admin"])

    @router.post("/admin/reset")
    def reset() -> Response:
        state.reset()
        return _json({"status": "ok", "persons": len(_persons(state))})

    @router.post("/admin/seed")
    def seed() -> Response:
        with state.transaction() as session:
            added = seed_persons(session)
        return _json({"status": "ok", "added": added})

    @router.get("/admin/faults")
    def get_faults() -> Response:
        return _json({"seed": state.faults.seed, "rules": state.faults.snapshot()})

    @router.put("/admin/faults")
    def put_faults(config: FaultConfig) -> Response:
        state.faults.replace(config.rules, seed=config.seed)
        return get_faults()

    @router.post("/admin/faults")
    def add_fault(rule: FaultRule) -> Response:
        state.faults.add(rule)
        return get_faults()

    @router.delete("/admin/faults")
    def clear_faults() -> Response:
        state.faults.clear()
        return get_faults()

    @router.get("/admin/persons")
    def persons() -> Response:
        return _json(_persons(state))

    @router.get("/admin/balances")
    def balances() -> Response:
        with state.transaction() as session:
            rows = session.scalars(select(Person).order_by(Person.psn_no)).all()
            return _json(
                [
                    {
                        "psn_no": p.psn_no,
                        "psn_name": p.psn_name,
                        "balc": p.balc,
                        "year": p.year,
                        "year_to_date": p.year_to_date,
                    }
                    for p in rows
                ]
            )

    @scoped.get("/admin/ledger")
    def ledger(
        infno: str | None = None,
        fixmedins_code: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        access: AdminAccess = Depends(guard),  # noqa: B008
    ) -> Response:
        if not access.full:
            if fixmedins_code not in (None, "", access.institution):
                raise HTTPException(403, detail="权限不足: 只能查看本机构的沙箱报文")
            fixmedins_code = access.institution
        return _json(_ledger(state, infno=infno, fixmedins_code=fixmedins_code, limit=limit))

    @router.get("/admin/rejections")
    def rejections() -> Response:
        return _json(list(state.rejections))

    @router.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        return HTMLResponse(_page(state, docs_url))

    both = APIRouter()
    both.include_router(scoped)
    both.include_router(router)
    return both


def _persons(state: SandboxState) -> list[dict[str, Any]]:
    with state.transaction() as session:
        rows = session.scalars(select(Person).order_by(Person.psn_no)).all()
        return [
            {
                "psn_no": p.psn_no,
                "certno": p.certno,
                "psn_name": p.psn_name,
                "insutype": p.insutype,
                "balc": p.balc,
                "insuplc_admdvs": p.insuplc_admdvs,
                "psn_insu_stas": p.profile.get("insuinfo", {}).get("psn_insu_stas"),
                "category": p.profile.get("category", ""),
            }
            for p in rows
        ]


def _ledger(
    state: SandboxState, *, infno: str | None = None, fixmedins_code: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    query = select(Message).order_by(Message.received_at.desc(), Message.msgid.desc()).limit(limit)
    if infno:
        query = query.where(Message.infno == infno)
    if fixmedins_code:
        query = query.where(Message.fixmedins_code == fixmedins_code)
    with state.transaction() as session:
        return [
            {
                "msgid": m.msgid,
                "infno": m.infno,
                "fixmedins_code": m.fixmedins_code,
                "opter": m.opter,
                "received_at": m.received_at,
                "infcode": m.infcode,
                "err_msg": m.err_msg,
                "input": m.input,
                "output": m.output,
                "reversed_by": m.reversed_by,
            }
            for m in session.scalars(query)
        ]


# --------------------------------------------------------------------------------------------- HTML page


def _cell(value: Any) -> str:
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]], empty: str) -> str:
    if not rows:
        return f"<p>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _settlement_row(m: dict[str, Any]) -> tuple[Any, ...]:
    output = m["output"] if isinstance(m["output"], dict) else {}
    setlinfo: dict[str, Any] = output.get("setlinfo") or {}
    if not isinstance(setlinfo, dict):
        setlinfo = {}
    return (
        m["received_at"],
        m["infno"],
        m["msgid"],
        setlinfo.get("setl_id"),
        setlinfo.get("psn_no") or setlinfo.get("psn_name"),
        setlinfo.get("medfee_sumamt"),
        setlinfo.get("fund_pay_sumamt"),
        setlinfo.get("acct_pay"),
        setlinfo.get("psn_cash_pay"),
        "已冲正" if m["reversed_by"] else ("成功" if m["infcode"] == 0 else m["err_msg"]),
    )


def _page(state: SandboxState, docs_url: str | None) -> str:
    persons = _persons(state)
    settlements = [m for m in _ledger(state, limit=500) if m["infno"] in SETTLEMENT_INFNOS][:50]
    recent = _ledger(state, limit=30)
    docs = f'，接口文档: <a href="{docs_url}">{docs_url}</a>' if docs_url else ""
    person_rows = [
        (
            p["psn_no"],
            p["psn_name"],
            p["certno"],
            _INSUTYPE.get(p["insutype"], p["insutype"]),
            p["category"],
            p["insuplc_admdvs"],
            "暂停参保" if p["psn_insu_stas"] == "2" else "正常参保",
            p["balc"],
        )
        for p in persons
    ]
    message_rows = [
        (m["received_at"], m["infno"], m["msgid"], m["fixmedins_code"], m["infcode"], m["err_msg"] or "")
        for m in recent
    ]
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>医保沙箱</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #bbb; padding: 2px 6px; font-size: 13px; }} th {{ background: #eee; }}
</style></head><body>
<h1>医保沙箱（国家医保信息平台模拟器）</h1>
<p>统一调度入口: <code>POST /fsi/api/rsfComIfsService/callService</code>。
先签到（9001），再用下表的证件号码做人员信息获取（1101）。管理接口: <code>/sandbox/admin/…</code>{docs}。</p>
<h2>参保人员（{len(persons)} 人）</h2>
{
        _table(
            ("人员编号", "姓名", "证件号码", "险种", "类别", "参保地", "参保状态", "个人账户余额"),
            person_rows,
            "无",
        )
    }
<h2>最近结算</h2>
{
        _table(
            (
                "时间",
                "交易",
                "报文ID",
                "结算ID",
                "人员",
                "医疗费总额",
                "基金支付",
                "个人账户",
                "现金",
                "状态",
            ),
            [_settlement_row(m) for m in settlements],
            "暂无结算",
        )
    }
<h2>最近报文</h2>
{_table(("时间", "交易", "报文ID", "机构", "infcode", "错误信息"), message_rows, "暂无报文")}
</body></html>
"""
