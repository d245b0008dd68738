"""What an operator sees when `yibao` cannot start: a wrong database URL or a busy port is one Chinese line
with the spec's code and exit 2 — never a traceback, never the success banner first.  Real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

YIBAO = str(Path(sys.executable).with_name("yibao"))
SECRET = "s3cret-Pw"
BANNER = "医保接口网关"


def closed_port() -> int:
    """A local port nobody listens on (bound for a moment, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def yibao(tmp_path: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    # the machine's settings must not decide the outcome
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_"))}
    env.pop("DATABASE_URL", None)
    env.update({"MEDICAL_INSURANCE_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "80"})
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run([YIBAO, *args], env=env, capture_output=True, text=True, timeout=90, check=False)


def assert_one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """Exit 2 and exactly one line naming `code`, on a narrow terminal too; no traceback, no banner."""
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output and "─" not in output and BANNER not in output, output
    lines = [line for line in output.splitlines() if f"{code} - " in line]
    assert len(lines) == 1, output
    assert len(output.splitlines()) <= 2, output  # the line, and at most the development JWT notice
    return lines[0]


# ---------------------------------------------------------------------------------------- database URL


@pytest.mark.parametrize("command", [("keys", "list"), ("run", "--port", "0"), ("compensate",)])
def test_an_unreachable_database_is_60001_in_one_line_with_the_password_masked(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    url = f"postgresql://yibao:{SECRET}@127.0.0.1:{closed_port()}/yibao"
    line = assert_one_line(yibao(tmp_path, *command, database_url=url), 60001)
    assert "数据库连接失败" in line and "yibao:***@127.0.0.1" in line and SECRET not in line


def test_an_unknown_host_is_60001(tmp_path: Path) -> None:
    url = f"postgresql://yibao:{SECRET}@no-such-host.invalid/yibao"
    line = assert_one_line(yibao(tmp_path, "keys", "list", database_url=url), 60001)
    assert "no-such-host.invalid" in line and SECRET not in line


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"pgsql://yibao:{SECRET}@db/yibao", "不支持的数据库类型 pgsql"),
        (f"mysql://root:{SECRET}@127.0.0.1/yibao", "未安装数据库驱动 MySQLdb"),
        (f"postgresql://yibao:{SECRET}@db:port/yibao", "格式错误"),
    ],
    ids=["scheme", "driver", "port"],
)
def test_an_unreadable_url_is_10002_naming_why(tmp_path: Path, url: str, reason: str) -> None:
    line = assert_one_line(yibao(tmp_path, "institutions", "list", database_url=url), 10002)
    assert "数据库地址无法识别" in line and reason in line and SECRET not in line and "***" in line


def test_a_wrong_password_is_60001_with_the_servers_reason(tmp_path: Path, mariadb_admin_url: str) -> None:
    url = make_url(mariadb_admin_url).set(drivername="mysql+pymysql", password=SECRET, database="mysql")
    text = url.render_as_string(hide_password=False)
    line = assert_one_line(yibao(tmp_path, "keys", "list", database_url=text), 60001)
    assert "Access denied" in line and SECRET not in line


# --------------------------------------------------------------------------------------------- the port


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another process (here: this test) listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize("command", ["run", "sandbox"])
def test_a_busy_port_is_refused_before_the_banner(tmp_path: Path, busy_port: int, command: str) -> None:
    done = yibao(tmp_path, command, "--host", "127.0.0.1", "--port", str(busy_port))
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert f"端口 {busy_port} 已被占用" in output and "--port" in output
    assert BANNER not in output and "医保沙箱" not in output and "error while attempting" not in output
    assert not (tmp_path / "var").exists()  # checked before anything is created


def test_an_address_that_is_not_this_machines_is_refused(tmp_path: Path) -> None:
    done = yibao(tmp_path, "run", "--host", "no-such-host.invalid", "--port", str(closed_port()))
    assert done.returncode == 2 and "监听地址无效: no-such-host.invalid" in done.stdout, done.stdout
