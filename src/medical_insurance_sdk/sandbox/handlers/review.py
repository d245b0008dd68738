"""事前事中 review of the sandbox bureau: the rule engine behind 3101 / 3102 and its 3103 feedback.

    3101 明细审核事前分析 / 3102 明细审核事中分析: the current visit (curr_mdtrt_id) of each patient is run
         through the rules below; the answer is `result`, one row per violation, each remembered by its
         jr_id (review_state.ReviewJudgement).  No violation: `result` is an empty list.
    3103 事前事中服务反馈: each warns row names a jr_id of an earlier 3101 (warn_type 1) or 3102
         (warn_type 2) of the same institution and says how the doctor handled it.

Nested rows (patients, visits, diagnoses, orders, operations, warns) are checked by the dispatcher against
the registry's nested tables before a handler runs (3000x texts with the row's full path).  Refusals
(infcode -2), as the engine answers them: no trig_scen and no rule_ids, an unknown trig_scen or rule id, a
curr_mdtrt_id that is not among the visits; in 3103 an unknown or foreign jr_id, a jr_id of the other
review kind, a dspo_way other than 1/2, dspo_way 1 without a reason.

Rules (deterministic, on the submitted rows and the seeded catalogue `seed.CATALOG`); only lines of the
current prescription (curr_drord_flag 1) are judged:
    R001 超限价收费       pric above the item's 限价 (pric_uplmt_amt); vola_amt = (pric - 限价) x cnt
    R002 重复收费         the same hilist_code twice on the same day in the visit; vola_amt = the
                          repeat's sumamt
    R003 诊断与性别不符   a female-only diagnosis (O00-O9A, N70-N98) for a man, a male-only one (N40-N53) for
                          a woman; vola_amt 0
    R004 超住院天数收费   an item priced per day (prcunt 日) charged more days than the stay (dscg - adm,
                          at least 1); vola_amt = the extra days x pric
Codes the public tables leave to dictionaries not published (sandbox choices [U]): sev_deg 1 明确违规 /
2 高度可疑; vola_bhvr_type 1 超标准收费 / 2 重复收费 / 3 诊疗不合理; vola_amt_stas 1 已计算;
vola_item_type 1 处方(医嘱)明细 / 2 诊断.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.review_state import ReviewJudgement
from medical_insurance_sdk.sandbox.seed import CATALOG

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# rule_id -> (rule_name, vola_bhvr_type, sev_deg)
RULES: dict[str, tuple[str, str, str]] = {
    "R001": ("超限价收费", "1", "1"),
    "R002": ("重复收费", "2", "2"),
    "R003": ("诊断与性别不符", "3", "1"),
    "R004": ("超住院天数收费", "1", "1"),
}
# 触发场景: 1 门诊挂号 2 门诊收费登记 3 住院登记 4 住院收费登记 5 住院执行医嘱 6 门诊结算 7 门诊预结算
# 8 住院结算 9 住院预结算 (as a public client of the engine lists them); every scene runs every rule.
SCENES = frozenset("123456789")
WARN_TYPE = {"3101": "1", "3102": "2"}  # the 3103 反馈类型 of each analysis
KIND_NAME = {"1": "事前", "2": "事中"}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    vola_cont: str
    vola_amt: Decimal
    rx_id: str | None = None
    item_type: str = "1"


# --- 3101 / 3102 --------------------------------------------------------------------------------------------


@handles("3101", "3102")
def analyse(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Run the rules over each patient's current visit; remember and answer every violation."""
    body = data["data"]
    rules = _rules(ctx, body)
    task_id = body.get("task_id")
    result: list[dict[str, Any]] = []
    for patient in body["patient_dtos"]:
        visits = patient["fsi_encounter_dtos"]
        current = next((v for v in visits if v["mdtrt_id"] == patient["curr_mdtrt_id"]), None)
        if current is None:
            ctx.refuse(f"当前就诊标识{patient['curr_mdtrt_id']}在就诊信息中不存在")
        orders, diagnoses = current["fsi_order_dtos"], current["fsi_diagnose_dtos"]
        for finding in _judge(rules, patient, current, orders, diagnoses):
            result.append(_remember(ctx, finding, patient["patn_id"], current["mdtrt_id"], task_id))
    return {"result": result}


def _rules(ctx: Context, body: Mapping[str, Any]) -> list[str]:
    scene = body.get("trig_scen")
    wanted = body.get("rule_ids")
    if isinstance(wanted, str):
        wanted = [w for w in wanted.replace("，", ",").split(",") if w.strip()]
    if not scene and not wanted:
        ctx.refuse("触发场景与规则标识集合不能同时为空")
    if scene and str(scene) not in SCENES:
        ctx.refuse(f"触发场景{scene}不存在")
    if not wanted:
        return list(RULES)
    if not isinstance(wanted, list):
        ctx.refuse("规则标识集合应为数组")
    unknown = [str(w) for w in wanted if str(w).strip() not in RULES]
    if unknown:
        ctx.refuse("规则标识不存在：" + "、".join(unknown))
    return [str(w).strip() for w in wanted]


def _judge(
    rules: list[str],
    patient: Mapping[str, Any],
    visit: Mapping[str, Any],
    orders: list[dict[str, Any]],
    diagnoses: list[dict[str, Any]],
) -> Iterable[Finding]:
    current = [o for o in orders if str(o.get("curr_drord_flag")) == "1"]
    if "R001" in rules:
        yield from _over_price(current)
    if "R002" in rules:
        yield from _duplicates(orders)
    if "R003" in rules:
        yield from _gender(str(patient["gend"]), diagnoses)
    if "R004" in rules:
        yield from _over_days(visit, current)


def _over_price(orders: list[dict[str, Any]]) -> Iterable[Finding]:
    for order in orders:
        item = CATALOG.get(order["hilist_code"])
        cap = item.pric_uplmt_amt if item else None
        if cap is not None and order["pric"] > cap:
            amount = ((order["pric"] - cap) * order["cnt"]).quantize(CENT)
            yield Finding(
                "R001",
                f"【{order['hilist_name']}】单价{order['pric']}元超过医保限价{cap}元。",
                amount,
                order["rx_id"],
            )


def _duplicates(orders: list[dict[str, Any]]) -> Iterable[Finding]:
    for index, order in enumerate(orders):
        if str(order.get("curr_drord_flag")) != "1":
            continue
        day = str(order["drord_begn_date"])[:10]
        earlier = [
            o
            for o in orders[:index]
            if o["hilist_code"] == order["hilist_code"] and str(o["drord_begn_date"])[:10] == day
        ]
        if earlier:
            yield Finding(
                "R002",
                f"【{order['hilist_name']}】于{day}重复收费（与处方(医嘱){earlier[0]['rx_id']}重复）。",
                Decimal(order["sumamt"]).quantize(CENT),
                order["rx_id"],
            )


def _female_only(code: str) -> bool:
    return code.startswith("O") or ("N70" <= code[:3] <= "N98")


def _male_only(code: str) -> bool:
    return "N40" <= code[:3] <= "N53"


def _gender(gend: str, diagnoses: list[dict[str, Any]]) -> Iterable[Finding]:
    for diagnosis in diagnoses:
        code = str(diagnosis["dise_codg"]).upper()
        if (gend == "1" and _female_only(code)) or (gend == "2" and _male_only(code)):
            sex = "男" if gend == "1" else "女"
            yield Finding(
                "R003",
                f"患者性别为{sex}，诊断【{diagnosis['dise_name']}】({code})与性别不符。",
                ZERO,
                None,
                "2",
            )


def _over_days(visit: Mapping[str, Any], orders: list[dict[str, Any]]) -> Iterable[Finding]:
    begin = datetime.strptime(str(visit["adm_date"])[:10], "%Y-%m-%d")
    end = datetime.strptime(str(visit["dscg_date"])[:10], "%Y-%m-%d")
    days = max((end - begin).days, 1)
    charged: dict[str, Decimal] = {}
    for order in orders:
        item = CATALOG.get(order["hilist_code"])
        if item is None or item.prcunt != "日":
            continue
        before = charged.get(order["hilist_code"], ZERO)
        charged[order["hilist_code"]] = before + order["cnt"]
        extra = min(order["cnt"], before + order["cnt"] - days)
        if extra > 0:
            yield Finding(
                "R004",
                f"【{order['hilist_name']}】收费{before + order['cnt']}日，超过住院天数{days}日。",
                (extra * order["pric"]).quantize(CENT),
                order["rx_id"],
            )


def _remember(ctx: Context, finding: Finding, patn_id: str, mdtrt_id: str, task_id: Any) -> dict[str, Any]:
    name, behaviour, severity = RULES[finding.rule_id]
    jr_id = ctx.services["ids"].new(ctx.now, prefix="JR")
    ctx.session.add(
        ReviewJudgement(
            jr_id=jr_id,
            infno=ctx.infno,
            warn_type=WARN_TYPE[ctx.infno],
            fixmedins_code=ctx.fixmedins_code,
            task_id=str(task_id) if task_id else None,
            rule_id=finding.rule_id,
            patn_id=patn_id,
            mdtrt_id=mdtrt_id,
            rx_id=finding.rx_id,
            vola_amt=finding.vola_amt,
            msgid=ctx.msgid,
            created_at=ctx.now,
        )
    )
    ctx.session.flush()
    detail = {
        "jrd_id": jr_id.replace("JR", "JRD", 1),
        "patn_id": patn_id,
        "mdtrt_id": mdtrt_id,
        "rx_id": finding.rx_id,
        "vola_item_type": finding.item_type,
        "vola_amt": finding.vola_amt,
    }
    return {
        "jr_id": jr_id,
        "rule_id": finding.rule_id,
        "rule_name": name,
        "vola_cont": finding.vola_cont,
        "patn_id": patn_id,
        "mdtrt_id": mdtrt_id,
        "judge_result_detail_dtos": [detail],
        "vola_amt": finding.vola_amt,
        "vola_amt_stas": "1",
        "sev_deg": severity,
        "vola_evid": f"医保智能监管规则{finding.rule_id}（{name}）",
        "vola_bhvr_type": behaviour,
        "task_id": str(task_id) if task_id else None,
    }


# --- 3103 ---------------------------------------------------------------------------------------------------


@handles("3103")
def feedback(ctx: Context, data: dict[str, Any]) -> None:
    """Record how each warned violation was handled; every jr_id must come from this institution's review."""
    body = data["data"]
    warn_type = str(body["warn_type"])
    if warn_type not in KIND_NAME:
        ctx.refuse(f"反馈类型{warn_type}不存在")
    for number, warn in enumerate(body["warns"], 1):
        jr_id = warn["warn_rslt_id"]
        judgement = ctx.session.scalars(
            select(ReviewJudgement).where(
                ReviewJudgement.jr_id == jr_id, ReviewJudgement.fixmedins_code == ctx.fixmedins_code
            )
        ).first()
        if judgement is None:
            ctx.refuse(f"第{number}条：违规标识{jr_id}不存在")
        if judgement.warn_type != warn_type:
            kind = KIND_NAME[judgement.warn_type]
            ctx.refuse(f"第{number}条：违规标识{jr_id}为{kind}分析结果，与反馈类型不符")
        way = str(warn["dspo_way"])
        if way not in ("1", "2"):
            ctx.refuse(f"第{number}条：处理方式{way}不存在")
        reason = (warn.get("dspo_way_rea") or "").strip()
        if way == "1" and not reason:
            ctx.refuse(f"第{number}条：选择继续执行医嘱时，处理原因不能为空")
        judgement.dspo_way, judgement.dspo_way_rea = way, reason or None
        judgement.feedback_msgid, judgement.feedback_at = ctx.msgid, ctx.now
