"""Checks of deploy/ (issue 20): each runs the real tool the operators will run, or skips saying which
Debian package provides it (deploy_support.tool).  CI installs them (.ci/run): docker-compose, nginx and
prometheus (promtool).

    deploy_dir     the repository's deploy/ folder
    staged_deploy  a copy of deploy/ in tmp_path with every env/*.env.example instantiated as env/*.env,
                   as an operator's checkout would have it
    gateway        the gateway suite's started gateway (tests/gateway/conftest.py), for /metrics
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_support import DEPLOY

from tests.gateway.conftest import database_url, gateway  # noqa: F401  (the gateway suite's fixtures)


@pytest.fixture
def deploy_dir() -> Path:
    return DEPLOY


@pytest.fixture
def staged_deploy(tmp_path: Path) -> Path:
    staged = tmp_path / "deploy"
    shutil.copytree(DEPLOY, staged)
    for example in (staged / "env").glob("*.env.example"):
        shutil.copy(example, example.with_suffix(""))
    return staged
