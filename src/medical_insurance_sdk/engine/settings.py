"""Engine configuration: per-institution bureau settings and engine-wide behaviour (immutable)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from medical_insurance_sdk.protocol.envelope import EnvelopeConfig
from medical_insurance_sdk.protocol.profiles import Profile, ProfileError, load_profile
from medical_insurance_sdk.protocol.sm_channel import SmChannel

# The msgid columns' width (storage/models.py LedgerEntry.msgid and the rows that refer to it).
STORED_MSGID_LENGTH = 30


@dataclass(frozen=True)
class InstitutionConfig:
    """One 定点医药机构 as the bureau knows it: envelope identity, province profile and credentials.

    `base_url` None means the embedded sandbox (the engine's transport then points at it).  `sm_channel`:
    the hospital's end of the SM4/SM2 channel; with it, mobile payment and e-prescription travel on that
    channel instead of the infno envelope (`engine/sm_request.py`).
    """

    envelope: EnvelopeConfig
    profile: Profile = field(default_factory=lambda: load_profile("national"))
    base_url: str | None = None
    credentials: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sign_in_ip: str = "127.0.0.1"
    sign_in_mac: str = "00-16-3E-00-00-01"
    sm_channel: SmChannel | None = None

    def __post_init__(self) -> None:
        # the ledger (and the gateway's audit, jobs and idempotency rows) keep a msgid in 30 characters
        length = self.profile.envelope.msgid_length
        if length > STORED_MSGID_LENGTH:
            raise ProfileError(
                f"省份配置 {self.profile.name} 的发送方报文ID为 {length} 位，超出账本可保存的 "
                f"{STORED_MSGID_LENGTH} 位：引擎无法使用该配置（模拟器可以）"
            )

    @property
    def code(self) -> str:
        return self.envelope.fixmedins_code

    @property
    def url_base(self) -> str:
        return self.base_url or "http://sandbox.local"


@dataclass(frozen=True)
class EngineSettings:
    """How the engine behaves; every number has a reason in a comment."""

    # 9001 sign_no is valid for the operator's working day; renew after this many hours
    sign_in_valid_hours: float = 24.0
    # query retries: attempts in total, exponential backoff base and cap (seconds); jitter is added
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    # after an UNKNOWN write/money outcome, how long the call itself may spend resolving it before it
    # answers "unknown" and leaves the rest to the sweeper
    resolve_budget_s: float = 15.0
    # an entry still PENDING after this long was interrupted (crash between record and answer)
    stale_pending_s: float = 120.0
    # per-call timeout override (seconds); None = the registry's per-transaction timeout (spec §6.1.1);
    # it is the whole time a call's attempts may take, not the time of each
    timeout_s: float | None = None
    # how long after sending the bureau may still be processing a message; a 2601 "原交易不存在" (or a
    # query without the record) before then is not final.  None = the province profile's value
    processing_window_s: float | None = None
    # how long one resolver (a call resolving its own outcome, a sweeper) holds an unresolved entry; more
    # than resolve_budget_s plus one bureau timeout, so a live resolver never loses it mid-way
    lease_s: float = 180.0
    # a query's ledger row is written once after its answer, by a background writer in batches, instead of
    # PENDING before sending and again after (issue 16): a read carries no money and has nothing to resolve
    query_ledger_after_answer: bool = True
