"""What the settlement-flow handlers take from their Context: fresh business ids and the fund-split policy.

    mdtrt_id = new_id(ctx)    # admdvs + yyyyMMddHHmmss + serial, from the sandbox's shared id source
    policy = policy_of(ctx)   # ctx.services["policy"] when the sandbox configures one, else policy.yaml

Ids come from `ctx.services["ids"]` (runtime.Ids), so they never repeat within one sandbox process.
"""

from __future__ import annotations

from medical_insurance_sdk.sandbox.fund_policy import Policy, default_policy
from medical_insurance_sdk.sandbox.handlers.base import Context

ID_WIDTH = 30  # mdtrt_id, setl_id, trt_dcla_detl_sn … are C30


def new_id(ctx: Context) -> str:
    """A new unique business id (mdtrt_id, setl_id, trt_dcla_detl_sn, diag_info_id)."""
    return str(ctx.services["ids"].new(ctx.now, width=ID_WIDTH))


def policy_of(ctx: Context) -> Policy:
    """The fund-split policy the sandbox settles with."""
    configured = ctx.services.get("policy")
    return configured if isinstance(configured, Policy) else default_policy()
