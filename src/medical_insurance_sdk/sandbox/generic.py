"""The generic handler: how the sandbox answers a transaction that has no stateful handler of its own.

    output = generic_handler(ctx, data)     # the dispatcher calls it when HANDLERS has no entry

- A write is recorded in `sbx_upload` (its raw input, keyed by the most identifying field present:
  mdtrt_id, setl_id, psn_no, …) and answered with the transaction's real output shape.
- A cancellation of such a write (the registry's `undoes`: 3302 of 3301) removes the records it names, or
  is refused when it names none.
- A query whose answer comes from earlier uploads (the registry's `answers_from`: 4103 from 4101, …)
  answers with the recorded rows that match its identifying fields; other queries answer the output shape.
  One whose published table names the uploaded fields otherwise (1317 answers 3301's mappings, the
  item's fixmedins_hilist_id as medins_list_codg) answers its table's columns, filtered and paged.
- A transaction whose answer is a file (1320–1327, …) answers a `file_qury_no` of a small generated zip.

The output shape is the registry's response table (`registry.samples`) with plausible values: a field the
input also carries gets the input's value, and an id-like field (…_id, …_sn, payOrdId …) gets a fresh
unique id, so two calls never answer the same mdtrt_id.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.registry import REGISTRY, Safety, Transaction
from medical_insurance_sdk.registry.fields import FieldSpec
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.files import PLATFORM
from medical_insurance_sdk.sandbox.handlers.base import Context, Output
from medical_insurance_sdk.sandbox.handlers.catalog import page
from medical_insurance_sdk.sandbox.state import Upload

# Most identifying first (the brief of the sandbox: mdtrt_id, setl_id, psn_no, …).
KEY_FIELDS: tuple[str, ...] = (
    "mdtrt_id",
    "setl_id",
    "psn_no",
    "ipt_otp_no",
    "hosp_dept_codg",
    "fixmedins_bchno",
    "med_list_codg",
    "mdtrtId",
    "payOrdId",
    "medOrgOrd",
    "hospRxno",
    "hiRxno",
    "psnNo",
    "certno",
)

# Queries of uploads whose published answer names an uploaded field otherwise: upload field -> answer column.
ANSWERED_AS: dict[str, dict[str, str]] = {
    "1317": {"fixmedins_hilist_id": "medins_list_codg", "fixmedins_hilist_name": "medins_list_name"},
}

_ID_SUFFIXES = ("_id", "Id", "_sn", "Sn", "Token", "Rxno", "_bchno")
_FILE_FIELDS = ("file_qury_no", "filename", "dld_end_time", "dld_endtime", "data_cnt")


def generic_handler(ctx: Context, data: dict[str, Any]) -> Output:
    """Record (writes), look up (queries with sources) and answer in the transaction's shape."""
    tx = REGISTRY[ctx.infno]
    raw = ctx.envelope.get("input") or data
    values = _first_wins(_scalars(raw))
    if tx.cancels and tx.undoes is not None:
        _cancel_recorded(ctx, tx, values)
    if tx.safety is not Safety.QUERY:
        ctx.session.add(
            Upload(
                msgid=ctx.msgid,
                infno=tx.infno,
                fixmedins_code=ctx.fixmedins_code,
                business_key=business_key(values),
                data=raw,
            )
        )
    if tx.file_output:
        return _file_answer(ctx, tx, values)
    if tx.answers_from and tx.infno in ANSWERED_AS:
        return _published(ctx, tx, values)
    if tx.answers_from:
        return {"data": _recorded(ctx, tx.answers_from, values)}
    return shaped_output(tx, values, lambda width: ctx.services["ids"].new(ctx.now, width=width))


def _cancel_recorded(ctx: Context, tx: Transaction, values: Mapping[str, Any]) -> None:
    """A cancellation (registry `undoes`) removes the live records of that write which it names: every
    scalar field the two have in common agrees.  Naming none is the bureau's refusal."""
    assert tx.undoes is not None
    rows = ctx.session.scalars(
        select(Upload)
        .where(Upload.infno == tx.undoes, Upload.fixmedins_code == ctx.fixmedins_code)
        .where(Upload.cancelled_by.is_(None))
    )
    hit = False
    for row in rows:
        recorded = _first_wins(_scalars(row.data))
        shared = [k for k in values if k in recorded]
        if shared and all(str(recorded[k]) == str(values[k]) for k in shared):
            row.cancelled_by = ctx.msgid
            hit = True
    if not hit:
        ctx.refuse(f"未找到要撤销的{REGISTRY[tx.undoes].name}记录")


def business_key(values: Mapping[str, Any]) -> str | None:
    """The value of the most identifying field present in the input, as text (None if there is none)."""
    for name in KEY_FIELDS:
        value = values.get(name)
        if value not in (None, ""):
            return str(value)[:100]
    return None


def shaped_output(tx: Transaction, values: Mapping[str, Any], new_id: Callable[[int], str]) -> Output:
    """The response table's sample, with input values where names match and fresh ids where due.

    A transaction without a known response table answers null for writes (as 2202/2205 do) and {} for
    queries.
    """
    nodes = tx.schema.response
    if not nodes:
        return None if tx.safety is not Safety.QUERY else {}
    specs = {f.name: f for n in nodes for f in n.fields}
    output = sample_message(nodes)
    _fill(output, specs, values, new_id)
    return output


def _fill(
    obj: Any, specs: Mapping[str, FieldSpec], values: Mapping[str, Any], new_id: Callable[[int], str]
) -> None:
    if isinstance(obj, list):
        for item in obj:
            _fill(item, specs, values, new_id)
        return
    if not isinstance(obj, dict):
        return
    for name, current in obj.items():
        if isinstance(current, dict | list):
            _fill(current, specs, values, new_id)
            continue
        spec = specs.get(name)
        if spec is None:
            continue
        given = values.get(name)
        if given is not None and _fits(spec, given):
            obj[name] = given
        elif spec.kind == "str" and name.endswith(_ID_SUFFIXES):
            obj[name] = new_id(spec.length or 30)


def _fits(spec: FieldSpec, value: Any) -> bool:
    if spec.kind in ("str", "date", "datetime"):
        return isinstance(value, str) and (spec.length is None or len(value) <= spec.length)
    if spec.kind == "decimal":
        return isinstance(value, Decimal | int) and not isinstance(value, bool)
    if spec.kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return True


def _scalars(node: Any) -> Iterator[tuple[str, Any]]:
    """(name, value) of every scalar field in an input, depth first, first occurrence wins in dict()."""
    if isinstance(node, Mapping):
        nested = []
        for key, value in node.items():
            if isinstance(value, Mapping | list):
                nested.append(value)
            elif value is not None:
                yield str(key), value
        for value in nested:
            yield from _scalars(value)
    elif isinstance(node, list):
        for item in node:
            yield from _scalars(item)


def _first_wins(pairs: Iterator[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def _recorded(ctx: Context, sources: tuple[str, ...], query: Mapping[str, Any]) -> list[Any]:
    """Rows recorded by the source transactions of this institution that agree with the query's fields."""
    rows = ctx.session.scalars(
        select(Upload)
        .where(Upload.infno.in_(sources), Upload.fixmedins_code == ctx.fixmedins_code)
        .where(Upload.cancelled_by.is_(None))
        .order_by(Upload.id)
    )
    found: list[Any] = []
    for row in rows:
        recorded = _first_wins(_scalars(row.data))
        if all(recorded.get(k) in (None, v) for k, v in query.items() if k in KEY_FIELDS):
            for node in row.data.values() if isinstance(row.data, dict) else [row.data]:
                found.extend(node if isinstance(node, list) else [node])
    return found


def _published(ctx: Context, tx: Transaction, query: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded rows under the answer table's names (`ANSWERED_AS`), with the bureau's own columns
    (the institution, 有效标志 1), filtered by the renamed columns the query gives, paged as asked."""
    renamed = ANSWERED_AS[tx.infno]
    columns = {f.name for n in tx.schema.response if n.name for f in n.fields}
    rows = []
    for recorded in _recorded(ctx, tx.answers_from, query):
        row = {renamed.get(k, k): v for k, v in recorded.items() if renamed.get(k, k) in columns}
        row |= {"fixmedins_code": ctx.fixmedins_code, "vali_flag": "1"}
        wanted = (c for c in renamed.values() if query.get(c) not in (None, ""))
        if all(str(row.get(c)) == str(query[c]) for c in wanted):
            rows.append(row)
    return page(rows, int(query.get("page_num") or 1), int(query.get("page_size") or 100))


def _file_answer(ctx: Context, tx: Transaction, values: Mapping[str, Any]) -> dict[str, Any]:
    """A small generated zip of tab-separated lines, offered under a new file_qury_no."""
    rows = [f"{tx.infno}{i:06d}\t{tx.name}示例{i}\t1\t{ctx.now:%Y-%m-%d %H:%M:%S}\t1" for i in range(1, 4)]
    platform = tx.infno.startswith("13")
    base = f"{PLATFORM}_{tx.infno}_{ctx.now:%Y%m%d%H%M%S}" if platform else f"{tx.infno}_{ctx.msgid}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{base}.txt", "\n".join(rows) + "\n")
    stored = ctx.services["files"].put_bytes(
        ctx.session,
        buffer.getvalue(),
        filename=f"{base}.zip",
        fixmedins_code=PLATFORM if platform else ctx.fixmedins_code,
        now=ctx.now,
    )
    facts = {
        "file_qury_no": stored.file_qury_no,
        "filename": stored.filename,
        "dld_end_time": f"{stored.dld_end_time:%Y-%m-%d}",
        "dld_endtime": f"{stored.dld_end_time:%Y-%m-%d %H:%M:%S}",
        "data_cnt": len(rows),
    }
    output = shaped_output(tx, values, lambda width: ctx.services["ids"].new(ctx.now, width=width))
    if not isinstance(output, dict) or not _set_file_fields(output, facts):
        base_output = output if isinstance(output, dict) else {}
        return {
            **base_output,
            **{k: facts[k] for k in ("file_qury_no", "filename", "dld_end_time", "data_cnt")},
        }
    return output


def _set_file_fields(obj: dict[str, Any], facts: Mapping[str, Any]) -> bool:
    """Put the file facts wherever the shape has those fields (root or a node such as fileinfo)."""
    hit = False
    for name, value in obj.items():
        if isinstance(value, dict):
            hit = _set_file_fields(value, facts) or hit
        elif name in _FILE_FIELDS:
            obj[name] = facts[name]
            hit = True
    return hit
