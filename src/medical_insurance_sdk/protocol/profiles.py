"""Province profiles: how one province's bureau gateway is reached, as configuration (reference §2.1–§2.4).

Provinces differ in the URL shape, the signing headers, the content type, a few envelope defaults, the file
upload form and local dictionary codes.  A profile is an immutable description of those differences, read
from YAML, so adding a province means writing a YAML file, not a code branch.  Credential *values* never
live in a profile: it only names the credentials its signer needs, and each institution's settings supply
them.

    profile = load_profile("tif")            # a built-in, or load_profile("/etc/yibao/hubei.yaml")
    profile.url_for("2207", "http://10.1.1.1:8080/ebus/rio_fsi")
    # -> "http://10.1.1.1:8080/ebus/rio_fsi/fsi/api/outpatientSettleService/saveSettletmentV2"

Endpoint styles:
- `dispatcher`  one URL for every transaction, `<base><path>`; the bureau routes on `infno` in the body.
- `per_service` `<base><prefix>/<service path>`, the path looked up per infno in the profile's table.
- `shenzhen`    `url_template` with `{base}`, `{infno}` and credential names, e.g.
                `{base}/ebus/{paasid}/poc/hsa/hgs/{infno}`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from string import Formatter
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from medical_insurance_sdk.exceptions import RequestError, UnsupportedInterfaceError
from medical_insurance_sdk.protocol.msgid import MSGID_LENGTH, check_msgid_length

if TYPE_CHECKING:
    from medical_insurance_sdk.registry.transaction import Transaction

EndpointStyle = Literal["dispatcher", "per_service", "shenzhen"]
SignerKind = Literal["none", "tif", "aksk"]

# The credentials each signer cannot work without (reference §2.3: paasid + token; §2.4: AK + SK).
REQUIRED_CREDENTIALS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "none": frozenset(),
        "tif": frozenset({"paasid", "token"}),
        "aksk": frozenset({"access_key", "secret_key"}),
    }
)

# 9102 must name "plc" for files produced by the catalogue transactions 1301–1319 (reference §3, 9102).
CATALOG_INFNOS = tuple(str(n) for n in range(1301, 1320))

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_INFNO = re.compile(r"^\d{4}[A-Z]?$")
_VARIANT = re.compile(r"^\d{4}[A-Z]$")


class ProfileError(ValueError):
    """A profile that cannot be loaded or is invalid; the message is for the operator (Chinese)."""


class FrozenMapping(Mapping[str, Any]):
    """A read-only mapping that, unlike MappingProxyType, survives copy.deepcopy and pickling."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"


_EMPTY = FrozenMapping()


def _freeze(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return FrozenMapping(value)


def _thaw(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _thaw(v) if isinstance(v, Mapping) else v for k, v in value.items()}


def _infno_keys(value: Any) -> Any:
    # YAML reads an unquoted 1301 as an int; infnos have no leading zero, so str() is lossless here.
    if isinstance(value, Mapping):
        return {str(k) if isinstance(k, int) else k: v for k, v in value.items()}
    return value


def _quoted_codes(value: Any) -> Any:
    # Dictionary codes such as 01 lose their zero when YAML reads them as ints, so demand quotes.
    if isinstance(value, Mapping):
        for codes in value.values():
            if isinstance(codes, Mapping) and any(not isinstance(code, str) for code in codes):
                raise ValueError("字典代码必须写成带引号的字符串（例如 '01'），否则前导零会丢失")
    return value


_Serialize = PlainSerializer(_thaw)
FrozenMap = Annotated[Mapping[str, str], AfterValidator(_freeze), _Serialize]
PathTable = Annotated[Mapping[str, str], BeforeValidator(_infno_keys), AfterValidator(_freeze), _Serialize]
Dictionaries = Annotated[
    Mapping[str, FrozenMap], BeforeValidator(_quoted_codes), AfterValidator(_freeze), _Serialize
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Endpoint(_Frozen):
    """Where requests go; which fields apply depends on `style` (see the module docstring)."""

    style: EndpointStyle
    path: str | None = None
    prefix: str = "/fsi/api"
    paths: PathTable = Field(default_factory=FrozenMapping)
    url_template: str | None = None

    @model_validator(mode="after")
    def _fits_style(self) -> Endpoint:
        if self.style == "dispatcher" and not (self.path and self.path.startswith("/")):
            raise ValueError("dispatcher 风格需要以 / 开头的 path")
        if self.style == "per_service":
            if not self.paths:
                raise ValueError("per_service 风格需要 paths（交易编号 → 服务路径）")
            bad = [infno for infno in self.paths if not _INFNO.match(infno)]
            if bad:
                raise ValueError(f"paths 中的交易编号无效: {bad}")
        if self.style == "shenzhen" and not self.url_template:
            raise ValueError("shenzhen 风格需要 url_template")
        return self

    @property
    def placeholders(self) -> frozenset[str]:
        """Names used in `url_template`."""
        if not self.url_template:
            return frozenset()
        return frozenset(name for _, name, _, _ in Formatter().parse(self.url_template) if name)


class Signer(_Frozen):
    """Which signer signs requests and the names of the credentials it reads; never their values."""

    kind: SignerKind = "none"
    credentials: tuple[str, ...] = ()
    options: FrozenMap = Field(default_factory=FrozenMapping)

    @model_validator(mode="after")
    def _names_required(self) -> Signer:
        missing = REQUIRED_CREDENTIALS[self.kind] - set(self.credentials)
        if missing:
            raise ValueError(f"{self.kind} 签名需要凭据: {', '.join(sorted(missing))}")
        return self


class PlcRule(_Frozen):
    """9102 download of a catalogue file: which fsDownloadIn field carries "plc" (§7 item 2)."""

    target: Literal["fixmedins_code", "filename"] = "fixmedins_code"
    value: str = "plc"
    infnos: tuple[str, ...] = CATALOG_INFNOS


class EnvelopeRules(_Frozen):
    """The envelope lengths this province's bureau checks; the national values are the defaults.

    `msgid_length`: the exact length of 发送方报文ID (national: 30 = 12-character institution code +
    yyyyMMddHHmmss + 4 digits; the engine lays other lengths out as `msgid.fit_msgid` says, at least 28);
    `sign_no_max_length`: the longest 交易签到流水号 it accepts (national: 30).
    """

    msgid_length: int = Field(default=MSGID_LENGTH, ge=1, le=64)
    sign_no_max_length: int = Field(default=30, ge=1, le=64)

    @field_validator("msgid_length")
    @classmethod
    def _carries_the_serial(cls, value: int) -> int:
        return check_msgid_length(value)

    @property
    def lengths(self) -> dict[str, int]:
        """The envelope fields' lengths as `envelope.build_envelope(lengths=...)` takes them."""
        return {"msgid": self.msgid_length, "sign_no": self.sign_no_max_length}


def _variant_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): str(v) if isinstance(v, int) else v for k, v in _infno_keys(value).items()}
    return value


def variant_base(code: str) -> str | None:
    """The base transaction a province variant code stands for (`2206A` → `2206`), None for other codes.

    The base is the code without its letter suffix, as in every variant seen (2203A, 2206A, 3401A, 4101A),
    so a client that does not hold the profile (the SDK in front of a gateway) knows which tables a code
    uses; whether the province has the code is its profile's `variants` to say."""
    return code[:-1] if _VARIANT.fullmatch(code) else None


def _check_variants(value: Mapping[str, str]) -> Mapping[str, str]:
    bad = [code for code, base in value.items() if base != variant_base(code)]
    if bad:
        raise ValueError(
            f"variants 应为 交易编号+字母后缀 → 去掉后缀的基础交易编号（如 2206A: '2206'）: {sorted(bad)}"
        )
    return _freeze(value)


def _check_lengths(value: Mapping[str, int]) -> Mapping[str, int]:
    bad = [name for name, length in value.items() if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or length < 1]
    if bad:
        raise ValueError(f"field_lengths 应为 字段名 → 正整数长度: {sorted(bad)}")
    return _freeze(value)


Variants = Annotated[
    Mapping[str, str], BeforeValidator(_variant_keys), AfterValidator(_check_variants), _Serialize
]
FieldLengths = Annotated[Mapping[str, int], AfterValidator(_check_lengths), _Serialize]


class Profile(_Frozen):
    """One province's gateway conventions.  Immutable; build with `load_profile`."""

    name: str
    label: str
    endpoint: Endpoint
    signer: Signer = Field(default_factory=Signer)
    content_type: Literal["application/json", "text/plain"] = "application/json"
    infver: str = "V1.0"
    recer_sys_code: str = "YBXT"
    file_upload_mode: Literal["base64_json", "multipart"] = "base64_json"
    plc: PlcRule = Field(default_factory=PlcRule)
    dictionaries: Dictionaries = Field(default_factory=FrozenMapping)
    # How long after a message is sent the bureau may still be processing it (its own server timeout).
    # Until then, "原交易不存在" from 2601 is not final: the original may settle a moment later.
    processing_window_s: float = Field(default=60.0, ge=0, le=3600)
    envelope: EnvelopeRules = Field(default_factory=EnvelopeRules)
    # Province variant codes (a letter suffix, as 2203A/1306A): `2206A: "2206"` sends 2206A with 2206's
    # field tables and rules (`resolve`).  A variant the registry already knows keeps its own record.
    variants: Variants = Field(default_factory=FrozenMapping)
    # Fields this province accepts longer than the national table prints (request validation widens them
    # to this many characters; never narrower than the national table).
    field_lengths: FieldLengths = Field(default_factory=FrozenMapping)

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if not _NAME.match(self.name):
            raise ValueError(f"name 只能含小写字母、数字、- 和 _: {self.name!r}")
        allowed = {"base", "infno", *self.signer.credentials}
        unknown = self.endpoint.placeholders - allowed
        if unknown:
            raise ValueError(f"url_template 中的占位符既不是 base/infno 也不是签名凭据: {sorted(unknown)}")
        return self

    @property
    def credentials(self) -> tuple[str, ...]:
        """Names of the per-institution credentials this profile needs."""
        return self.signer.credentials

    def url_for(self, infno: str, base_url: str, credentials: Mapping[str, str] | None = None) -> str:
        """The URL to POST transaction `infno` to, under the institution's `base_url`.

        `credentials` fills credential placeholders of a `shenzhen` template (the paasid); other styles
        ignore it.  Raises UnsupportedInterfaceError (20001) when a per-service table lacks `infno`.
        """
        base = base_url.rstrip("/")
        endpoint = self.endpoint
        if endpoint.style == "dispatcher":
            return f"{base}{endpoint.path}"
        if endpoint.style == "per_service":
            service = endpoint.paths.get(infno)
            if service is None:
                raise UnsupportedInterfaceError(
                    f"{self.label}（{self.name}）的服务路径表中没有该交易", infno=infno
                )
            return f"{base}{endpoint.prefix.rstrip('/')}/{service.lstrip('/')}"
        values = {"base": base, "infno": quote(infno, safe="")}
        for name in endpoint.placeholders - values.keys():
            value = (credentials or {}).get(name)
            if not value:
                raise RequestError(
                    f"{self.label}（{self.name}）的接口地址需要凭据 {name}，但未提供", code=10001, infno=infno
                )
            values[name] = quote(value, safe="")
        assert endpoint.url_template is not None
        return endpoint.url_template.format_map(values)

    def download_input(
        self, source_infno: str, *, file_qury_no: str, filename: str, fixmedins_code: str
    ) -> dict[str, str]:
        """The 9102 `fsDownloadIn` for a file produced by `source_infno`, with the plc rule applied."""
        body = {"file_qury_no": file_qury_no, "filename": filename, "fixmedins_code": fixmedins_code}
        if source_infno[:4] in self.plc.infnos:
            body[self.plc.target] = self.plc.value
        return body

    def base_infno(self, infno: str) -> str:
        """The transaction whose tables a province variant code uses (`2206A` → `2206`), else `infno`."""
        return self.variants.get(infno, infno)

    def resolve(self, key: str, registry: Mapping[str, Transaction]) -> tuple[str, Transaction]:
        """(the code to send, the transaction whose tables and rules apply) for `key` in this province.

        A registered transaction (by infno, interface_type or SDK method name) is sent as its own infno; a
        variant code this profile declares (`2206A: "2206"`) is sent as itself with its base's record.
        Anything else is UnsupportedInterfaceError (20001).
        """
        tx = registry.get(key)
        if tx is not None:
            return tx.infno, tx
        base = self.variants.get(key)
        tx = registry.get(base) if base is not None else None
        if tx is not None and tx.infno == base:
            return key, tx
        if base is not None:
            reason = f"（省份配置 {self.name} 声明的基础交易 {base} 不存在）"
        elif variant_base(key) is not None:
            reason = f"（未登记，省份配置 {self.name} 也未声明该变体交易）"
        else:
            reason = ""
        raise UnsupportedInterfaceError(f"不支持的接口类型: {key}{reason}")

    def dictionary(self, name: str) -> Mapping[str, str]:
        """This province's extra codes for dictionary `name` (code → label); empty when none."""
        return self.dictionaries.get(name, _EMPTY)


def _builtin_dir() -> Any:
    return resources.files(__package__ or "medical_insurance_sdk.protocol").joinpath("profiles")


def builtin_profiles() -> tuple[str, ...]:
    """Names of the profiles shipped with the package."""
    names = (entry.name for entry in _builtin_dir().iterdir())
    return tuple(sorted(name[:-5] for name in names if name.endswith(".yaml")))


def load_profile(name_or_path: str | os.PathLike[str]) -> Profile:
    """Load a built-in profile by name (`national`, `tif`, `aksk`, `shenzhen`) or any YAML file by path."""
    text, origin = _read(name_or_path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"省份配置 {origin} 不是有效的 YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"省份配置 {origin} 的顶层必须是映射")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or '(顶层)'}: {_explain(err)}" for err in exc.errors()
        )
        raise ProfileError(f"省份配置 {origin} 无效: {problems}") from exc


def _explain(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "未知配置项"
    if err["type"] == "missing":
        return "缺少必填项"
    if err["type"] == "literal_error":
        return f"取值无效（可选: {err['ctx']['expected']}）"
    return str(err["msg"]).removeprefix("Value error, ")


def _read(name_or_path: str | os.PathLike[str]) -> tuple[str, str]:
    raw = os.fspath(name_or_path)
    looks_like_path = isinstance(name_or_path, os.PathLike) or raw.endswith((".yaml", ".yml")) or "/" in raw
    if looks_like_path or os.sep in raw:
        path = Path(raw)
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise ProfileError(f"无法读取省份配置文件 {path}: {exc.strerror or exc}") from exc
    resource = _builtin_dir().joinpath(f"{raw}.yaml")
    if not _NAME.match(raw) or not resource.is_file():
        known = "、".join(builtin_profiles())
        raise ProfileError(f"没有名为 {raw!r} 的内置省份配置（可选: {known}；或传入 YAML 文件路径）")
    return resource.read_text(encoding="utf-8"), f"{raw}（内置）"
