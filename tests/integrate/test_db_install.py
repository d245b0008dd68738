"""`yibao integrate db install|uninstall` on real PostgreSQL and MariaDB: the triggers fill the queue.

Each test gets a fresh database (conftest's `his_database`, [postgresql] and [mariadb], dropped afterwards)
holding the example HIS table (examples/integration/his_schema_*.sql).  An unreachable server skips its
tests, except under $CI, where it fails them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from medical_insurance_sdk.cli import app
from medical_insurance_sdk.integrate.dbqueue.triggers import DIALECTS
from medical_insurance_sdk.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "integration"
EXAMPLE_MAPPING = EXAMPLES / "mapping.example.yaml"

REGISTER = (
    "INSERT INTO outpatient_register (person_no, insutype, cert_no, patient_name, doctor_code, doctor_name,"
    " dept_code, dept_name, caty, register_time) VALUES ('{person}', {insutype}, '430281199001010001',"
    " '张三', 'D01', '李医生', 'K01', '内科', 'A03', '2026-03-05 08:30:15')"
)


@pytest.fixture(autouse=True)
def _no_product_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_")):
            monkeypatch.delenv(name)


@dataclass
class His:
    """A fresh HIS database: its URL as a user would give it, and a way to run SQL in it."""

    url: str
    engine: sa.Engine

    def execute(self, *statements: str) -> None:
        with self.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)

    def rows(self, sql: str) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.exec_driver_sql(sql).mappings())

    def queue(self) -> list[dict[str, Any]]:
        found = self.rows("SELECT * FROM medical_insurance_queue ORDER BY id")
        return [dict(r, data_json=json.loads(r["data_json"])) for r in found]

    def triggers(self) -> set[str]:
        if self.engine.dialect.name == "postgresql":
            found = self.rows("SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal")
        else:
            found = self.rows(
                "SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS"
                " WHERE TRIGGER_SCHEMA = DATABASE()"
            )
        return {r["name"] for r in found}


def _statements(path: Path) -> list[str]:
    text = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--")
    )
    return [s.strip() for s in text.split(";") if s.strip()]


@pytest.fixture
def his(his_database: str) -> Iterator[His]:
    """The conftest's fresh database ([postgresql] / [mariadb]) holding the example HIS table."""
    from medical_insurance_sdk.integrate.dbqueue.database import connect

    engine = connect(his_database)
    backend = "postgresql" if engine.dialect.name == "postgresql" else "mysql"
    his = His(his_database, engine)
    try:
        his.execute(*_statements(EXAMPLES / f"his_schema_{backend}.sql"))
        yield his
    finally:
        engine.dispose()


def yibao(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def install(his: His, mapping: Path = EXAMPLE_MAPPING) -> Any:
    result = yibao("integrate", "db", "install", "--database-url", his.url, "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    return result


def expected_registration(register_id: int, person: str = "P001") -> dict[str, Any]:
    return {
        "data": {
            "psn_no": person,
            "insutype": "310",
            "begntime": "2026-03-05 08:30:15",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "430281199001010001",
            "ipt_otp_no": str(register_id),
            "atddr_no": "D01",
            "dr_name": "李医生",
            "dept_code": "K01",
            "dept_name": "内科",
            "caty": "A03",
        }
    }


# --- install on the real databases ------------------------------------------------------------------------


def test_the_example_installs_and_a_registration_queues_its_2201_input(his: His) -> None:
    result = install(his)
    assert "表 medical_insurance_queue: 已创建" in result.stdout
    assert "触发器 trigger_outpatient_register 已安装" in result.stdout
    assert his.triggers() == {"trigger_outpatient_register", "trigger_outpatient_register_cancel"}

    his.execute(REGISTER.format(person="P001", insutype="'310'"))
    his.execute(REGISTER.format(person="SELF", insutype="NULL"))  # 自费: `when` keeps it out of the queue
    (row,) = his.queue()
    register_id = his.rows("SELECT register_id FROM outpatient_register WHERE person_no = 'P001'")[0][
        "register_id"
    ]
    assert row["data_json"] == expected_registration(register_id)
    assert (row["operation_type"], row["interface_type"], row["status"]) == (
        "INSERT",
        "outpatient_register",
        "pending",
    )
    assert (row["group_key"], row["mapping_name"]) == (str(register_id), "outpatient_register")
    assert row["created_at"] is not None
    REGISTRY["2201"].validate_input(row["data_json"])  # the registry's validator accepts it as it stands


def test_the_update_mapping_fires_only_when_its_condition_holds(his: His) -> None:
    install(his)
    his.execute(REGISTER.format(person="P002", insutype="'310'"))
    his.execute("UPDATE outpatient_register SET doctor_name = '王医生'")  # not a cancellation
    his.execute("UPDATE outpatient_register SET status = 'C'")  # cancelled, but no mdtrt_id yet
    his.execute("UPDATE outpatient_register SET status = '1'")
    assert [r["mapping_name"] for r in his.queue()] == ["outpatient_register"]

    his.execute("UPDATE outpatient_register SET status = 'C', mdtrt_id = 'MDTRT001'")
    his.execute(
        "UPDATE outpatient_register SET patient_name = '张三丰'"
    )  # already cancelled: OLD.status = 'C'
    queued = his.queue()
    assert [r["mapping_name"] for r in queued] == ["outpatient_register", "outpatient_register_cancel"]
    cancel = queued[1]
    register_id = his.rows("SELECT register_id FROM outpatient_register")[0]["register_id"]
    assert cancel["data_json"] == {
        "data": {"psn_no": "P002", "mdtrt_id": "MDTRT001", "ipt_otp_no": str(register_id)}
    }
    assert (cancel["operation_type"], cancel["interface_type"]) == ("UPDATE", "outpatient_register_cancel")
    assert cancel["group_key"] == queued[0]["group_key"]
    REGISTRY["2202"].validate_input(cancel["data_json"])


def test_installing_again_keeps_the_queue_and_replaces_the_triggers(his: His) -> None:
    install(his)
    his.execute(REGISTER.format(person="P003", insutype="'310'"))
    again = install(his)
    assert "表 medical_insurance_queue: 已存在，保留原有数据" in again.stdout
    assert his.triggers() == {"trigger_outpatient_register", "trigger_outpatient_register_cancel"}
    his.execute(REGISTER.format(person="P004", insutype="'310'"))
    assert [r["data_json"]["data"]["psn_no"] for r in his.queue()] == ["P003", "P004"]  # one row per insert


def test_the_queue_name_is_stored_once_and_a_worker_reads_it(his: His, tmp_path: Path) -> None:
    install(his)  # the example names its queue his_main
    stored = his.rows("SELECT value FROM medical_insurance_queue_meta WHERE name = 'queue_name'")
    assert stored == [{"value": "his_main"}]
    # the name is in every idempotency key: a mapping that changes it later is refused, nothing changes
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(
        EXAMPLE_MAPPING.read_text(encoding="utf-8").replace("queue_name: his_main", "queue_name: his_other"),
        encoding="utf-8",
    )
    refused = yibao("integrate", "db", "install", "--database-url", his.url, "--mapping", str(renamed))
    assert refused.exit_code == 2 and "30006" in refused.output and "his_main" in refused.output
    assert his.rows("SELECT value FROM medical_insurance_queue_meta") == [{"value": "his_main"}]


def test_the_worker_needs_an_installed_queue(his: His) -> None:
    result = yibao("integrate", "db", "run", "--database-url", his.url, "--once")
    assert result.exit_code == 2
    assert "yibao integrate db install" in result.output


def test_uninstall_drops_the_triggers_and_keeps_the_tables(his: His) -> None:
    install(his)
    his.execute(REGISTER.format(person="P005", insutype="'310'"))
    result = yibao(
        "integrate", "db", "uninstall", "--database-url", his.url, "--mapping", str(EXAMPLE_MAPPING)
    )
    assert result.exit_code == 0, result.output
    assert "保留，未删除" in result.stdout
    assert his.triggers() == set()
    if his.engine.dialect.name == "postgresql":
        assert his.rows("SELECT proname FROM pg_proc WHERE starts_with(proname, 'medical_insurance_')") == []
    his.execute(REGISTER.format(person="P006", insutype="'310'"))
    assert [r["data_json"]["data"]["psn_no"] for r in his.queue()] == ["P005"]
    assert his.rows("SELECT COUNT(*) AS n FROM medical_insurance_result")[0]["n"] == 0  # still there


def test_a_constant_with_quotes_and_backslashes_reaches_data_json_intact(his: His, tmp_path: Path) -> None:
    awkward = "O'Brien \\ 王'' \\' ;--"
    mapping = tmp_path / "mapping.yaml"
    text = EXAMPLE_MAPPING.read_text(encoding="utf-8").replace(
        "dr_name: doctor_name", f"dr_name: {{value: {json.dumps(awkward)}}}"
    )
    mapping.write_text(text, encoding="utf-8")
    install(his, mapping)
    his.execute(REGISTER.format(person="P007", insutype="'310'"))
    (row,) = his.queue()
    assert row["data_json"]["data"]["dr_name"] == awkward


def test_the_dry_run_script_runs_in_the_database_itself(his: His) -> None:
    backend = "postgresql" if his.engine.dialect.name == "postgresql" else "mysql"
    result = yibao(
        "integrate", "db", "install", "--dry-run", "--dialect", backend, "--mapping", str(EXAMPLE_MAPPING)
    )
    assert result.exit_code == 0, result.output
    _run_script(his, result.stdout)
    _run_script(his, result.stdout)  # twice: tables kept, triggers replaced
    assert his.triggers() == {"trigger_outpatient_register", "trigger_outpatient_register_cancel"}
    his.execute(REGISTER.format(person="P008", insutype="'310'"))
    (row,) = his.queue()
    register_id = his.rows("SELECT register_id FROM outpatient_register")[0]["register_id"]
    assert row["data_json"] == expected_registration(register_id, "P008")


def _run_script(his: His, script: str) -> None:
    """The script as the database's own client reads it (psql / mysql), or statement by statement."""
    url = sa.make_url(his.url)
    if his.engine.dialect.name == "postgresql":
        raw = his.engine.raw_connection()
        try:
            raw.cursor().execute(script)  # psycopg: a script without parameters runs whole
            raw.commit()
        finally:
            raw.close()
        return
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client:
        command = [
            client,
            "-h",
            url.host or "127.0.0.1",
            "-P",
            str(url.port or 3306),
            "-u",
            url.username or "root",
        ]
        env = dict(os.environ, MYSQL_PWD=url.password or "")
        run = subprocess.run(
            [*command, url.database or ""], input=script, text=True, capture_output=True, env=env
        )
        assert run.returncode == 0, run.stderr
        return
    body = script.split("DELIMITER //", 1)[1].rsplit("DELIMITER ;", 1)[0]
    his.execute(*(s.strip() for s in body.split("\n//\n") if s.strip()))


# --- dry run and errors: no database ----------------------------------------------------------------------

UNREACHABLE = {
    "postgresql": "postgresql://u:secret@127.0.0.1:1/his",
    "mysql": "mysql://u:secret@127.0.0.1:1/his",
    "mssql": "mssql://u:secret@127.0.0.1:1/his",
    "oracle": "oracle://u:secret@127.0.0.1:1/his",
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_dry_run_prints_every_trigger_and_connects_to_nothing(dialect: str) -> None:
    args = ("--mapping", str(EXAMPLE_MAPPING), "--dry-run", "--database-url", UNREACHABLE[dialect])
    result = yibao("integrate", "db", "install", *args)
    assert result.exit_code == 0, result.output  # the server is unreachable: only a dry run succeeds
    out = result.stdout
    assert result.stderr == ""
    assert out.startswith("-- yibao integrate db install --dry-run")
    assert "secret" not in out
    for name in ("trigger_outpatient_register", "trigger_outpatient_register_cancel"):
        assert f"TRIGGER {name}\n" in out
    assert "medical_insurance_queue" in out and "medical_insurance_result" in out
    assert "'outpatient_register_cancel'" in out
    removed = yibao(
        "integrate", "db", "uninstall", "--mapping", str(EXAMPLE_MAPPING), "--dry-run", "--dialect", dialect
    )
    assert removed.exit_code == 0, removed.output
    assert "DROP TRIGGER" in removed.stdout and "DROP TABLE" not in removed.stdout


def test_dry_run_needs_a_dialect_without_a_url() -> None:
    result = yibao("integrate", "db", "install", "--mapping", str(EXAMPLE_MAPPING), "--dry-run")
    assert result.exit_code == 2
    assert "--dialect" in result.stderr and result.stdout == ""


def test_an_unreachable_database_is_a_readable_error_without_the_password() -> None:
    result = yibao(
        "integrate",
        "db",
        "install",
        "--mapping",
        str(EXAMPLE_MAPPING),
        "--database-url",
        UNREACHABLE["postgresql"],
    )
    assert result.exit_code == 2
    assert "60001 - 数据库连接失败" in result.stderr
    assert "secret" not in result.output and "Traceback" not in result.output


def test_a_missing_his_table_or_column_is_named(his: His) -> None:
    his.execute("ALTER TABLE outpatient_register DROP COLUMN caty")
    result = yibao("integrate", "db", "install", "--database-url", his.url, "--mapping", str(EXAMPLE_MAPPING))
    assert result.exit_code == 2
    assert "30007 - 映射 outpatient_register: 表 outpatient_register 没有列 caty" in result.stderr
    his.execute("DROP TABLE outpatient_register")
    result = yibao("integrate", "db", "install", "--database-url", his.url, "--mapping", str(EXAMPLE_MAPPING))
    assert result.exit_code == 2
    assert "中没有表 outpatient_register" in result.stderr
    assert not sa.inspect(his.engine).has_table("medical_insurance_queue")  # nothing was done


BASE = """
mappings:
  - name: reg
    table: {table}
    interface_type: {interface}
    fields:
{fields}
"""
FULL_2201 = {
    "psn_no": "person_no",
    "insutype": "insutype",
    "begntime": "register_time",
    "mdtrt_cert_type": '{value: "02"}',
    "mdtrt_cert_no": "cert_no",
    "ipt_otp_no": "register_id",
    "atddr_no": "doctor_code",
    "dr_name": "doctor_name",
    "dept_code": "dept_code",
    "dept_name": "dept_name",
    "caty": "caty",
}


def _mapping(
    tmp_path: Path, *, table: str = "outpatient_register", interface: str = "2201", **changes: str | None
) -> Path:
    fields = {**FULL_2201, **changes}
    lines = "\n".join(f"      {k}: {v}" for k, v in fields.items() if v is not None)
    path = tmp_path / "mapping.yaml"
    path.write_text(BASE.format(table=json.dumps(table), interface=interface, fields=lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({"interface": "9999"}, ["20001 - 映射 reg: 不支持的接口类型: 9999"]),
        ({"nosuch": "col"}, ["10002 - 映射 reg: 字段 nosuch", "可用字段: psn_no, insutype, begntime"]),
        ({"begntime": None}, ["30002 - 映射 reg: 必填字段缺失: begntime（开始时间）"]),
        ({"table": "outpatient; DROP TABLE x"}, ["10002 - 映射 reg: table", "不是合法的标识符"]),
        ({"caty": "caty; DROP"}, ["10002 - 映射 reg: fields", "列名不合法"]),
        (
            {"interface": "2204"},
            ["30001 - 映射 reg: 交易 2204 门诊费用明细上传 的节点 feedetail", "多行列表"],
        ),
        ({"mdtrt_cert_type": "{value: 02}"}, ["常量应为字符串（C3），请加引号"]),
    ],
    ids=[
        "unknown-interface",
        "unknown-field",
        "missing-required",
        "bad-table",
        "bad-column",
        "list-node",
        "bare-02",
    ],
)
def test_mapping_errors_exit_2_in_chinese(
    tmp_path: Path, case: dict[str, str | None], expected: list[str]
) -> None:
    mapping = _mapping(tmp_path, **case)  # type: ignore[arg-type]
    result = yibao(
        "integrate", "db", "install", "--mapping", str(mapping), "--dry-run", "--dialect", "postgresql"
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for text in expected:
        assert text in result.stderr


def test_every_problem_of_every_mapping_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "mappings:\n"
        "  - {name: a, table: t, interface_type: 9999, fields: {psn_no: p}}\n"
        "  - {name: b, table: t, interface_type: 2202, fields: {psn_no: p, bogus: q}}\n"
        "  - {name: Bad, table: t, on: delete, interface_type: 2202, fields: {psn_no: p}}\n",
        encoding="utf-8",
    )
    result = yibao("integrate", "db", "install", "--mapping", str(path), "--dry-run", "--dialect", "mysql")
    assert result.exit_code == 2
    for text in (
        "20001 - 映射 a",
        "10002 - 映射 b: 字段 bogus",
        "30002 - 映射 b: 必填字段缺失: mdtrt_id",
        "10002 - 映射 Bad: name",
        "10002 - 映射 Bad: on: 只能是 insert 或 update",
    ):
        assert text in result.stderr
