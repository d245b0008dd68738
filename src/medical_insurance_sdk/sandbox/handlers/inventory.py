"""进销存 (inventory) of the sandbox bureau: uploads 3501-3507 (and their batch forms) and queries 3508-3513.

    3501 盘存 / 3502 库存变更 / 3503 采购 / 3504 采购退货 / 3505 销售 / 3506 销售退货 → an InventoryRecord
    3501A … 3506A  the same, a list of rows in invinfoDetail / purcinfoDetail / selinfoDetail; each row is
                   checked against the single-row table (3000x texts, prefixed "第n条")
    3507 / 3507A   删除 by fixmedins_bchno + inv_data_type (1 盘存, 2 库存变更, 3 采购, 4 销售)
    3508 库存 ← 3501; 3509 库存变更 ← 3502; 3510 采购 ← 3503+3504; 3511 销售 ← 3505+3506;
    3512 入库追溯 ← 3503; 3513 销售追溯 ← 3505

The queries answer a list of rows in the registry's answer table (published camelCase columns, see
registry/schemas/institution_inventory.py): each uploaded row's fields under their camelCase names
(fixmedins_hilist_id/name as medinsListCodg/Name, prsc_dr_name as bilgDrName), the bureau's own columns
filled in (the institution, valiFlag 1, a 流水号 from the record, the record's times); filtered by any of the
input's med_list_codg, fixmedins_hilist_id, fixmedins_bchno, setl_id, psn_no, drug_trac_codg, rtal_docno,
mdtrt_sn (and medins_list_codg as fixmedins_hilist_id), and by begndate/enddate on the upload day;
page_num / page_size (not in the published keys, accepted beside them) page them (defaults 1 and 100).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.business.shapes import (
    plain,
    request_node,
    revive,
    shape,
    text_time,
    to_decimal,
)
from medical_insurance_sdk.sandbox.business_state import InventoryRecord
from medical_insurance_sdk.sandbox.handlers.base import Context, handles

ACTIVE, DELETED = "active", "deleted"
# single-row infno → (input node, 3507 inv_data_type)
UPLOADS = {
    "3501": ("invinfo", "1"),
    "3502": ("invinfo", "2"),
    "3503": ("purcinfo", "3"),
    "3504": ("purcinfo", "3"),
    "3505": ("selinfo", "4"),
    "3506": ("selinfo", "4"),
}
BATCH_NODES = {"invinfo": "invinfoDetail", "purcinfo": "purcinfoDetail", "selinfo": "selinfoDetail"}
FILTERS = (
    "med_list_codg",
    "fixmedins_hilist_id",
    "fixmedins_bchno",
    "setl_id",
    "psn_no",
    "drug_trac_codg",
    "rtal_docno",
    "mdtrt_sn",
)
DEFAULT_PAGE_SIZE = 100


@handles("3501", "3502", "3503", "3504", "3505", "3506")
def upload_one(ctx: Context, data: dict[str, Any]) -> None:
    """One 进销存 row."""
    node, _ = UPLOADS[ctx.infno]
    _keep(ctx, ctx.infno, data[node])


@handles("3501A", "3502A", "3503A", "3504A", "3505A", "3506A")
def upload_batch(ctx: Context, data: dict[str, Any]) -> None:
    """A batch of 进销存 rows, each checked like its single-row transaction."""
    single = ctx.infno[:-1]
    node, _ = UPLOADS[single]
    for number, row in enumerate(_rows(ctx, data, BATCH_NODES[node]), 1):
        _keep(ctx, single, _checked(ctx, single, node, row, number))


def _rows(ctx: Context, data: Mapping[str, Any], node: str) -> list[Any]:
    rows = data.get(node)
    if isinstance(rows, Mapping):
        rows = [rows]
    if not isinstance(rows, list) or not rows:
        ctx.refuse(f"30001 - 数据节点缺失: {node}")
    return rows


def _checked(ctx: Context, infno: str, node: str, row: Any, number: int) -> dict[str, Any]:
    try:
        model = REGISTRY[infno].validate_input({node: row})
    except DataValidationError as exc:
        ctx.refuse(f"第{number}条：" + "; ".join(e.message for e in exc.errors))
    return dict(model.model_dump()[node])


def _keep(ctx: Context, infno: str, row: Mapping[str, Any]) -> None:
    ctx.session.add(
        InventoryRecord(
            infno=infno,
            inv_data_type=UPLOADS[infno][1],
            fixmedins_code=ctx.fixmedins_code,
            fixmedins_bchno=str(row["fixmedins_bchno"]),
            med_list_codg=str(row["med_list_codg"]),
            fixmedins_hilist_id=row.get("fixmedins_hilist_id"),
            data=plain({k: v for k, v in row.items() if v is not None}),
            status=ACTIVE,
            msgid=ctx.msgid,
            created_at=ctx.now,
        )
    )


@handles("3507", "3507A")
def delete(ctx: Context, data: dict[str, Any]) -> None:
    """3507 商品信息删除 (3507A: a goodDetail list): every active row of the batch number and data type."""
    rows = [data["data"]] if ctx.infno == "3507" else _rows(ctx, data, "goodDetail")
    for number, row in enumerate(rows, 1):
        if ctx.infno == "3507A":
            row = _checked(ctx, "3507", "data", row, number)
        query = select(InventoryRecord).where(
            InventoryRecord.fixmedins_code == ctx.fixmedins_code,
            InventoryRecord.fixmedins_bchno == row["fixmedins_bchno"],
            InventoryRecord.inv_data_type == row["inv_data_type"],
            InventoryRecord.status == ACTIVE,
        )
        found = list(ctx.session.scalars(query))
        if not found:
            ctx.refuse(f"未找到对应的进销存数据（批次流水号{row['fixmedins_bchno']}）")
        for record in found:
            record.status, record.deleted_msgid = DELETED, ctx.msgid


@handles("3508", "3509", "3510", "3511", "3512", "3513")
def query(ctx: Context, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded rows of the query's source uploads (see the module docstring)."""
    node = data.get("data")
    wanted: dict[str, Any] = dict(node) if isinstance(node, Mapping) else {}
    if wanted.get("medins_list_codg") not in (None, ""):
        wanted.setdefault("fixmedins_hilist_id", wanted["medins_list_codg"])
    records = ctx.session.scalars(
        select(InventoryRecord)
        .where(
            InventoryRecord.infno.in_(REGISTRY[ctx.infno].answers_from),
            InventoryRecord.fixmedins_code == ctx.fixmedins_code,
            InventoryRecord.status == ACTIVE,
        )
        .order_by(InventoryRecord.id)
    )
    begin = str(wanted.get("begndate") or "")[:10]
    end = str(wanted.get("enddate") or "9999-12-31")[:10]
    answer = REGISTRY[ctx.infno].schema.response[0]
    rows = []
    for record in records:
        if any(wanted.get(k) not in (None, "") and record.data.get(k) != str(wanted[k]) for k in FILTERS):
            continue
        if not begin <= f"{record.created_at:%Y-%m-%d}" <= end:
            continue
        rows.append(shape(_answer_values(record), answer))
    return _page(rows, wanted)


# the answer's serial column per source upload, and upload fields answered under another name
SERIALS = {
    "3501": "medinsProdInvNo",
    "3502": "medinsProdInvChgNo",
    "3503": "medinsProdPurcNo",
    "3504": "medinsProdPurcNo",
    "3505": "medinsProdSelNo",
    "3506": "medinsProdSelNo",
}
RENAMED = {
    "fixmedins_hilist_id": "medinsListCodg",
    "fixmedins_hilist_name": "medinsListName",
    "prsc_dr_name": "bilgDrName",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _answer_values(record: InventoryRecord) -> dict[str, Any]:
    """An uploaded row under the answer's camelCase names, with the bureau's own columns."""
    fields = request_node(record.infno, UPLOADS[record.infno][0]).fields
    values = {RENAMED.get(k, _camel(k)): v for k, v in revive(record.data, fields).items()}
    when = text_time(record.created_at)
    values.update(
        {
            SERIALS[record.infno]: f"{record.infno}{record.id:012d}",
            "fixmedinsCode": record.fixmedins_code,
            "valiFlag": "1",
            "rid": record.msgid,
            "crteTime": when,
            "updtTime": when,
            "optTime": when,
        }
    )
    if record.infno in ("3503", "3504"):
        values["prodRetnFlag"] = "1" if record.infno == "3504" else "0"
    return values


def _page(rows: list[dict[str, Any]], wanted: Mapping[str, Any]) -> list[dict[str, Any]]:
    number = int(to_decimal(wanted.get("page_num")) or 1)
    size = int(to_decimal(wanted.get("page_size")) or DEFAULT_PAGE_SIZE)
    number, size = max(number, 1), max(size, 1)
    return rows[(number - 1) * size : number * size]
