"""Security probes (issue 14), one module per OWASP API Security Top 10 (2023) heading that applies.

The gateway fixtures are the gateway suite's (tests/gateway/conftest.py): `database_url` and `gateway`, each
on SQLite and on PostgreSQL; `gateway_support` holds the helpers (keys per role, the demo pharmacy …).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))

from tests.gateway.conftest import database_url, gateway  # noqa: F401  (the gateway suite's fixtures)
