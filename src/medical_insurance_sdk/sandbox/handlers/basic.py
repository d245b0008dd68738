"""Basic-information transactions of the sandbox bureau: 1101 person, 1201 institution, 1901 dictionaries,
5101 departments, 5102 medical staff.

    1101 {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "<certno>", "psn_cert_type": "01", …}}
         →  {"baseinfo": {...}, "insuinfo": [{"balc": 1500.00, "insutype": "310", …}], "idetinfo": [...]}

1101 lookup (the sandbox has no cards or QR tokens, so each kind of voucher number resolves the same way):
`mdtrt_cert_no` is read as an ID number (certno) or as a psn_no, whatever `mdtrt_cert_type` says —
02 居民身份证 gives the certno, 01 医保电子凭证 (ecToken) and 03 社保卡 may give either; when it matches no
one, `certno` of the input is tried.  03 needs `card_sn` as the spec says.  A `psn_name` that differs from
the person's name is refused.  Unknown persons are refused with "该参保人的基本信息为空".  A suspended
person (psn_insu_stas 2) is answered normally: refusing their business is the business handlers' job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.dictionaries import DICTIONARIES
from medical_insurance_sdk.sandbox import seed
from medical_insurance_sdk.sandbox.business.persons import facts
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.state import Person, Upload

# 医院等级 codes [U: the national table is not in the public sources; this is the common provincial list].
HOSP_LV = {
    "三级特等": "01",
    "三级甲等": "02",
    "三级乙等": "03",
    "三级丙等": "04",
    "二级甲等": "05",
    "二级乙等": "06",
    "二级丙等": "07",
    "一级甲等": "08",
    "一级乙等": "09",
    "一级丙等": "10",
    "": "11",  # 无等级 (pharmacies)
}
_DATETIME = "%Y-%m-%d %H:%M:%S"
_DICT_DATE = "2024-01-01 00:00:00"


# --------------------------------------------------------------------------------------------- 1101


@handles("1101")
def person_info(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """1101 人员信息获取: baseinfo, insuinfo (with the live account balance) and idetinfo of one person."""
    query = data["data"]
    if query["mdtrt_cert_type"] == "03" and not query.get("card_sn"):
        ctx.refuse("就诊凭证类型为社会保障卡时，卡识别码(card_sn)不能为空")
    # a card reader sends the card number, "|" and the card's data (266 characters seen): the number counts
    number = (
        query["mdtrt_cert_no"].split("|", 1)[0]
        if query["mdtrt_cert_type"] == "03"
        else query["mdtrt_cert_no"]
    )
    person = find_person(ctx, number, query.get("certno"))
    if person is None:
        ctx.refuse("该参保人的基本信息为空")
    if query.get("psn_name") and query["psn_name"] != person.psn_name:
        ctx.refuse("人员姓名与证件号码不符")
    profile = person.profile
    insuinfo = {**profile["insuinfo"], "balc": person.balc, "insutype": person.insutype}
    insuinfo["insuplc_admdvs"] = person.insuplc_admdvs
    info = facts(person)
    base = {
        **profile["baseinfo"],
        "age": info.age_on(ctx.now.date()),
        # spec §2.1.1 shows these in baseinfo too: the pooling area (city), the employer and the phone
        "poolarea": person.insuplc_admdvs[:4],
        "emp_name": info.emp_name,
        "tel": info.tel,
        "expContent": None,
    }
    return {
        "baseinfo": base,
        "insuinfo": [insuinfo],
        "idetinfo": profile["idetinfo"],
    }


_BY_CERTNO = select(Person).where(Person.certno == bindparam("certno"))  # built once: 1101 is the busiest


def find_person(ctx: Context, *numbers: str | None) -> Person | None:
    """The person whose certno or psn_no is one of `numbers` (tried in order)."""
    for number in numbers:
        text = (number or "").strip()
        if not text:
            continue
        found = ctx.session.scalar(_BY_CERTNO, {"certno": text.upper()})
        found = found or ctx.session.get(Person, text)
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------------------------- 1201


@handles("1201")
def institution_info(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """1201 医药机构信息获取: the seed institutions matching code, name (contained) and type."""
    query = data["medinsinfo"]
    rows = [
        {
            "fixmedins_code": i.fixmedins_code,
            "fixmedins_name": i.fixmedins_name,
            "uscc": i.uscc,
            "fixmedins_type": i.fixmedins_type,
            "hosp_lv": HOSP_LV.get(i.hosp_lv, "11"),
        }
        for i in seed.INSTITUTIONS
        if (not query.get("fixmedins_code") or i.fixmedins_code == query["fixmedins_code"])
        and (not query.get("fixmedins_name") or query["fixmedins_name"] in i.fixmedins_name)
        and (not query.get("fixmedins_type") or i.fixmedins_type == query["fixmedins_type"])
    ]
    return {"medinsinfo": rows}


# --------------------------------------------------------------------------------------------- 1901


@handles("1901")
def dictionary(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """1901 字典表查询: the registry's code dictionaries (camelCase keys, as the Shenzhen copy)."""
    query = data["data"]
    codes: Mapping[str, str] = DICTIONARIES.get(query["type"], {})
    if query.get("valiFlag") == "0" or query.get("parentValue"):
        codes = {}  # every sandbox code is valid and top level
    rows = [
        {
            "type": query["type"],
            "label": label,
            "value": value,
            "parentValue": None,
            "sort": number,
            "valiFlag": "1",
            "createUser": "sandbox",
            "createDate": _DICT_DATE,
            "version": "1",
        }
        for number, (value, label) in enumerate(codes.items(), 1)
    ]
    return {"list": rows}


# --------------------------------------------------------------------------------------------- 5101 / 5102


@handles("5101")
def departments(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5101 科室信息查询: seed departments of the institution, as changed by the uploads the registry names
    (`answers_from`: 3401/3401A add, 3402 changes, 3403 — a cancellation — removes)."""
    found: dict[str, dict[str, Any]] = {
        d.hosp_dept_codg: _department(d) for d in seed.departments_of(ctx.fixmedins_code)
    }
    sources = REGISTRY[ctx.infno].answers_from
    uploads = ctx.session.scalars(
        select(Upload)
        .where(Upload.infno.in_(sources), Upload.fixmedins_code == ctx.fixmedins_code)
        .order_by(Upload.id)
    )
    for upload in uploads:
        removes = REGISTRY[upload.infno].cancels
        for node in _rows_of(upload.data):
            code = str(node.get("hosp_dept_codg") or "")
            if removes:
                found.pop(code, None)
            elif code:
                given = {k: v for k, v in node.items() if v not in (None, "")}
                found[code] = {**found.get(code, {}), **given}
    query = data["data"] if isinstance(data["data"], dict) else {}  # 5101's input node has no field table
    rows = [
        row
        for row in found.values()
        if all(not query.get(k) or row.get(k) == query[k] for k in ("hosp_dept_codg", "hosp_dept_name"))
    ]
    return {"feedetail": rows}


def _rows_of(message: Any) -> list[Mapping[str, Any]]:
    """The department rows of a recorded upload: its node (deptinfo / data) as one row or a list of rows."""
    if not isinstance(message, Mapping):
        return []
    node = message.get("deptinfo") or message.get("data") or {}
    rows = node if isinstance(node, list) else [node]
    return [row for row in rows if isinstance(row, Mapping)]


def _department(d: seed.Department) -> dict[str, Any]:
    return {
        "hosp_dept_codg": d.hosp_dept_codg,
        "hosp_dept_name": d.hosp_dept_name,
        "begntime": f"{d.begntime:%Y-%m-%d} 00:00:00",
        "endtime": None,
        "itro": d.itro or None,
        "dept_resper_name": d.dept_resper_name,
        "dept_resper_tel": d.dept_resper_tel,
        "dept_med_serv_scp": None,
        "caty": d.caty,
        "dept_estbdat": f"{d.begntime:%Y-%m-%d} 00:00:00",
        "aprv_bed_cnt": d.aprv_bed_cnt,
        "hi_crtf_bed_cnt": d.hi_crtf_bed_cnt,
        "poolarea_no": d.poolarea_no,
        "dr_psncnt": d.dr_psncnt,
        "phar_psncnt": d.phar_psncnt,
        "nurs_psncnt": d.nurs_psncnt,
        "tecn_psncnt": d.tecn_psncnt,
        "memo": None,
    }


@handles("5102")
def medical_staff(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5102 医执人员信息查询: the institution's seed staff, optionally of one prac_psn_type."""
    kind = data["data"].get("prac_psn_type")
    rows = [
        {
            "psn_cert_type": s.psn_cert_type,
            "certno": s.certno,
            "prac_psn_no": s.prac_psn_no,
            "prac_psn_code": s.prac_psn_code,
            "prac_psn_name": s.prac_psn_name,
            "prac_psn_type": s.prac_psn_type,
            "prac_psn_cert": None,
            "prac_cert_no": None,
            "hi_dr_flag": s.hi_dr_flag,
            "begntime": f"{s.begntime:%Y-%m-%d} 00:00:00",
            "endtime": None,
            "chg_rea": None,
        }
        for s in seed.staff_of(ctx.fixmedins_code)
        if not kind or s.prac_psn_type == kind
    ]
    return {"data": rows}
