"""The effects the I/O-free flow asks its shell to perform, and what the shell answers.

The flow (`flow.py`) is a generator: it yields an effect, the shell performs it (network, database, sleep)
and sends the result back.  The sync and the async shell (`runner.py`) interpret the same effects, so the
engine's logic exists once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Literal


@dataclass(frozen=True, slots=True)
class OutgoingRequest:
    infno: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    timeout_s: float


@dataclass(frozen=True, slots=True)
class Delivered:
    """The bureau (or something in front of it) answered over HTTP."""

    status_code: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    spool: IO[bytes] | None = None  # a spooled file download (`runner.spooled_downloads`); body is then b""


@dataclass(frozen=True, slots=True)
class Undelivered:
    """No HTTP answer.  `not_sent`: the request never left (refused connection); `lost`: it may have
    reached the bureau (timeout after sending, connection reset, ...)."""

    kind: Literal["not_sent", "lost"]
    error: str


SendResult = Delivered | Undelivered


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A ledger row to write before the message is sent."""

    msgid: str
    infno: str
    safety: str
    institution_code: str
    operator: str
    request: Mapping[str, Any]  # masked envelope
    business_keys: Mapping[str, Any]
    created_at: datetime
    request_id: str | None = None
    parent_msgid: str | None = None
    bureau: str | None = None  # the identity of the bureau it is sent to (flow.bureau_identity)


@dataclass(frozen=True, slots=True)
class AllocateMsgId:
    institution_code: str


@dataclass(frozen=True, slots=True)
class LoadSession:
    institution_code: str
    operator: str


@dataclass(frozen=True, slots=True)
class StoreSession:
    institution_code: str
    operator: str
    sign_no: str
    signed_in_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class DropSession:
    institution_code: str
    operator: str


@dataclass(frozen=True, slots=True)
class Record:
    entry: NewEntry


@dataclass(frozen=True, slots=True)
class RecordAnswered:
    """A query's ledger row in its final state, written once after the answer (issue 16).

    A read carries no money: its row need not be durable before the message leaves, nor hold the request
    path, so the async shell hands it to a background writer (`ledger_writer.py`) and goes on."""

    entry: NewEntry
    outcome: Complete


@dataclass(frozen=True, slots=True)
class Complete:
    """Classify a recorded message: SUCCESS, FAILED or UNKNOWN, with what came back."""

    msgid: str
    state: str
    answered_at: datetime
    infcode: int | None = None
    error_code: int | None = None
    error_message: str | None = None
    response: Mapping[str, Any] | None = None
    business_keys: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None
    # an UNKNOWN outcome the call resolves itself is leased to it in the same write
    lease_owner: str | None = None
    lease_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Resolve:
    """Settle an UNKNOWN entry: REVERSED, CONFIRMED, FAILED, or still UNKNOWN (attempt counted)."""

    msgid: str
    state: str
    at: datetime
    resolution_msgid: str | None = None
    note: str | None = None
    # the resolver that holds the entry's lease: its answer is written only while it still holds it
    owner: str | None = None
    # still UNKNOWN: nobody looks at it again before this moment (the bureau's processing window)
    hold_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ListUnresolved:
    """UNKNOWN entries and PENDING ones older than `stale_pending_s` (interrupted between record and
    answer) of `institutions` (empty: all), whose lease or hold has run out."""

    now: datetime
    stale_pending_s: float
    limit: int = 100
    institutions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ClaimEntry:
    """Take the lease of an unresolved entry until `until`; answers True when this resolver now holds it."""

    msgid: str
    owner: str
    now: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class MarkInterrupted:
    msgid: str
    now: datetime


@dataclass(frozen=True, slots=True)
class Send:
    request: OutgoingRequest


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An idempotency key as stored (`idempotency_record`); `claimed`: this call has just inserted it."""

    id: int
    institution_code: str
    key: str
    request_hash: str
    infno: str
    state: str  # IN_FLIGHT | DONE
    created_at: datetime
    msgid: str | None = None
    answer: Mapping[str, Any] | None = None
    error: Mapping[str, Any] | None = None
    claimed: bool = False


@dataclass(frozen=True, slots=True)
class ClaimKey:
    """Insert the key IN_FLIGHT; answers the new KeyRecord (claimed) or the one stored already."""

    institution_code: str
    key: str
    request_hash: str
    infno: str
    now: datetime


@dataclass(frozen=True, slots=True)
class TakeOverKey:
    """Claim an abandoned IN_FLIGHT key that names no message; answers True when this call won it."""

    record_id: int
    created_at: datetime
    now: datetime


@dataclass(frozen=True, slots=True)
class AttachMsgId:
    """The key's call recorded `msgid` in the ledger: the message that carries its outcome."""

    record_id: int
    msgid: str


@dataclass(frozen=True, slots=True)
class FinishKey:
    """DONE, with the successful answer or the failure a replay of the key gets back."""

    record_id: int
    now: datetime
    msgid: str | None = None
    answer: Mapping[str, Any] | None = None
    error: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ReleaseKey:
    """Forget the key: its call certainly never reached the bureau, so the caller may send it again."""

    record_id: int


@dataclass(frozen=True, slots=True)
class LookUpMessage:
    """The ledger row of `msgid` (answers a LedgerEntry or None)."""

    msgid: str


Effect = (
    AllocateMsgId
    | LoadSession
    | StoreSession
    | DropSession
    | Record
    | RecordAnswered
    | Complete
    | Resolve
    | ListUnresolved
    | ClaimEntry
    | MarkInterrupted
    | Send
    | Sleep
    | ClaimKey
    | TakeOverKey
    | AttachMsgId
    | FinishKey
    | ReleaseKey
    | LookUpMessage
)
