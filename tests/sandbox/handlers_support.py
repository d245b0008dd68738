"""In-process harness of the settlement handlers: no HTTP, no envelope checks, one SQLite session.

    desk = Desk(tmp_path)
    answer = desk.call("2201", {"data": {...}})          # validated like the dispatcher, Message recorded
    output = desk.ok("2201", {...})                      # asserts infcode 0 and the registry's exact shape
    text = desk.refused("2207", {...}, "不能重复结算")     # asserts a refusal containing the fragment

It does what the dispatcher does around a handler (validate the input with the registry, run the handler,
roll back on a Refusal, record the `sbx_message` row, commit once), so that 2601 finds its originals.  The
input is dumped with exclude_none=True here, while the dispatcher keeps None for absent optional fields: the
handlers must read both (the end-to-end test covers the dispatcher's form).  A plain module, not
conftest.py: pytest puts this folder on sys.path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.fields import ROOT
from medical_insurance_sdk.sandbox.files import FileStore
from medical_insurance_sdk.sandbox.handlers.base import HANDLERS, Context, Refusal
from medical_insurance_sdk.sandbox.runtime import Ids, load_handlers, make_engine, seed_persons
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, PERSONS, InsuredPerson
from medical_insurance_sdk.sandbox.state import Message, Person, SandboxBase

D = Decimal
START = datetime(2025, 7, 14, 9, 30, 0)

# Seed persons the scenarios use (see the hand derivations in the tests).
LI_NA = PERSONS[1]  # 职工在职 310/1101, 个人账户 2680.50
WANG_JIANGUO = PERSONS[2]  # 职工在职 310/1101, 个人账户 4120.00
LIU_FANG = PERSONS[3]  # 职工在职 310/1101, 个人账户 860.30
SUSPENDED = next(p for p in PERSONS if p.psn_insu_stas == "2")  # 汤志勇, 暂停参保


@dataclass(frozen=True)
class Answer:
    msgid: str
    infcode: int
    output: Any
    err_msg: str | None


class Desk:
    """One sandbox database and the institution's counter desk in front of its handlers."""

    def __init__(self, tmp_path: Path, *, fixmedins_code: str = DEMO_HOSPITAL, now: datetime = START) -> None:
        load_handlers()
        self.engine = make_engine("sqlite://")
        SandboxBase.metadata.create_all(self.engine)
        self.session = Session(self.engine, expire_on_commit=False)
        seed_persons(self.session)
        self.session.commit()
        self.files = FileStore(tmp_path / "files", timedelta(hours=24))
        self.ids = Ids("430200")
        self.fixmedins_code = fixmedins_code
        self.now = now
        self._serial = 0

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()

    def tick(self, **delta: float) -> None:
        """Move the clock forward (e.g. `tick(minutes=5)`)."""
        self.now += timedelta(**delta)

    def new_msgid(self, fixmedins_code: str) -> str:
        self._serial += 1
        return f"{fixmedins_code}{self.now:%Y%m%d%H%M%S}{self._serial % 10000:04d}"

    def call(
        self,
        infno: str,
        input: Mapping[str, Any],
        *,
        fixmedins_code: str | None = None,
        validate: bool = True,
    ) -> Answer:
        """One message; `validate=False` hands the input over as is (for what the registry would refuse)."""
        code = fixmedins_code or self.fixmedins_code
        msgid = self.new_msgid(code)
        if validate:
            data = REGISTRY[infno].validate_input(input).model_dump(mode="python", exclude_none=True)
        else:
            data = {k: dict(v) if isinstance(v, Mapping) else v for k, v in input.items()}
        envelope = {"infno": infno, "msgid": msgid, "fixmedins_code": code, "opter": "OP001", "input": input}
        ctx = Context(
            session=self.session,
            infno=infno,
            msgid=msgid,
            envelope=envelope,
            now=self.now,
            settings=None,
            services={"files": self.files, "ids": self.ids},
        )
        try:
            output = HANDLERS[infno](ctx, data)
            self.session.flush()
            infcode, err_msg = 0, None
        except Refusal as refusal:
            self.session.rollback()
            output, infcode, err_msg = None, refusal.infcode, refusal.err_msg
        self.session.add(
            Message(
                msgid=msgid,
                infno=infno,
                fixmedins_code=code,
                opter="OP001",
                received_at=self.now,
                infcode=infcode,
                input=dict(input),
                output=output,
                err_msg=err_msg,
            )
        )
        self.session.commit()
        self.tick(seconds=1)
        return Answer(msgid, infcode, output, err_msg)

    def ok(self, infno: str, input: Mapping[str, Any], **kw: Any) -> Any:
        answer = self.call(infno, input, **kw)
        assert answer.infcode == 0, answer.err_msg
        assert_shape(infno, answer.output)
        return answer.output

    def ok_with_msgid(self, infno: str, input: Mapping[str, Any], **kw: Any) -> tuple[Any, str]:
        answer = self.call(infno, input, **kw)
        assert answer.infcode == 0, answer.err_msg
        assert_shape(infno, answer.output)
        return answer.output, answer.msgid

    def refused(self, infno: str, input: Mapping[str, Any], fragment: str, **kw: Any) -> str:
        answer = self.call(infno, input, **kw)
        assert answer.infcode == -2 and answer.output is None, answer  # a business refusal
        assert answer.err_msg is not None and fragment in answer.err_msg, answer.err_msg
        return answer.err_msg

    def person(self, who: InsuredPerson) -> Person:
        row = self.session.get(Person, who.psn_no)
        assert row is not None
        self.session.refresh(row)
        return row

    def balance(self, who: InsuredPerson) -> Decimal:
        return self.person(who).balc


def assert_shape(infno: str, output: Any) -> None:
    """The output parses with the registry and has exactly the response nodes' field names."""
    tx = REGISTRY[infno]
    tx.parse_output(output)
    nodes = tx.schema.response
    if not nodes:
        return
    if len(nodes) == 1 and nodes[0].name == ROOT and nodes[0].many:
        assert isinstance(output, list), output
        for row in output:
            assert list(row) == [f.name for f in nodes[0].fields]
        return
    assert isinstance(output, dict), output
    root = [f.name for n in nodes if n.name == ROOT for f in n.fields]
    assert set(output) <= {n.name for n in nodes if n.name != ROOT} | set(root), set(output)
    for node in nodes:
        value = output.get(node.name)
        if node.name == ROOT or value is None:
            continue
        for row in value if node.many else [value]:
            assert list(row) == [f.name for f in node.fields], (
                node.name,
                set(row) ^ {f.name for f in node.fields},
            )


# ------------------------------------------------------------------------------------------ messages


def registration(who: InsuredPerson, ipt_otp_no: str = "MZ20250714001") -> dict[str, Any]:
    return {
        "data": {
            "psn_no": who.psn_no,
            "insutype": who.insutype,
            "begntime": "2025-07-14 09:30:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "ipt_otp_no": ipt_otp_no,
            "atddr_no": "D430302000101",
            "dr_name": "李医生",
            "dept_code": "NK01",
            "dept_name": "普通内科",
            "caty": "A03",
        }
    }


def visit_info(who: InsuredPerson, mdtrt_id: str, med_type: str = "11") -> dict[str, Any]:
    return {
        "mdtrtinfo": {
            "mdtrt_id": mdtrt_id,
            "psn_no": who.psn_no,
            "med_type": med_type,
            "begntime": "2025-07-14 09:30:00",
            "main_cond_dscr": "发热咳嗽三天",
        },
        "diseinfo": [
            {
                "diag_type": "1",
                "diag_srt_no": 1,
                "diag_code": "J06.900",
                "diag_name": "急性上呼吸道感染",
                "diag_dept": "普通内科",
                "dise_dor_no": "D430302000101",
                "dise_dor_name": "李医生",
                "diag_time": "2025-07-14 09:40:00",
                "vali_flag": "1",
            }
        ],
    }


def fee_row(
    who: InsuredPerson,
    mdtrt_id: str,
    sn: str,
    code: str,
    cnt: str,
    pric: str,
    *,
    chrg_bchno: str = "B001",
    hosp_appr_flag: str = "1",
) -> dict[str, Any]:
    """A 2204 feedetail row; det_item_fee_sumamt = cnt × pric rounded to the cent."""
    amount = (D(cnt) * D(pric)).quantize(D("0.01"))
    return {
        "feedetl_sn": sn,
        "mdtrt_id": mdtrt_id,
        "psn_no": who.psn_no,
        "chrg_bchno": chrg_bchno,
        "rx_circ_flag": "0",
        "fee_ocur_time": "2025-07-14 09:45:00",
        "med_list_codg": code,
        "medins_list_codg": f"H{code[:10]}",
        "det_item_fee_sumamt": amount,
        "cnt": D(cnt),
        "pric": D(pric),
        "bilg_dept_codg": "NK01",
        "bilg_dept_name": "普通内科",
        "bilg_dr_codg": "D430302000101",
        "bilg_dr_name": "李医生",
        "hosp_appr_flag": hosp_appr_flag,
    }


def settle_request(
    who: InsuredPerson,
    mdtrt_id: str,
    totals: Mapping[str, Decimal],
    *,
    med_type: str = "11",
    parts: bool = True,
) -> dict[str, Any]:
    """A 2206 (parts=False) or 2207 data node echoing the amount totals."""
    data: dict[str, Any] = {
        "psn_no": who.psn_no,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "med_type": med_type,
        "medfee_sumamt": totals["medfee_sumamt"],
        "psn_setlway": "01",
        "mdtrt_id": mdtrt_id,
        "chrg_bchno": "B001",
        "insutype": who.insutype,
        "acct_used_flag": "1",
    }
    if parts:
        for name in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"):
            data[name] = totals[name]
    return {"data": data}
