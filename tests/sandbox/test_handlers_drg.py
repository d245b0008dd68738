"""DRG exit applications 3601-3604 and audit appeals 3701-3704 through the handlers, with their states."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import LI_NA, Desk
from test_handlers_inpatient import WHO, admission
from test_handlers_reversal import settled

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.business_state import SettlementRow
from medical_insurance_sdk.sandbox.drg_state import Appeal, DrgExitApplication
from medical_insurance_sdk.sandbox.handlers.drg import AUDIT_DELAY

D = Decimal
OTHER_HOSPITAL = "H44030500001"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


def body(infno: str, **fields: Any) -> dict[str, Any]:
    """The registry's sample message of `infno` with these fields in its data node."""
    message = sample_message(REGISTRY[infno].request_nodes)
    message["data"] = {**(message.get("data") or {}), **fields}
    return message


def wait_for_audit(desk: Desk) -> None:
    desk.tick(seconds=AUDIT_DELAY.total_seconds() + 60)


def admitted(desk: Desk) -> str:
    return str(desk.ok("2401", admission())["result"]["mdtrt_id"])


def apply_exit(desk: Desk, mdtrt_id: str, reason: str = "病情复杂，转按项目付费") -> str:
    output = desk.ok("3602", body("3602", psn_no=WHO.psn_no, mdtrt_id=mdtrt_id, exit_rea=reason))
    assert output["data"]["appy_stas"] == "1"
    return str(output["data"]["appy_id"])


def listed(desk: Desk, **filters: Any) -> list[dict[str, Any]]:
    return list(desk.ok("3601", body("3601", **filters))["data"])


# ------------------------------------------------------------------------------------------ DRG exit


def test_exit_application_is_saved_listed_and_approved(desk: Desk) -> None:
    mdtrt_id = admitted(desk)
    appy_id = apply_exit(desk, mdtrt_id)
    [row] = listed(desk, mdtrt_id=mdtrt_id)
    assert (row["appy_id"], row["appy_stas"], row["appy_stas_name"], row["vali_flag"]) == (
        appy_id,
        "1",
        "待审核",
        "1",
    )
    opinion = desk.ok("3604", body("3604", appy_id=appy_id))
    assert opinion["data"]["appy_stas"] == "1" and opinion["data"]["audit_opnn"] is None
    wait_for_audit(desk)
    opinion = desk.ok("3604", body("3604", appy_id=appy_id))
    assert opinion["data"]["appy_stas_name"] == "审核通过"
    assert opinion["data"]["audit_opnn"] == "同意退出DRG付费，按项目付费结算"
    assert opinion["fundinfo"] == []  # not settled yet
    stored = desk.session.get(DrgExitApplication, appy_id)
    assert stored is not None and stored.status == "approved"
    desk.refused("3603", body("3603", appy_id=appy_id, opt_type="2"), "DRG退出申请已审核，不能撤销")


def test_modify_then_withdraw_then_no_second_withdrawal(desk: Desk) -> None:
    mdtrt_id = admitted(desk)
    appy_id = apply_exit(desk, mdtrt_id)
    desk.ok("3603", body("3603", appy_id=appy_id, opt_type="1", exit_rea="合并多种严重并发症"))
    stored = desk.session.get(DrgExitApplication, appy_id)
    assert stored is not None and stored.exit_rea == "合并多种严重并发症"
    assert desk.ok("3603", body("3603", appy_id=appy_id, opt_type="2"))["data"]["appy_stas"] == "4"
    desk.refused("3603", body("3603", appy_id=appy_id, opt_type="2"), "DRG退出申请已撤销，不能重复撤销")
    desk.refused("3603", body("3603", appy_id=appy_id, opt_type="1", exit_rea="再改"), "已撤销，不能修改")
    [row] = listed(desk, mdtrt_id=mdtrt_id)
    assert (row["appy_stas_name"], row["vali_flag"]) == ("已撤销", "0")
    wait_for_audit(desk)  # a withdrawn application is never audited
    assert listed(desk, mdtrt_id=mdtrt_id)[0]["appy_stas"] == "4"
    # after a withdrawal the visit may apply again
    again = apply_exit(desk, mdtrt_id)
    assert [r["appy_id"] for r in listed(desk, mdtrt_id=mdtrt_id)] == [again, appy_id]
    assert [r["appy_id"] for r in listed(desk, appy_stas="1")] == [again]


def test_who_may_apply(desk: Desk) -> None:
    desk.refused("3602", body("3602", psn_no=WHO.psn_no, exit_rea="病情复杂"), "就诊ID不能为空")
    desk.refused(
        "3602", body("3602", psn_no=WHO.psn_no, mdtrt_id="NOPE", exit_rea="病情复杂"), "就诊信息不存在"
    )
    mdtrt_id = admitted(desk)
    desk.refused("3602", body("3602", psn_no=WHO.psn_no, mdtrt_id=mdtrt_id), "退出原因不能为空")
    desk.refused(
        "3602",
        body("3602", psn_no=LI_NA.psn_no, mdtrt_id=mdtrt_id, exit_rea="病情复杂"),
        "人员编号与就诊信息不符",
    )
    desk.refused(
        "3602",
        body("3602", psn_no=WHO.psn_no, mdtrt_id=mdtrt_id, exit_rea="病情复杂"),
        "就诊信息不存在",
        fixmedins_code=OTHER_HOSPITAL,
    )
    apply_exit(desk, mdtrt_id)
    desk.refused(
        "3602", body("3602", psn_no=WHO.psn_no, mdtrt_id=mdtrt_id, exit_rea="病情复杂"), "不能重复提交"
    )
    mdtrt_outpatient, _, _ = settled(desk)
    desk.refused(
        "3602",
        body("3602", psn_no=LI_NA.psn_no, mdtrt_id=mdtrt_outpatient, exit_rea="病情复杂"),
        "非住院就诊",
    )
    assert desk.session.query(DrgExitApplication).count() == 1


def test_unknown_application_and_bad_operation(desk: Desk) -> None:
    desk.refused("3603", body("3603", appy_id="NOPE", opt_type="2"), "DRG退出申请不存在")
    desk.refused("3604", body("3604", appy_id="NOPE"), "DRG退出申请不存在")
    desk.refused("3604", body("3604"), "申请ID不能为空")
    appy_id = apply_exit(desk, admitted(desk))
    desk.refused("3603", body("3603", appy_id=appy_id, opt_type="9"), "操作类型不正确")
    desk.refused("3603", body("3603", appy_id=appy_id), "操作类型不能为空")
    desk.refused(
        "3603",
        body("3603", appy_id=appy_id, opt_type="2"),
        "DRG退出申请不存在",
        fixmedins_code=OTHER_HOSPITAL,
    )
    assert listed(desk)
    assert not desk.ok("3601", body("3601"), fixmedins_code=OTHER_HOSPITAL)["data"]


def test_a_short_reason_is_rejected(desk: Desk) -> None:
    short = apply_exit(desk, admitted(desk), reason="太贵")
    wait_for_audit(desk)
    opinion = desk.ok("3604", body("3604", appy_id=short))["data"]
    assert (opinion["appy_stas"], opinion["audit_opnn"]) == ("3", "退出理由不充分，不予退出DRG付费")
    # a rejected application no longer blocks a new one for the same visit
    assert apply_exit(desk, opinion["mdtrt_id"]) != short


# ------------------------------------------------------------------------------------------ appeals


def deduction(desk: Desk) -> dict[str, Any]:
    _, setl_id, _ = settled(desk)
    [node] = desk.ok("3701", body("3701", setl_id=setl_id))["data"]
    setl = desk.session.get(SettlementRow, setl_id)
    assert setl is not None
    assert node["dedu_amt"] == (setl.fund_pay_sumamt * D("0.10")).quantize(D("0.01")) > 0
    assert node["appeal_id"] is None
    return dict(node)


def appeal(desk: Desk, dedu_id: str) -> str:
    output = desk.ok("3702", body("3702", dedu_id=dedu_id, appeal_rea="收费符合物价标准"))
    assert output["data"]["appeal_stas"] == "1"
    return str(output["data"]["appeal_id"])


def attach(desk: Desk, appeal_id: str, name: str = "物价文件.pdf") -> Any:
    return desk.ok("3704", body("3704", appeal_id=appeal_id, file_name=name, file_data="JVBERi0xLjQK"))


def test_deduction_nodes_are_listed_once_per_settlement(desk: Desk) -> None:
    node = deduction(desk)
    again = desk.ok("3701", body("3701"))["data"]
    assert [n["dedu_id"] for n in again] == [node["dedu_id"]]
    assert not desk.ok("3701", body("3701"), fixmedins_code=OTHER_HOSPITAL)["data"]


def test_appeal_with_an_attachment_is_accepted(desk: Desk) -> None:
    dedu_id = deduction(desk)["dedu_id"]
    appeal_id = appeal(desk, dedu_id)
    desk.refused("3702", body("3702", dedu_id=dedu_id, appeal_rea="再次申诉"), "已提交申诉，不能重复提交")
    assert attach(desk, appeal_id)["data"]["file_cnt"] == 1
    desk.refused(
        "3704",
        body("3704", appeal_id=appeal_id, file_name="物价文件.pdf", file_data="AA=="),
        "已上传，不能重复上传",
    )
    desk.refused("3703", body("3703", appeal_id=appeal_id, review_rea="不服"), "申诉尚未审核，不能申请合议")
    wait_for_audit(desk)
    [node] = desk.ok("3701", body("3701", dedu_id=dedu_id))["data"]
    assert (node["appeal_id"], node["appeal_stas_name"], node["file_cnt"]) == (appeal_id, "申诉成立", 1)
    desk.refused("3703", body("3703", appeal_id=appeal_id, review_rea="不服"), "申诉已成立，无需申请合议")
    desk.refused("3702", body("3702", dedu_id=dedu_id, appeal_rea="再次申诉"), "申诉已成立，不能再次申诉")
    desk.refused("3704", body("3704", appeal_id=appeal_id, file_name="b.pdf", file_data="AA=="), "申诉已审核")


def test_refused_appeal_goes_to_a_collegial_review_once(desk: Desk) -> None:
    dedu_id = deduction(desk)["dedu_id"]
    appeal_id = appeal(desk, dedu_id)
    wait_for_audit(desk)
    [node] = desk.ok("3701", body("3701"))["data"]
    assert (node["appeal_stas"], node["audit_opnn"]) == ("3", "未提供佐证材料，维持扣款")
    desk.refused("3704", body("3704", appeal_id=appeal_id, file_name="a.pdf", file_data="AA=="), "申诉已审核")
    desk.refused("3703", body("3703", appeal_id=appeal_id), "合议申请理由不能为空")
    assert (
        desk.ok("3703", body("3703", appeal_id=appeal_id, review_rea="补充材料"))["data"]["review_stas"]
        == "1"
    )
    desk.refused("3703", body("3703", appeal_id=appeal_id, review_rea="补充材料"), "已申请合议，不能重复提交")
    attach(desk, appeal_id)  # evidence for the 合议
    wait_for_audit(desk)
    [node] = desk.ok("3701", body("3701"))["data"]
    assert (node["appeal_stas_name"], node["audit_opnn"], node["review_flag"]) == (
        "申诉成立",
        "合议认定申诉成立，返还扣款",
        "1",
    )
    stored = desk.session.get(Appeal, appeal_id)
    assert stored is not None and stored.status == "accepted" and stored.review_reason == "补充材料"


def test_a_refused_appeal_may_be_submitted_again(desk: Desk) -> None:
    dedu_id = deduction(desk)["dedu_id"]
    first = appeal(desk, dedu_id)
    wait_for_audit(desk)
    second = appeal(desk, dedu_id)
    assert second != first
    [node] = desk.ok("3701", body("3701"))["data"]
    assert (node["appeal_id"], node["appeal_stas"]) == (second, "1")


def test_unknown_ids_are_refused(desk: Desk) -> None:
    desk.refused("3702", body("3702", dedu_id="NOPE", appeal_rea="申诉"), "扣款节点不存在")
    desk.refused("3702", body("3702", appeal_rea="申诉"), "扣款节点ID不能为空")
    desk.refused("3703", body("3703", appeal_id="NOPE", review_rea="合议"), "申诉信息不存在")
    desk.refused(
        "3704", body("3704", appeal_id="NOPE", file_name="a.pdf", file_data="AA=="), "申诉信息不存在"
    )
    dedu_id = deduction(desk)["dedu_id"]
    desk.refused("3702", body("3702", dedu_id=dedu_id), "申诉理由不能为空")
    desk.refused(
        "3702",
        body("3702", dedu_id=dedu_id, appeal_rea="申诉"),
        "扣款节点不存在",
        fixmedins_code=OTHER_HOSPITAL,
    )
    appeal_id = appeal(desk, dedu_id)
    desk.refused("3704", body("3704", appeal_id=appeal_id, file_name="a.pdf"), "附件内容不能为空")
    assert desk.session.query(Appeal).count() == 1
