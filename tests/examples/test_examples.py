"""The spec's Python examples (examples/python/) run as programs against a real gateway over the sandbox.

A gateway (create_app over a fresh in-memory embedded sandbox, SQLite in tmp) is served by uvicorn on a
free 127.0.0.1 port in a thread; each example runs as a subprocess of this interpreter with a config.json
made from config.example.json (the spec's §9.2.1 file) carrying that URL and a fresh admin API key.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from medical_insurance_sdk.gateway import GatewaySettings, create_app  # noqa: E402
from medical_insurance_sdk.gateway.keys import create_key  # noqa: E402
from medical_insurance_sdk.registry import API_PREFIX  # noqa: E402
from medical_insurance_sdk.sandbox.seed import PERSONS  # noqa: E402
from medical_insurance_sdk.sandbox.settings import SandboxSettings  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"
HOSPITAL = "H43028110001"
RUN_TIMEOUT_S = 180
START_TIMEOUT_S = 30
ZHANG_SAN = PERSONS[0]


@dataclass
class LiveGateway:
    base_url: str
    admin_key: str


@pytest.fixture(scope="module")
def live_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    data_dir = tmp_path_factory.mktemp("examples-gateway")
    settings = GatewaySettings(
        database_url=f"sqlite:///{data_dir / 'gateway.sqlite3'}",
        data_dir=data_dir,
        environment="development",
        jwt_secret="examples-tests-" + "x" * 40,
        sweeper_interval_s=0,
        demo_institution=True,
    )
    app = create_app(settings, sandbox_settings=SandboxSettings())  # in memory: a fresh bureau
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound here, handed to uvicorn: no race for the port
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            pytest.fail("the gateway did not start")
        time.sleep(0.05)
    try:
        key = create_key(app.state.gateway.database, HOSPITAL, "admin").key
        yield LiveGateway(f"http://127.0.0.1:{port}{API_PREFIX}", key)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture
def config_path(live_gateway: LiveGateway, tmp_path: Path) -> Path:
    """config.example.json with the placeholders replaced, as the README tells a user to do."""
    config = json.loads((EXAMPLES / "config.example.json").read_text(encoding="utf-8"))
    section = config["medical_insurance"]
    assert section["api_key"] == "your_api_key_here"  # the example file holds placeholders only
    section["api_base_url"] = live_gateway.base_url
    section["api_key"] = live_gateway.admin_key
    section["logging"]["file"] = str(tmp_path / "medical_insurance_sdk.log")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run_example(name: str, config: Path) -> subprocess.CompletedProcess[str]:
    # the machine's MEDICAL_INSURANCE_* / MEDICAL_BUREAU_* variables would override the file (spec §9.2.2)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_"))}
    env["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), str(config)],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    report = f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, report
    return done


def test_complete_example_runs_every_section(config_path: Path) -> None:
    out = run_example("complete_medical_insurance_example.py", config_path).stdout
    assert "医保接口调用失败" not in out
    for line in (
        f"患者信息: 张三, 医保余额: {ZHANG_SAN.balc}",
        "机构信息: 湘潭市第一人民医院",
        "民族药品目录 (1304): 共",
        "待遇检查结果: pass",
        "慢特病备案已撤销",
        "文件下载完成: 医保接口SDK示例文件",
        "批量操作: 3/3 成功",
        "患者1: 张三",
        "患者2: 李娜",
        "患者3: 王建国",
    ):
        assert line in out, f"missing {line!r} in\n{out}"
    for pattern in (
        r"药品目录: 共[1-9]\d*条记录",
        r"手术操作目录 \(1308\): 共[1-9]\d*条记录",
        r"预结算结果: 医保支付 \d+\.\d\d",
        r"结算完成: 结算单号 \d+",
        r"挂号成功: 挂号单号 \d+",
        r"门诊预结算: 医保支付 \d+\.\d\d",
        r"门诊结算完成: \d+",
        r"入院办理完成: 住院号 \d+",
        r"住院结算完成: \d+",
        r"慢特病备案完成: 备案流水号 \d+",
        r"科室信息: 共[1-9]\d*个科室",
        r"电子病历上传完成: \S+",
        r"结算清单上传完成: \S+",
        r"处方预核验: \S+",
        r"处方上传完成: \d{20,}",  # the bureau's hiRxno, not None
        r"处方下载: \d{20,}",
        r"销售明细上传完成: \d{20,}",  # the sandbox's setlId
    ):
        assert re.search(pattern, out), f"no line matching {pattern!r} in\n{out}"


def test_outpatient_integration_example(config_path: Path) -> None:
    done = run_example("outpatient_integration_example.py", config_path)
    out = done.stdout
    assert re.search(r"门诊预结算: 医疗费总额 25\.00, 医保支付 \d+\.\d\d", out), out
    assert re.search(r"门诊结算完成: 结算ID \d+, 医保支付 \d+\.\d\d", out), out
    assert "患者信息: 张三" in out
    # the spec's error-handling branch for a refusal that must not be retried: logged, then raised
    assert "不可重试错误已记录并抛出: 50001 该参保人的基本信息为空" in out  # infcode -2
    assert "医保接口调用失败: 该参保人的基本信息为空" in done.stderr


def test_examples_config_is_the_spec_format() -> None:
    """config.example.json is §9.2.1's file: both sections, placeholder secrets only."""
    config = json.loads((EXAMPLES / "config.example.json").read_text(encoding="utf-8"))
    assert set(config) == {"medical_insurance", "medical_bureau"}
    assert config["medical_insurance"]["api_key"] == "your_api_key_here"
    assert (config["medical_bureau"]["ak"], config["medical_bureau"]["sk"]) == (
        "your_access_key",
        "your_secret_key",
    )
