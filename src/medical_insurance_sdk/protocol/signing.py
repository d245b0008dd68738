"""Gateway signers: the headers a provincial gateway wants on every bureau call (reference §2.3–2.4).

A province profile names its signer (`none`, `tif`, `aksk`); `make_signer(kind, **settings)` builds it.
The transport asks `signer.headers(infno, body)` before sending; the bureau simulator calls
`signer.verify(headers, body)` on what arrives, so both sides share one implementation.

    signer = make_signer("tif", paasid="sztest_hosp", token="...")
    request.headers.update(signer.headers("2207", body))

Pure: no I/O.  Time and nonces come from injectable callables (`clock`, `nonce`), so tests are exact.
Neither gateway scheme covers the body: they authenticate the caller, not the message (the SM2 channel of
`sm_channel` is the one that signs content).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from medical_insurance_sdk.exceptions import AuthenticationError
from medical_insurance_sdk.protocol.errors import error

Clock = Callable[[], float]
"""Returns the current Unix time in seconds (`time.time`)."""

DEFAULT_MAX_SKEW = 300.0
"""Seconds a signed timestamp may differ from the verifier's clock."""


@runtime_checkable
class Signer(Protocol):
    """Adds gateway authentication headers to a call and checks them on the receiving side."""

    def headers(self, infno: str, body: bytes = b"") -> dict[str, str]:
        """The headers to send with one call of transaction `infno`."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes = b"") -> None:
        """Raise AuthenticationError(20008) unless `headers` carry a valid signature."""
        ...


def _bad_signature(reason: str) -> AuthenticationError:
    return AuthenticationError(f"{error(20008).message}: {reason}", code=20008)


def _bad_config(reason: str) -> AuthenticationError:
    return AuthenticationError(f"{error(20009).message}: {reason}", code=20009)


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    # HTTP header names are case-insensitive; httpx, Starlette and plain dicts differ in what they keep.
    return {key.lower(): value for key, value in headers.items()}


def _require(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise _bad_signature(f"missing header {name}")
    return value


def _same(expected: str, got: str) -> bool:
    # Constant-time, and on bytes: compare_digest refuses str with non-ASCII characters.
    return hmac.compare_digest(expected.encode("utf-8"), got.encode("utf-8"))


def _check_skew(signed_at: float, now: float, max_skew: float, header: str) -> None:
    if abs(now - signed_at) > max_skew:
        raise _bad_signature(f"{header} is more than {max_skew:g} s away from the verifier's clock")


def _random_nonce() -> str:
    return secrets.token_hex(8)


# --- none ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoSigner:
    """No gateway authentication (intranet front-end processors, the simulator's default)."""

    def headers(self, infno: str, body: bytes = b"") -> dict[str, str]:
        return {}

    def verify(self, headers: Mapping[str, str], body: bytes = b"") -> None:
        return None


# --- x-tif (reference §2.3) ---------------------------------------------------------------------------


def tif_signature(timestamp: str, token: str, nonce: str) -> str:
    """`x-tif-signature`: lowercase hex SHA-256 of timestamp + token + nonce + timestamp (UTF-8)."""
    text = f"{timestamp}{token}{nonce}{timestamp}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TifSigner:
    """The TIF gateway headers `x-tif-paasid/-timestamp/-nonce/-signature` (Shenzhen, Hebei, Chongqing).

    `token` is the shared secret; the timestamp is Unix seconds.  `verify` also rejects timestamps more than
    `max_skew` seconds from `clock()`.
    """

    paasid: str
    token: str = field(repr=False)
    max_skew: float = DEFAULT_MAX_SKEW
    clock: Clock = time.time
    nonce: Callable[[], str] = _random_nonce

    def __post_init__(self) -> None:
        if not self.paasid or not self.token:
            raise _bad_config("x-tif signer needs paasid and token")

    def headers(self, infno: str, body: bytes = b"") -> dict[str, str]:
        timestamp = str(int(self.clock()))
        nonce = self.nonce()
        return {
            "x-tif-paasid": self.paasid,
            "x-tif-timestamp": timestamp,
            "x-tif-nonce": nonce,
            "x-tif-signature": tif_signature(timestamp, self.token, nonce),
        }

    def verify(self, headers: Mapping[str, str], body: bytes = b"") -> None:
        got = _lower_keys(headers)
        if _require(got, "x-tif-paasid") != self.paasid:
            raise _bad_signature("unknown x-tif-paasid")
        timestamp = _require(got, "x-tif-timestamp")
        nonce = _require(got, "x-tif-nonce")
        signature = _require(got, "x-tif-signature")
        if not (timestamp.isascii() and timestamp.isdigit()):
            raise _bad_signature("x-tif-timestamp is not Unix seconds")
        expected = tif_signature(timestamp, self.token, nonce)
        # Some clients upper-case the hex digest; the value is the same.
        if not _same(expected, signature.lower()):
            raise _bad_signature("x-tif-signature does not match")
        _check_skew(int(timestamp), self.clock(), self.max_skew, "x-tif-timestamp")


# --- AK/SK, Alibaba CSB style (reference §2.4) ---------------------------------------------------------

AKSK_SIGNATURE = "_api_signature"
AKSK_PREFIX = "_api_"
INFNO_PLACEHOLDER = "{infno}"


def aksk_params(ak: str, api_name: str, api_version: str, timestamp_ms: int | str) -> dict[str, str]:
    """The four `_api_*` parameters that every AK/SK call signs."""
    return {
        "_api_access_key": ak,
        "_api_name": api_name,
        "_api_timestamp": str(timestamp_ms),
        "_api_version": api_version,
    }


def aksk_sign_text(params: Mapping[str, str]) -> str:
    """`k=v&k=v` over every parameter except `_api_signature`, sorted by key."""
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key != AKSK_SIGNATURE)


def aksk_signature(params: Mapping[str, str], sk: str) -> str:
    """`_api_signature`: Base64 of HMAC-SHA1 keyed with SK over `aksk_sign_text(params)`."""
    digest = hmac.new(sk.encode("utf-8"), aksk_sign_text(params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class AkSkSigner:
    """CSB-style `_api_*` headers with an HMAC-SHA1 signature (Jiangxi, Jiangsu pre-audit).

    `_api_name` is the infno unless the province fixes one name for every call (`api_name`, e.g. Jiangsu's
    `hssServives`); an `api_name` containing `{infno}` is a template (profiles write `"{infno}"`).  The
    timestamp is Unix milliseconds.  Form parameters, when a call sends a form, are signed too: pass them
    as `form`.
    """

    ak: str
    sk: str = field(repr=False)
    api_version: str = "1.0.0"
    api_name: str | None = None
    max_skew: float = DEFAULT_MAX_SKEW
    clock: Clock = time.time

    def __post_init__(self) -> None:
        if not self.ak or not self.sk:
            raise _bad_config("AK/SK signer needs ak and sk")

    def headers(
        self, infno: str, body: bytes = b"", *, form: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        name = (self.api_name or INFNO_PLACEHOLDER).replace(INFNO_PLACEHOLDER, infno)
        return self.sign(name, int(self.clock() * 1000), form=form)

    def sign(
        self, api_name: str, timestamp_ms: int | str, *, form: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """The `_api_*` headers, signature included, for an explicit name and timestamp."""
        params = aksk_params(self.ak, api_name, self.api_version, timestamp_ms)
        signature = aksk_signature({**(form or {}), **params}, self.sk)
        return {**params, AKSK_SIGNATURE: signature}

    def verify(
        self, headers: Mapping[str, str], body: bytes = b"", *, form: Mapping[str, str] | None = None
    ) -> None:
        got = _lower_keys(headers)
        if _require(got, "_api_access_key") != self.ak:
            raise _bad_signature("unknown _api_access_key")
        name = _require(got, "_api_name")
        fixed = self.api_name and INFNO_PLACEHOLDER not in self.api_name
        if fixed and name != self.api_name:
            raise _bad_signature(f"_api_name {name!r} is not {self.api_name!r}")
        timestamp = _require(got, "_api_timestamp")
        signature = _require(got, AKSK_SIGNATURE)
        if not (timestamp.isascii() and timestamp.isdigit()):
            raise _bad_signature("_api_timestamp is not Unix milliseconds")
        signed = {key: value for key, value in got.items() if key.startswith(AKSK_PREFIX)}
        expected = aksk_signature({**(form or {}), **signed}, self.sk)
        if not _same(expected, signature):
            raise _bad_signature("_api_signature does not match")
        _check_skew(int(timestamp) / 1000, self.clock(), self.max_skew, "_api_timestamp")


# --- registry -----------------------------------------------------------------------------------------

SIGNERS: Mapping[str, type[Any]] = MappingProxyType({"none": NoSigner, "tif": TifSigner, "aksk": AkSkSigner})
"""Signer kinds a province profile may name."""

# Province profiles name the AK/SK credentials by their long names.
_ALIASES: Mapping[str, str] = MappingProxyType({"access_key": "ak", "secret_key": "sk"})


def make_signer(kind: str, **settings: Any) -> Signer:
    """Build the signer a province profile names, e.g. `make_signer("aksk", ak=..., sk=...)`.

    `access_key`/`secret_key` are accepted for `ak`/`sk`, the names province profiles use.

    Unknown kinds, unknown settings and missing credentials raise AuthenticationError(20009).
    """
    cls = SIGNERS.get(kind.lower())
    if cls is None:
        raise _bad_config(f"unknown signer {kind!r}; expected one of {', '.join(SIGNERS)}")
    settings = {_ALIASES.get(name, name): value for name, value in settings.items()}
    allowed = {f.name for f in fields(cls) if f.init}
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise _bad_config(f"signer {kind!r} does not take {', '.join(unknown)}")
    try:
        signer: Signer = cls(**settings)
    except TypeError as exc:  # a required setting is missing
        raise _bad_config(f"signer {kind!r}: {exc}") from None
    return signer
