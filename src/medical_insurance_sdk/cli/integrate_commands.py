"""`yibao integrate …`: the non-intrusive integrations (spec §11.3.2) — the commands live beside it.

yibao integrate watch --input DIR --output DIR            the file watch (integrate_watch.py)
yibao integrate db install --database-url URL --mapping M  the trigger queue's tables and triggers
yibao integrate db run --database-url URL                  its worker (integrate_db.py)

Each worker calls through the Python SDK, configured as any SDK is (`--config config.json`, then the
MEDICAL_INSURANCE_* environment): towards a gateway (recommended: its sweeper resolves unknown outcomes),
or in process when no api_base_url is configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from medical_insurance_sdk.cli._app import app

if TYPE_CHECKING:
    from medical_insurance_sdk.sdk import MedicalInsuranceSDK

integrate_app = typer.Typer(
    help="无侵入式集成（文件监控、数据库触发器队列）/ non-intrusive integration", no_args_is_help=True
)
app.add_typer(integrate_app, name="integrate")


def open_sdk(config: str | None) -> MedicalInsuranceSDK:
    """The SDK the integration workers call through: `--config`, then the environment (as every SDK)."""
    from medical_insurance_sdk.sdk import MedicalInsuranceSDK

    return MedicalInsuranceSDK(config_path=config)
