"""Which 3201 groups a day is reconciled in: every (setl_optins, insutype, clr_type) the institution can
have, not only the ones our ledger happens to hold, so a settlement the bureau has and we lost is seen.

    scope = ReconcileScope.from_env()                      # MEDICAL_INSURANCE_RECONCILE_* or defaults
    scope.groups(institution)                              # [(setl_optins, insutype, clr_type), ...]

Environment (comma- or space-separated codes; arguments win):
    MEDICAL_INSURANCE_RECONCILE_INSUTYPES     险种类型 the institution settles, default DEFAULT_INSUTYPES
    MEDICAL_INSURANCE_RECONCILE_CLR_TYPES     清算类别, default every code of the clr_type dictionary
    MEDICAL_INSURANCE_RECONCILE_SETL_OPTINS   结算经办机构 (6-digit admdvs), default the institution's 就医地
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from medical_insurance_sdk.engine.reconcile.book import default_optins
from medical_insurance_sdk.engine.reconcile.records import GroupKey
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import RequestError
from medical_insurance_sdk.registry.dictionaries import DICTIONARIES

# The schemes a settlement is made under.  The dictionary's other codes are funds that pay inside one of
# these settlements (320 公务员补助, 330 大额, 370 企业补充 within 310; 392 大病 within 390), schemes merged
# into 390 years ago (380 新农合, 391 城镇居民) or settled outside the medical flows (410 长护); a province
# that still uses one names it in MEDICAL_INSURANCE_RECONCILE_INSUTYPES.
DEFAULT_INSUTYPES = ("310", "340", "390", "510")
DEFAULT_CLR_TYPES = tuple(DICTIONARIES["clr_type"])

VARIABLES = {
    "insutypes": "MEDICAL_INSURANCE_RECONCILE_INSUTYPES",
    "clr_types": "MEDICAL_INSURANCE_RECONCILE_CLR_TYPES",
    "setl_optins": "MEDICAL_INSURANCE_RECONCILE_SETL_OPTINS",
}
LABELS = {"insutypes": "险种", "clr_types": "清算类别", "setl_optins": "结算经办机构"}
_CODE = re.compile(r"^[0-9A-Za-z]{1,6}$")
_ADMDVS = re.compile(r"^[0-9]{6}$")
_SEPARATORS = re.compile(r"[\s,，;；]+")


@dataclass(frozen=True)
class ReconcileScope:
    """The insurance types, clearing classes and clearing offices reconciled every day (immutable).

    An empty `setl_optins` means the institution's 就医地 (mdtrtarea_admvs)."""

    insutypes: tuple[str, ...] = DEFAULT_INSUTYPES
    clr_types: tuple[str, ...] = DEFAULT_CLR_TYPES
    setl_optins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, pattern in (("insutypes", _CODE), ("clr_types", _CODE), ("setl_optins", _ADMDVS)):
            values = getattr(self, name)
            wrong = [v for v in values if not pattern.match(v)]
            if wrong:
                where = f"{VARIABLES[name]} 或命令行选项"
                text = f"对账范围中的{LABELS[name]}代码无效: {'、'.join(wrong)}（{where}）"
                raise RequestError(text, code=10001)
            object.__setattr__(self, name, tuple(dict.fromkeys(values)))  # keep order, drop repeats

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Iterable[str] | None
    ) -> ReconcileScope:
        """The scope from `environ` (default os.environ); non-empty keyword arguments win."""
        env = os.environ if environ is None else environ
        values: dict[str, tuple[str, ...]] = {}
        for name, variable in VARIABLES.items():
            given = overrides.pop(name, None)
            codes = tuple(given) if given else split_codes(env.get(variable, ""))
            if codes:
                values[name] = codes
        if overrides:
            raise TypeError(f"unknown reconcile scope settings: {sorted(overrides)}")
        return cls(**values)

    def offices(self, institution: InstitutionConfig) -> tuple[str, ...]:
        return self.setl_optins or (default_optins(institution),)

    def groups(self, institution: InstitutionConfig) -> list[GroupKey]:
        """Every (setl_optins, insutype, clr_type) of the scope, sorted."""
        return sorted(
            (optins, insutype, clr)
            for optins in self.offices(institution)
            for insutype in self.insutypes
            for clr in self.clr_types
        )


def split_codes(text: str) -> tuple[str, ...]:
    return tuple(part for part in _SEPARATORS.split(text.strip()) if part)
