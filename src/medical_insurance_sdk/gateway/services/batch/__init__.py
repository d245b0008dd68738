"""Batches (spec §3.2): check a batch, store it, run its operations through the engine, report on it.

    plan = plan_data_upload(body, headers, allow=check_permission)     # plan.py: checked, nothing stored
    ref, created = insert_batch(session, institution_id, plan, task_id, now)          # store.py
    view = await run_batch(state, ref.id, submitter=..., held=..., progress=...)      # run.py
    outcome = await execute_call(state, caller, tx, data, options, "bop-17")          # calls.py
    view, operations, page = batch_status(database, institution_id, "BATCH20250714001", page=1)

One idea per module: what is asked (plan), one operation admitted and sent (calls), the tables (store), the
scheduler and its recovery (run).  Catalogue batches (batch/catalog-download) hold one operation per 13xx
catalogue and run `CatalogSync`, which is resumable by itself and only reads from the bureau.
"""

from medical_insurance_sdk.gateway.services.batch.calls import (
    Outcome,
    Submitter,
    acting_as,
    execute_call,
    job_caller,
    recovered,
    summary,
    sync_catalog,
)
from medical_insurance_sdk.gateway.services.batch.plan import (
    BATCH_ID_PATTERN,
    CATALOG_DOWNLOAD,
    DATA_UPLOAD,
    FINISHED_STATES,
    IDEMPOTENCY_KEY_PATTERN,
    BatchPlan,
    PlannedOperation,
    header_options,
    iso,
    plain_json,
    plan_catalog_download,
    plan_data_upload,
    validated,
)
from medical_insurance_sdk.gateway.services.batch.run import run_batch
from medical_insurance_sdk.gateway.services.batch.store import (
    BatchRef,
    batch_permissions,
    batch_status,
    batch_summary,
    find_batch,
    insert_batch,
)

__all__ = [
    "BATCH_ID_PATTERN",
    "CATALOG_DOWNLOAD",
    "DATA_UPLOAD",
    "FINISHED_STATES",
    "IDEMPOTENCY_KEY_PATTERN",
    "BatchPlan",
    "BatchRef",
    "Outcome",
    "PlannedOperation",
    "Submitter",
    "acting_as",
    "batch_permissions",
    "batch_status",
    "batch_summary",
    "execute_call",
    "find_batch",
    "header_options",
    "insert_batch",
    "iso",
    "job_caller",
    "plain_json",
    "plan_catalog_download",
    "plan_data_upload",
    "recovered",
    "run_batch",
    "summary",
    "sync_catalog",
    "validated",
]
