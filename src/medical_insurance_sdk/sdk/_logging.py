"""The SDK's logger, set from the `logging` section of the config (spec §9.2.1).

    log = logging.getLogger("medical_insurance_sdk.sdk")    # records name the infno: "【2207】…"

Only this package's logger is touched (level, and a file handler when `file` is set, added once per path);
the application's root logging stays the application's business.
"""

from __future__ import annotations

import logging
from pathlib import Path

from medical_insurance_sdk.sdk._config import LoggingConfig

LOGGER = "medical_insurance_sdk.sdk"


def configure_logging(config: LoggingConfig) -> logging.Logger:
    log = logging.getLogger(LOGGER)
    log.setLevel(config.level.upper())
    if config.file:
        path = str(Path(config.file).expanduser().resolve())
        if not any(isinstance(h, logging.FileHandler) and h.baseFilename == path for h in log.handlers):
            handler = logging.FileHandler(path, encoding="utf-8", delay=True)  # no empty file before a record
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
            log.addHandler(handler)
    return log
