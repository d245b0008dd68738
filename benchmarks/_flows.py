"""The workloads, written once over a `Call` (infno, bureau input → bureau output): 1101, the outpatient
flow 2201 → 2203 → 2204 → 2206 → 2207 and the inpatient flow 2401 → 2301 → 2303 → 2402 → 2304, with real
seed persons of the sandbox.  Each front door supplies its own `Call`:

    raw httpx (hand-rolled envelope)   `RawBureau.call`
    engine                             `engine_call(engine, institution)`
    SDK → gateway                      `sdk_call(sdk)`
    plain HTTP → gateway               `GatewayHttp.call` (the proofs: the HIS reads error codes itself)

Inputs are in node form ({"data": {...}}), which the bureau, the engine, the gateway and the SDK all accept.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from medical_insurance_sdk.registry import API_PREFIX, REGISTRY
from medical_insurance_sdk.sandbox.seed import PERSONS, InsuredPerson

Call = Callable[[str, Mapping[str, Any]], Awaitable[Any]]
D = Decimal
SERVICE_DAY = "2025-07-14"
# Ordinary local insured persons: the special cases of the seed (suspended, off-site, newborn, empty or
# short account) answer refusals or special rules by design, which is not what a throughput run measures.
PEOPLE: tuple[InsuredPerson, ...] = tuple(
    p
    for p in PERSONS
    if p.psn_insu_stas == "1"
    and p.insuplc_admdvs == "430200"
    and p.category not in ("居民新生儿", "个人账户余额为零", "个人账户余额不足")
)
DOCTOR = {"atddr_no": "D430302000101", "dr_name": "李医生", "dept_code": "NK01", "dept_name": "普通内科"}
SURGEON = ("D430302000103", "张医生", "WK01", "普通外科")
AMOXICILLIN = ("XJ01CAA040A001010100001", D("2"), D("12.50"))
WARD, APPENDECTOMY = (
    ("001101000010100-110100001", D("3"), D("40.00")),
    (
        "003310003010000-331003001",
        D("1"),
        D("1200.00"),
    ),
)
PARTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")


class FlowRefused(Exception):
    """A step of a flow could not be completed (the bureau or the gateway said no)."""


def find(node: Any, key: str) -> Any:
    """The first value of `key` anywhere in an output."""
    if isinstance(node, Mapping):
        if node.get(key) not in (None, ""):
            return node[key]
        for value in node.values():
            found = find(value, key)
            if found is not None:
                return found
    elif isinstance(node, list):
        for item in node:
            found = find(item, key)
            if found is not None:
                return found
    return None


def person(n: int) -> InsuredPerson:
    return PEOPLE[n % len(PEOPLE)]


# ------------------------------------------------------------------------------------------ messages
def person_query(who: InsuredPerson) -> dict[str, Any]:
    """1101 by ID card."""
    return {
        "data": {
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "psn_cert_type": "01",
            "certno": who.certno,
            "psn_name": who.psn_name,
        }
    }


def _diagnosis(who: InsuredPerson, code: str, name: str, dept: str, day_time: str) -> dict[str, Any]:
    return {
        "psn_no": who.psn_no,
        "diag_type": "1",
        "maindiag_flag": "1",
        "diag_srt_no": 1,
        "diag_code": code,
        "diag_name": name,
        "diag_dept": dept,
        "dise_dor_no": SURGEON[0],
        "dise_dor_name": SURGEON[1],
        "diag_time": day_time,
    }


def fee_row(who: InsuredPerson, mdtrt_id: str, sn: str, item: tuple[str, Decimal, Decimal]) -> dict[str, Any]:
    code, count, price = item
    return {
        "feedetl_sn": sn,
        "mdtrt_id": mdtrt_id,
        "psn_no": who.psn_no,
        "chrg_bchno": "B001",
        "rx_circ_flag": "0",
        "fee_ocur_time": f"{SERVICE_DAY} 09:45:00",
        "med_list_codg": code,
        "medins_list_codg": "H" + code[:10],
        "det_item_fee_sumamt": (count * price).quantize(D("0.01")),
        "cnt": count,
        "pric": price,
        "bilg_dept_codg": DOCTOR["dept_code"],
        "bilg_dept_name": DOCTOR["dept_name"],
        "bilg_dr_codg": DOCTOR["atddr_no"],
        "bilg_dr_name": DOCTOR["dr_name"],
        "hosp_appr_flag": "1",
    }


def _settle(who: InsuredPerson, mdtrt_id: str, total: Decimal, **extra: Any) -> dict[str, Any]:
    return {
        "data": {
            "psn_no": who.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "medfee_sumamt": total,
            "psn_setlway": "01",
            "mdtrt_id": mdtrt_id,
            "insutype": who.insutype,
            "acct_used_flag": "1",
            **extra,
        }
    }


# --------------------------------------------------------------------------------------------- flows
@dataclass(frozen=True)
class FlowResult:
    kind: str
    mdtrt_id: str
    setl_id: str | None
    calls: int


async def query_person(call: Call, n: int) -> int:
    """1101 for the n-th person; returns the number of calls (1)."""
    output = await call("1101", person_query(person(n)))
    if not find(output, "psn_no"):
        raise FlowRefused("1101 answered without psn_no")
    return 1


async def outpatient(call: Call, n: int, tag: str, *, cancel: bool = False) -> FlowResult:
    """2201 → 2203 → 2204 → 2206 → 2207 (→ 2208 when `cancel`) for the n-th person."""
    who = person(n)
    registration = {
        "data": {
            "psn_no": who.psn_no,
            "insutype": who.insutype,
            "begntime": f"{SERVICE_DAY} 09:30:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "ipt_otp_no": f"MZ{tag}{n:06d}",
            "caty": "A03",
            **DOCTOR,
        }
    }
    mdtrt_id = find(await call("2201", registration), "mdtrt_id")
    if not mdtrt_id:
        raise FlowRefused("2201 answered without mdtrt_id")
    visit = {
        "mdtrtinfo": {
            "mdtrt_id": mdtrt_id,
            "psn_no": who.psn_no,
            "med_type": "11",
            "begntime": f"{SERVICE_DAY} 09:30:00",
        },
        "diseinfo": [
            {
                "diag_type": "1",
                "diag_srt_no": 1,
                "diag_code": "J06.900",
                "diag_name": "急性上呼吸道感染",
                "diag_dept": "普通内科",
                "dise_dor_no": DOCTOR["atddr_no"],
                "dise_dor_name": DOCTOR["dr_name"],
                "diag_time": f"{SERVICE_DAY} 09:40:00",
                "vali_flag": "1",
            }
        ],
    }
    await call("2203", visit)
    row = fee_row(who, mdtrt_id, f"F{tag}{n:06d}", AMOXICILLIN)
    await call("2204", {"feedetail": [row]})
    total = row["det_item_fee_sumamt"]
    pre = await call("2206", _settle(who, mdtrt_id, total, med_type="11", chrg_bchno="B001"))
    parts = {name: find(pre, name) for name in PARTS}
    if any(value is None for value in parts.values()):
        raise FlowRefused("2206 answered without the amount parts")
    settled = await call("2207", _settle(who, mdtrt_id, total, med_type="11", chrg_bchno="B001", **parts))
    setl_id = find(settled, "setl_id")
    calls = 5
    if cancel and setl_id:
        await call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": who.psn_no}})
        calls += 1
    return FlowResult("outpatient", mdtrt_id, setl_id, calls)


async def inpatient(call: Call, n: int, tag: str) -> FlowResult:
    """2401 → 2301 → 2303 → 2402 → 2304 for the n-th person (a short surgical stay)."""
    who = person(n)
    dept_code, dept_name = SURGEON[2], SURGEON[3]
    diagnosis = _diagnosis(who, "K35.800", "急性阑尾炎", dept_name, f"{SERVICE_DAY} 09:00:00")
    admission = {
        "mdtrtinfo": {
            "psn_no": who.psn_no,
            "insutype": who.insutype,
            "begntime": f"{SERVICE_DAY} 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "med_type": "21",
            "ipt_no": f"ZY{tag}{n:06d}",
            "atddr_no": SURGEON[0],
            "chfpdr_name": SURGEON[1],
            "adm_diag_dscr": "转移性右下腹痛",
            "adm_dept_codg": dept_code,
            "adm_dept_name": dept_name,
            "adm_bed": "12",
            "dscg_maindiag_code": "K35.800",
            "dscg_maindiag_name": "急性阑尾炎",
        },
        "diseinfo": [diagnosis],
    }
    mdtrt_id = find(await call("2401", admission), "mdtrt_id")
    if not mdtrt_id:
        raise FlowRefused("2401 answered without mdtrt_id")
    rows = []
    for index, item in enumerate((WARD, APPENDECTOMY)):
        row = fee_row(who, mdtrt_id, f"I{tag}{n:06d}{index}", item)
        for name in ("chrg_bchno", "rx_circ_flag"):
            row.pop(name)
        rows.append({**row, "med_type": "21"})
    uploaded = await call("2301", {"feedetail": rows})
    result_rows = find(uploaded, "result") or (uploaded if isinstance(uploaded, list) else [])
    total = sum((D(str(r["det_item_fee_sumamt"])) for r in rows), D("0"))
    parts = {name: sum((D(str(r.get(name) or 0)) for r in result_rows), D("0")) for name in PARTS}
    await call("2303", _settle(who, mdtrt_id, total, mid_setl_flag="0", **parts))
    discharge = {
        "dscginfo": {
            "mdtrt_id": mdtrt_id,
            "psn_no": who.psn_no,
            "insutype": who.insutype,
            "endtime": "2025-07-17 10:00:00",
            "dscg_dept_codg": dept_code,
            "dscg_dept_name": dept_name,
            "dscg_way": "1",
        },
        "diseinfo": [{**diagnosis, "diag_time": "2025-07-17 09:00:00"}],
    }
    await call("2402", discharge)
    settled = await call("2304", _settle(who, mdtrt_id, total, mid_setl_flag="0"))
    return FlowResult("inpatient", mdtrt_id, find(settled, "setl_id"), 5)


# ------------------------------------------------------------------------------------- front doors
def _decimal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # amounts here have two decimals at most: exact enough for a JSON number
    raise TypeError(type(value))


class RawBureau:
    """(a) The minimal client: a dict envelope, json.dumps, one POST, json.loads, infcode check."""

    def __init__(self, client: httpx.AsyncClient, url: str, code: str) -> None:
        self.client, self.url, self.code = client, url + "/fsi/api/rsfComIfsService/callService", code
        self.sign_no = ""
        self._serial = itertools.count(1)

    def msgid(self) -> str:
        # 12-character institution + yyyyMMddHHmmss + 4 digits; unique while fewer than 10,000 a second
        return f"{self.code}{time.strftime('%Y%m%d%H%M%S')}{next(self._serial) % 10_000:04d}"

    def envelope(self, infno: str, input_: Mapping[str, Any]) -> bytes:
        message = {
            "infno": infno,
            "msgid": self.msgid(),
            "mdtrtarea_admvs": "430200",
            "insuplc_admdvs": "430200",
            "recer_sys_code": "YBXT",
            "dev_no": "",
            "dev_safe_info": "",
            "cainfo": "",
            "signtype": "",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": "OP001",
            "opter_name": "基准测试",
            "inf_time": time.strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": self.code,
            "fixmedins_name": "基准测试医院",
            "sign_no": self.sign_no,
            "input": input_,
        }
        return json.dumps(message, ensure_ascii=False, default=_decimal).encode()

    async def post(self, body: bytes) -> Any:
        response = await self.client.post(
            self.url, content=body, headers={"content-type": "application/json"}
        )
        answer = json.loads(response.content, parse_float=Decimal)
        if answer.get("infcode") not in (0, "0"):
            raise FlowRefused(f"infcode {answer.get('infcode')}: {answer.get('err_msg')}")
        return answer.get("output")

    async def call(self, infno: str, input_: Mapping[str, Any]) -> Any:
        return await self.post(self.envelope(infno, input_))

    async def sign_in(self) -> None:
        output = await self.call(
            "9001", {"signIn": {"opter_no": "OP001", "mac": "00-16-3E-00-00-01", "ip": "127.0.0.1"}}
        )
        self.sign_no = str(find(output, "sign_no"))


def engine_call(engine: Any, institution: Any) -> Call:
    """(b) The async engine as a Call."""

    async def call(infno: str, input_: Mapping[str, Any]) -> Any:
        return (await engine.call(infno, input_, institution=institution)).output

    return call


def sdk_call(sdk: Any) -> Call:
    """(c) The async SDK's generated method of each transaction as a Call (found once per infno)."""
    methods: dict[str, Any] = {}

    def method(infno: str) -> Any:
        if infno not in methods:
            name = REGISTRY[infno].sdk_method
            group = next(g for g in vars(sdk.resources).values() if hasattr(g, name))
            methods[infno] = getattr(group, name)
        return methods[infno]

    async def call(infno: str, input_: Mapping[str, Any]) -> Any:
        return (await method(infno)(dict(input_))).raw

    return call


@dataclass(frozen=True)
class GatewayError(Exception):
    """A gateway error answer: HTTP status, the §1.3 error object, and `outcome` for unknown results."""

    status: int
    code: int | None
    message: str
    retry: bool
    outcome: str | None

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.code} {self.message} (outcome={self.outcome})"


class GatewayHttp:
    """Plain HTTP to the gateway's REST routes, as a HIS without the SDK would call it."""

    def __init__(self, client: httpx.AsyncClient, url: str, headers: Mapping[str, str]) -> None:
        self.client, self.url, self.headers = client, url + API_PREFIX.rstrip("/"), dict(headers)

    async def call(self, infno: str, input_: Mapping[str, Any]) -> Any:
        route = REGISTRY[infno].routes[0]
        body = json.dumps(input_, ensure_ascii=False, default=_decimal).encode()
        response = await self.client.request(
            route.method,
            f"{self.url}/{route.path}",
            content=body,
            headers={**self.headers, "content-type": "application/json"},
        )
        answer = json.loads(response.content, parse_float=Decimal)
        if response.status_code == 200 and answer.get("success"):
            return answer.get("data")
        error = answer.get("error") or {}
        data = answer.get("data") or {}
        raise GatewayError(
            response.status_code,
            answer.get("error_code"),
            str(answer.get("message")),
            bool(error.get("retry")),
            (data.get("outcome") if isinstance(data, dict) else None) or error.get("outcome"),
        )
