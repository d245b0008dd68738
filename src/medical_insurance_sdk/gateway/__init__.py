"""The REST gateway: the 206 bureau transactions at the spec's paths, for any language (spec §1–§2).

    from medical_insurance_sdk.gateway import GatewaySettings, create_app
    app = create_app(GatewaySettings())          # `yibao run` serves it on :8000

Layout: settings.py (config) · app.py (factory, lifespan) · extensions.py (installers, lifespan hooks, the
one admission path) · deps.py (dependency aliases) · policies/ (auth, rbac, limits, concurrency, sizes) ·
routes/ (generated transaction routes, auth/token, batch, tasks …) · services/ (batch/, tasks, files) ·
inputs.py / outputs.py / paging.py / responses.py (request → bureau input → answer) · tenancy.py, keys.py,
tokens.py, models.py (institutions, API keys, JWT) · errors.py (exceptions → common format) · sweeper.py
(compensation).

The two names are loaded on first use, so that `yibao keys …` does not import the web framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medical_insurance_sdk.gateway.app import create_app
    from medical_insurance_sdk.gateway.settings import GatewaySettings

__all__ = ["GatewaySettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from medical_insurance_sdk.gateway.app import create_app

        return create_app
    if name == "GatewaySettings":
        from medical_insurance_sdk.gateway.settings import GatewaySettings

        return GatewaySettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
