"""The SM4 + SM2 "encrypted-and-signed" envelope of mobile payment (62xx–64xx) and e-prescription (71xx).

Reference §2.5.  A request or response body looks like

    {"appId": "...", "encType": "SM4", "signType": "SM2", "timestamp": "<ms>", "version": "2.0.1",
     "encData": "<HEX-UPPER SM4 ciphertext of json(data)>", "signData": "<Base64 r‖s>"}

- The SM4 key is derived from appId and appSecret (`derive_sm4_key`).
- `signData` is SM3withSM2 over `sign_text(...)` of the envelope with the *plaintext* data, made with the
  sender's private key.  The SM2 user ID is the appSecret, as in the NHSA Java SDK; pass
  `user_id=DEFAULT_USER_ID` for peers that use the standard default.

Each side holds one `SmChannel`: the hospital signs with the channel key and checks the platform's public
key; the bureau simulator is the mirror image.

    channel = SmChannel(app_id, app_secret, private_key=channel_key, peer_public_key=platform_key)
    body = channel.seal({"payOrdId": "..."})          # request envelope
    data = channel.open(response_json)                # decrypted and verified response data

JSON form of `data` inside encData: `jsoncodec.dumps`, i.e. compact (no spaces), UTF-8 without \\uXXXX
escapes (ensure_ascii=False), keys in the caller's order, Decimal as a number with its exact digits.
Opening parses non-integers as Decimal so that "1.50" keeps its digits.  Pure: no I/O; time comes from the
injectable `clock`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from medical_insurance_sdk.exceptions import AuthenticationError, MedicalInsuranceException, exception_for
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.errors import error
from medical_insurance_sdk.protocol.sm_crypto import (
    DEFAULT_USER_ID,
    public_key_xy,
    sm2_generate_private_key,
    sm2_public_key,
    sm2_sign,
    sm2_verify,
    sm4_ecb_decrypt,
    sm4_ecb_encrypt,
)

__all__ = [
    "DEFAULT_USER_ID",
    "ENVELOPE_VERSION",
    "SmChannel",
    "decrypt_data",
    "derive_sm4_key",
    "encrypt_data",
    "generate_keypair",
    "public_key_of",
    "sign_text",
]

ENVELOPE_VERSION = "2.0.1"
"""`version` of the mobile-payment envelope; CQ e-prescription omits it (pass `version=None`)."""

UNSIGNED_KEYS = frozenset({"signData", "encData", "extra"})
"""Envelope keys the signature does not cover."""

_SEALED_KEYS = frozenset({"data", "encData", "signData"})


# --- SM4 key and data ---------------------------------------------------------------------------------


def derive_sm4_key(app_id: str, app_secret: str) -> bytes:
    """The 16-byte SM4 key: the first 16 hex digits (upper case, as ASCII) of SM4(appId[0:16], appSecret).

    Only the first cipher block counts, so only appSecret[0:16] influences the key.
    """
    seed = app_id[:16].encode("utf-8")
    if len(seed) != 16:
        raise ValueError("appId must start with 16 single-byte characters")
    k0 = sm4_ecb_encrypt(seed, app_secret.encode("utf-8"))
    return k0.hex().upper()[:16].encode("ascii")


def encrypt_data(data: Any, key: bytes) -> str:
    """`encData`: HEX-UPPER of SM4-ECB-PKCS7(key, `jsoncodec.dumps(data)`)."""
    return _encrypt_json(jsoncodec.dumps(data), key)


def _encrypt_json(plain: bytes, key: bytes) -> str:
    return sm4_ecb_encrypt(key, plain).hex().upper()


def decrypt_data(enc_data: str, key: bytes) -> Any:
    """Reverse of `encrypt_data` (either hex case); anything undecryptable raises ValueError."""
    return jsoncodec.loads(sm4_ecb_decrypt(key, bytes.fromhex(enc_data)))


# --- the text that is signed --------------------------------------------------------------------------


def _code_units(key: str) -> bytes:
    # Java's String.compareTo and JavaScript's sort compare UTF-16 code units; Python compares code points.
    # The two differ only for characters beyond U+FFFF, but matching exactly costs nothing.
    return key.encode("utf-16-be", "surrogatepass")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and len(value) == 0)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal):
        return jsoncodec.format_decimal(value)  # the digits the peer reads from the JSON
    if isinstance(value, float):
        # Python, Java and JavaScript print some floats differently (1e16, 2.0): send amounts as str/Decimal.
        return repr(value)
    raise TypeError(f"{type(value).__name__} cannot be signed")


def _canonical(value: Any) -> Any:
    # As the NHSA SignUtil does (read from its C# port): drop empty values inside objects and arrays, sort
    # keys at every level, turn every leaf into a string.  Emptiness is judged before cleaning, so a list
    # whose items are all dropped stays as [], and an empty object stays as {}.
    if isinstance(value, Mapping):
        items = sorted(((str(k), v) for k, v in value.items()), key=lambda kv: _code_units(kv[0]))
        return {k: _canonical(v) for k, v in items if not _is_empty(v)}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value if not _is_empty(item)]
    return _scalar_text(value)


def _value_text(value: Any) -> str:
    if isinstance(value, Mapping | list | tuple):
        return jsoncodec.dumps(_canonical(value)).decode("utf-8")
    return _scalar_text(value)


def sign_text(envelope: Mapping[str, Any], app_secret: str) -> str:
    """`SignUtil.getSignText`: `k1=v1&k2=v2&...&key=<appSecret>` over the envelope with plaintext `data`.

    signData, encData and extra are left out, as are null, "" and [] values at any depth.  Keys are sorted
    by UTF-16 code units; strings go as is, numbers and booleans as text, objects and arrays as compact JSON
    with sorted keys and every leaf as a string.
    """
    items = [(str(k), v) for k, v in envelope.items() if str(k) not in UNSIGNED_KEYS and not _is_empty(v)]
    items.sort(key=lambda kv: _code_units(kv[0]))
    return "&".join([*(f"{k}={_value_text(v)}" for k, v in items), f"key={app_secret}"])


# --- keys ---------------------------------------------------------------------------------------------


def _b64decode(text: str) -> bytes:
    # PEM-ish copies of keys often carry line breaks.
    return base64.b64decode("".join(text.split()), validate=True)


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def generate_keypair() -> tuple[str, str]:
    """A new (private, public) pair as channels configure them: Base64 of raw d, Base64 of 04‖x‖y."""
    private = sm2_generate_private_key()
    return _b64encode(private), _b64encode(sm2_public_key(private))


def public_key_of(private_key: str) -> str:
    """The Base64 04‖x‖y public key of a Base64 raw private key."""
    return _b64encode(sm2_public_key(_b64decode(private_key)))


# --- the channel --------------------------------------------------------------------------------------


def _bad_config(reason: str) -> AuthenticationError:
    return AuthenticationError(f"{error(20009).message}: SM channel {reason}", code=20009)


def _bad_signature(reason: str) -> AuthenticationError:
    return AuthenticationError(f"{error(20008).message}: {reason}", code=20008)


@dataclass(frozen=True, slots=True)
class SmChannel:
    """One end of an SM4 + SM2 channel: seals outgoing envelopes and opens incoming ones.

    `private_key` signs what this side sends (Base64 of raw d); `peer_public_key` checks what the other
    side sends (Base64 of 65-byte 04‖x‖y or 64-byte x‖y).  `user_id` is the SM2 user ID for both
    directions; None means the UTF-8 appSecret.  Bad credentials raise AuthenticationError(20009).
    """

    app_id: str
    app_secret: str = field(repr=False)
    private_key: str = field(repr=False)
    peer_public_key: str
    user_id: bytes | str | None = None
    version: str | None = ENVELOPE_VERSION
    clock: Callable[[], float] = time.time
    _sm4_key: bytes = field(init=False, repr=False)
    _private: bytes = field(init=False, repr=False)
    _public: bytes = field(init=False, repr=False)
    _peer: bytes = field(init=False, repr=False)
    _uid: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.app_secret:
            raise _bad_config("needs appSecret")
        try:
            sm4_key = derive_sm4_key(self.app_id, self.app_secret)
        except ValueError as exc:
            raise _bad_config(str(exc)) from None
        try:
            private = _b64decode(self.private_key)
            public = sm2_public_key(private)
        except ValueError:  # binascii.Error included
            raise _bad_config("private key is not Base64 of a 32-byte SM2 key") from None
        try:
            peer = public_key_xy(_b64decode(self.peer_public_key))
        except ValueError:  # binascii.Error included
            raise _bad_config("peer public key is not Base64 of an SM2 point") from None
        uid = self.app_secret if self.user_id is None else self.user_id
        for name, value in (
            ("_sm4_key", sm4_key),
            ("_private", private),
            ("_public", public),
            ("_peer", peer),
            ("_uid", uid.encode("utf-8") if isinstance(uid, str) else uid),
        ):
            object.__setattr__(self, name, value)

    @property
    def public_key(self) -> str:
        """This side's public key (Base64 04‖x‖y), to hand to the peer."""
        return _b64encode(self._public)

    def sign(self, envelope: Mapping[str, Any], *, k: int | None = None) -> str:
        """`signData` of an envelope whose `data` is plaintext: Base64 of r‖s.  `k` is for tests only."""
        text = sign_text(envelope, self.app_secret).encode("utf-8")
        raw = sm2_sign(text, self._private, user_id=self._uid, public_key=self._public, k=k)
        return _b64encode(raw)

    def verify(self, envelope: Mapping[str, Any], signature: str) -> None:
        """Check the peer's `signData` over an envelope with plaintext `data`; raise 20008 if it fails."""
        try:
            raw = _b64decode(signature)
        except ValueError:  # binascii.Error included
            raise _bad_signature("signData is not Base64") from None
        text = sign_text(envelope, self.app_secret).encode("utf-8")
        if not sm2_verify(text, raw, self._peer, user_id=self._uid):
            raise _bad_signature("signData does not match (SM3withSM2)")

    def seal(
        self,
        data: Mapping[str, Any],
        *,
        envelope_fields: Mapping[str, Any] | None = None,
        k: int | None = None,
    ) -> dict[str, Any]:
        """The envelope carrying `data`; `envelope_fields` adds signed top-level keys (e.g. a result code)."""
        envelope: dict[str, Any] = {
            "appId": self.app_id,
            "encType": "SM4",
            "signType": "SM2",
            "timestamp": str(int(self.clock() * 1000)),
        }
        if self.version is not None:
            envelope["version"] = self.version
        if envelope_fields and not _SEALED_KEYS.isdisjoint(envelope_fields):
            raise ValueError("envelope_fields may not set data, encData or signData")
        envelope.update(envelope_fields or {})
        # Sign what the peer will decode, not the Python objects: a datetime becomes its bureau text and
        # Decimal("1E+2") becomes 100 on the wire, and the peer signs those.
        plain = jsoncodec.dumps(data)
        signature = self.sign({**envelope, "data": jsoncodec.loads(plain)}, k=k)
        return {**envelope, "encData": _encrypt_json(plain, self._sm4_key), "signData": signature}

    def open(self, envelope: Mapping[str, Any], *, malformed_code: int = 20004) -> Any:
        """Decrypt `encData` and check `signData` with the peer key; return the data (normally a dict).

        A bad or missing signature raises AuthenticationError(20008).  An envelope that cannot be read
        raises the error of `malformed_code`: 20004 (ResponseFormatError) for a client reading responses,
        10002 (RequestError) for the simulator reading requests.
        """

        def malformed(reason: str) -> MedicalInsuranceException:
            return exception_for(malformed_code, f"{error(malformed_code).message}: {reason}")

        for key, expected in (("encType", "SM4"), ("signType", "SM2")):
            found = envelope.get(key)
            if found is not None and str(found).upper() != expected:
                raise malformed(f"{key} {found!r} is not {expected}")
        enc_data = envelope.get("encData")
        if not isinstance(enc_data, str) or not enc_data:
            raise malformed("encData is missing")
        try:
            data = decrypt_data(enc_data, self._sm4_key)
        except ValueError as exc:
            raise malformed(f"encData cannot be decrypted with this appId/appSecret ({exc})") from None
        signature = envelope.get("signData")
        if not isinstance(signature, str) or not signature:
            raise _bad_signature("signData is missing")
        self.verify({**envelope, "data": data}, signature)
        return data
