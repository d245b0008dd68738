"""Where in-process mode keeps its ledger without configuration: the user's data directory, or
$MEDICAL_INSURANCE_DATA_DIR — never a ./var/ in the script's working directory.  The gateway and `yibao`
keep ./var.  Real processes, with a home directory and environment of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")  # the embedded sandbox is a FastAPI app

SCRIPT = """
from medical_insurance_sdk import MedicalInsuranceSDK
from medical_insurance_sdk.sandbox.seed import PERSONS

person = PERSONS[0]
with MedicalInsuranceSDK() as sdk:
    print(sdk.query_person_info("02", person.certno, name=person.psn_name).name)
"""
YIBAO = str(Path(sys.executable).with_name("yibao"))


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_", "MEDICAL_SANDBOX_", "XDG_"))
        and k not in ("DATABASE_URL", "REDIS_URL")
    }
    return {**env, "HOME": str(home), **extra}


def run_script(work: Path, env: dict[str, str]) -> None:
    work.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=work, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "张三", done.stdout + done.stderr


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG layout is the Linux one")
def test_without_configuration_the_ledger_is_in_the_users_data_directory(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    run_script(work, clean_env(home))
    assert list(work.iterdir()) == []  # no ./var, nothing else either
    data_dir = home / ".local" / "share" / "yibao"
    assert {p.name for p in data_dir.iterdir()} >= {"yibao.sqlite3", "sandbox.sqlite3", "data-keys.json"}
    assert data_dir.stat().st_mode & 0o777 == 0o700
    # XDG_DATA_HOME moves it, as it does for every XDG program
    run_script(work, clean_env(home, XDG_DATA_HOME=str(tmp_path / "xdg")))
    assert (tmp_path / "xdg" / "yibao" / "yibao.sqlite3").is_file() and list(work.iterdir()) == []


def test_the_data_dir_variable_wins(tmp_path: Path) -> None:
    home, work, chosen = tmp_path / "home", tmp_path / "work", tmp_path / "chosen"
    run_script(work, clean_env(home, MEDICAL_INSURANCE_DATA_DIR=str(chosen)))
    assert (chosen / "yibao.sqlite3").is_file() and (chosen / "data-keys.json").is_file()
    assert list(work.iterdir()) == [] and not home.exists()


def test_the_gateways_commands_keep_var_in_the_working_directory(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [YIBAO, "institutions", "list"],
        cwd=work,
        env=clean_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (work / "var" / "yibao.sqlite3").is_file()
