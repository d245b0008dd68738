"""The spec's convenience operations, each written once as a plan: a generator over the core's calls.

    def outpatient_settle(ctx, visit, /, **fields): ...      # yields the core's effects, returns a result

`spec_api.py` turns every plan into a sync method, an `*_async` method and an async-client method; the
plans themselves hold no I/O.  Friendly names go through `friendly.to_bureau` (one table), so a plan only
says which transaction it is and which friendly key a lone positional id stands for.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from medical_insurance_sdk.exceptions import (
    MedicalInsuranceException,
    OutcomeUnknownError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.protocol.jsoncodec import BEIJING
from medical_insurance_sdk.registry import REGISTRY, Transaction
from medical_insurance_sdk.sdk._core import CallOptions, Core, Flow, new_request_id
from medical_insurance_sdk.sdk._results import (
    BatchItem,
    BatchResult,
    BenefitCheckResult,
    FileQueryResult,
    FileResult,
    InstitutionInfo,
    PersonInfo,
    Result,
)
from medical_insurance_sdk.sdk.lib import catalog
from medical_insurance_sdk.sdk.lib.friendly import Sources, to_bureau
from medical_insurance_sdk.sdk.lib.validation import resolve

R = TypeVar("R", bound=Result)
R_co = TypeVar("R_co", bound=Result, covariant=True)
Options = CallOptions | Mapping[str, Any] | None

# Catalogue files of 1301–1319 belong to the platform: 9102 fetches them as fixmedins_code "plc".
PLATFORM_FILES = "plc"
# Query-style catalogues (1304, 1312, 1316–1319) answer pages of rows changed since `updt_time`.
CATALOG_SINCE = "2000-01-01 00:00:00"
CATALOG_PAGE_SIZE = 500
CATALOG_MAX_PAGES = 1000
# 就诊凭证类型 02 居民身份证 = 人员证件类型 01 居民身份证(户口簿)
ID_CARD_CREDENTIAL, ID_CARD_DOCUMENT = "02", "01"


class HisIds:
    """HIS-side numbers the bureau wants and the spec's dicts omit (门诊号, 收费批次号, 明细流水号)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            serial = next(self._serial) % 1_000_000
        return f"{prefix}{self.clock():%Y%m%d%H%M%S}{serial:06d}"


def beijing_now() -> datetime:
    return datetime.now(BEIJING).replace(tzinfo=None)


@dataclass
class PlanContext:
    """What plans may use: the core (calls), the institution, a clock and the HIS id maker."""

    core: Core
    institution_code: str | None
    clock: Callable[[], datetime] = beijing_now
    ids: HisIds = field(init=False)

    def __post_init__(self) -> None:
        self.ids = HisIds(self.clock)

    def sources(self) -> Sources:
        memory = self.core.memory
        return Sources(
            visit=lambda mdtrt_id, setl_id: memory.visit(mdtrt_id, setl_id=setl_id),
            person=lambda psn_no, certno: memory.person(psn_no, certno=certno),
            now=self.clock,
            new_id=self.ids.new,
            institution_code=self.institution_code,
        )

    def call(self, key: str, input_: Mapping[str, Any] | None, options: Options = None) -> Flow[Result]:
        return self.core.call(key, input_, CallOptions.of(options))

    def friendly(self, tx: Transaction, data: Mapping[str, Any], options: Options = None) -> Flow[Result]:
        """A call from a friendly dict: names mapped, required fields completed, checked, then sent.

        What no source could fill is reported here (DataValidationError, every field at once), before
        anything leaves: a guessed value would be worse than a named gap.
        """
        input_ = to_bureau(tx, data, self.sources())
        tx.validate_input(input_)
        return self.call(tx.infno, input_, options)


# ------------------------------------------------------------------------------------ basic information


def query_person_info(
    ctx: PlanContext,
    /,
    cert_type: str,
    cert_no: str,
    name: str | None = None,
    *,
    options: Options = None,
    **fields: Any,
) -> Flow[PersonInfo]:
    """【1101】人员基本信息获取 — cert_type/cert_no fill both credential pairs, as the spec's example does.

    patient = sdk.query_person_info("02", "430281199001010001", name="张三")

    The pairs have their own code tables: 就诊凭证类型 "02" (居民身份证) is 人员证件类型 "01" (居民身份证),
    whereas 人员证件类型 "02" would be a military officer's card.
    """
    tx = ctx.core.transaction("1101")
    data = {"cert_type": cert_type, "cert_no": cert_no, "name": name or None, **fields}
    if cert_type == ID_CARD_CREDENTIAL:
        data.setdefault("psn_cert_type", ID_CARD_DOCUMENT)
    result = yield from ctx.call(tx.infno, to_bureau(tx, _present(data)), options)
    return _as(result, PersonInfo)


def query_institution_info(
    ctx: PlanContext, /, institution_code: str, *, options: Options = None, **fields: Any
) -> Flow[InstitutionInfo]:
    """【1201】医药机构信息获取.

    institution = sdk.query_institution_info("H43028110001")
    """
    tx = ctx.core.transaction("1201")
    data = {"medinsinfo": {"fixmedins_code": institution_code, **fields}}
    result = yield from ctx.call(tx.infno, to_bureau(tx, data), options)
    return _as(result, InstitutionInfo)


def download_catalog(
    ctx: PlanContext, /, catalog_type: str, version: str = "1.0", *, options: Options = None
) -> Flow[catalog.CatalogRows]:
    """【13xx】目录下载 by catalogue type: the file is fetched with 9102 and read into rows.

    rows = sdk.download_catalog("medical_institution_preparations", version="1.0")
    """
    tx = catalog.catalog_transaction(catalog_type, ctx.core.registry)
    if not tx.file_output:
        # query-style catalogues (1304, 1312, 1316–1319) answer rows directly, a page at a time
        fields = {f.name for n in tx.request_nodes for f in n.fields}
        rows: list[Any] = []
        for page_num in range(1, CATALOG_MAX_PAGES + 1):
            query = {"updt_time": CATALOG_SINCE, "page_num": page_num, "page_size": CATALOG_PAGE_SIZE}
            if "ver" in fields:
                query["ver"] = version
            answer = yield from ctx.call(tx.infno, to_bureau(tx, query), options)
            page = answer.rows()
            rows.extend(page)
            if len(page) < CATALOG_PAGE_SIZE:
                break
        return catalog.CatalogRows(rows, infno=tx.infno)
    answer = yield from ctx.call(tx.infno, {"data": {"ver": version}}, options)
    file_query = _as(answer, FileQueryResult)
    if not file_query.file_query_no:
        return catalog.CatalogRows(infno=tx.infno)  # nothing newer than `version`
    download = {
        "fsDownloadIn": {
            "file_qury_no": file_query.file_query_no,
            "filename": file_query.filename or f"{tx.infno}.zip",
            "fixmedins_code": PLATFORM_FILES,
        }
    }
    fetched = yield from ctx.call("9102", download, options)
    return catalog.read_rows(tx, _as(fetched, FileResult).content)


def download_drug_catalog(
    ctx: PlanContext, /, version: str = "1.0", *, options: Options = None
) -> Flow[catalog.CatalogRows]:
    """【1301】西药中成药目录下载 → rows.

    drugs = sdk.download_drug_catalog(version="1.0")
    """
    return (yield from download_catalog(ctx, "1301", version, options=options))


def download_tcm_catalog(
    ctx: PlanContext, /, version: str = "1.0", *, options: Options = None
) -> Flow[catalog.CatalogRows]:
    """【1302】中药饮片目录下载 → rows.

    herbs = sdk.download_tcm_catalog(version="1.0")
    """
    return (yield from download_catalog(ctx, "1302", version, options=options))


# ---------------------------------------------------------------------------------------- business


def benefit_check(
    ctx: PlanContext,
    /,
    person_no: str,
    check_items: Sequence[str] = (),
    *,
    options: Options = None,
    **fields: Any,
) -> Flow[BenefitCheckResult]:
    """【2001】人员待遇享受检查 — the bureau checks every benefit at once; `check_items` is the spec's
    wording and is not sent.

    result = sdk.benefit_check(person_no="43000030281000128715", check_items=["drug_limit"])
    """
    tx = ctx.core.transaction("2001")
    result = yield from ctx.friendly(tx, {"person_no": person_no, **fields}, options)
    return _as(result, BenefitCheckResult)


class FriendlyPlan(Protocol[R_co]):
    def __call__(
        self,
        ctx: PlanContext,
        data: str | Mapping[str, Any] | None = None,
        /,
        *,
        options: Options = None,
        **fields: Any,
    ) -> Flow[R_co]: ...


def friendly(infno: str, result: type[R]) -> FriendlyPlan[R]:
    """A plan for the spec's dict-taking flows: `sdk.outpatient_settle(register_id)` or `(…, {dict})`.

    A lone string is the registry's `spec_flow` key (visit_id, settlement_id …); keyword fields add to the
    dict.  `result` is the registry's `result_type`, given as the class for static typing (checked here).
    """
    declared = REGISTRY[infno]
    if declared.spec_flow is None or declared.result_type != result.__name__:
        raise TypeError(f"【{infno}】is no spec flow answering {result.__name__} in the registry")
    key = declared.spec_flow or None

    def plan(
        ctx: PlanContext,
        data: str | Mapping[str, Any] | None = None,
        /,
        *,
        options: Options = None,
        **fields: Any,
    ) -> Flow[R]:
        tx = ctx.core.transaction(infno)
        if isinstance(data, str):
            if key is None:
                raise TypeError(f"【{infno}】expects a dict of fields, not a string")
            data = {key: data}
        answer = yield from ctx.friendly(tx, {**(data or {}), **fields}, options)
        return _as(answer, result)

    plan.__name__ = f"friendly_{infno}"
    plan.__doc__ = f"【{infno}】 from the spec's friendly dict"
    return plan


# ----------------------------------------------------------------------------------- generic and batch


def call(
    ctx: PlanContext,
    /,
    key: str,
    data: Mapping[str, Any] | None = None,
    *,
    options: Options = None,
    **fields: Any,
) -> Flow[Result]:
    """Any transaction by infno, interface_type or SDK method name, with the bureau's own input.

    result = sdk.call("5203", {"data": {"psn_no": ..., "setl_id": ..., "mdtrt_id": ...}})
    sdk.call("2206A", {...})   # a variant code the institution's province profile declares
    """
    try:
        infno = resolve(key, ctx.core.registry).infno
    except UnsupportedInterfaceError:
        infno, _ = ctx.core.lookup(key)  # a province variant code (2206A) is sent as itself; else 20001
    return (yield from ctx.call(infno, {**(data or {}), **fields}, options))


def batch_upload(
    ctx: PlanContext,
    /,
    operations: Sequence[Mapping[str, Any]],
    *,
    batch_id: str | None = None,
    stop_on_error: bool = True,
    options: Options = None,
) -> Flow[BatchResult]:
    """Several operations in `sequence` order (spec §3.2.1), each from friendly or bureau data.

    result = sdk.batch_upload([{"interface_type": "outpatient_settle", "data": {...}, "sequence": 1}])

    Run by the SDK, one after the other, so every step can use what the previous one answered.  An error
    stops the batch when `stop_on_error`; an unknown money outcome always stops it.
    """
    items: list[BatchItem] = []
    ordered = sorted(enumerate(operations), key=lambda pair: (pair[1].get("sequence", pair[0] + 1), pair[0]))
    stopped = False
    for index, op in ordered:
        sequence = int(op.get("sequence", index + 1))
        name = str(op.get("interface_type") or op.get("infno") or "")
        try:
            tx = resolve(name, ctx.core.registry)
            answer = yield from ctx.friendly(tx, op.get("data") or {}, options)
        except MedicalInsuranceException as exc:
            items.append(
                BatchItem(
                    sequence=sequence,
                    interface_type=name,
                    success=False,
                    error_code=exc.code,
                    error=str(exc),
                    exception=exc,
                )
            )
            if stop_on_error or isinstance(exc, OutcomeUnknownError):
                stopped = index != ordered[-1][0]
                break
            continue
        items.append(
            BatchItem(sequence=sequence, interface_type=name, infno=tx.infno, success=True, result=answer)
        )
    return BatchResult(
        batch_id=batch_id or "BATCH" + new_request_id()[3:], items=tuple(items), stopped_early=stopped
    )


# ------------------------------------------------------------------------------------------ helpers


def _as(result: Result, cls: type[R]) -> R:
    if isinstance(result, cls):
        return result
    return cls.build(  # type: ignore[return-value]
        result.infno,
        result.raw,
        msgid=result.msgid,
        request_id=result.request_id,
        message=result.message,
        pagination=result.pagination,
    )


def _present(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "")}
