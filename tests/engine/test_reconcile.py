"""Daily reconciliation against a scripted bureau that keeps its own books (3201 → 9101 → 3202 → 9102)."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import delete
from support_reconcile import DAY, BooksBureau, engine_at, settle_input
from tests_engine_support import FAST

from medical_insurance_sdk.engine.reconcile import Reconciler, ReconcileScope, clearing_class
from medical_insurance_sdk.engine.reconcile.scope import DEFAULT_INSUTYPES
from medical_insurance_sdk.exceptions import OutcomeUnknownError, RequestError
from medical_insurance_sdk.registry.dictionaries import DICTIONARIES
from medical_insurance_sdk.storage.models import LedgerEntry


def settle_day(engine, institution) -> list[str]:
    """Four outpatient settlements in two insurance types, and the cancel of one: five records."""
    setl_ids = []
    for n, (amount, insutype) in enumerate(
        [("350.00", "310"), ("120.50", "310"), ("88.80", "390"), ("42.00", "310")], 1
    ):
        result = engine.call(
            "2207", settle_input(f"MDT{n:04d}", amount, insutype=insutype), institution=institution
        )
        setl_ids.append(result.output["setlinfo"]["setl_id"])
    cancel = {"data": {"setl_id": setl_ids[3], "mdtrt_id": "MDT0004", "psn_no": "43000030281000128715"}}
    engine.call("2208", cancel, institution=institution)
    return setl_ids


def infnos(bureau: BooksBureau) -> list[str]:
    return [m["infno"] for m in bureau.seen]


def read_csv(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_balanced_day_sends_3201_per_group_and_no_3202(database, allocator, institution, tmp_path):
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        settle_day(engine, institution)
        report = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path)

    sent = [m["input"]["data"] for m in bureau.seen if m["infno"] == "3201"]
    assert report.balanced and report.discrepancies == [] and report.exit_code == 0
    # every group the institution can have is asked, not only the two our ledger holds
    everything = {(i, c) for i in DEFAULT_INSUTYPES for c in DICTIONARIES["clr_type"]}
    assert sorted((d["insutype"], d["clr_type"]) for d in sent) == sorted(everything)
    held = [(g.insutype, g.clr_type) for g in report.groups if not g.empty]
    assert held == [("310", "11"), ("390", "11")]
    employees = next(d for d in sent if (d["insutype"], d["clr_type"]) == ("310", "11"))
    # 350.00 + 120.50 + 42.00 - 42.00: the cancel is a record of its own, netted in amounts and count
    assert employees["fixmedins_setl_cnt"] == 2
    assert Decimal(str(employees["medfee_sumamt"])) == Decimal("470.50")
    assert employees["stmt_begndate"] == employees["stmt_enddate"] == DAY
    assert not {"9101", "3202"} & set(infnos(bureau))
    assert read_csv(report.csv_path) == []
    summary = json.loads(report.json_path.read_text(encoding="utf-8"))
    assert summary["balanced"] is True and len(summary["groups"]) == len(everything)
    text = report.summary_path.read_text(encoding="utf-8")
    assert "当日对账平" in text and f"其余 {len(everything) - 2} 组" in text


def test_discrepancies_are_named_with_their_reason(any_db, allocator, institution, tmp_path):
    database = any_db  # SQLite and PostgreSQL: the ledger's JSON columns are read back the same
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        first, second, third, _ = settle_day(engine, institution)
        # plant: a different amount at the bureau, a settlement the bureau lost, one only the bureau has
        bureau.books[first]["fund_pay_sumamt"] = Decimal("200.00")
        del bureau.books[second]
        bureau.books["SETL999999"] = {
            **bureau.books[third],
            "setl_id": "SETL999999",
            "mdtrt_id": "MDT0999",
            "insutype": "310",
            "msgid": "H43028110001202507141000000999",
        }
        report = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path)

    assert not report.balanced
    assert infnos(bureau).count("9101") == infnos(bureau).count("3202") == 1  # one clearing class
    upload = next(m for m in bureau.seen if m["infno"] == "9101")["input"]["fsUploadIn"]
    assert upload["fixmedins_code"] == institution.code and upload["filename"].endswith(".zip")
    download = [m for m in bureau.seen if m["infno"] == "9102"][-1]["input"]["fsDownloadIn"]
    assert download["fixmedins_code"] == institution.code  # 3202 results are not "plc" files

    reasons = {d.setl_id: d.reason for d in report.discrepancies}
    assert set(reasons) == {first, second, "SETL999999"}
    assert (
        reasons[first].startswith("金额不一致") and "基金支付总额本院 210.00、医保 200.00" in reasons[first]
    )
    assert reasons[second].startswith("本院账有此结算，医保中心没有")
    assert reasons["SETL999999"].startswith("医保中心有此结算，本院账中没有")

    rows = {r["结算ID"]: r for r in read_csv(report.csv_path)}
    assert set(rows) == set(reasons)
    assert rows[first]["本院基金支付总额"] == "210.00" and rows[first]["医保基金支付总额"] == "200.00"
    assert rows[first]["对账结果"] == "1" and rows[first]["就诊ID"] == "MDT0001"
    text = report.summary_path.read_text(encoding="utf-8")
    assert "当日对账不平，差异结算 3 笔" in text and first in text


def test_running_twice_writes_the_same_report(database, allocator, institution, tmp_path):
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        first, *_ = settle_day(engine, institution)
        bureau.books[first]["medfee_sumamt"] = Decimal("351.00")
        reconciler = Reconciler(engine, database)
        one = reconciler.run(institution, date(2025, 7, 14), out_dir=tmp_path / "a")
        two = reconciler.run(institution, DAY, out_dir=tmp_path / "b")
    for path_one, path_two in [(one.csv_path, two.csv_path), (one.json_path, two.json_path)]:
        assert path_one.read_bytes() == path_two.read_bytes()
    assert one.summary_path.read_text(encoding="utf-8") == two.summary_path.read_text(encoding="utf-8")
    assert [d.setl_id for d in two.discrepancies] == [first]


def test_a_reversed_settlement_is_not_counted(database, allocator, institution, tmp_path):
    bureau = BooksBureau(lose={"2207": 1}, process_lost=True)
    with engine_at(database, allocator, bureau) as engine:
        with pytest.raises(OutcomeUnknownError):  # lost answer, then 2601: REVERSED in our ledger
            engine.call("2207", settle_input("MDT0100", "99.00"), institution=institution)
        engine.call("2207", settle_input("MDT0101", "10.00"), institution=institution)
        report = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path)
    sent = next(m for m in bureau.seen if m["infno"] == "3201")["input"]["data"]
    assert sent["fixmedins_setl_cnt"] == 1 and Decimal(str(sent["medfee_sumamt"])) == Decimal("10.00")
    assert report.balanced


def test_filters_and_an_explicit_empty_group(database, allocator, institution, tmp_path):
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        settle_day(engine, institution)
        report = Reconciler(engine, database).run(
            institution, DAY, insutype="390", clr_type="11", out_dir=tmp_path
        )
        empty = Reconciler(engine, database).run(
            institution, "2025-07-15", insutype="310", clr_type="11", out_dir=tmp_path
        )
    assert [(g.insutype, g.clr_type, g.ours.count) for g in report.groups] == [("390", "11", 1)]
    assert report.csv_path.name.endswith("_390_11.csv")
    # no settlement of ours that day, but the bureau is still asked: it may hold some we never recorded
    assert [(g.insutype, g.ours.count, g.balanced) for g in empty.groups] == [("310", 0, True)]


def test_clearing_class_rules():
    assert clearing_class({"clr_type": "99", "med_type": "21"}, "2207") == "99"  # the bureau's word wins
    assert clearing_class({"med_type": "14"}, "2304") == "11"
    assert clearing_class({"med_type": "28"}, "2207") == "21"
    assert clearing_class({"med_type": "52"}, "2207") == "21"
    assert clearing_class({"med_type": "41"}, "2207") == "41"
    assert clearing_class({"med_type": "9901"}, "2304") == "21"  # a local code: the transaction decides
    assert clearing_class({}, "2102") == "41"


def test_against_the_sandbox_bureau(database, allocator, institution, tmp_path):
    pytest.importorskip("fastapi")
    from support_reconcile import sandbox_engine, settle_at_sandbox

    from medical_insurance_sdk.sandbox.seed import PERSONS
    from medical_insurance_sdk.storage.database import Database

    drugs = [("XM01AEB040E001010100011", "2", "11.20"), ("001102000010000-110200001", "1", "10.00")]
    engine, app = sandbox_engine(database, allocator)
    other_books = Database(":memory:")
    other_books.create_all()
    try:
        with engine:
            settle_at_sandbox(engine, institution, PERSONS[1], "0001", drugs)
            cancelled = settle_at_sandbox(engine, institution, PERSONS[2], "0002", drugs[:1])
            cancel = {
                "setl_id": cancelled["setl_id"],
                "mdtrt_id": cancelled["mdtrt_id"],
                "psn_no": PERSONS[2].psn_no,
            }
            engine.call("2208", {"data": cancel}, institution=institution, insuplc_admdvs="430200")
            balanced = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path / "one")

            # another terminal settles at the same bureau, outside our ledger: a 单边账 for us
            other, _ = sandbox_engine(other_books, allocator, app=app)
            with other:
                stray = settle_at_sandbox(other, institution, PERSONS[3], "0003", drugs)
            unbalanced = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path / "two")
    finally:
        app.state.sandbox.close()
        other_books.dispose()

    assert balanced.balanced, balanced.summary_path.read_text(encoding="utf-8")
    held = [g.ours.count for g in balanced.groups if not g.empty]
    assert held == [1]  # two settlements, one cancelled: net 1
    assert not unbalanced.balanced
    assert [(d.setl_id, d.reason[:12]) for d in unbalanced.discrepancies] == [
        (stray["setl_id"], "医保中心有此结算，本院账")
    ]


# ------------------------------------------------------------------ groups beyond our ledger (issue 13 §5)
def test_a_day_whose_only_settlement_is_missing_from_the_ledger(any_db, allocator, institution, tmp_path):
    database = any_db  # SQLite and PostgreSQL
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        settled = {}
        for n, insutype in enumerate(("310", "390"), 1):
            result = engine.call(
                "2207", settle_input(f"MDT{n:04d}", "88.80", insutype=insutype), institution=institution
            )
            settled[insutype] = result.output["setlinfo"]["setl_id"]
        with database.session() as s:  # the ledger row of the 310 settlement is lost
            s.execute(delete(LedgerEntry).where(LedgerEntry.setl_id == settled["310"]))
            s.commit()
        report = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path)

    assert not report.balanced and report.exit_code == 1
    employees = next(g for g in report.groups if (g.insutype, g.clr_type) == ("310", "11"))
    assert employees.ours.records == 0 and not employees.balanced  # 0 of ours, 1 at the bureau
    assert report.bureau_only == [settled["310"]] and report.ledger_only == []
    text = report.summary_path.read_text(encoding="utf-8")
    assert f"医保有、本院账中没有的结算（1 笔）：{settled['310']}" in text
    assert json.loads(report.json_path.read_text(encoding="utf-8"))["bureau_only"] == [settled["310"]]


def test_the_groups_come_from_configuration(database, allocator, institution, tmp_path):
    env = {
        "MEDICAL_INSURANCE_RECONCILE_INSUTYPES": "310, 392",
        "MEDICAL_INSURANCE_RECONCILE_CLR_TYPES": "11 21",
        "MEDICAL_INSURANCE_RECONCILE_SETL_OPTINS": "430200,440300",
    }
    scope = ReconcileScope.from_env(env)
    assert scope == ReconcileScope(("310", "392"), ("11", "21"), ("430200", "440300"))
    assert ReconcileScope.from_env(env, insutypes=["390"]).insutypes == ("390",)  # arguments win
    assert ReconcileScope.from_env({}) == ReconcileScope()
    with pytest.raises(RequestError, match="MEDICAL_INSURANCE_RECONCILE_SETL_OPTINS"):
        ReconcileScope.from_env({"MEDICAL_INSURANCE_RECONCILE_SETL_OPTINS": "4302"})

    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        settle_day(engine, institution)
        report = Reconciler(engine, database, scope).run(institution, DAY, out_dir=tmp_path)
    sent = {(d["setl_optins"], d["insutype"], d["clr_type"]) for d in _sent(bureau, "3201")}
    configured = {(o, i, c) for o in ("430200", "440300") for i in ("310", "392") for c in ("11", "21")}
    assert sent == configured | {("430200", "390", "11")}  # and the ledger's own group outside the scope
    assert report.balanced and len(report.groups) == len(sent)


# ------------------------------------------------------------------------------- an unreachable bureau
DOWN = dict.fromkeys(["9001", "3201", "9101", "3202", "9102"], 100)


def test_an_unreachable_bureau_fails_the_reconciliation(database, allocator, institution, tmp_path):
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        settle_day(engine, institution)
        engine.ledger.drop_session(institution.code, institution.envelope.opter)
        bureau.refuse = dict(DOWN)  # connections refused from now on
        report = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path)

    assert report.failed and not report.balanced and report.exit_code == 3
    assert report.failure == "医保局不可达"
    assert all(g.error and g.error.startswith("医保局不可达") and g.unreachable for g in report.groups)
    # once unreachable, the rest of the run is not sent: one call's retries, not one per group
    attempts = sum(100 - left for left in bureau.refuse.values())
    assert 0 < attempts <= FAST.max_attempts * 2 and report.details == []
    text = report.summary_path.read_text(encoding="utf-8")
    assert "对账失败：医保局不可达" in text and "不平" not in text
    assert json.loads(report.json_path.read_text(encoding="utf-8"))["failure"] == "医保局不可达"


def test_a_bureau_behind_a_failing_gateway_is_unreachable_too(database, allocator, institution, tmp_path):
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        settle_day(engine, institution)
    with engine_at(database, allocator, lambda request: httpx.Response(502, text="Bad Gateway")) as engine:
        report = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path)
    assert report.exit_code == 3 and report.failure == "医保局不可达"
    assert "对账失败：医保局不可达" in report.summary_path.read_text(encoding="utf-8")


def test_a_lost_3202_round_is_a_failure_not_a_difference(database, allocator, institution, tmp_path):
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        first, *_ = settle_day(engine, institution)
        bureau.books[first]["medfee_sumamt"] = Decimal("351.00")
        bureau.refuse = dict.fromkeys(["9101", "3202", "9102"], 100)  # down after the 3201 round
        report = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path)
    assert [(d.clr_type, d.unreachable) for d in report.details] == [("11", True)]
    assert report.exit_code == 3 and report.discrepancies == []


def test_a_refused_3201_is_a_failure_too(database, allocator, institution, tmp_path):
    bureau = BooksBureau(refusals={"3201": (-1, "对账服务繁忙")})
    with engine_at(database, allocator, bureau) as engine:
        settle_day(engine, institution)
        report = Reconciler(engine, database, ReconcileScope(("310",), ("11",))).run(
            institution, DAY, out_dir=tmp_path
        )
    assert report.exit_code == 3 and not report.unreachable
    assert all("对账服务繁忙" in (g.error or "") for g in report.groups)  # each group asked: not unreachable
    assert len(_sent(bureau, "3201")) == len(report.groups) == 2
    assert "结论：对账失败：" in report.summary_path.read_text(encoding="utf-8")


def _sent(bureau: BooksBureau, infno: str) -> list[dict]:
    return [m["input"]["data"] for m in bureau.seen if m["infno"] == infno]


def test_a_settlement_only_the_sandbox_bureau_holds(database, allocator, institution, tmp_path):
    """The issue's case: the day's only 310/11 settlement was made outside our ledger."""
    pytest.importorskip("fastapi")
    from support_reconcile import sandbox_engine, settle_at_sandbox

    from medical_insurance_sdk.sandbox.seed import PERSONS
    from medical_insurance_sdk.storage.database import Database

    person = next(p for p in PERSONS if p.insutype == "310" and p.insuplc_admdvs == "430200")
    drugs = [("XM01AEB040E001010100011", "2", "11.20")]
    engine, app = sandbox_engine(database, allocator)
    other_books = Database(":memory:")
    other_books.create_all()
    try:
        with engine:
            other, _ = sandbox_engine(other_books, allocator, app=app)
            with other:
                stray = settle_at_sandbox(other, institution, person, "0009", drugs)
            report = Reconciler(engine, database).run(institution, DAY, out_dir=tmp_path)
    finally:
        app.state.sandbox.close()
        other_books.dispose()

    assert not report.balanced and report.exit_code == 1, report.summary_path.read_text(encoding="utf-8")
    unbalanced = [(g.insutype, g.clr_type, g.ours.records) for g in report.groups if not g.balanced]
    assert unbalanced == [("310", "11", 0)]
    assert report.bureau_only == [stray["setl_id"]]
