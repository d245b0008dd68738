"""From an HTTP request to the bureau's `input`: body or query, node form or flat, plus call options.

The accepted shapes (node form, `{"input": …}`, flat, flat rows) are the registry's
(`registry/inputs.py`), read alike by the CLI and the batch calls; GET query parameters are always flat.
Reserved top-level keys are lifted out of the input: `insuplc_admdvs`, `operator`, `operator_name` (also
the X-Insuplc-Admdvs / X-Operator / X-Operator-Name headers; the body wins); a control character in one of
them is refused with 10002.

`CallInput.claimed_by(tx, institution)`: the institution fields a transaction's input carries about the
caller itself (9101/9102 fixmedins_code …) are the caller's; another institution's is 403 + 10007.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import RequestError, exception_for
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import Transaction
from medical_insurance_sdk.registry.fields import ROOT
from medical_insurance_sdk.registry.inputs import shape_input, wrap_flat

RESERVED = ("insuplc_admdvs", "operator", "operator_name")
RESERVED_HEADERS = {
    "insuplc_admdvs": "X-Insuplc-Admdvs",
    "operator": "X-Operator",
    "operator_name": "X-Operator-Name",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CallInput:
    """The bureau input of one call and the per-call envelope choices."""

    input: dict[str, Any]
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def operator(self) -> str | None:
        return self.options.get("operator")

    @property
    def operator_name(self) -> str | None:
        return self.options.get("operator_name")

    @property
    def insuplc_admdvs(self) -> str | None:
        return self.options.get("insuplc_admdvs")

    def claimed_by(self, tx: Transaction, institution: InstitutionConfig) -> CallInput:
        """This input sent as `institution`: its own institution fields set, a foreign one refused."""
        names = tx.own_institution_fields
        if not names:
            return self
        own = {"fixmedins_code": institution.code, "fixmedins_name": institution.envelope.fixmedins_name}
        allowed = {name: {value} for name, value in own.items()}
        plc = institution.profile.plc
        if tx.answer_is_file and plc.target in allowed:
            # the file download may also name the platform ("plc", the profile's rule): everyone may
            # download the platform's catalogue files
            allowed[plc.target].add(plc.value)
        claimed = dict(self.input)
        for node in tx.request_nodes:
            value = claimed.get(node.name)
            if node.name == ROOT:
                claimed = _claimed(claimed, names, own, allowed, "")
            elif isinstance(value, Mapping):
                claimed[node.name] = _claimed(value, names, own, allowed, node.name + ".")
            elif isinstance(value, list):
                claimed[node.name] = [
                    _claimed(row, names, own, allowed, f"{node.name}.{i}.")
                    if isinstance(row, Mapping)
                    else row
                    for i, row in enumerate(value)
                ]
        return CallInput(claimed, self.options)


def _claimed(
    values: Mapping[str, Any],
    names: tuple[str, ...],
    own: Mapping[str, str],
    allowed: Mapping[str, set[str]],
    where: str,
) -> dict[str, Any]:
    claimed = dict(values)
    for name in names:
        given = claimed.get(name)
        if given in (None, ""):
            claimed[name] = own[name]
        elif str(given) not in allowed[name]:
            raise exception_for(
                10007, f"机构信息无效: {where}{name} 只能是本机构（{own[name]}）", http_status=403
            )
    return claimed


def parse_json_body(raw: bytes) -> Any:
    """The body as JSON (exact decimals); empty means {}; anything unreadable is 400 + 10002."""
    if not raw.strip():
        return {}
    try:
        return jsoncodec.loads(raw)
    except (ValueError, RecursionError):  # the input guard refuses deep nesting first; this is the backstop
        raise RequestError("请求参数格式错误: 请求体不是有效的 JSON", code=10002) from None


def _options(values: dict[str, Any], headers: Mapping[str, str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for name in RESERVED:
        value = values.pop(name, None)
        if value in (None, ""):
            header = headers.get(RESERVED_HEADERS[name])
            # header values are Latin-1 on the wire: a Chinese operator name arrives percent-encoded
            value = unquote(header) if header else None
        if value not in (None, ""):
            text = str(value)
            if _CONTROL.search(text):
                # these go into the bureau envelope: a CR/LF or NUL there is never a name or a code
                raise RequestError(f"请求参数格式错误: {name} 含有控制字符", code=10002)
            options[name] = text
    return options


def from_body(tx: Transaction, body: Any, headers: Mapping[str, str]) -> CallInput:
    """The call input of a POST/PUT/DELETE body (already parsed JSON): its shape read by the registry."""
    if isinstance(body, list):
        return CallInput(shape_input(tx, body), _options({}, headers))
    if not isinstance(body, dict):
        return CallInput(shape_input(tx, body), {})  # refused there: 10002
    values = dict(body)
    options = _options(values, headers)
    return CallInput(shape_input(tx, values), options)


def from_query(tx: Transaction, params: Iterable[tuple[str, str]], headers: Mapping[str, str]) -> CallInput:
    """The call input of GET query parameters: flat fields of the single input node."""
    values: dict[str, Any] = dict(params)
    options = _options(values, headers)
    return CallInput(wrap_flat(tx, values), options)
