"""The `yibao` command line: one entry point for operators and developers.

yibao interfaces [--category 医保业务服务] [--safety money]   list the registry
yibao interface 2207                                         one transaction, with its fields
yibao validate 2207 input.json                               check a message before sending it
yibao reconcile --date 2025-07-14 [--out reports/]           reconcile a day with the bureau (3201/3202)
                                                             (exit 0 平, 1 不平, 2 usage, 3 对账失败)
yibao catalog sync [--infno 1301 --infno 1302]               download the 13xx catalogues, incrementally
yibao compensate                                             resolve unknown outcomes (2601 / query) now
yibao sandbox --port 9000                                    run the sandbox bureau (offline simulator)
yibao worker [--beat]                                        run async tasks from Celery (CELERY_BROKER_URL)
yibao integrate watch --input DIR --output DIR               the file watch (spec §11.3.2)
yibao integrate db install|uninstall|run --database-url URL  the database trigger queue (spec §11.3.2)
yibao migrate                                                bring the database to the newest revision
yibao retention [--dry-run] [--table T]                      delete expired logs and call records (§8.2.2)
"""

from __future__ import annotations

from medical_insurance_sdk.cli import (  # noqa: F401  (importing a module registers its commands)
    data_keys,
    engine_commands,
    gateway_commands,
    integrate_commands,
    integrate_db,
    integrate_db_run,
    integrate_watch,
    migrate_commands,
    registry_commands,
    retention_commands,
    workers,
)
from medical_insurance_sdk.cli._app import app, console

__all__ = ["app", "console"]
