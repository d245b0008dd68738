"""The engine against the sandbox bureau: the money flows, faults on demand, both ledgers side by side.

    with SandboxBureau(database) as bureau:        # in process; served=True: uvicorn on 127.0.0.1
        visit = new_visit()
        for step in OUTPATIENT.before("2207"):      # 2201 → 2203 → 2204 → 2206 (9001 on the way)
            run_step(bureau.counter, step, visit)
        bureau.fault("2207", "timeout_after")       # the next 2207 only
        answer = attempt(bureau.counter, OUTPATIENT.step("2207"), visit)
        bureau.counter.sweep_until_resolved()
        assert_ledgers_agree(bureau, OUTPATIENT.who)

The flows use seed persons and exactly the inputs the sandbox's handlers accept; the balances are those
derived by hand in tests/sandbox/test_handlers_outpatient.py, _inpatient.py and _pharmacy.py.  A plain
module, not conftest.py: pytest puts this folder on sys.path (and crash_processes.py does the same).
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import uvicorn
from sqlalchemy import select

from medical_insurance_sdk.engine.engine import BureauEngine, CallResult
from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.exceptions import BureauError, MedicalInsuranceException, OutcomeUnknownError
from medical_insurance_sdk.protocol.envelope import EnvelopeConfig
from medical_insurance_sdk.registry import REGISTRY, Safety
from medical_insurance_sdk.sandbox.app import create_sandbox_app
from medical_insurance_sdk.sandbox.business_state import SettlementRow
from medical_insurance_sdk.sandbox.faults import FaultRule
from medical_insurance_sdk.sandbox.runtime import SandboxState
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, DEMO_PHARMACY, PERSONS, InsuredPerson
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.state import Message, Person
from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport
from medical_insurance_sdk.storage.allocators import allocator_for
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry

D = Decimal

# A call the bureau leaves hanging (the timeout faults) is given up on after FAULTED_CALL_TIMEOUT_S; every
# other call has the generous SETTINGS.timeout_s, so a slow CI machine cannot turn an ordinary call into an
# unknown outcome.  The sandbox keeps a hanging request waiting HANG_S (or until the client hangs up).
FAULTED_CALL_TIMEOUT_S = 0.3
HANG_S = 3.0
SETTINGS = EngineSettings(
    timeout_s=10.0,
    backoff_base_s=0.01,
    backoff_max_s=0.05,
    resolve_budget_s=10.0,
    stale_pending_s=120.0,
    # the in-process sandbox finishes or drops a message within milliseconds (delayed_commit aside)
    processing_window_s=0.3,
)

FAULT_KINDS = ("timeout_before", "timeout_after", "reset_before", "reset_after", "http_5xx", "infcode_error")
HANGING_FAULTS = frozenset({"timeout_before", "timeout_after"})
# The sandbox processes (and commits) the message before these faults hit the answer.
PROCESSED_BEFORE_FAULT = frozenset({"timeout_after", "reset_after"})

SETTLEMENTS = frozenset({"2207", "2304", "2102"})
CANCELLATIONS = frozenset({"2208", "2305", "2103", "2162", "2164"})  # 2162/2164: 异地购药 退费 / 取消订单
IN_EFFECT = frozenset({"SUCCESS", "CONFIRMED"})
UNRESOLVED = frozenset({"PENDING", "UNKNOWN"})


def institution(code: str, name: str) -> InstitutionConfig:
    return InstitutionConfig(
        envelope=EnvelopeConfig(
            fixmedins_code=code,
            fixmedins_name=name,
            mdtrtarea_admvs="430200",
            recer_sys_code="YBXT",
            infver="V1.0",
            opter_type="1",
            opter="OP001",
            opter_name="李收费",
            insuplc_admdvs="430200",
        )
    )


HOSPITAL = institution(DEMO_HOSPITAL, "湘潭市第一人民医院")
PHARMACY = institution(DEMO_PHARMACY, "湘潭演示大药房有限公司")
INSTITUTIONS = {HOSPITAL.code: HOSPITAL, PHARMACY.code: PHARMACY}


# ------------------------------------------------------------------------------------------------ bureau


class ServedSandbox:
    """A sandbox app behind uvicorn on 127.0.0.1 (a port the OS picks) in a daemon thread, until `stop()`."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, lifespan="off", log_level="critical", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        assert not self.thread.is_alive(), "uvicorn did not stop"


class Counter:
    """The hospital's (and the pharmacy's) side: one engine, its ledger on `database`, and the institutions.

    `base_url` None: the engine reaches the bureau through `transport` (in process); else over TCP with
    httpx's own transport."""

    def __init__(
        self,
        database: Database,
        *,
        transport: httpx.BaseTransport | None = None,
        base_url: str | None = None,
        settings: EngineSettings = SETTINGS,
    ) -> None:
        self.institutions = {
            code: InstitutionConfig(envelope=config.envelope, base_url=base_url)
            for code, config in INSTITUTIONS.items()
        }
        self.engine = BureauEngine(database, allocator_for(database), transport=transport, settings=settings)
        self.ledger = self.engine.ledger

    def call(
        self, key: str, payload: Mapping[str, Any], *, at: str = DEMO_HOSPITAL, **options: Any
    ) -> CallResult:
        return self.engine.call(key, payload, institution=self.institutions[at], **options)

    def sweep_until_resolved(self, *, rounds: int = 3) -> dict[str, str]:
        """Sweep until everything found is resolved (at most `rounds` times); returns the final states."""
        report: dict[str, str] = {}
        for _ in range(rounds):
            found = self.engine.sweep(self.institutions)
            report.update(found)
            if all(state != "UNKNOWN" for state in found.values()):
                break
        return report

    def close(self) -> None:
        self.engine.close()


class SandboxBureau:
    """One sandbox bureau (its own in-memory database) and a `Counter` talking to it, in process through
    `SyncSandboxTransport` or, with `served=True`, over a real socket (uvicorn in a thread)."""

    def __init__(
        self,
        database: Database,
        *,
        served: bool = False,
        hang_s: float = HANG_S,
        settings: EngineSettings = SETTINGS,
    ) -> None:
        self.app = create_sandbox_app(SandboxSettings(hang_s=hang_s))
        self.state: SandboxState = self.app.state.sandbox
        self.server = ServedSandbox(self.app) if served else None
        if self.server is None:
            self.counter = Counter(database, transport=SyncSandboxTransport(self.app), settings=settings)
        else:
            self.counter = Counter(database, base_url=self.server.base_url, settings=settings)

    def close(self) -> None:
        self.counter.close()
        if self.server is not None:
            self.server.stop()
        self.state.close()

    def __enter__(self) -> SandboxBureau:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the sandbox's fault API and its books ---------------------------------------------------------
    def fault(self, infno: str, kind: str) -> None:
        """`kind` for the next message of `infno` only (the compensation's 2601 and queries pass)."""
        self.state.faults.replace([FaultRule.model_validate({"scope": infno, "kind": kind, "count": 1})])

    def messages(self) -> dict[str, Message]:
        with self.state.transaction() as session:
            return {m.msgid: m for m in session.scalars(select(Message))}

    def live_settlements(self, who: InsuredPerson) -> list[SettlementRow]:
        """The person's settlements in force at the bureau (neither cancelled nor reversed)."""
        query = select(SettlementRow).where(
            SettlementRow.psn_no == who.psn_no,
            SettlementRow.cancel_of.is_(None),
            SettlementRow.status == "settled",
        )
        with self.state.transaction() as session:
            return list(session.scalars(query.order_by(SettlementRow.setl_time)))

    def balance(self, who: InsuredPerson) -> Decimal:
        with self.state.transaction() as session:
            person = session.get(Person, who.psn_no)
            assert person is not None
            return person.balc


# ------------------------------------------------------------------------------------------------- flows

LI_NA, WANG_JIANGUO, LIU_FANG = PERSONS[1], PERSONS[2], PERSONS[3]

Payload = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    infno: str
    payload: Payload
    at: str = DEMO_HOSPITAL


@dataclass(frozen=True)
class Flow:
    """A money flow of one person: the steps in order, and what the person's account looks like at the end."""

    name: str
    who: InsuredPerson
    steps: tuple[Step, ...]
    # the account balance after each settlement and cancellation (hand-derived in the sandbox's tests)
    balance_after: Mapping[str, Decimal] = field(default_factory=dict)

    def step(self, infno: str) -> Step:
        return next(s for s in self.steps if s.infno == infno)

    def before(self, infno: str) -> tuple[Step, ...]:
        return self.steps[: self._index(infno)]

    def after(self, infno: str, *, until: str) -> tuple[Step, ...]:
        return self.steps[self._index(infno) + 1 : self._index(until) + 1]

    def finish(self, infno: str) -> str:
        """The settlement or cancellation the business is after when it sends `infno` (2206 → 2207)."""
        return next(s.infno for s in self.steps[self._index(infno) :] if s.infno in self.balance_after)

    def _index(self, infno: str) -> int:
        return [s.infno for s in self.steps].index(infno)


_VISITS = itertools.count(1)


def new_visit() -> dict[str, Any]:
    """What the business knows about a visit: a serial for its 门诊号 / 住院号, then the bureau's ids."""
    return {"serial": next(_VISITS)}


def remember(visit: dict[str, Any], result: CallResult) -> None:
    """Keep the ids the bureau answered (mdtrt_id, and setl_id as "<infno>.setl_id") for the next steps.

    A CONFIRMED result's output is the query's setlinfo row itself."""
    output = result.output if isinstance(result.output, Mapping) else {}
    for node in (output.get("data"), output.get("result"), output.get("setlinfo"), output):
        if isinstance(node, Mapping):
            if node.get("mdtrt_id"):
                visit["mdtrt_id"] = node["mdtrt_id"]
            if node.get("setl_id"):
                visit[f"{result.infno}.setl_id"] = node["setl_id"]
            if node.get("payOrdId"):  # mobile payment: the order 6201 made
                visit["payOrdId"] = node["payOrdId"]


# --- outpatient: 李娜 (310, 个人账户 2680.50), the basket of test_handlers_outpatient ---------------------

CONSULT, AMOXICILLIN = "001102000010000-110200001", "XJ01CAA040A001010100001"
ALBUMIN, VITAMINS = "XB05AAA010B002010100013", "XA11JAF000A001010100015"
OUTPATIENT_TOTALS = {
    "medfee_sumamt": "1775.00",
    "fulamt_ownpay_amt": "60.00",
    "overlmt_selfpay": "160.00",
    "preselfpay_amt": "304.00",
    "inscp_scp_amt": "1251.00",
}


def _person_query(who: InsuredPerson) -> Payload:
    return lambda visit: {
        "data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": who.certno, "psn_cert_type": "01"}
    }


def _registration(visit: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": {
            "psn_no": LI_NA.psn_no,
            "insutype": LI_NA.insutype,
            "begntime": "2025-07-14 09:30:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": LI_NA.certno,
            "ipt_otp_no": f"MZ{visit['serial']:08d}",
            "atddr_no": "D430302000101",
            "dr_name": "李医生",
            "dept_code": "NK01",
            "dept_name": "普通内科",
            "caty": "A03",
        }
    }


def _visit_info(visit: dict[str, Any]) -> dict[str, Any]:
    return {
        "mdtrtinfo": {
            "mdtrt_id": visit["mdtrt_id"],
            "psn_no": LI_NA.psn_no,
            "med_type": "11",
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


def _fee_row(who: InsuredPerson, mdtrt_id: str, sn: str, code: str, cnt: str, pric: str) -> dict[str, Any]:
    return {
        "feedetl_sn": sn,
        "mdtrt_id": mdtrt_id,
        "psn_no": who.psn_no,
        "chrg_bchno": "B001",
        "rx_circ_flag": "0",
        "fee_ocur_time": "2025-07-14 09:45:00",
        "med_list_codg": code,
        "medins_list_codg": f"H{code[:10]}",
        "det_item_fee_sumamt": str((D(cnt) * D(pric)).quantize(D("0.01"))),
        "cnt": cnt,
        "pric": pric,
        "bilg_dept_codg": "NK01",
        "bilg_dept_name": "普通内科",
        "bilg_dr_codg": "D430302000101",
        "bilg_dr_name": "李医生",
        "hosp_appr_flag": "1",
    }


def _outpatient_fees(visit: dict[str, Any]) -> dict[str, Any]:
    mdtrt_id = visit["mdtrt_id"]
    return {
        "feedetail": [
            _fee_row(LI_NA, mdtrt_id, "F1", CONSULT, "1", "10.00"),
            _fee_row(LI_NA, mdtrt_id, "F2", AMOXICILLIN, "2", "12.50"),
            _fee_row(LI_NA, mdtrt_id, "F3", ALBUMIN, "4", "420.00"),
            _fee_row(LI_NA, mdtrt_id, "F4", VITAMINS, "1", "60.00"),
        ]
    }


def _outpatient_settle(*, parts: bool) -> Payload:
    def payload(visit: dict[str, Any]) -> dict[str, Any]:
        data = {
            "psn_no": LI_NA.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": LI_NA.certno,
            "med_type": "11",
            "medfee_sumamt": OUTPATIENT_TOTALS["medfee_sumamt"],
            "psn_setlway": "01",
            "mdtrt_id": visit["mdtrt_id"],
            "chrg_bchno": "B001",
            "insutype": LI_NA.insutype,
            "acct_used_flag": "1",
        }
        if parts:
            data.update({k: v for k, v in OUTPATIENT_TOTALS.items() if k != "medfee_sumamt"})
        return {"data": data}

    return payload


def _cancel(settled_by: str, who: InsuredPerson) -> Payload:
    return lambda visit: {
        "data": {
            "setl_id": visit[f"{settled_by}.setl_id"],
            "mdtrt_id": visit["mdtrt_id"],
            "psn_no": who.psn_no,
        }
    }


OUTPATIENT = Flow(
    "outpatient",
    LI_NA,
    (
        Step("1101", _person_query(LI_NA)),
        Step("2201", _registration),
        Step("2203", _visit_info),
        Step("2204", _outpatient_fees),
        Step("2206", _outpatient_settle(parts=False)),
        Step("2207", _outpatient_settle(parts=True)),
        Step("2208", _cancel("2207", LI_NA)),
    ),
    {"2207": D("1056.10"), "2208": D("2680.50")},
)

# --- inpatient: 王建国 (310, 个人账户 4120.00), the stay of test_handlers_inpatient -------------------------

WARD, SINGLE_ROOM = "001101000010100-110100001", "001101000010300-110100003"
APPENDECTOMY, CEFTRIAXONE, STAPLER = (
    "003310003010000-331003001",
    "XJ01DDA040B001010100010",
    "C0309010010000000007",
)
INPATIENT_TOTALS = {
    "medfee_sumamt": "3216.80",
    "fulamt_ownpay_amt": "1500.00",
    "overlmt_selfpay": "160.00",
    "preselfpay_amt": "7.68",
    "inscp_scp_amt": "1549.12",
}
# 2301 rows carry no outpatient-only fields
_OUTPATIENT_ONLY = ("chrg_bchno", "rx_circ_flag")


def _diagnosis(**extra: Any) -> dict[str, Any]:
    return {
        "psn_no": WANG_JIANGUO.psn_no,
        "diag_type": "1",
        "maindiag_flag": "1",
        "diag_srt_no": 1,
        "diag_code": "K35.800",
        "diag_name": "急性阑尾炎",
        "diag_dept": "普通外科",
        "dise_dor_no": "D430302000103",
        "dise_dor_name": "张医生",
        "diag_time": "2025-07-14 09:00:00",
        **extra,
    }


def _admission(visit: dict[str, Any]) -> dict[str, Any]:
    who = WANG_JIANGUO
    return {
        "mdtrtinfo": {
            "psn_no": who.psn_no,
            "insutype": "310",
            "begntime": "2025-07-14 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "med_type": "21",
            "ipt_no": f"ZY{visit['serial']:08d}",
            "atddr_no": "D430302000103",
            "chfpdr_name": "张医生",
            "adm_diag_dscr": "转移性右下腹痛",
            "adm_dept_codg": "WK01",
            "adm_dept_name": "普通外科",
            "adm_bed": "12",
            "dscg_maindiag_code": "K35.800",
            "dscg_maindiag_name": "急性阑尾炎",
        },
        "diseinfo": [_diagnosis()],
    }


def _inpatient_row(mdtrt_id: str, sn: str, code: str, cnt: str, pric: str, **extra: Any) -> dict[str, Any]:
    row = _fee_row(WANG_JIANGUO, mdtrt_id, sn, code, cnt, pric)
    for name in _OUTPATIENT_ONLY:
        row.pop(name)
    return {**row, "med_type": "21", **extra}


def _inpatient_fees(visit: dict[str, Any]) -> dict[str, Any]:
    mdtrt_id = visit["mdtrt_id"]
    return {
        "feedetail": [
            _inpatient_row(mdtrt_id, "I1", WARD, "5", "40.00"),
            _inpatient_row(mdtrt_id, "I2", SINGLE_ROOM, "2", "120.00"),
            _inpatient_row(mdtrt_id, "I3", APPENDECTOMY, "1", "1200.00"),
            _inpatient_row(mdtrt_id, "I4", CEFTRIAXONE, "10", "9.60"),
            _inpatient_row(mdtrt_id, "I5", STAPLER, "1", "1500.00"),
            _inpatient_row(mdtrt_id, "I6", CEFTRIAXONE, "-2", "9.60", init_feedetl_sn="I4"),
        ]
    }


def _discharge(visit: dict[str, Any]) -> dict[str, Any]:
    return {
        "dscginfo": {
            "mdtrt_id": visit["mdtrt_id"],
            "psn_no": WANG_JIANGUO.psn_no,
            "insutype": "310",
            "endtime": "2025-07-19 10:00:00",
            "dscg_dept_codg": "WK01",
            "dscg_dept_name": "普通外科",
            "dscg_way": "1",
        },
        "diseinfo": [_diagnosis(diag_time="2025-07-19 09:00:00")],
    }


def _inpatient_settle(visit: dict[str, Any]) -> dict[str, Any]:
    who = WANG_JIANGUO
    return {
        "data": {
            "psn_no": who.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "psn_setlway": "01",
            "mdtrt_id": visit["mdtrt_id"],
            "insutype": "310",
            "acct_used_flag": "1",
            "mid_setl_flag": "0",
            **INPATIENT_TOTALS,
        }
    }


INPATIENT = Flow(
    "inpatient",
    WANG_JIANGUO,
    (
        Step("2401", _admission),
        Step("2301", _inpatient_fees),
        Step("2303", _inpatient_settle),
        Step("2402", _discharge),
        Step("2304", _inpatient_settle),
        Step("2305", _cancel("2304", WANG_JIANGUO)),
    ),
    {"2304": D("1539.95"), "2305": D("4120.00")},
)

# --- pharmacy: 刘芳 (310, 个人账户 860.30) at the demo pharmacy, the purchase of test_handlers_pharmacy ---

IBUPROFEN, ASPIRIN = "XM01AEB040E001010100011", "XB01ACA056A001010100002"


def _item(sn: str, code: str, cnt: str, pric: str) -> dict[str, Any]:
    return {
        "feedetl_sn": sn,
        "med_list_codg": code,
        "medins_list_codg": f"P{sn}",
        "cnt": cnt,
        "pric": pric,
        "det_item_fee_sumamt": str((D(cnt) * D(pric)).quantize(D("0.01"))),
        "fee_ocur_time": "2025-07-14 09:30:00",
    }


def _purchase(visit: dict[str, Any]) -> dict[str, Any]:
    who = LIU_FANG
    return {
        "druginfo": {
            "psn_no": who.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "insutype": "310",
            "med_type": "41",
            "medfee_sumamt": "98.20",
            "acct_used_flag": "1",
            "begntime": "2025-07-14 09:30:00",
        },
        "drugdetail": [
            _item("P1", IBUPROFEN, "2", "11.20"),
            _item("P2", ASPIRIN, "1", "15.80"),
            _item("P3", VITAMINS, "1", "60.00"),
        ],
    }


PHARMACY_PURCHASE = Flow(
    "pharmacy",
    LIU_FANG,
    (
        Step("1101", _person_query(LIU_FANG), at=DEMO_PHARMACY),
        Step("2101", _purchase, at=DEMO_PHARMACY),
        Step("2102", _purchase, at=DEMO_PHARMACY),
        Step("2103", _cancel("2102", LIU_FANG), at=DEMO_PHARMACY),
    ),
    {"2102": D("762.10"), "2103": D("860.30")},
)

# --- 异地就医购药: the same purchase (刘芳 at the demo pharmacy), 2163 试算, refunded by 2162 or cancelled by
# 2164 (test_handlers_offsite): 860.30 − 98.20 = 762.10 after 2102, 860.30 again after the refund.


def _offsite_undo(*, refund: bool) -> Payload:
    def payload(visit: dict[str, Any]) -> dict[str, Any]:
        data = {"setl_id": visit["2102.setl_id"], "psn_no": LIU_FANG.psn_no, "mdtrt_id": visit["mdtrt_id"]}
        return {"data": data | ({"medfee_sumamt": "98.20"} if refund else {})}

    return payload


OFFSITE_REFUND = Flow(
    "offsite-refund",
    LIU_FANG,
    (
        Step("1101", _person_query(LIU_FANG), at=DEMO_PHARMACY),
        Step("2163", _purchase, at=DEMO_PHARMACY),
        Step("2102", _purchase, at=DEMO_PHARMACY),
        Step("2162", _offsite_undo(refund=True), at=DEMO_PHARMACY),
    ),
    {"2102": D("762.10"), "2162": D("860.30")},
)
OFFSITE_CANCEL = Flow(
    "offsite-cancel",
    LIU_FANG,
    (
        Step("1101", _person_query(LIU_FANG), at=DEMO_PHARMACY),
        Step("2102", _purchase, at=DEMO_PHARMACY),
        Step("2164", _offsite_undo(refund=False), at=DEMO_PHARMACY),
    ),
    {"2102": D("762.10"), "2164": D("860.30")},
)

# --- mobile payment: 陈志强 (310/1101, 个人账户 3055.75), the order of test_handlers_payment --------------
# 诊查费 10.00 + 阿莫西林 2 × 12.50 + 复合维生素 60.00 (丙类) = 95.00, in scope 35.00 < 起付线 1000:
# 统筹 0.00, the account pays 95.00 → 2960.75; the refund gives it back → 3055.75.  The ledger rows of
# 6202/6203 name the order (payOrdId), not the person: these flows are checked on the order and the
# account, not on `our_live_settlements`.
PAYER = PERSONS[4]


def _pay_row(sn: str, code: str, cnt: str, pric: str) -> dict[str, Any]:
    amount = (D(cnt) * D(pric)).quantize(D("0.01"))
    return {"feedetlSn": sn, "medListCodg": code, "cnt": cnt, "pric": pric, "detItemFeeSumamt": str(amount)}


def _pay_upload(visit: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": {
            "orgCodg": DEMO_HOSPITAL,
            "psnNo": PAYER.psn_no,
            "insutype": "310",
            "medOrgOrd": f"MO{visit['serial']:08d}",
            "medType": "11",
            "medfeeSumamt": "95.00",
            "acctUsedFlag": "1",
            "mdtrtCertType": "02",
            "feedetailList": [
                _pay_row("1", CONSULT, "1", "10.00"),
                _pay_row("2", AMOXICILLIN, "2", "12.50"),
                _pay_row("3", VITAMINS, "1", "60.00"),
            ],
        }
    }


def _pay(visit: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"payOrdId": visit["payOrdId"], "payAuthNo": "AUTH1", "orgCodg": DEMO_HOSPITAL}}


def _pay_refund(visit: dict[str, Any]) -> dict[str, Any]:
    data = {"payOrdId": visit["payOrdId"], "appRefdSn": f"RF{visit['serial']:08d}", "totlRefdAmt": "95.00"}
    return {"data": data | {"refdType": "ALL", "psnAcctRefdAmt": "95.00"}}


PAYMENT = Flow(
    "payment",
    PAYER,
    (Step("6201", _pay_upload), Step("6202", _pay), Step("6203", _pay_refund)),
    {"6202": D("2960.75"), "6203": D("3055.75")},
)
# flows whose ledger rows carry no person: checked by `assert_messages_agree` and the account
ORDER_FLOWS = (PAYMENT,)

# a later flow keeps an infno it shares with an earlier one (2102 stays the pharmacy flow's)
FLOWS = (OUTPATIENT, INPATIENT, OFFSITE_CANCEL, OFFSITE_REFUND, PHARMACY_PURCHASE, PAYMENT)
# every money transaction the sandbox keeps state for, with its flow
MONEY_STEPS = {
    s.infno: flow for flow in FLOWS for s in flow.steps if REGISTRY[s.infno].safety is Safety.MONEY
}


# ---------------------------------------------------------------------------------------------- running


@dataclass
class Answer:
    """What the engine answered to one call: a result, or the error it raised."""

    result: CallResult | None = None
    error: MedicalInsuranceException | None = None

    @property
    def msgid(self) -> str:
        msgid = self.result.msgid if self.result else self.error.msgid if self.error else None
        assert msgid, self
        return msgid


def run_step(counter: Counter, step: Step, visit: dict[str, Any], **options: Any) -> CallResult:
    """One step of a flow; the ids the bureau answers are kept in `visit` for the next steps."""
    result = counter.call(step.infno, step.payload(visit), at=step.at, **options)
    remember(visit, result)
    return result


def attempt(counter: Counter, step: Step, visit: dict[str, Any], **options: Any) -> Answer:
    """One step whose failure is an answer too (the engine's error, as the business catches it)."""
    try:
        return Answer(result=run_step(counter, step, visit, **options))
    except MedicalInsuranceException as error:
        return Answer(error=error)


# ------------------------------------------------------------------------------------------- agreement


def our_live_settlements(rows: list[LedgerEntry], who: InsuredPerson) -> dict[str, LedgerEntry]:
    """Our books: setl_id → the ledger row of each settlement of `who` in effect that no cancellation in
    effect undid.  A cancellation's row keeps the setl_id it cancels (from its request); a settlement's, the
    one its answer gave."""
    mine = [r for r in rows if r.psn_no == who.psn_no and r.state in IN_EFFECT]
    settled = {r.setl_id: r for r in mine if r.infno in SETTLEMENTS and r.setl_id}
    cancelled = {r.setl_id for r in mine if r.infno in CANCELLATIONS}
    return {setl_id: row for setl_id, row in settled.items() if setl_id not in cancelled}


def assert_ledgers_agree(bureau: SandboxBureau, who: InsuredPerson) -> None:
    """Our ledger and the sandbox's books tell the same story, and the person's account shows it.

    - nothing of ours is still PENDING or UNKNOWN;
    - a message we hold in effect (SUCCESS / CONFIRMED) was processed with infcode 0 and is not reversed;
    - a REVERSED one is reversed at the bureau (or never arrived there);
    - a FAILED write or money call left no live success at the bureau (a pre-settlement keeps nothing);
    - the bureau's live settlements of the person are exactly ours, at most one per visit: nothing is
      settled twice;
    - the person's balance is the seed balance minus the account part of those settlements, and our
      stored answers name the same account part as the bureau's rows.
    """
    rows = assert_messages_agree(bureau)
    ours = our_live_settlements(rows, who)
    live = bureau.live_settlements(who)
    assert sorted(s.setl_id for s in live) == sorted(ours), "the live settlements differ"
    visits = [s.mdtrt_id for s in live]
    assert len(visits) == len(set(visits)), f"settled twice: {visits}"
    for s in live:
        if ours[s.setl_id].state == "SUCCESS":
            answer = ours[s.setl_id].response or {}
            assert D(str(answer["output"]["setlinfo"]["acct_pay"])) == s.acct_pay
    spent = sum((s.acct_pay for s in live), D("0.00"))
    assert bureau.balance(who) == who.balc - spent, "the account does not match the live settlements"


def assert_messages_agree(bureau: SandboxBureau) -> list[LedgerEntry]:
    """Each message of our ledger stands at the bureau as our ledger says (the first three points of
    `assert_ledgers_agree`); returns the ledger's rows."""
    rows = list(bureau.counter.ledger.entries())
    messages = bureau.messages()
    unresolved = [(r.infno, r.msgid, r.state, r.resolution_note) for r in rows if r.state in UNRESOLVED]
    assert unresolved == [], f"left unresolved: {unresolved}"
    for row in rows:
        message = messages.get(row.msgid)
        tx = REGISTRY[row.infno]
        where = f"{row.infno} {row.msgid} is {row.state} in our ledger ({row.resolution_note})"
        if row.state in IN_EFFECT:
            assert message is not None and message.infcode == 0, f"{where}, but not in effect at the bureau"
            assert message.reversed_by is None, (
                f"{where}, but reversed at the bureau by {message.reversed_by}"
            )
        elif row.state == "REVERSED":
            assert message is None or message.reversed_by, f"{where}, but still live at the bureau"
        elif row.state == "FAILED" and tx.safety is not Safety.QUERY and not tx.effect_free:
            live = message is not None and message.infcode == 0 and message.reversed_by is None
            assert not live, f"{where}, but it took effect at the bureau"
    return rows


@dataclass
class FaultedStep:
    """A visit brought up to `infno`, whose first `infno` message met a fault: the caller's answer, and
    the ledger's msgids of `infno` from before (so that the faulted one can be told apart)."""

    visit: dict[str, Any]
    answer: Answer
    before: set[str]

    def sent(self, counter: Counter, infno: str) -> list[LedgerEntry]:
        """The messages of `infno` sent for this step (compensation's own children excluded)."""
        rows = counter.ledger.entries(infno=infno, parent_msgid=None)
        return [r for r in rows if r.msgid not in self.before]


def fault_step(bureau: SandboxBureau, flow: Flow, infno: str, kind: str) -> FaultedStep:
    """A fresh visit of `flow` up to `infno`, then `infno` with `kind` on its first message."""
    counter = bureau.counter
    visit = new_visit()
    for step in flow.before(infno):
        run_step(counter, step, visit)
    bureau.fault(infno, kind)
    before = {r.msgid for r in counter.ledger.entries(infno=infno)}
    # a hanging bureau is given up on quickly; the other faults answer at once
    wait = {"timeout_s": FAULTED_CALL_TIMEOUT_S} if kind in HANGING_FAULTS else {}
    return FaultedStep(visit, attempt(counter, flow.step(infno), visit, **wait), before)


def expected_state(infno: str, kind: str) -> str:
    """What compensation makes of a message that met `kind` (docs/engine.md, "Compensation")."""
    tx = REGISTRY[infno]
    if tx.effect_free:
        return "FAILED"  # a pre-settlement leaves nothing at the bureau: it is simply made again
    if kind not in PROCESSED_BEFORE_FAULT:
        return "FAILED"  # it never reached the handler, and 2601 ("原交易不存在") or the query says so
    return "REVERSED" if tx.reversible else "CONFIRMED"


def assert_definite_answer(answer: Answer, infno: str, state: str, kind: str) -> None:
    """The caller knows where it stands when the call returns: never "unknown"."""
    if state == "CONFIRMED":
        assert answer.result is not None, answer.error
        confirmed = (answer.result.state, answer.result.confirmed_by)
        assert confirmed == ("CONFIRMED", REGISTRY[infno].confirm_by)
        return
    error = answer.error
    assert error is not None, answer.result
    if state == "REVERSED":
        assert isinstance(error, OutcomeUnknownError) and error.outcome == "reversed", error
        return
    assert not isinstance(error, OutcomeUnknownError), error
    assert error.retry is True, error  # safe to make again
    if kind == "infcode_error":
        assert isinstance(error, BureauError) and error.infcode == -1, error  # the bureau's own words
        assert "系统繁忙" in error.message
    else:
        assert error.details["outcome"] == "failed", error


def settled_after_losing(
    bureau: SandboxBureau, infno: str, kind: str, send: Callable[..., Answer], key: str, value: str
) -> str:
    """`send` meets fault `kind` on `infno`: the caller gets a definite answer, the ledger entry agrees and
    keeps `key` = `value` (what identifies the record), and nothing is left for the sweeper.  The state."""
    counter = bureau.counter
    bureau.fault(infno, kind)
    answer = send(timeout_s=FAULTED_CALL_TIMEOUT_S)
    state = expected_state(infno, kind)
    assert_definite_answer(answer, infno, state, kind)
    entry = counter.ledger.get(answer.msgid)
    assert entry is not None and entry.state == state
    assert entry.business_keys[key] == value
    assert counter.sweep_until_resolved() == {}, "nothing left for the sweeper"
    return state
