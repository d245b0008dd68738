"""Daily reconciliation with the bureau: 3201 totals from our ledger, and on a mismatch 9101 + 3202 + 9102.

    report = Reconciler(engine, database).run(institution, "2025-07-14", out_dir=Path("reports"))
    report.balanced, report.failed, report.exit_code, report.bureau_only, report.csv_path

Modules: `records` (settlements, totals, results, the report), `book` (our side, from the ledger), `scope`
(which groups are reconciled), `compare` (the 3202 result file against our records), `report` (CSV, summary,
JSON) and `reconciler` (the run).

Our side is the ledger, never the HIS: the settlements of the day are the SUCCESS / CONFIRMED entries of
2207 / 2304 / 2102 (positive) and of the cancels 2208 / 2305 / 2103 (negative, 退费结算标志 1).  A REVERSED
entry (undone by 2601) is in neither state, so it is not counted.  A cancel is a record of its own (the
bureau gives it its own setl_id; it is a row of the detail file with 退费结算标志 1), but the totals are
net: amounts are summed with their signs and fixmedins_setl_cnt is settlements minus cancels, so a
settlement cancelled the same day nets to zero in amounts and in count.
Amounts come from the stored answer's `setlinfo` (masking leaves amounts alone); for CONFIRMED entries, whose
answer was lost, from the query answer that confirmed them.

Decisions (the reference leaves them open):
- The day of a settlement is the date of setlinfo.setl_time (the bureau's clock), else the Beijing date of
  the moment the message was recorded.
- 3201 goes per (setl_optins, insutype, clr_type).  setl_optins = setlinfo.clr_optins, else the
  institution's 就医地 mdtrtarea_admvs.  clr_type = setlinfo.clr_type when the bureau names it, else from
  med_type (1x and 51 → 11 门诊, 2x and 52 → 21 住院, 41 → 41 药店), else from the transaction
  (2207/2208 → 11, 2304/2305 → 21, 2102/2103 → 41).  Cancels take their original settlement's group.
- The groups are those of our ledger that day and every group of the `ReconcileScope` (the institution's
  insutypes × clearing classes × clearing offices, from configuration, by default from the dictionaries):
  a group empty on our side still gets its 3201, because the bureau may hold a settlement our ledger lost.
  A 3201 with zeros on both sides is balanced; with settlements only at the bureau it is not, and goes to
  3202, whose result file names them by setl_id.
- 3202 has no insutype field, so its detail file covers every insutype of one (setl_optins, clr_type).
- The 3202 result file is read as the bureau's verdict on every settlement it compared: a row whose
  stmt_rslt is not "0", or whose amounts differ from ours, is a discrepancy; a settlement of ours the
  file does not mention, or lists without amounts or with stmt_rslt "2", is reported as missing at the
  bureau; a row without a settlement of ours is one the bureau has and we do not.
- A round without an answer is not a verdict: the report is "对账失败" (exit code 3), never "不平".  When
  the bureau is unreachable (connection refused, timeout or HTTP 5xx after the engine's retries) each
  group says "对账失败：医保局不可达", and the remaining calls of the run are not sent.
- The report holds no timestamps or msgids, so running the same day twice writes the same files.
"""

from __future__ import annotations

from medical_insurance_sdk.engine.reconcile.book import LedgerBook, clearing_class
from medical_insurance_sdk.engine.reconcile.compare import compare
from medical_insurance_sdk.engine.reconcile.reconciler import Reconciler, is_unreachable
from medical_insurance_sdk.engine.reconcile.records import (
    EXIT_BALANCED,
    EXIT_FAILED,
    EXIT_UNBALANCED,
    EXIT_USAGE,
    UNREACHABLE,
    DetailResult,
    Discrepancy,
    GroupResult,
    ReconcileReport,
    Settlement,
    Totals,
)
from medical_insurance_sdk.engine.reconcile.report import (
    group_verdict,
    hidden_groups,
    summary_text,
    verdict_line,
    write_report,
)
from medical_insurance_sdk.engine.reconcile.scope import ReconcileScope

__all__ = [
    "EXIT_BALANCED",
    "EXIT_FAILED",
    "EXIT_UNBALANCED",
    "EXIT_USAGE",
    "UNREACHABLE",
    "DetailResult",
    "Discrepancy",
    "GroupResult",
    "LedgerBook",
    "ReconcileReport",
    "ReconcileScope",
    "Reconciler",
    "Settlement",
    "Totals",
    "clearing_class",
    "compare",
    "group_verdict",
    "hidden_groups",
    "is_unreachable",
    "summary_text",
    "verdict_line",
    "write_report",
]
