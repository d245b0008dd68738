"""The sandbox bureau's fund policy (`policy.yaml`) as pydantic models, and the money helpers every part of
the fund split shares (Decimal only: cents rounded half-up, ratios to four places).

    policy = default_policy()          # the packaged policy.yaml; load_policy(path) for another province's
    money(Decimal("1.005"))            # Decimal("1.01")

Split out of `fundsplit.py` (pricing in `fund_pricing.py`, settling in `fundsplit.py`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")
ONE = Decimal("1")

GroupName = Literal["outpatient", "inpatient", "pharmacy"]
GROUPS: tuple[GroupName, ...] = ("outpatient", "inpatient", "pharmacy")
SettleField = Literal["cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay"]
FundKind = Literal["above_cap", "above_threshold", "civil_servant", "assistance"]

#: 2204/2301 chrgitm_lv: 甲类 fully in scope, 乙类 with 先行自付, 丙类 fully self-paid.
CLASS_A, CLASS_B, CLASS_C = "01", "02", "03"
OUT_OF_CATALOG_MEMO = "目录外项目"


class FundSplitError(ValueError):
    """A settlement cannot be computed: unknown insutype or med_type, a negative basket, a bad policy."""


class UnbalancedSettlementError(FundSplitError):
    """A settlement broke one of the amount identities; raised instead of ever returning it."""


def money(value: Decimal) -> Decimal:
    """Round to the cent, half up (四舍五入), as the bureau's 16,2 amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def exact(value: Decimal | int | str) -> Decimal:
    """An exact Decimal from a Decimal, int or numeric string; floats are refused (they are not exact)."""
    if isinstance(value, bool | float):
        raise TypeError(f"use Decimal, int or str for money, not {type(value).__name__}: {value!r}")
    return value if isinstance(value, Decimal) else Decimal(value)


# ----------------------------------------------------------------------------------------------------------
# Policy (policy.yaml as a pydantic model)


def _no_float(value: object) -> object:
    # The YAML loader below reads 0.60 as Decimal("0.60"); a float here means a hand-built model.
    if isinstance(value, float):
        raise ValueError("write amounts and ratios as exact decimals, not floats")
    return value


Amount = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0)]
Ratio = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, le=1)]
FundCode = Annotated[str, Field(pattern=r"^\d{6}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GroupRule(_Model):
    """Basic-pool rule of one insutype for one med_type group: 起付线, 统筹比例, 门诊年度限额."""

    deductible: Amount = Decimal(0)
    deductible_basis: Literal["year", "admission"]
    pool_ratio: Ratio
    retiree_bonus: Ratio = Decimal(0)
    annual_limit: Amount | None = None

    @model_validator(mode="after")
    def _ratio_at_most_one(self) -> GroupRule:
        if self.pool_ratio + self.retiree_bonus > ONE:
            raise ValueError("pool_ratio + retiree_bonus exceeds 1")
        return self


class BasicScheme(_Model):
    """One basic scheme (310 职工, 390 居民): its fund, account, yearly cap and per-group rules."""

    label: str
    fund_pay_type: FundCode
    fund_pay_type_name: str
    personal_account: bool
    annual_cap: Amount
    groups: dict[GroupName, GroupRule]

    @model_validator(mode="after")
    def _every_group(self) -> BasicScheme:
        missing = [g for g in GROUPS if g not in self.groups]
        if missing:
            raise ValueError(f"{self.label}: no rule for groups {missing}")
        return self


class SupplementaryFund(_Model):
    """A fund paid after the basic pool: 330 大额, 392 大病, 320 公务员补助, 610 医疗救助."""

    insutype: str
    label: str
    fund_pay_type: FundCode
    fund_pay_type_name: str
    settle_field: SettleField
    applies_to: tuple[str, ...]
    kind: FundKind
    shares: dict[GroupName, Ratio]
    threshold: Amount | None = None
    annual_cap: Amount | None = None
    idet_types: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _kind_needs(self) -> SupplementaryFund:
        if (self.kind == "above_threshold") != (self.threshold is not None):
            raise ValueError(f"{self.label}: `threshold` is required for, and only for, kind above_threshold")
        if (self.kind == "assistance") != bool(self.idet_types):
            raise ValueError(f"{self.label}: `idet_types` is required for, and only for, kind assistance")
        return self


class AccountRule(_Model):
    """How the personal account (个人账户) pays and is reported."""

    fund_pay_type: FundCode
    fund_pay_type_name: str
    covers_out_of_scope: bool
    list_in_setldetail: bool


class Policy(_Model):
    """The whole fund-split policy; `load_policy()` reads it from YAML."""

    version: str
    name: str
    admdvs: str
    med_type_groups: dict[GroupName, tuple[str, ...]]
    class_b_default_selfpay_prop: Ratio
    retiree_psn_type_prefixes: tuple[str, ...]
    personal_account: AccountRule
    basic: dict[str, BasicScheme]
    supplementary: tuple[SupplementaryFund, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        seen: dict[str, str] = {}
        for group, med_types in self.med_type_groups.items():
            for med_type in med_types:
                if med_type in seen:
                    raise ValueError(f"med_type {med_type} is in both {seen[med_type]} and {group}")
                seen[med_type] = group
        fields = [fund.settle_field for fund in self.supplementary]
        if len(set(fields)) != len(fields):
            raise ValueError("two supplementary funds write the same settle_field")
        codes = [s.fund_pay_type for s in self.basic.values()] + [f.fund_pay_type for f in self.supplementary]
        codes.append(self.personal_account.fund_pay_type)
        if len(set(codes)) != len(codes):
            raise ValueError("fund_pay_type codes must be unique")
        for fund in self.supplementary:
            unknown = set(fund.applies_to) - set(self.basic)
            if unknown:
                raise ValueError(f"{fund.label}: applies_to unknown insutypes {sorted(unknown)}")
        return self

    def group_of(self, med_type: str) -> GroupName:
        """The med_type group (outpatient / inpatient / pharmacy) of a med_type code."""
        for group, med_types in self.med_type_groups.items():
            if med_type in med_types:
                return group
        raise FundSplitError(f"med_type {med_type} is not settled by the sandbox policy")

    def scheme(self, insutype: str) -> BasicScheme:
        """The basic scheme a person is settled under (310 or 390)."""
        try:
            return self.basic[insutype]
        except KeyError:
            raise FundSplitError(f"insutype {insutype} is not a basic scheme of the sandbox policy") from None

    def is_retiree(self, psn_type: str) -> bool:
        return psn_type.startswith(self.retiree_psn_type_prefixes)


class _DecimalLoader(yaml.SafeLoader):
    """A YAML loader that reads 0.60 as Decimal("0.60"), so the policy never passes through a float."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)
    return Decimal(loader.construct_scalar(node).replace("_", ""))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def parse_policy(text: str) -> Policy:
    """A Policy from YAML text; raises FundSplitError with pydantic's explanation if it is invalid."""
    try:
        return Policy.model_validate(yaml.load(text, Loader=_DecimalLoader))
    except ValidationError as exc:
        raise FundSplitError(f"invalid fund-split policy: {exc}") from exc


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy from `path`, or the documented sandbox policy shipped with the package."""
    if path is None:
        return default_policy()
    return parse_policy(Path(path).read_text(encoding="utf-8"))


@cache
def default_policy() -> Policy:
    """The packaged `policy.yaml`, read once."""
    return parse_policy(
        resources.files("medical_insurance_sdk.sandbox").joinpath("policy.yaml").read_text(encoding="utf-8")
    )
