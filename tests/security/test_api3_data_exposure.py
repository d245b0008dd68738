"""API3:2023 Broken Object Property Level Authorization: personal data where it is kept (issue 14 §2).

Spec §7.3.1: personal data is encrypted at rest (AES-256-GCM, key id with each ciphertext, keys outside the
database); §7.3.2: anything readable (the call log, the ledger's masked copies, log lines) is masked.

The day test runs a realistic day through the gateway — outpatient (2201 → 2207), an inpatient admission
whose free-text diagnosis quotes the patient, a pharmacy 2101/2102, a 1101 with the ID number sent as a JSON
number, a batch, an async task, a file upload — then dumps every table of the product database (SQLite and
PostgreSQL) and every log line, and finds none of the day's ID numbers, phone numbers or names in clear.
The unit tests cover the key ring, rotation (resumed after an interruption), the blind index and masking.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from gateway_support import (
    HOSPITAL,
    STRANGER,
    Gateway,
    as_pharmacy,
    batch_done,
    person_query,
    ready_to_settle,
    register_visit,
    task_done,
)
from sqlalchemy import inspect, select, text

from medical_insurance_sdk.gateway.audit.models import InterfaceData
from medical_insurance_sdk.gateway.services.files import save_bytes
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution
from medical_insurance_sdk.masking import id_number_of, mask_payload, scrub_text
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.sandbox.runtime import make_engine
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry
from medical_insurance_sdk.storage.protection import (
    KEYS_ENV,
    KeyRing,
    KeyRingError,
    file_key_id,
    load_key_ring,
    open_file,
    read_key_file,
    seal_file,
)
from medical_insurance_sdk.storage.rotation import UNSEALED, key_counts, rotate

JSON = {"Content-Type": "application/json"}
OUTPATIENT, INPATIENT, PHARMACY_BUYER, QUERIED, IN_BATCH, IN_TASK = (
    PERSONS[1],
    PERSONS[2],
    PERSONS[3],
    PERSONS[0],
    (PERSONS[4], PERSONS[5]),
    PERSONS[6],
)
DAY = (OUTPATIENT, INPATIENT, PHARMACY_BUYER, QUERIED, *IN_BATCH, IN_TASK)
IBUPROFEN, ASPIRIN = "XM01AEB040E001010100011", "XB01ACA056A001010100002"


# ------------------------------------------------------------------------------------------ the day


def _admission(who: Any) -> dict[str, Any]:
    # a free-text field quoting the patient: name, mobile and ID number, as a doctor types them
    remark = f"患者{who.psn_name}，联系电话{who.tel}，身份证{who.certno}，转移性右下腹痛"
    return {
        "mdtrtinfo": {
            "psn_no": who.psn_no,
            "insutype": who.insutype,
            "begntime": "2025-07-14 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "med_type": "21",
            "ipt_no": "ZY2025071401",
            "atddr_no": "D430302000103",
            "chfpdr_name": "张医生",
            "adm_diag_dscr": remark,
            "adm_dept_codg": "WK01",
            "adm_dept_name": "普通外科",
            "adm_bed": "12",
            "dscg_maindiag_code": "K35.800",
            "dscg_maindiag_name": "急性阑尾炎",
        },
        "diseinfo": [
            {
                "psn_no": who.psn_no,
                "diag_type": "1",
                "maindiag_flag": "1",
                "diag_srt_no": 1,
                "diag_code": "K35.800",
                "diag_name": "急性阑尾炎",
                "diag_dept": "普通外科",
                "dise_dor_no": "D430302000103",
                "dise_dor_name": "张医生",
                "diag_time": "2025-07-14 09:00:00",
            }
        ],
    }


def _purchase(who: Any) -> dict[str, Any]:
    def item(sn: str, code: str, cnt: str, pric: str) -> dict[str, Any]:
        amount = (Decimal(cnt) * Decimal(pric)).quantize(Decimal("0.01"))
        return {
            "feedetl_sn": sn,
            "med_list_codg": code,
            "medins_list_codg": f"P{sn}",
            "cnt": cnt,
            "pric": pric,
            "det_item_fee_sumamt": str(amount),
            "fee_ocur_time": "2025-07-14 09:30:00",
        }

    return {
        "druginfo": {
            "psn_no": who.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "insutype": who.insutype,
            "med_type": "41",
            "medfee_sumamt": "38.20",
            "acct_used_flag": "1",
            "begntime": "2025-07-14 09:30:00",
        },
        "drugdetail": [item("P1", IBUPROFEN, "2", "11.20"), item("P2", ASPIRIN, "1", "15.80")],
    }


def _run_the_day(gateway: Gateway) -> None:
    # a 1101 whose ID number arrives as a JSON number, with the name alongside
    query = {**person_query(0), "certno": int(QUERIED.certno), "psn_name": QUERIED.psn_name}
    gateway.post("basic/person-info", "hospital_operator", content=json.dumps(query), headers=JSON)
    gateway.ok("POST", "basic/person-info", "hospital_operator", json=person_query(0))

    settle = ready_to_settle(gateway, OUTPATIENT)
    paid = gateway.post(
        "business/outpatient/settle",
        "hospital_operator",
        content=jsoncodec.dumps(settle),
        headers={**JSON, "Idempotency-Key": "day-2207-outpatient"},
    )
    assert paid.status_code == 200, paid.text

    admitted = gateway.post("business/inpatient/admission", "hospital_operator", json=_admission(INPATIENT))
    assert admitted.status_code == 200, admitted.text

    pharmacy = as_pharmacy(gateway)
    for path in ("business/pharmacy/pre-settle", "business/pharmacy/settle"):
        answer = gateway.post(path, json=_purchase(PHARMACY_BUYER), headers=pharmacy)
        assert answer.status_code == 200, answer.text

    operations = [
        {"interface_type": "person_info", "data": data, "sequence": i + 1}
        for i, data in enumerate((person_query(4), person_query(5), STRANGER))
    ]
    batch = gateway.post(
        "batch/data-upload",
        content=jsoncodec.dumps({"batch_id": "DAY-1", "operations": operations}),
        headers=JSON,
    )
    assert batch.status_code in (200, 202), batch.text
    done = batch_done(gateway, "DAY-1")
    assert done["operations"][0]["output"]["baseinfo"]["certno"] == IN_BATCH[0].certno  # opened for its owner

    task = gateway.post(
        "async/create-task",
        json={
            "task_type": "transaction",
            "task_data": {"interface_type": "person_info", "data": person_query(6)},
        },
    ).json()["data"]["task_id"]
    assert task_done(gateway, task)["status"] == "completed"
    result = gateway.ok("GET", f"async/task-result/{task}")["data"]["result"]
    assert IN_TASK.certno in json.dumps(result, ensure_ascii=False)  # sealed at rest, whole for its owner

    roster = f"姓名,身份证号,电话\n{OUTPATIENT.psn_name},{OUTPATIENT.certno},{OUTPATIENT.tel}\n".encode()
    stored = gateway.post("file/upload", files={"file": ("roster.csv", roster)})
    assert stored.status_code == 201, stored.text
    downloaded = gateway.get(f"file/download/{stored.json()['data']['file_id']}")
    assert downloaded.status_code == 200 and downloaded.content == roster


def _cell_text(value: Any) -> str:
    """A stored value as searchable text: JSON (SQLite keeps \\u escapes) decoded, bytes as UTF-8."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        try:
            return json.dumps(json.loads(value), ensure_ascii=False)
        except ValueError:
            return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def _dump(database: Database) -> dict[str, str]:
    """{table: every cell of every row as text}, read raw (no column type opens anything)."""
    tables: dict[str, str] = {}
    with database.engine.connect() as connection:
        for name in inspect(connection).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
            tables[name] = "\n".join(" | ".join(_cell_text(cell) for cell in row) for row in rows)
    return tables


def _secrets() -> dict[str, str]:
    found = {}
    for who in DAY:
        found[who.certno] = f"{who.psn_name} 的身份证号"
        found[who.tel] = f"{who.psn_name} 的手机号"
        found[who.psn_name] = "姓名"
    found[STRANGER["mdtrt_cert_no"]] = "未知人员的身份证号"
    return found


def test_a_day_leaves_no_plaintext_personal_data_in_the_database_or_the_logs(
    gateway: Gateway, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    _run_the_day(gateway)
    dump = _dump(gateway.state.database)
    assert dump["ledger_entry"] and dump["interface_data"] and dump["async_task"]
    out, err = capfd.readouterr()
    logs = "\n".join([out, err, *(caplog.text.splitlines())])
    assert "【2401】" in logs  # the log lines were captured
    leaks = [
        f"{what} ({value}) in {where}"
        for value, what in _secrets().items()
        for where, content in (*dump.items(), ("log lines", logs))
        if value in content
    ]
    assert leaks == []

    # what is stored is sealed, under the primary key, with its key id
    counts = key_counts(gateway.state.database)
    primary = gateway.state.database.key_ring.primary
    sealed = (
        "ledger_entry.request",
        "interface_data.raw_data",
        "async_task.result",
        "batch_operation.output",
    )
    for column in (*sealed, "idempotency_record.answer"):
        assert counts[column].get(primary, 0) > 0 and UNSEALED not in counts[column], column
    files = [p for p in (gateway.data_dir / "files" / HOSPITAL).rglob("*") if p.is_file()]
    assert files and all(p.read_bytes().startswith(b"YBENC1\n") for p in files)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)


def test_interface_data_is_found_by_id_number_through_its_blind_index(gateway: Gateway) -> None:
    mdtrt_id = register_visit(gateway, OUTPATIENT)
    body = {"query_type": "interface_data", "filters": {"certno": OUTPATIENT.certno, "infno": "2201"}}
    rows = gateway.ok("POST", "query/universal", json=body)["data"]
    assert rows and any(mdtrt_id in json.dumps(row["raw_data"]) for row in rows)
    other = {"query_type": "interface_data", "filters": {"certno": PERSONS[40].certno}}
    assert gateway.ok("POST", "query/universal", json=other)["data"] == []
    with gateway.state.database.session() as s:
        indexes = set(
            s.scalars(select(InterfaceData.cert_index).where(InterfaceData.cert_index.is_not(None)))
        )
    assert indexes and OUTPATIENT.certno not in indexes
    assert gateway.state.database.key_ring.blind_index(OUTPATIENT.certno) in indexes


# ------------------------------------------------------------------------------------------ key ring


def test_the_key_ring_seals_with_its_primary_and_opens_with_any_key() -> None:
    old = KeyRing.generate("k1")
    sealed = old.seal_json({"certno": "430302199001010017"}, purpose="ledger_entry.request")
    assert sealed["kid"] == "k1" and "430302" not in json.dumps(sealed)
    new = old.with_new_primary("k2")
    assert new.primary == "k2" and new.open_json(sealed, purpose="ledger_entry.request")["certno"]
    assert new.seal_json(1, purpose="x")["kid"] == "k2"
    with pytest.raises(KeyRingError, match="数据密钥 k1 不在密钥环中"):
        KeyRing.generate("k3").open_json(sealed, purpose="ledger_entry.request")
    with pytest.raises(KeyRingError, match="密文校验失败"):
        old.open_json(sealed, purpose="interface_data.raw_data")  # moved to another column


def test_keys_come_from_the_environment_or_a_file_and_production_needs_one(tmp_path: Path) -> None:
    with pytest.raises(KeyRingError, match="生产环境必须配置数据加密密钥"):
        load_key_ring(tmp_path, environment="production", environ={})
    assert not (tmp_path / "data-keys.json").exists()
    generated = KeyRing.generate("k9")
    line = f"k9:{generated.to_document()['keys']['k9']}"
    from_env = load_key_ring(tmp_path, environment="production", environ={KEYS_ENV: f"{line},k1:{'A' * 43}="})
    assert from_env.primary == "k9" and set(from_env.keys) == {"k9", "k1"}
    with pytest.raises(KeyRingError, match="32 字节"):
        load_key_ring(tmp_path, environ={KEYS_ENV: "k1:c2hvcnQ="})
    dev = load_key_ring(tmp_path / "data", environment="development", environ={})
    key_file = tmp_path / "data" / "data-keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    again = load_key_ring(tmp_path / "data", environ={})
    assert again.keys == dev.keys and again.blind_index("x") == dev.blind_index("x")
    assert read_key_file(key_file).primary == dev.primary and "AAAA" not in repr(dev)


def test_files_are_sealed_in_chunks_and_refuse_tampering(tmp_path: Path) -> None:
    ring = KeyRing.generate("k1")
    source = tmp_path / "plain.bin"
    content = os.urandom(2 * 1024 * 1024 + 17)
    source.write_bytes(content)
    target = tmp_path / "sealed" / "file"
    seal_file(ring, source, target, purpose="stored_file:a")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and content[:64] not in target.read_bytes()
    assert b"".join(open_file(ring, target, purpose="stored_file:a")) == content
    truncated = target.read_bytes()[: -(1024 * 1024)]
    target.write_bytes(truncated)
    with pytest.raises(KeyRingError):
        b"".join(open_file(ring, target, purpose="stored_file:a"))


# ------------------------------------------------------------------------------------------ rotation


@pytest.fixture
def sealed_books(any_db: Database) -> Iterator[tuple[str, KeyRing]]:
    """25 ledger entries sealed with key k1, on SQLite and PostgreSQL."""
    url = any_db.url.render_as_string(hide_password=False)
    ring = KeyRing.generate("k1")
    database = Database(url, key_ring=ring)
    with database.session() as s:
        for i in range(25):
            s.add(
                LedgerEntry(
                    msgid=f"M{i:04d}",
                    infno="1101",
                    safety="query",
                    institution_code=HOSPITAL,
                    operator="OP001",
                    request={"input": {"certno": PERSONS[i].certno}},
                    response={"output": {"n": i}} if i % 3 else None,
                    created_at=datetime(2026, 12, 7),
                )
            )
    database.dispose()
    yield url, ring


def test_database_files_are_private(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'data' / 'books.sqlite3'}", key_ring=KeyRing.generate())
    try:
        database.migrate()
    finally:
        database.dispose()
    assert stat.S_IMODE((tmp_path / "data" / "books.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    sandbox = make_engine(f"sqlite:///{tmp_path / 'bureau' / 'sandbox.sqlite3'}")  # the simulator's state
    sandbox.dispose()
    assert stat.S_IMODE((tmp_path / "bureau" / "sandbox.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "bureau").stat().st_mode) == 0o700


def test_rotation_reseals_in_batches_and_resumes_after_an_interruption(
    sealed_books: tuple[str, KeyRing],
) -> None:
    url, old = sealed_books
    ring = old.with_new_primary("k2")
    database = Database(url, key_ring=ring)
    try:
        first = rotate(database, batch_size=4, limit=3)  # stopped after three batches, as by a crash
        assert not first.finished and first.resealed["ledger_entry"] == 12
        counts = key_counts(database)["ledger_entry.request"]
        assert counts == {"k1": 13, "k2": 12}
        with database.session() as s:  # both keys open while the rotation is half done
            requests = [
                e.request["input"]["certno"] for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
            ]
        assert requests == [p.certno for p in PERSONS[:25]]
        second = rotate(database, batch_size=4)  # goes on after the last committed batch
        assert second.finished and second.resealed["ledger_entry"] == 13
        assert key_counts(database)["ledger_entry.request"] == {"k2": 25}
        assert key_counts(database)["ledger_entry.response"] == {"k2": 16}
        assert rotate(database).resealed["ledger_entry"] == 0  # nothing left to do
    finally:
        database.dispose()
    reader = Database(url, key_ring=KeyRing({"k2": ring.keys["k2"]}, "k2", ring.index_key))
    try:  # the old key is no longer needed
        with reader.session() as s:
            assert s.scalars(select(LedgerEntry).where(LedgerEntry.msgid == "M0000")).one().request
    finally:
        reader.dispose()


def test_rotation_seals_rows_written_before_encryption(sealed_books: tuple[str, KeyRing]) -> None:
    url, ring = sealed_books
    database = Database(url, key_ring=ring)
    try:
        with database.engine.begin() as connection:  # as an older version wrote it: plain JSON
            value = "CAST(:plain AS JSONB)" if database.dialect == "postgresql" else ":plain"
            connection.execute(
                text(f"UPDATE ledger_entry SET request = {value} WHERE msgid = 'M0001'"),
                {"plain": json.dumps({"input": {"certno": "legacy"}})},
            )
        assert key_counts(database)["ledger_entry.request"] == {"k1": 24, UNSEALED: 1}
        with database.session() as s:
            assert s.scalars(select(LedgerEntry.request).where(LedgerEntry.msgid == "M0001")).one() == {
                "input": {"certno": "legacy"}
            }
        assert rotate(database).resealed["ledger_entry"] == 1
        assert key_counts(database)["ledger_entry.request"] == {"k1": 25}
    finally:
        database.dispose()


# ------------------------------------------------------------------------------------------ masking


def test_an_id_number_sent_as_a_json_number_is_masked() -> None:
    masked = mask_payload({"certno": 430302199001010017, "tel": 13973100000, "other": 430304198805170049})
    assert masked == {"certno": "430302********0017", "tel": "139****0000", "other": "430304********0049"}
    assert mask_payload({"count": 3, "flag": True, "amount": "12.50"}) == {
        "count": 3,
        "flag": True,
        "amount": "12.50",
    }


def test_free_text_loses_id_numbers_phones_and_names() -> None:
    message = {
        "psn_name": "王建国",
        "memo": "王建国 复诊，联系电话13973115838，身份证430302197509230054",
        "note": ["患者：刘芳 自述腹痛", "姓名 陈志强"],
        "msgid": "H43028110001202612071234560001",  # a long run of digits that is not personal
    }
    masked = mask_payload(message)
    text_out = json.dumps(masked, ensure_ascii=False)
    for secret in ("王建国", "13973115838", "430302197509230054", "刘芳", "陈志强"):
        assert secret not in text_out
    assert masked["msgid"] == message["msgid"] and masked["psn_name"] == "王*国"
    assert "张三" not in scrub_text("参保人张三已结算") and scrub_text("姓名：李娜").endswith("李*")


def test_the_ledger_keeps_masked_free_text() -> None:
    from medical_insurance_sdk.engine.flow import ledger_copy

    copy = ledger_copy({"input": {"mdtrtinfo": {"adm_diag_dscr": "患者王建国，电话13973115838"}}})
    assert copy == {"input": {"mdtrtinfo": {"adm_diag_dscr": "患者王*国，电话139****5838"}}}


def test_the_blind_index_is_keyed_and_normalised() -> None:
    one, two = KeyRing.generate("k1"), KeyRing.generate("k1")
    assert one.blind_index("43032119890929064x") == one.blind_index(" 43032119890929064X")
    assert one.blind_index("430302199001010017") != two.blind_index("430302199001010017")
    assert len(one.blind_index("430302199001010017")) == 64
    assert (
        id_number_of({"data": {"mdtrt_cert_type": "02", "certno": 430302199001010017}})
        == "430302199001010017"
    )
    assert id_number_of({"data": {"psn_no": "4300"}}) is None


# ------------------------------------------------------------------------------------------ yibao data-key


def _cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'yibao.sqlite3'}",
        "MEDICAL_INSURANCE_CONFIG_FILE": "",
        "MEDICAL_INSURANCE_DATA_KEYS": "",
        "MEDICAL_INSURANCE_DATA_KEY_FILE": "",
        "COLUMNS": "200",
        **extra,
    }


def test_production_refuses_to_start_without_a_data_key(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from medical_insurance_sdk.cli import app

    production = _cli_env(
        tmp_path,
        MEDICAL_INSURANCE_ENVIRONMENT="production",
        MEDICAL_INSURANCE_JWT_SECRET=base64.urlsafe_b64encode(os.urandom(48)).decode(),
        MEDICAL_BUREAU_API_URL="http://bureau.invalid/fsi/api/rsfComIfsService/callService",
    )
    result = CliRunner().invoke(app, ["data-key", "status"], env=production)
    assert result.exit_code == 2 and "生产环境必须配置数据加密密钥" in result.output, result.output
    assert not (tmp_path / "var" / "data-keys.json").exists()


def test_data_key_rotate_adds_a_primary_and_reseals(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from medical_insurance_sdk.cli import app

    env = _cli_env(tmp_path, MEDICAL_INSURANCE_ENVIRONMENT="development")
    runner = CliRunner()
    assert runner.invoke(app, ["data-key", "status"], env=env).exit_code == 0  # generates the dev key
    key_file = tmp_path / "var" / "data-keys.json"
    first = read_key_file(key_file)
    database = Database(env["DATABASE_URL"], key_ring=first)
    with database.session() as s:
        s.add(
            LedgerEntry(
                msgid="M1",
                infno="1101",
                safety="query",
                institution_code=HOSPITAL,
                operator="OP001",
                request={"certno": "x"},
                created_at=datetime(2026, 12, 7),
            )
        )
    hospital = add_institution(
        database, NewInstitution(code=HOSPITAL, name="湘潭市第一人民医院", admdvs="430200")
    )
    files_root = tmp_path / "var" / "files"
    stored = save_bytes(database, files_root, hospital.id, HOSPITAL, "roster.csv", b"a,b\n1,2\n")
    database.dispose()
    (on_disk,) = [p for p in (files_root / HOSPITAL).rglob("*") if p.is_file()]
    assert file_key_id(on_disk) == first.primary
    rotated = runner.invoke(app, ["data-key", "rotate", "--new-key", "--batch-size", "10"], env=env)
    assert rotated.exit_code == 0, rotated.output
    second = read_key_file(key_file)
    assert second.primary != first.primary and set(second.keys) == {first.primary, second.primary}
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    status = runner.invoke(app, ["data-key", "status"], env=env)
    assert "ledger_entry.request" in status.output and second.primary in status.output
    database = Database(env["DATABASE_URL"], key_ring=second)
    try:
        assert key_counts(database)["ledger_entry.request"] == {second.primary: 1}
        assert file_key_id(on_disk) == second.primary
        assert (
            b"".join(
                open_file(
                    second, on_disk, purpose=f"stored_file:{on_disk.relative_to(files_root).as_posix()}"
                )
            )
            == b"a,b\n1,2\n"
        )
        assert stored["size"] == 8
    finally:
        database.dispose()
