"""The request envelope of reference §1.1: configuration + per-call fields → the bureau's JSON object.

    config = EnvelopeConfig(fixmedins_code="H12345678901", fixmedins_name="某某医院",
                            mdtrtarea_admvs="440300", recer_sys_code="YBXT", infver="V1.0",
                            opter_type="1", opter="001", opter_name="张三")
    envelope = build_envelope(config, infno="1101", msgid=ids.generate(), input={"data": {...}})
    body = encode_envelope(envelope)

Every envelope field is checked before it leaves (lengths of the larger spec edition, reference §7), and all
problems are reported together as one `DataValidationError` with 3000x codes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from medical_insurance_sdk.exceptions import DataValidationError, FieldError
from medical_insurance_sdk.protocol.jsoncodec import BEIJING, dumps, format_datetime

# The bureau's field order (reference §1.1); `input` goes last.
ENVELOPE_FIELDS: tuple[str, ...] = (
    "infno",
    "msgid",
    "mdtrtarea_admvs",
    "insuplc_admdvs",
    "recer_sys_code",
    "dev_no",
    "dev_safe_info",
    "cainfo",
    "signtype",
    "infver",
    "opter_type",
    "opter",
    "opter_name",
    "inf_time",
    "fixmedins_code",
    "fixmedins_name",
    "sign_no",
    "input",
)

OPTER_TYPES = frozenset({"1", "2", "3"})  # 经办人 / 自助终端 / 移动终端


@dataclass(frozen=True, slots=True)
class _Rule:
    label: str
    max_length: int
    required: bool = False
    exact_length: bool = False
    pattern: re.Pattern[str] | None = None
    pattern_text: str = ""


_ADMDVS = re.compile(r"\d{6}")
_INFNO = re.compile(r"\d{4}[A-Za-z0-9]{0,2}")
_RULES: dict[str, _Rule] = {
    # infno: 4 digits, plus the provincial suffix variants such as 2203A (reference §1.1).
    "infno": _Rule("交易编号", 6, True, pattern=_INFNO, pattern_text="4 位数字"),
    "msgid": _Rule("发送方报文ID", 30, True, exact_length=True),
    "mdtrtarea_admvs": _Rule("就医地医保区划", 6, True, pattern=_ADMDVS, pattern_text="6 位数字"),
    "insuplc_admdvs": _Rule("参保地医保区划", 6, pattern=_ADMDVS, pattern_text="6 位数字"),
    "recer_sys_code": _Rule("接收方系统代码", 10, True),
    "dev_no": _Rule("设备编号", 100),
    "dev_safe_info": _Rule("设备安全信息", 2000),
    "cainfo": _Rule("数字签名信息", 1024),
    "signtype": _Rule("签名类型", 10),
    "infver": _Rule("接口版本号", 6, True),
    "opter_type": _Rule("经办人类别", 3, True),
    "opter": _Rule("经办人", 30, True),
    "opter_name": _Rule("经办人姓名", 50, True),
    "inf_time": _Rule("交易时间", 19, True),
    # 12 in the Shenzhen copy, 30 in the Chongqing copy: accept the larger (reference §7).
    "fixmedins_code": _Rule("定点医药机构编号", 30, True),
    "fixmedins_name": _Rule("定点医药机构名称", 200, True),
    "sign_no": _Rule("交易签到流水号", 30),
}


def _check_field(name: str, value: Any, max_length: int | None = None) -> FieldError | None:
    rule = _RULES[name]
    if max_length is not None and max_length != rule.max_length:
        rule = dataclasses.replace(rule, max_length=max_length)
    if value is None or value == "":
        return FieldError(30002, name, f"{rule.label}不能为空") if rule.required else None
    if not isinstance(value, str):
        return FieldError(30003, name, f"{rule.label}应为字符串")
    if rule.exact_length and len(value) != rule.max_length:
        return FieldError(30003, name, f"{rule.label}应为 {rule.max_length} 位，实际 {len(value)} 位")
    if len(value) > rule.max_length:
        return FieldError(30004, name, f"{rule.label}最长 {rule.max_length} 位，实际 {len(value)} 位")
    if rule.pattern is not None and not rule.pattern.fullmatch(value):
        return FieldError(30003, name, f"{rule.label}应为{rule.pattern_text}")
    if name == "opter_type" and value not in OPTER_TYPES:
        return FieldError(30003, name, "经办人类别应为 1（经办人）、2（自助终端）或 3（移动终端）")
    return None


def _field_errors(
    fields: Mapping[str, Any], names: tuple[str, ...], lengths: Mapping[str, int] | None = None
) -> list[FieldError]:
    """The envelope rules broken by `fields`; `lengths` replaces the national length of some fields."""
    lengths = lengths or {}
    return [e for name in names if (e := _check_field(name, fields.get(name), lengths.get(name))) is not None]


def _opter_type_text(value: Any) -> Any:
    # Some HIS configs carry opter_type as a number (reference §9); the bureau field is text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvelopeConfig:
    """The envelope fields that come from configuration, checked once when built."""

    fixmedins_code: str
    fixmedins_name: str
    mdtrtarea_admvs: str
    recer_sys_code: str
    infver: str
    opter_type: str
    opter: str
    opter_name: str
    dev_no: str = ""
    dev_safe_info: str = ""
    cainfo: str = ""
    signtype: str = ""
    insuplc_admdvs: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "opter_type", _opter_type_text(self.opter_type))
        errors = _field_errors(self.as_dict(), CONFIG_FIELDS)
        if errors:
            raise DataValidationError(errors)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONFIG_FIELDS}

    def with_options(self, **changes: Any) -> EnvelopeConfig:
        """A checked copy with `changes` applied."""
        return dataclasses.replace(self, **changes)


CONFIG_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(EnvelopeConfig))


def carries_psn_no(node: Any) -> bool:
    """Whether a non-empty `psn_no` appears anywhere in `node` (nested objects and lists included)."""
    if isinstance(node, Mapping):
        value = node.get("psn_no")
        if value is not None and value != "":
            return True
        return any(carries_psn_no(v) for v in node.values())
    if isinstance(node, list | tuple):
        return any(carries_psn_no(v) for v in node)
    return False


def build_envelope(
    config: EnvelopeConfig,
    *,
    infno: str,
    msgid: str,
    input: Mapping[str, Any],  # the bureau's field name, shadowing the builtin on purpose
    sign_no: str = "",
    insuplc_admdvs: str | None = None,
    now: datetime | None = None,
    lengths: Mapping[str, int] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """The full request object in the bureau's field order.

    Per-call `overrides` (any `EnvelopeConfig` field; None means "not given") win over `config`.
    `lengths` are the province's own msgid / sign_no lengths (`EnvelopeRules.lengths`), else the national.
    `insuplc_admdvs` falls back to the configured default and must be non-empty when `input` carries
    `psn_no`.  `now` (aware, or naive Beijing time) defaults to the current time; `inf_time` is Beijing time.
    """
    unknown = sorted(set(overrides) - set(CONFIG_FIELDS))
    if unknown:
        raise TypeError(f"build_envelope() got fields that are not envelope configuration: {unknown}")
    fields = config.as_dict()
    fields.update({k: v for k, v in overrides.items() if v is not None})
    fields["opter_type"] = _opter_type_text(fields["opter_type"])
    if insuplc_admdvs is not None:
        fields["insuplc_admdvs"] = insuplc_admdvs
    moment = now if now is not None else datetime.now(BEIJING)
    fields.update(infno=infno, msgid=msgid, sign_no=sign_no or "", inf_time=format_datetime(moment))
    fields["input"] = input

    errors = _field_errors(fields, ENVELOPE_FIELDS[:-1], lengths)
    if not isinstance(input, Mapping):
        errors.append(FieldError(30003, "input", "交易输入应为 JSON 对象"))
    elif not fields["insuplc_admdvs"] and carries_psn_no(input):
        errors.append(FieldError(30002, "insuplc_admdvs", "input 含 psn_no 时必须提供参保地医保区划"))
    if errors:
        raise DataValidationError(errors)
    return {name: fields[name] for name in ENVELOPE_FIELDS}


def encode_envelope(envelope: Mapping[str, Any]) -> bytes:
    """The request body: compact UTF-8 JSON, decimals as exact JSON numbers."""
    return dumps(envelope)
