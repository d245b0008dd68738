"""Item 1 — protocol CPU: build + sign + serialize + parse one 2207 message, against a hand-rolled baseline.

    product   build_envelope (checks every envelope field) → encode_envelope (Decimal-exact JSON) →
              x-tif signature headers → parse_http_answer + raise_for_result of a full 2207 answer
    baseline  a dict literal → json.dumps → hashlib.sha256 of the signature text → json.loads
    extra     the same product path plus the registry's validation of the 2207 input (what the engine
              adds before building; reported, no goal)

Each run times `iterations` of each path back to back, in one process; the ratio is product / baseline
per run, and the figure is the median over `runs`.  Goal: ratio ≤ 3.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from _common import median_of, rounded

from medical_insurance_sdk.protocol.envelope import EnvelopeConfig, build_envelope, encode_envelope
from medical_insurance_sdk.protocol.result import parse_http_answer, raise_for_result
from medical_insurance_sdk.protocol.signing import make_signer
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message

GOAL_RATIO = 3.0
INFNO = "2207"
CONFIG = EnvelopeConfig(
    fixmedins_code="H43028110001",
    fixmedins_name="湘潭市第一人民医院",
    mdtrtarea_admvs="430200",
    recer_sys_code="YBXT",
    infver="V1.0",
    opter_type="1",
    opter="OP001",
    opter_name="李收费",
    insuplc_admdvs="430200",
)
MSGID = "H43028110001202507141030000001"
SIGN_NO = "430200202507140930000001"
PAASID, TOKEN = "hosp_paasid", "T0K3N-secret"


def settle_input() -> dict[str, Any]:
    """The 2207 input a HIS sends: the data node with exact amounts."""
    return {
        "data": {
            "psn_no": "43000030281000128715",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "430302199001010017",
            "med_type": "11",
            "medfee_sumamt": Decimal("25.00"),
            "psn_setlway": "01",
            "mdtrt_id": "43020020250714093000000001",
            "chrg_bchno": "B001",
            "insutype": "310",
            "acct_used_flag": "1",
            "fulamt_ownpay_amt": Decimal("0.00"),
            "overlmt_selfpay": Decimal("0.00"),
            "preselfpay_amt": Decimal("0.00"),
            "inscp_scp_amt": Decimal("25.00"),
        }
    }


def answer_bytes() -> bytes:
    """A full 2207 answer (every setlinfo field, three setldetail rows) as the bureau sends it."""
    output = sample_message(REGISTRY[INFNO].schema.response, optional=True, items=3)
    answer = {
        "infcode": 0,
        "inf_refmsgid": "430200202507141030000000000001",
        "refmsg_time": "20250714103000123",
        "respond_time": "20250714103000456",
        "err_msg": None,
        "warn_msg": None,
        "cainfo": None,
        "signtype": None,
        "output": output,
    }
    return json.dumps(answer, ensure_ascii=False, default=str).encode()


def product_path(validate: bool = False) -> Callable[[], Any]:
    tx = REGISTRY[INFNO]
    signer = make_signer("tif", paasid=PAASID, token=TOKEN)
    payload = settle_input()
    answer = answer_bytes()

    def once() -> Any:
        data = (
            tx.validate_input(payload).model_dump(mode="python", exclude_none=True) if validate else payload
        )
        envelope = build_envelope(CONFIG, infno=INFNO, msgid=MSGID, input=data, sign_no=SIGN_NO)
        body = encode_envelope(envelope)
        headers = signer.headers(INFNO, body)
        result = parse_http_answer(200, "application/json;charset=utf-8", answer, infno=INFNO)
        return raise_for_result(result, infno=INFNO, msgid=MSGID), headers  # type: ignore[arg-type]

    return once


def baseline_path() -> Callable[[], Any]:
    plain = json.loads(json.dumps(settle_input(), default=float))  # the baseline's input has float amounts
    answer = answer_bytes()

    def once() -> Any:
        message = {
            "infno": INFNO,
            "msgid": MSGID,
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
            "opter_name": "李收费",
            "inf_time": time.strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": "H43028110001",
            "fixmedins_name": "湘潭市第一人民医院",
            "sign_no": SIGN_NO,
            "input": plain,
        }
        body = json.dumps(message, ensure_ascii=False).encode()
        stamp = str(int(time.time()))
        signature = hashlib.sha256(f"{stamp}{TOKEN}nonce{stamp}".encode()).hexdigest()
        parsed = json.loads(answer)
        if parsed["infcode"] != 0:
            raise RuntimeError(parsed["err_msg"])
        return body, signature, parsed

    return once


def _per_op_us(fn: Callable[[], Any], iterations: int) -> float:
    fn()  # warm caches (regexes, models) outside the timing
    began = time.perf_counter()
    for _ in range(iterations):
        fn()
    return (time.perf_counter() - began) / iterations * 1e6


def run(*, runs: int = 7, iterations: int = 3000) -> dict[str, Any]:
    """Median µs per message of each path and the ratios to the baseline."""
    paths = {"baseline": baseline_path(), "product": product_path(), "validated": product_path(validate=True)}
    samples: dict[str, list[float]] = {name: [] for name in paths}
    ratios: dict[str, list[float]] = {"product": [], "validated": []}
    for _ in range(runs):
        measured = {name: _per_op_us(fn, iterations) for name, fn in paths.items()}
        for name, value in measured.items():
            samples[name].append(value)
        for name in ratios:
            ratios[name].append(measured[name] / measured["baseline"])
    ratio = median_of(ratios["product"])
    return {
        "infno": INFNO,
        "runs": runs,
        "iterations": iterations,
        "baseline_us": rounded(median_of(samples["baseline"]), 2),
        "product_us": rounded(median_of(samples["product"]), 2),
        "validated_us": rounded(median_of(samples["validated"]), 2),
        "ratio": rounded(ratio, 2),
        "validated_ratio": rounded(median_of(ratios["validated"]), 2),
        "messages_per_core_s": round(1e6 / median_of(samples["product"])),
        "goal": f"ratio ≤ {GOAL_RATIO:g}",
        "goal_met": ratio <= GOAL_RATIO,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
