"""The in-process compensation sweeper: every `sweeper_interval_s`, resolve what is still UNKNOWN.

An UNKNOWN write or money outcome that the call itself could not settle within its budget (2601 reversal
or the confirming query) is retried here for every active institution, until it is REVERSED, CONFIRMED
or FAILED.  Several gateway workers may sweep at once: 2601 and queries are idempotent.
"""

from __future__ import annotations

import logging

import anyio
import anyio.to_thread

from medical_insurance_sdk.gateway.state import GatewayState

log = logging.getLogger(__name__)


async def sweep_once(state: GatewayState) -> dict[str, str]:
    """One pass over the unresolved ledger entries; returns {msgid: state}."""
    institutions = await anyio.to_thread.run_sync(state.tenants.active_configs, state.database)
    if not institutions:
        return {}
    report = await state.engine.sweep(institutions)
    if report:
        log.info("compensation sweep resolved %d entries: %s", len(report), report)
    return report


async def run_sweeper(state: GatewayState, interval_s: float) -> None:
    """Sweep now, then every `interval_s` seconds, until cancelled; a failed pass is logged, not fatal."""
    while True:
        try:
            await sweep_once(state)
        except Exception:
            log.exception("compensation sweep failed; next attempt in %g s", interval_s)
        await anyio.sleep(interval_s)
