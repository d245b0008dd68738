"""What the SDK has learned about persons and visits, so that later steps of a flow need only an id.

    memory.learn(REGISTRY["2201"], input_, output)       # after every successful call
    memory.visit(mdtrt_id="...")["chrg_bchno"]           # facts of that visit

The spec's flows pass little: `outpatient_pre_settle(register_id)`.  The bureau wants the person, the
credential, the fee total and the charge batch of that visit: all of them were said or answered earlier in
the same flow, so the SDK remembers them.  Facts are plain bureau fields; the tables below say which ones
describe a person and which a visit.  In memory only, bounded, per SDK instance.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from medical_insurance_sdk.registry import REGISTRY, Transaction

PERSON_FACTS = (
    "psn_no",
    "psn_name",
    "certno",
    "psn_cert_type",
    "mdtrt_cert_type",
    "mdtrt_cert_no",
    "card_sn",
    "insutype",
    "gend",
    "brdy",
    "insuplc_admdvs",
)
VISIT_FACTS = (
    "mdtrt_id",
    "psn_no",
    "insutype",
    "med_type",
    "begntime",
    "mdtrt_cert_type",
    "mdtrt_cert_no",
    "ipt_otp_no",
    "ipt_no",
    "atddr_no",
    "dr_name",
    "chfpdr_name",
    "dept_code",
    "dept_name",
    "adm_dept_codg",
    "adm_dept_name",
    "caty",
    "chrg_bchno",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "setl_id",
)


class FlowMemory:
    """Persons by psn_no (and certno), visits by mdtrt_id (and setl_id); least recently used go first."""

    def __init__(self, max_entries: int = 2000) -> None:
        self.max_entries = max_entries
        self._persons: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._visits: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._aliases: dict[str, str] = {}  # certno → psn_no, setl_id → mdtrt_id
        self._lock = threading.Lock()

    def person(self, psn_no: str | None = None, *, certno: str | None = None) -> Mapping[str, Any]:
        with self._lock:
            key = psn_no or self._aliases.get(f"certno:{certno}", "")
            return dict(self._persons.get(key, {}))

    def visit(self, mdtrt_id: str | None = None, *, setl_id: str | None = None) -> Mapping[str, Any]:
        with self._lock:
            key = mdtrt_id or self._aliases.get(f"setl_id:{setl_id}", "")
            return dict(self._visits.get(key, {}))

    def learn(self, tx: Transaction, input_: Mapping[str, Any], output: Any) -> None:
        """Remember the person and visit facts a successful call stated or was answered."""
        flat = _facts(input_, output)
        with self._lock:
            mdtrt_id = flat.get("mdtrt_id")
            if mdtrt_id:
                visit = self._touch(self._visits, str(mdtrt_id))
                visit.update({k: flat[k] for k in VISIT_FACTS if k in flat})
                self._learn_fees(tx, visit, input_, output)
                if flat.get("setl_id"):
                    self._aliases[f"setl_id:{flat['setl_id']}"] = str(mdtrt_id)
            psn_no = flat.get("psn_no")
            if psn_no:
                person = self._touch(self._persons, str(psn_no))
                person.update({k: flat[k] for k in PERSON_FACTS if k in flat and k not in ("insutype",)})
                # the person's 险种 only from 1101's insuinfo (a visit's insutype is that visit's choice)
                if tx.infno == "1101" and "insutype" in flat:
                    person["insutype"] = flat["insutype"]
                if flat.get("certno"):
                    self._aliases[f"certno:{flat['certno']}"] = str(psn_no)

    def _learn_fees(self, tx: Transaction, visit: dict[str, Any], input_: Any, output: Any) -> None:
        # the registry's fee_total: fee uploads add to the visit's total, their cancellations make it unknown
        # again, a (pre-)settlement answer states the authoritative total (the parts 2207/2304 must repeat)
        if tx.fee_total == "adds":
            rows = _rows(output, "result") or _rows(input_, "feedetail")
            total = sum((_decimal(r.get("det_item_fee_sumamt")) for r in rows), Decimal(0))
            visit["medfee_sumamt"] = _decimal(visit.get("medfee_sumamt")) + total
        elif tx.undoes is not None and REGISTRY[tx.undoes].fee_total == "adds":
            visit.pop("medfee_sumamt", None)
            visit.pop("chrg_bchno", None)
        elif tx.fee_total == "states":
            setlinfo = output.get("setlinfo") if isinstance(output, Mapping) else None
            if isinstance(setlinfo, Mapping) and setlinfo.get("medfee_sumamt") is not None:
                visit["medfee_sumamt"] = _decimal(setlinfo["medfee_sumamt"])

    def _touch(self, store: OrderedDict[str, dict[str, Any]], key: str) -> dict[str, Any]:
        entry = store.setdefault(key, {})
        store.move_to_end(key)
        while len(store) > self.max_entries:
            store.popitem(last=False)
        return entry


def _facts(input_: Any, output: Any) -> dict[str, Any]:
    """Scalar fields of the input's and output's objects (first row of a list), output winning."""
    found: dict[str, Any] = {}
    for source in (input_, output):
        for mapping in _objects(source):
            for key, value in mapping.items():
                if value not in (None, "") and not isinstance(value, Mapping | list):
                    found[key] = value
    return found


def _objects(node: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    if depth > 2:
        return
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _objects(value, depth + 1)
    elif isinstance(node, list) and node:
        yield from _objects(node[0], depth + 1)


def _rows(message: Any, node: str) -> list[Mapping[str, Any]]:
    value = message.get(node) if isinstance(message, Mapping) else None
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
