"""The reconciliation run: 3201 per group; for each unbalanced clearing class 9101 + 3202 + 9102."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.ledger import SessionSource
from medical_insurance_sdk.engine.reconcile.book import LedgerBook
from medical_insurance_sdk.engine.reconcile.compare import bureau_totals, compare
from medical_insurance_sdk.engine.reconcile.records import (
    UNREACHABLE,
    DetailResult,
    Discrepancy,
    GroupKey,
    GroupResult,
    ReconcileReport,
    Settlement,
    Totals,
    node,
    text_of,
)
from medical_insurance_sdk.engine.reconcile.report import write_report
from medical_insurance_sdk.engine.reconcile.scope import ReconcileScope
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.protocol.catalog_file import CatalogReader, CatalogRow, write_catalog
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS

# Codes that mean no answer came from the bureau: 60005 connection refused (not sent), 20005 timeout,
# 10005 / 10010 unavailable.  Any other HTTP 5xx without a bureau answer is the same (upstream_status).
UNREACHABLE_CODES = frozenset({60005, 20005, 10005, 10010})


def is_unreachable(exc: MedicalInsuranceException) -> bool:
    """The engine gave up without an answer from the bureau (after its own retries)."""
    status = exc.details.get("upstream_status")
    return exc.code in UNREACHABLE_CODES or (isinstance(status, int) and status >= 500)


class Reconciler:
    """Runs one day's reconciliation for one institution and writes the discrepancy report."""

    def __init__(
        self, engine: BureauEngine, database: SessionSource, scope: ReconcileScope | None = None
    ) -> None:
        self.engine = engine
        self.database = database
        self.scope = scope or ReconcileScope()

    def run(
        self,
        institution: InstitutionConfig,
        date: date | str,
        *,
        insutype: str | Iterable[str] | None = None,
        clr_type: str | Iterable[str] | None = None,
        out_dir: str | Path,
    ) -> ReconcileReport:
        """3201 per group; for each unbalanced group 9101 + 3202 + 9102; then the CSV/text/JSON report.

        `date` is the day to reconcile (a date or "YYYY-MM-DD").  The groups are those of our ledger that
        day and every one of the scope; `insutype` / `clr_type` (one code or several) narrow both.
        """
        day = as_day(date)
        insutypes, clr_types = _codes(insutype), _codes(clr_type)
        narrowed = ReconcileScope(  # checks the codes given: RequestError (10001) for a wrong one
            insutypes or self.scope.insutypes, clr_types or self.scope.clr_types, self.scope.setl_optins
        )
        here = self.engine.flow.bureau_of(institution)
        book, notes = LedgerBook(self.database, institution, bureau=here).settlements(day)

        def wanted(item_insutype: str, item_clr: str) -> bool:
            return (not insutypes or item_insutype in insutypes) and (not clr_types or item_clr in clr_types)

        groups: dict[GroupKey, list[Settlement]] = {key: [] for key in narrowed.groups(institution)}
        for item in book:
            if wanted(item.insutype, item.clr_type):
                groups.setdefault(item.group, []).append(item)

        bureau = _Bureau(self.engine, institution)
        results = [self._totals(bureau, day, key, groups[key]) for key in sorted(groups)]
        unbalanced = sorted(
            {(g.setl_optins, g.clr_type) for g in results if g.error is None and not g.balanced}
        )
        details: list[DetailResult] = []
        discrepancies: list[Discrepancy] = []
        for optins, clr in unbalanced:
            items = [s for s in book if (s.setl_optins, s.clr_type) == (optins, clr)]
            detail, rows = self._detail(bureau, day, optins, clr, items)
            details.append(detail)
            if detail.error is None:
                found = compare(items, rows, clr_type=clr)
                # a row only the bureau has names no insutype (3202 has none): it is kept
                discrepancies.extend(d for d in found if not insutypes or d.insutype in (*insutypes, ""))
        report = ReconcileReport(institution.code, day, results, details, discrepancies, notes)
        suffix = "".join(f"_{'-'.join(part)}" for part in (insutypes, clr_types) if part)
        write_report(report, Path(out_dir), suffix=suffix)
        return report

    # ------------------------------------------------------------------------------------------ 3201
    @staticmethod
    def _totals(bureau: _Bureau, day: date, key: GroupKey, items: Sequence[Settlement]) -> GroupResult:
        optins, insutype, clr = key
        totals = Totals.of(items)
        result = GroupResult(optins, insutype, clr, totals)
        message = {
            "data": {
                "insutype": insutype,
                "clr_type": clr,
                "setl_optins": optins,
                "stmt_begndate": day.isoformat(),
                "stmt_enddate": day.isoformat(),
                "medfee_sumamt": totals.medfee_sumamt,
                "fund_pay_sumamt": totals.fund_pay_sumamt,
                "acct_pay": totals.acct_pay,
                "fixmedins_setl_cnt": totals.count,
            }
        }
        try:
            answer = bureau.call("3201", message)
        except _Unreachable as exc:
            result.error, result.unreachable, result.skipped = str(exc), True, exc.skipped
            return result
        except MedicalInsuranceException as exc:
            result.error = str(exc)
            return result
        info = node(answer.output, "stmtinfo")
        result.stmt_rslt = text_of(info.get("stmt_rslt"))
        result.stmt_rslt_dscr = text_of(info.get("stmt_rslt_dscr"))
        return result

    # ------------------------------------------------------------------------------------------ 3202
    @staticmethod
    def _detail(
        bureau: _Bureau, day: date, optins: str, clr: str, items: Sequence[Settlement]
    ) -> tuple[DetailResult, list[CatalogRow]]:
        institution = bureau.institution
        totals = Totals.of(items)
        detail = DetailResult(optins, clr, totals)
        stem = f"{institution.code}_{day:%Y%m%d}_{clr}_{optins}"
        buffer = io.BytesIO()
        rows = [s.detail_row() for s in sorted(items, key=lambda s: s.key)]
        write_catalog(buffer, LAYOUTS["3202_upload"], rows, member_name=f"{stem}.txt")
        try:
            upload = bureau.call(
                "9101",
                {
                    "fsUploadIn": {
                        "in": base64.b64encode(buffer.getvalue()).decode("ascii"),
                        "filename": f"{stem}.zip",
                        "fixmedins_code": institution.code,
                    }
                },
            )
            uploaded = node(upload.output, None)
            answer = bureau.call(
                "3202",
                {
                    "data": {
                        "setl_optins": optins,
                        "file_qury_no": text_of(uploaded.get("file_qury_no")) or "",
                        "stmt_begndate": day.isoformat(),
                        "stmt_enddate": day.isoformat(),
                        "medfee_sumamt": totals.medfee_sumamt,
                        "fund_pay_sumamt": totals.fund_pay_sumamt,
                        "cash_payamt": totals.psn_cash_pay,
                        "fixmedins_setl_cnt": totals.count,
                        "clr_type": clr,
                    }
                },
            )
            info = node(answer.output, "fileinfo")
            fsdownload = institution.profile.download_input(
                "3202",
                file_qury_no=text_of(info.get("file_qury_no")) or "",
                filename=text_of(info.get("filename")) or "result.zip",
                fixmedins_code=institution.code,
            )
            download = bureau.call("9102", {"fsDownloadIn": fsdownload})
            if download.file is None:
                raise MedicalInsuranceException("3202 对明细账结果文件下载未返回文件内容", code=40004)
            reader = CatalogReader(download.file.content, LAYOUTS["3202_result"])
            result_rows = list(reader.rows())
        except _Unreachable as exc:
            detail.error, detail.unreachable, detail.skipped = str(exc), True, exc.skipped
            return detail, []
        except MedicalInsuranceException as exc:
            detail.error = str(exc)
            return detail, []
        detail.bad_rows = [bad.reason for bad in reader.errors]
        detail.bureau = bureau_totals(result_rows)
        return detail, result_rows


class _Unreachable(Exception):
    """The bureau gave no answer; the text is what the report says (医保局不可达（…）)."""

    def __init__(self, text: str, *, skipped: bool = False) -> None:
        super().__init__(text)
        self.skipped = skipped


class _Bureau:
    """The engine for one run.  Once the bureau proved unreachable, later calls are not sent: each would
    spend the engine's whole retry budget to learn the same thing."""

    def __init__(self, engine: BureauEngine, institution: InstitutionConfig) -> None:
        self.engine = engine
        self.institution = institution
        self.down: str | None = None

    def call(self, infno: str, message: dict[str, Any]) -> Any:
        if self.down is not None:
            raise _Unreachable(f"{UNREACHABLE}（{infno} 未发送：本次对账中医保局已不可达）", skipped=True)
        try:
            return self.engine.call(infno, message, institution=self.institution)
        except MedicalInsuranceException as exc:
            if not is_unreachable(exc):
                raise
            self.down = str(exc)
            raise _Unreachable(f"{UNREACHABLE}（{exc}）") from exc


def _codes(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(dict.fromkeys(value))


def as_day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
