"""事前事中 review: 3101 / 3102 run the sandbox rules over the current visit, 3103 answers their warnings.

Bodies are the registry's samples of the nested tables (registry/schemas/institution_review.py) with the
fields each flow sets.  Hand derivations beside the assertions.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bureau_harness import assert_failure, open_bureau
from handlers_support import Desk
from sqlalchemy import select

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_node
from medical_insurance_sdk.registry.schemas.institution_review import (
    DIAGNOSE_DTOS,
    ENCOUNTER_DTOS,
    ORDER_DTOS,
    PATIENT_DTOS,
    WARNS,
)
from medical_insurance_sdk.sandbox.review_state import ReviewJudgement
from medical_insurance_sdk.sandbox.seed import CATALOG, DEMO_HOSPITAL, DEMO_PHARMACY

D = Decimal
AMOXICILLIN = "XJ01CAA040A001010100001"  # 12.50 / 盒, no 限价
ALBUMIN = "XB05AAA010B002010100013"  # 人血白蛋白, 限价 380.00
BED = "001101000010100-110100001"  # 普通病房床位费, 40.00 / 日
DAY = "2025-07-14 09:00:00"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


def order(
    rx_id: str, code: str, pric: str, cnt: str, *, day: str = DAY, current: str = "1"
) -> dict[str, Any]:
    row = sample_node(ORDER_DTOS)
    row.update(
        rx_id=rx_id,
        hilist_code=code,
        hilist_name=CATALOG[code].name,
        hosplist_code=f"H{rx_id}",
        hosplist_name=CATALOG[code].name,
        pric=pric,
        cnt=cnt,
        sumamt=str(D(pric) * D(cnt)),
        drord_begn_date=day,
        curr_drord_flag=current,
    )
    return row


def diagnosis(code: str, name: str) -> dict[str, Any]:
    row = sample_node(DIAGNOSE_DTOS)
    row.update(dise_id=f"DX{code}", dise_codg=code, dise_name=name)
    return row


def visit(
    orders: list[dict[str, Any]],
    diagnoses: list[dict[str, Any]] | None = None,
    *,
    mdtrt_id: str = "MD001",
    adm: str = DAY,
    dscg: str = DAY,
) -> dict[str, Any]:
    row = sample_node(ENCOUNTER_DTOS)
    row.update(
        mdtrt_id=mdtrt_id,
        adm_date=adm,
        dscg_date=dscg,
        fsi_diagnose_dtos=diagnoses or [diagnosis("J06.900", "急性上呼吸道感染")],
        fsi_order_dtos=orders,
        fsi_operation_dtos=[],
        fsi_his_data_dto=None,
    )
    return row


def review(
    visits: list[dict[str, Any]], *, gend: str = "1", curr: str = "MD001", **data: Any
) -> dict[str, Any]:
    patient = sample_node(PATIENT_DTOS)
    patient.update(
        patn_id="P001", gend=gend, brdy="1980-05-01", curr_mdtrt_id=curr, fsi_encounter_dtos=visits
    )
    patient.pop("fsi_his_data_dto")
    body = sample_node(REGISTRY["3101"].request_nodes[0])
    body.update(patient_dtos=[patient], trig_scen="2", task_id="T001")
    body.pop("rule_ids")
    body.update(data)
    return {"data": body}


def judgements(desk: Desk) -> list[ReviewJudgement]:
    return list(desk.session.scalars(select(ReviewJudgement).order_by(ReviewJudgement.jr_id)))


def test_a_clean_visit_has_no_violation(desk: Desk) -> None:
    answer = desk.ok("3101", review([visit([order("RX1", AMOXICILLIN, "12.50", "2")])]))
    assert answer == {"result": []}
    assert judgements(desk) == []


def test_price_over_the_cap_is_reported_and_remembered(desk: Desk) -> None:
    answer = desk.ok("3101", review([visit([order("RX1", ALBUMIN, "420.00", "2")])]))
    (row,) = answer["result"]
    # (420.00 - 380.00) x 2 = 80.00
    assert (row["rule_id"], row["rule_name"], row["vola_amt"], row["vola_bhvr_type"]) == (
        "R001",
        "超限价收费",
        D("80.00"),
        "1",
    )
    assert "限价380.00元" in row["vola_cont"]
    assert (row["patn_id"], row["mdtrt_id"], row["task_id"]) == ("P001", "MD001", "T001")
    assert row["judge_result_detail_dtos"][0]["rx_id"] == "RX1"
    (stored,) = judgements(desk)
    assert (stored.jr_id, stored.warn_type, stored.rule_id, stored.vola_amt) == (
        row["jr_id"],
        "1",
        "R001",
        D("80.00"),
    )


def test_a_repeated_line_on_the_same_day_is_a_duplicate(desk: Desk) -> None:
    lines = [
        order("RX1", AMOXICILLIN, "12.50", "2", current="0"),
        order("RX2", AMOXICILLIN, "12.50", "2"),
        order("RX3", AMOXICILLIN, "12.50", "1", day="2025-07-15 09:00:00"),
    ]
    (row,) = desk.ok("3102", review([visit(lines)]))["result"]
    # RX2 repeats RX1 on 07-14 (12.50 x 2 = 25.00); RX3 is another day
    assert (row["rule_id"], row["vola_amt"], row["judge_result_detail_dtos"][0]["rx_id"]) == (
        "R002",
        D("25.00"),
        "RX2",
    )
    assert judgements(desk)[0].warn_type == "2"  # 3102 is 事中


@pytest.mark.parametrize(
    ("gend", "code", "name"), [("1", "O80.000", "单胎顺产"), ("2", "N40.x00", "前列腺增生")]
)
def test_a_diagnosis_of_the_other_sex_is_reported(desk: Desk, gend: str, code: str, name: str) -> None:
    body = review([visit([order("RX1", AMOXICILLIN, "12.50", "1")], [diagnosis(code, name)])], gend=gend)
    (row,) = desk.ok("3101", body)["result"]
    assert (row["rule_id"], row["vola_amt"], row["judge_result_detail_dtos"][0]["vola_item_type"]) == (
        "R003",
        D("0.00"),
        "2",
    )
    assert name in row["vola_cont"]


def test_bed_days_beyond_the_stay(desk: Desk) -> None:
    stay = visit([order("RX1", BED, "40.00", "5")], adm="2025-07-10 10:00:00", dscg="2025-07-14 09:00:00")
    (row,) = desk.ok("3102", review([stay], trig_scen="8"))["result"]
    # 07-10 .. 07-14 = 4 days; 5 charged: 1 extra x 40.00
    assert (row["rule_id"], row["vola_amt"]) == ("R004", D("40.00"))


def test_rule_ids_choose_the_rules(desk: Desk) -> None:
    lines = [order("RX1", ALBUMIN, "420.00", "1"), order("RX2", ALBUMIN, "420.00", "1")]
    both = desk.ok("3101", review([visit(lines)]))["result"]
    assert sorted(r["rule_id"] for r in both) == ["R001", "R001", "R002"]
    only = desk.ok("3101", review([visit(lines)], trig_scen=None, rule_ids=["R002"]))["result"]
    assert [r["rule_id"] for r in only] == ["R002"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"trig_scen": None}, "触发场景与规则标识集合不能同时为空"),
        ({"trig_scen": "X"}, "触发场景X不存在"),
        ({"rule_ids": ["R001", "R999"]}, "规则标识不存在：R999"),
    ],
)
def test_engine_refusals(desk: Desk, change: dict[str, Any], fragment: str) -> None:
    desk.refused("3101", review([visit([order("RX1", ALBUMIN, "420.00", "1")])], **change), fragment)
    assert judgements(desk) == []


def test_current_visit_must_be_sent(desk: Desk) -> None:
    line = order("RX1", AMOXICILLIN, "12.50", "1")
    desk.refused("3101", review([visit([line])], curr="MD999"), "当前就诊标识MD999在就诊信息中不存在")


def test_nested_rows_are_checked_by_the_registry_before_the_rules(tmp_path: Path) -> None:
    # the registry's nested tables, as the dispatcher applies them: 30002 at the row's full path, nothing run
    line = order("RX1", ALBUMIN, "420.00", "1")
    del line["hilist_pric"]
    seen = visit([line, order("RX2", ALBUMIN, "420.00", "1")])
    seen["fsi_diagnose_dtos"] = []
    with open_bureau(tmp_path) as bureau:
        bureau.sign_in()
        text = assert_failure(bureau.call("3101", review([seen])), "30002")
        assert "data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].hilist_pric" in text
        assert "data.patient_dtos[0].fsi_encounter_dtos[0].fsi_diagnose_dtos" in text
        with bureau.state.transaction() as session:
            assert list(session.scalars(select(ReviewJudgement))) == []


def warn(jr_id: str, way: str = "2", reason: str | None = None) -> dict[str, Any]:
    row = sample_node(WARNS)
    row.update(warn_rslt_id=jr_id, dspo_way=way, dspo_way_rea=reason)
    return row


def test_feedback_links_to_the_judgement(desk: Desk) -> None:
    (row,) = desk.ok("3101", review([visit([order("RX1", ALBUMIN, "420.00", "1")])]))["result"]
    assert (
        desk.ok(
            "3103", {"data": {"warn_type": "1", "warns": [warn(row["jr_id"], "1", "病情需要，已告知患者")]}}
        )
        is None
    )
    (stored,) = judgements(desk)
    assert (stored.dspo_way, stored.dspo_way_rea) == ("1", "病情需要，已告知患者")
    # the doctor changes his mind: the latest feedback is kept
    desk.ok("3103", {"data": {"warn_type": "1", "warns": [warn(row["jr_id"], "2")]}})
    desk.session.expire_all()
    assert (judgements(desk)[0].dspo_way, judgements(desk)[0].dspo_way_rea) == ("2", None)


def test_feedback_refusals(desk: Desk) -> None:
    (before,) = desk.ok("3101", review([visit([order("RX1", ALBUMIN, "420.00", "1")])]))["result"]
    (during,) = desk.ok("3102", review([visit([order("RX1", ALBUMIN, "420.00", "1")])]))["result"]
    jr = before["jr_id"]

    def send(warn_type: str, *warns: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"warn_type": warn_type, "warns": list(warns)}}

    desk.refused("3103", send("1", warn("JR0000")), "第1条：违规标识JR0000不存在")
    desk.refused("3103", send("2", warn(jr)), "为事前分析结果，与反馈类型不符")
    desk.refused("3103", send("1", warn(jr), warn(during["jr_id"])), "第2条：违规标识")
    desk.refused("3103", send("1", warn(jr, "1")), "第1条：选择继续执行医嘱时，处理原因不能为空")
    desk.refused("3103", send("1", warn(jr, "3")), "处理方式3不存在")
    desk.refused("3103", send("3", warn(jr)), "反馈类型3不存在")
    # another institution cannot answer this hospital's warnings
    desk.refused("3103", send("1", warn(jr)), "不存在", fixmedins_code=DEMO_PHARMACY)
    assert all(j.dspo_way is None for j in judgements(desk))  # every refusal left the judgements untouched
    desk.ok("3103", send("2", warn(during["jr_id"], "2")))
    assert {j.jr_id: j.dspo_way for j in judgements(desk)} == {jr: None, during["jr_id"]: "2"}
    assert desk.fixmedins_code == DEMO_HOSPITAL
