"""The SM4/SM2 channel from the hospital's side (reference §2.5): mobile payment (62xx-64xx) and
e-prescription (71xx/72xx) when the institution configures the channel.

    channel = sm_channel_from({"sm_app_id": ..., "sm_app_secret": ..., "sm_private_key": ...,
                               "sm_platform_public_key": ...})      # None when none of the four is set
    config = InstitutionConfig(envelope, sm_channel=channel)

With a channel, a transaction the registry puts on it (`Transaction.channel`) is sent without an infno
envelope and without a 9001 sign-in: the validated input's `data` node is sealed (`SmChannel.seal`) and
POSTed to the bureau's base URL + `Transaction.sm_path`.  Its answer is opened with the platform's public
key and read as the envelope path reads its answers: `code` is the infcode (0 success, -2 a business
refusal, anything else a system failure), `message` the err_msg, the data the output's `data` node.  So the
outcome, the exceptions and the ledger row are those of the envelope path (`classify`), and an answer that
cannot be opened or verified is an unreadable answer (20004 / 20008): outcome unknown for a write or money
call, resolved by its confirm query, never sent blindly again.

The msgid is allocated and the call recorded before sending as for any call (compensation and
reconciliation key on it); the channel itself carries no msgid.  Without a channel the institution's
SM-channel transactions travel in the infno envelope, as before.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from medical_insurance_sdk.engine.effects import Delivered, OutgoingRequest
from medical_insurance_sdk.exceptions import AuthenticationError, ResponseFormatError
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.errors import error
from medical_insurance_sdk.protocol.result import Answer, parse_http_answer, parse_result
from medical_insurance_sdk.protocol.sm_channel import SmChannel
from medical_insurance_sdk.registry import Channel, Transaction

__all__ = [
    "SM_SETTINGS",
    "SM_VARIABLES",
    "read_sm_answer",
    "sm_channel_for",
    "sm_channel_from",
    "sm_request",
]

# The four settings of the hospital's end of the channel: the appId and appSecret the platform issued, the
# hospital's SM2 private key (Base64 of raw d) and the platform's SM2 public key (Base64 of 04‖x‖y).
SM_SETTINGS = ("sm_app_id", "sm_app_secret", "sm_private_key", "sm_platform_public_key")
# environment variable → setting
SM_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "MEDICAL_BUREAU_SM_APP_ID": "sm_app_id",
        "MEDICAL_BUREAU_SM_APP_SECRET": "sm_app_secret",
        "MEDICAL_BUREAU_SM_PRIVATE_KEY": "sm_private_key",
        "MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY": "sm_platform_public_key",
    }
)
_VARIABLE_OF = MappingProxyType({setting: variable for variable, setting in SM_VARIABLES.items()})
_CONTENT_TYPE = "application/json; charset=utf-8"


def sm_channel_from(values: Mapping[str, Any]) -> SmChannel | None:
    """The hospital's end of the channel from the four `SM_SETTINGS` in `values`; None when none is set.

    Some but not all of them, or keys that are not SM2 keys, raise AuthenticationError 20009 (at
    configuration time, before anything is sent)."""
    given = {name: str(values[name]) for name in SM_SETTINGS if values.get(name)}
    if not given:
        return None
    missing = [_VARIABLE_OF[name] for name in SM_SETTINGS if name not in given]
    if missing:
        raise AuthenticationError(
            f"{error(20009).message}: 国密通道（移动支付/电子处方）的四项配置须同时设置，"
            f"缺少 {'、'.join(missing)}",
            code=20009,
        )
    return SmChannel(
        given["sm_app_id"],
        given["sm_app_secret"],
        private_key=given["sm_private_key"],
        peer_public_key=given["sm_platform_public_key"],
    )


def sm_channel_for(tx: Transaction, channel: SmChannel | None) -> SmChannel | None:
    """The channel `tx` travels on: the institution's SM channel for an SM-channel transaction, else None
    (the infno envelope)."""
    return channel if tx.channel is Channel.SM else None


def sm_request(
    tx: Transaction, channel: SmChannel, url_base: str, data: Mapping[str, Any], timeout_s: float
) -> OutgoingRequest:
    """The sealed request of `tx` carrying its validated input `data` (the `data` node goes on the wire)."""
    path = tx.sm_path
    if path is None:  # pragma: no cover - sm_channel_for gives a channel to SM transactions only
        raise ValueError(f"{tx.infno} does not travel on the SM channel")
    body = jsoncodec.dumps(channel.seal(_wire_data(data)))
    headers = {"content-type": _CONTENT_TYPE}
    return OutgoingRequest(tx.infno, url_base.rstrip("/") + path, headers, body, timeout_s)


def _wire_data(data: Mapping[str, Any]) -> Any:
    # every SM transaction's input is one `data` node (the sandbox reads the opened data as input.data)
    if set(data) <= {"data"}:
        return data.get("data") or {}
    return dict(data)


def read_sm_answer(channel: SmChannel, sent: Delivered, *, infno: str) -> Answer:
    """The bureau's answer on the channel as the envelope path's `BureauResult` (or TransportAnswer for an
    HTTP error without an answer).

    A sealed answer is opened (decrypted, its signature checked with the platform's key); its signed `code`,
    `message` and data become infcode, err_msg and `output.data`.  A plain JSON failure (no encData: the
    platform refused before the channel could be used) is read unsigned, like an envelope answer; a success
    that is not sealed cannot be trusted.  Raises ResponseFormatError 20004 for what cannot be read and
    AuthenticationError 20008 for a signature that does not verify.
    """
    if not 200 <= sent.status_code < 300:
        return parse_http_answer(
            sent.status_code, sent.headers.get("content-type", ""), sent.body, infno=infno
        )
    try:
        answer = jsoncodec.loads(sent.body)
    except ValueError as exc:
        raise _unreadable(infno, "应答不是有效的 JSON", reason=str(exc), body_length=len(sent.body)) from None
    if not isinstance(answer, Mapping):
        raise _unreadable(infno, "应答不是 JSON 对象", body_length=len(sent.body))
    code, message = _code(answer), answer.get("message")
    if answer.get("encData") is None:
        plain = parse_result({"infcode": code, "err_msg": message, "output": None, "channel": "sm"})
        if plain.success:
            raise _unreadable(infno, "成功应答未加密签名（缺少 encData/signData），无法验证")
        return plain
    try:
        data = channel.open(answer)
    except (AuthenticationError, ResponseFormatError) as exc:
        exc.infno = infno
        raise
    # the `data` node of the envelope's output; an answer without data has none (the envelope's null)
    output = {"data": data} if data not in (None, {}) else None
    result = parse_result({"infcode": code, "err_msg": message, "output": output, "channel": "sm"})
    return result if result.success else replace(result, output=None)


def _code(answer: Mapping[str, Any]) -> Any:
    """The answer's `code`; without one, its `success` flag (true → 0, else -1)."""
    code = answer.get("code")
    if code is None or code == "":
        return 0 if answer.get("success") is True else -1
    return code


def _unreadable(infno: str, what: str, **details: Any) -> ResponseFormatError:
    return ResponseFormatError(
        f"{error(20004).message}: 国密通道{what}", code=20004, infno=infno, details=details
    )
