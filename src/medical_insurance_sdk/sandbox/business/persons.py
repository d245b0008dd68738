"""The insured person as the settlement handlers see it: facts from the Person row, and its fund-split state.

    person = load_person(ctx, psn_no)            # or refuse 人员信息不存在
    require_insured(ctx, person, "310")          # refuse 参保人员参保状态异常 / 无该险种参保信息
    state = state_of(person, 2025)               # fundsplit.PersonState (balance, yearly counters)
    store_state(person, settlement.state_after)  # balance and counters back into the row

The facts (person type, 公务员 flag, identities, insurance status) come from the row's `profile`, the seed
record the sandbox stored (baseinfo / insuinfo / idetinfo, as 1101 answers them); a field missing there
falls back to the seed table, so a person added with a thinner profile still settles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from medical_insurance_sdk.sandbox.business.shapes import to_decimal
from medical_insurance_sdk.sandbox.fundsplit import PersonState, YearToDate
from medical_insurance_sdk.sandbox.handlers.base import Context
from medical_insurance_sdk.sandbox.seed import age_on, person_by_no
from medical_insurance_sdk.sandbox.state import Person

INSURED = "1"  # psn_insu_stas 正常参保


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the answers and the fund split need to know about a person, beyond the account."""

    psn_no: str
    psn_name: str
    psn_cert_type: str
    certno: str
    gend: str | None
    naty: str | None
    brdy: str | None
    age: Decimal | None
    insutype: str
    psn_type: str
    psn_insu_stas: str
    cvlserv_flag: str
    insuplc_admdvs: str
    emp_name: str | None
    tel: str | None
    idet_types: tuple[str, ...]

    def age_on(self, day: date) -> Decimal | None:
        """The age in whole years on `day` (the seed holds it on the seed date; the bureau tells today's)."""
        try:
            birth = date.fromisoformat(str(self.brdy)[:10])
        except ValueError:
            return self.age
        return Decimal(age_on(birth, day))

    def block(self, day: date | None = None) -> dict[str, Any]:
        """The person block of setlinfo / 5201 / 5303 answers (the node picks the fields it has); `day` is
        the day the age is told for (the visit's, or today), else the seed's age."""
        return {
            "psn_no": self.psn_no,
            "psn_name": self.psn_name,
            "psn_cert_type": self.psn_cert_type,
            "certno": self.certno,
            "gend": self.gend,
            "naty": self.naty,
            "brdy": self.brdy,
            "age": self.age if day is None else self.age_on(day),
            "insutype": self.insutype,
            "psn_type": self.psn_type,
            "cvlserv_flag": self.cvlserv_flag,
            "emp_name": self.emp_name,
            "tel": self.tel,
            "insu_optins": self.insuplc_admdvs,
        }


def facts(person: Person) -> PersonFacts:
    """The person's facts from the stored profile, the seed table filling what the profile lacks."""
    profile = person.profile if isinstance(person.profile, Mapping) else {}
    base = _node(profile.get("baseinfo"))
    insu = _node(profile.get("insuinfo"))
    seed = person_by_no(person.psn_no)
    idet = profile.get("idetinfo")
    if isinstance(idet, list):
        idet_types = tuple(
            str(r["psn_idet_type"]) for r in idet if isinstance(r, Mapping) and r.get("psn_idet_type")
        )
    else:
        idet_types = tuple(i.psn_idet_type for i in seed.idetinfo) if seed else ()
    seed_base: Mapping[str, Any] = seed.baseinfo() if seed else {}
    seed_insu: Mapping[str, Any] = seed.insuinfo() if seed else {}

    def pick(node: Mapping[str, Any], seed_node: Mapping[str, Any], key: str) -> Any:
        value = node.get(key)
        return seed_node.get(key) if value in (None, "") else value

    return PersonFacts(
        psn_no=person.psn_no,
        psn_name=person.psn_name,
        psn_cert_type=str(pick(base, seed_base, "psn_cert_type") or "01"),
        certno=person.certno,
        gend=_text(pick(base, seed_base, "gend")),
        naty=_text(pick(base, seed_base, "naty")),
        brdy=_text(pick(base, seed_base, "brdy")),
        age=to_decimal(pick(base, seed_base, "age")),
        insutype=person.insutype,
        psn_type=str(pick(insu, seed_insu, "psn_type") or ""),
        psn_insu_stas=str(pick(insu, seed_insu, "psn_insu_stas") or INSURED),
        cvlserv_flag=str(pick(insu, seed_insu, "cvlserv_flag") or "0"),
        insuplc_admdvs=person.insuplc_admdvs,
        emp_name=_text(pick(insu, seed_insu, "emp_name")),
        tel=_text(profile.get("tel") or (seed.tel if seed else None)),
        idet_types=idet_types,
    )


def _node(value: Any) -> Mapping[str, Any]:
    # insuinfo is an object in the sandbox's profile but a list in 1101 answers: take the first row.
    if isinstance(value, list):
        value = value[0] if value else {}
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def load_person(ctx: Context, psn_no: str) -> Person:
    """The Person row, or the bureau's refusal 人员信息不存在."""
    person = ctx.session.get(Person, psn_no)
    if person is None:
        ctx.refuse("人员信息不存在")
    return person


def require_insured(ctx: Context, person: Person, insutype: str | None) -> PersonFacts:
    """Refuse a person whose insurance is not in force, or who is not insured under `insutype`."""
    info = facts(person)
    if info.psn_insu_stas != INSURED:
        ctx.refuse("参保人员参保状态异常")
    if insutype and insutype != person.insutype:
        ctx.refuse(f"参保人员无该险种参保信息（险种类型{insutype}）")
    return info


def state_of(person: Person, year: int) -> PersonState:
    """The fund-split state of the person for a settlement in `year` (counters restart on 1 January)."""
    info = facts(person)
    counters = person.year_to_date if isinstance(person.year_to_date, Mapping) else {}
    state = PersonState(
        psn_no=person.psn_no,
        psn_type=info.psn_type,
        balc=person.balc,
        year=person.year,
        cvlserv_flag=info.cvlserv_flag,
        idet_types=info.idet_types,
        year_to_date=YearToDate.of({str(k): Decimal(str(v)) for k, v in counters.items()}),
    )
    return state.for_year(year)


def store_state(person: Person, state: PersonState) -> None:
    """Write a state (after a settlement or a reversal) back into the Person row."""
    person.balc = state.balc
    person.year = state.year
    person.year_to_date = {k: format(v, "f") for k, v in state.year_to_date.as_dict().items()}
