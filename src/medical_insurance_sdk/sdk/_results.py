"""Typed results: the bureau's answer as given (`.raw`, `.output`) plus the friendly names of the spec.

    patient = sdk.query_person_info("01", "430281199001010001")
    patient.name, patient.insurance_balance        # friendly names (spec §11.2.1)
    patient.psn_no, patient["gend"], patient.raw    # the bureau's own field names and answer

Every friendly attribute is filled from ONE table, the registry's `RESULT_FIELDS` (registry/results.py, read
by the other-language clients too): result class → attribute → where in the bureau output it is found (paths
explained there).  Which class a transaction answers with is the registry's `result_type`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.results import RESULT_FIELDS, RESULT_TYPES


class Result(BaseModel):
    """The answer to one transaction.  `raw` is the bureau `output` exactly as the gateway passed it on."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    infno: str
    raw: Any = None
    msgid: str | None = None
    request_id: str | None = None
    message: str | None = None
    pagination: Mapping[str, Any] | None = None
    status: str | None = "success"

    kind: ClassVar[str] = "result"

    @property
    def output(self) -> BaseModel:
        """The output read through the registry's response model (typed bureau field names)."""
        return REGISTRY[self.infno].parse_output(self.raw)

    @property
    def name_zh(self) -> str:
        return REGISTRY[self.infno].title

    def get(self, field: str, default: Any = None) -> Any:
        """The first value of bureau field `field` anywhere in the output (`result.get("setl_id")`)."""
        value = _deep(self.raw, field)
        return default if value is None else value

    def __getitem__(self, field: str) -> Any:
        value = _deep(self.raw, field)
        if value is None:
            raise KeyError(field)
        return value

    def rows(self, node: str | None = None) -> list[Mapping[str, Any]]:
        """The rows of list node `node`; without one, the answer's rows wherever they are.

        The gateway hands a page (§1.4) over as a list, the bureau (in process) as {"data": [...], paging
        fields}: `rows()` reads both alike.
        """
        source: Any = self.raw
        if isinstance(source, Mapping):
            if node is not None:
                source = source.get(node)
            else:
                lists = [v for v in source.values() if isinstance(v, list)]
                data = source.get("data")
                source = data if isinstance(data, list) else lists[0] if lists else source
        if isinstance(source, Mapping):
            return [source]
        return [row for row in source or () if isinstance(row, Mapping)]

    @classmethod
    def build(cls, infno: str, raw: Any, **receipt: Any) -> Result:
        """Fill the friendly attributes of `cls` from the table, then validate."""
        values: dict[str, Any] = {"infno": infno, "raw": raw, **receipt}
        for name, paths in FRIENDLY.get(cls.__name__, {}).items():
            found = _pick(raw, paths, receipt)
            if found is not None:
                values[name] = found
        return cls.model_validate(values)


class PersonInfo(Result):
    """【1101】人员基本信息 (spec §4.1 PersonInfo: psn_no, psn_name, gend, brdy)."""

    kind: ClassVar[str] = "person"
    person_no: str | None = None
    name: str | None = None
    gender: str | None = None
    birthday: str | None = None
    age: Decimal | None = None
    cert_no: str | None = None
    cert_type: str | None = None
    insurance_balance: Decimal | None = None
    insurance_type: str | None = None
    psn_no: str | None = None
    psn_name: str | None = None
    gend: str | None = None
    brdy: str | None = None

    @property
    def baseinfo(self) -> Mapping[str, Any]:
        return _node(self.raw, "baseinfo")

    @property
    def insuinfo(self) -> list[Mapping[str, Any]]:
        return self.rows("insuinfo")

    @property
    def idetinfo(self) -> list[Mapping[str, Any]]:
        return self.rows("idetinfo")


class InstitutionInfo(Result):
    """【1201】医药机构信息 (spec §4.1 InstitutionInfo: fixmedins_code, fixmedins_name)."""

    kind: ClassVar[str] = "institution"
    institution_code: str | None = None
    name: str | None = None
    level: str | None = None
    institution_type: str | None = None
    fixmedins_code: str | None = None
    fixmedins_name: str | None = None
    hosp_lv: str | None = None


class BenefitCheckResult(Result):
    """【2001】待遇检查: `status` "pass" when no row limits the person's benefits, else "restricted"."""

    @property
    def restrictions(self) -> list[Mapping[str, Any]]:
        return [row for row in self.rows("trtinfo") if str(row.get("trt_enjymnt_flag", "1")) != "1"]

    @classmethod
    def build(cls, infno: str, raw: Any, **receipt: Any) -> Result:
        result = super().build(infno, raw, **receipt)
        status = "restricted" if isinstance(result, BenefitCheckResult) and result.restrictions else "pass"
        return result.model_copy(update={"status": status})


class RegisterResult(Result):
    """【2201】门诊挂号: `register_id` is the bureau's 就诊ID (mdtrt_id) the rest of the visit uses."""

    register_id: str | None = None
    visit_id: str | None = None
    person_no: str | None = None
    mdtrt_id: str | None = None
    ipt_otp_no: str | None = None


class AdmissionResult(Result):
    """【2401】入院办理: `admission_id` is the bureau's 就诊ID (mdtrt_id)."""

    admission_id: str | None = None
    mdtrt_id: str | None = None


class FeeUploadResult(Result):
    """【2204/2301】费用明细上传: one row per fee line with the bureau's grading of it."""

    total_amount: Decimal | None = None
    visit_id: str | None = None


class SettlementResult(Result):
    """Pre-settlement, settlement and their reversal (21xx, 2206-2208, 2303-2305)."""

    settlement_id: str | None = None
    insurance_amount: Decimal | None = None
    total_amount: Decimal | None = None
    personal_amount: Decimal | None = None
    cash_amount: Decimal | None = None
    account_amount: Decimal | None = None
    balance: Decimal | None = None
    visit_id: str | None = None
    setl_id: str | None = None
    mdtrt_id: str | None = None
    medfee_sumamt: Decimal | None = None
    fund_pay_sumamt: Decimal | None = None
    psn_cash_pay: Decimal | None = None
    acct_pay: Decimal | None = None


class RecordResult(Result):
    """人员备案 (25xx): `record_id` is the bureau's 待遇申报明细流水号."""

    record_id: str | None = None


class UploadResult(Result):
    """An information upload (4xxx and friends); `upload_id` is the bureau's receipt (or the msgid)."""

    upload_id: str | None = None


class SettlementListResult(Result):
    """【4101】结算清单上传: `list_id` is the 清单流水号 (or the msgid when the bureau returns none)."""

    list_id: str | None = None


class PrescriptionResult(Result):
    """电子处方 (71xx/72xx): `prescription_id` is the bureau's 医保处方编号 (hiRxno)."""

    prescription_id: str | None = None
    trace_code: str | None = None


class SaleResult(Result):
    """【7207】药品销售出库: `sale_id` is the bureau's receipt (or the msgid)."""

    sale_id: str | None = None


class FileQueryResult(Result):
    """A file answer to fetch with 9102 (13xx catalogues, 3202, 9101 upload)."""

    file_query_no: str | None = None
    filename: str | None = None
    data_count: Decimal | None = None
    file_qury_no: str | None = None


class FileResult(Result):
    """【9102】文件下载: the file itself."""

    content: bytes = b""
    filename: str | None = None


class PaymentResult(Result):
    """线上支付 (62xx-64xx): order id and state in the platform's camelCase names."""

    order_id: str | None = None
    insurance_amount: Decimal | None = None


# Result class → friendly attribute → paths, first match wins: the registry's table (registry/results.py).
Paths = tuple[str, ...]
FRIENDLY: MappingProxyType[str, Mapping[str, Paths]] = MappingProxyType(
    {name: {attr: f.paths for attr, f in fields.items()} for name, fields in RESULT_FIELDS.items()}
)

# Transaction → result class, as each registry record declares it (`Transaction.result_type`).
RESULT_CLASSES: MappingProxyType[str, type[Result]] = MappingProxyType(
    {
        cls.__name__: cls
        for cls in (
            Result,
            PersonInfo,
            InstitutionInfo,
            BenefitCheckResult,
            RegisterResult,
            AdmissionResult,
            FeeUploadResult,
            SettlementResult,
            RecordResult,
            UploadResult,
            SettlementListResult,
            PrescriptionResult,
            SaleResult,
            FileQueryResult,
            FileResult,
            PaymentResult,
        )
    }
)
if set(RESULT_CLASSES) != set(RESULT_TYPES):  # the registry names each class; define every one it names
    raise ImportError(f"result classes differ from the registry's: {set(RESULT_CLASSES) ^ set(RESULT_TYPES)}")
RESULT_CLASS: MappingProxyType[str, type[Result]] = MappingProxyType(
    {t.infno: RESULT_CLASSES[t.result_type] for t in REGISTRY.transactions}
)


def result_class(infno: str) -> type[Result]:
    return RESULT_CLASS.get(infno, Result)


# --- batch and validation ------------------------------------------------------------------------------


class BatchItem(BaseModel):
    """One operation of a batch: its sequence, transaction, and result or error.

    `exception` is what the operation would have raised called alone (same class, code, `retry`,
    `outcome`): an unknown money outcome is an OutcomeUnknownError, to be resolved, not sent again.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    sequence: int
    interface_type: str
    infno: str | None = None
    success: bool
    result: Result | None = None
    error_code: int | None = None
    error: str | None = None
    exception: MedicalInsuranceException | None = None


class BatchResult(BaseModel):
    """The outcome of `batch_upload`: `success_count`/`total_count` (spec §11.2.1)."""

    model_config = ConfigDict(frozen=True)

    batch_id: str
    items: tuple[BatchItem, ...] = ()
    stopped_early: bool = False

    @property
    def total_count(self) -> int:
        return len(self.items)

    @property
    def success_count(self) -> int:
        return sum(1 for item in self.items if item.success)

    @property
    def failed_count(self) -> int:
        return self.total_count - self.success_count

    @property
    def status(self) -> str:
        if self.failed_count == 0:
            return "completed"
        return "failed" if self.success_count == 0 else "partial"


class ValidationResult(BaseModel):
    """`validate_medical_data`: `success`, and every problem with its 3000x code and field path."""

    model_config = ConfigDict(frozen=True)

    infno: str
    success: bool
    errors: tuple[str, ...] = ()
    details: tuple[Mapping[str, Any], ...] = ()

    def __bool__(self) -> bool:
        return self.success


# --- paths -----------------------------------------------------------------------------------------------


def _pick(raw: Any, paths: Sequence[str], receipt: Mapping[str, Any]) -> Any:
    for path in paths:
        value = receipt.get(path[1:]) if path.startswith("@") else _path(raw, path)
        if value not in (None, ""):
            return value
    return None


def _path(raw: Any, path: str) -> Any:
    if path.startswith("*."):
        return _deep(raw, path[2:])
    node: Any = raw
    for part in path.split("."):
        if part.endswith("[]"):
            rows = _as_rows(node.get(part[:-2]) if isinstance(node, Mapping) else None)
            rest = path.split(part + ".", 1)[1]
            return next((v for v in (_path(row, rest) for row in rows) if v not in (None, "")), None)
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _deep(raw: Any, field: str) -> Any:
    for mapping in _walk(raw):
        value = mapping.get(field)
        if value not in (None, "") and not isinstance(value, Mapping | list):
            return value
    return None


def _walk(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _walk(item)


def _as_rows(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [value]
    return list(value) if isinstance(value, list | tuple) else []


def _node(raw: Any, name: str) -> Mapping[str, Any]:
    value = raw.get(name) if isinstance(raw, Mapping) else None
    return value if isinstance(value, Mapping) else {}
