"""Every `full` schema, mechanically: a real-looking message passes, and each broken field fails with the
right code at the right path (spec §5.2.3: 30002 missing, 30003 format, 30004 length), the fields of nested
tables included (3101's data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].hilist_code)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

import pytest

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.fields import ROOT, FieldSpec, nested_fields
from medical_insurance_sdk.registry.samples import sample_message

FULL = [t for t in REGISTRY.transactions if t.schema_level == "full"]


def test_at_least_sixty_full_schemas():
    assert len(FULL) >= 60


def _errors(tx, payload) -> list[tuple[int, str]]:
    try:
        tx.validate_input(payload)
    except DataValidationError as exc:
        return [(e.code, e.path) for e in exc.errors]
    return []


def _fields(tx) -> Iterator[tuple[str, FieldSpec]]:
    """(path of the object that holds it, field) for every request field, nested rows included."""
    for n in tx.request_nodes:
        for where, _, f in nested_fields(n):
            yield where, f


def _item_path(where: str, field: str) -> str:
    return f"{where}.{field}" if where else field


def _target(message: dict, where: str) -> dict:
    """The object at `where` ("data.patient_dtos[0].fsi_encounter_dtos[0]", "" for the root)."""
    target = message
    for part in where.split(".") if where else ():
        name, *indexes = re.findall(r"[^\[\]]+", part)
        target = target[name]
        for index in indexes:
            target = target[int(index)]
    return target


def test_nested_tables_are_walked():
    paths = {_item_path(w, f.name) for w, f in _fields(REGISTRY["3101"])}
    assert "data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].hilist_code" in paths


@pytest.mark.parametrize("tx", FULL, ids=lambda t: t.infno)
def test_valid_message_passes(tx):
    assert _errors(tx, sample_message(tx.request_nodes)) == []
    assert _errors(tx, sample_message(tx.request_nodes, optional=False)) == []


@pytest.mark.parametrize("tx", FULL, ids=lambda t: t.infno)
def test_each_missing_required_field_is_30002(tx):
    base = sample_message(tx.request_nodes)
    checked = 0
    for where, f in _fields(tx):
        if not f.required:
            continue
        message = copy.deepcopy(base)
        del _target(message, where)[f.name]
        if f.default is not None:  # a declared default is sent instead (spec bodies that omit it)
            assert _errors(tx, message) == [], f.name
            continue
        assert _errors(tx, message) == [(30002, _item_path(where, f.name))], f.name
        checked += 1
    for n in tx.request_nodes:
        if n.required and n.name != ROOT:
            message = copy.deepcopy(base)
            del message[n.name]
            assert _errors(tx, message) == [(30001, n.name)]
    if any(n.fields for n in tx.request_nodes):
        assert checked or all(not f.required for n in tx.request_nodes for f in n.fields)


@pytest.mark.parametrize("tx", FULL, ids=lambda t: t.infno)
def test_each_over_long_value_is_30004(tx):
    base = sample_message(tx.request_nodes)
    for where, f in _fields(tx):
        if f.kind != "str" or not f.length or f.dictionary:
            continue
        message = copy.deepcopy(base)
        _target(message, where)[f.name] = "9" * (f.length + 1)
        assert _errors(tx, message) == [(30004, _item_path(where, f.name))], f.name


@pytest.mark.parametrize("tx", FULL, ids=lambda t: t.infno)
def test_each_bad_dictionary_code_is_30003(tx):
    base = sample_message(tx.request_nodes)
    for where, f in _fields(tx):
        if not f.dictionary:
            continue
        message = copy.deepcopy(base)
        _target(message, where)[f.name] = "Z"  # never a bureau code
        assert _errors(tx, message) == [(30003, _item_path(where, f.name))], f.name


@pytest.mark.parametrize("tx", FULL, ids=lambda t: t.infno)
def test_bad_dates_and_decimals_are_30003(tx):
    base = sample_message(tx.request_nodes)
    for where, f in _fields(tx):
        # one decimal place too many, yet within the digit count: a format, not a length, problem
        too_precise = "0." + "0" * (f.scale or 0) + "1"
        bad = {"date": "2025/07/14", "datetime": "2025-07-14T10:30", "decimal": too_precise}.get(f.kind)
        if bad is None:
            continue
        message = copy.deepcopy(base)
        _target(message, where)[f.name] = bad
        assert _errors(tx, message) == [(30003, _item_path(where, f.name))], f.name


@pytest.mark.parametrize("tx", FULL, ids=lambda t: t.infno)
def test_response_model_reads_a_sample_answer(tx):
    answer = sample_message(tx.schema.response)
    parsed = tx.parse_output(answer)
    for n in tx.schema.response:
        if n.name == ROOT and n.many:
            assert len(parsed.rows) == 1
        elif n.name == ROOT:
            assert all(getattr(parsed, f.name) is not None for f in n.fields)
        else:
            assert getattr(parsed, n.name) is not None
