"""Synthetic 13xx catalogue files: deterministic rows in the bureau's column layouts, versioned for `ver`.

    path, count = catalog_file(directory, "1301", total=200, after=0, admdvs="430200")

Row i of a catalogue belongs to version `i // VERSION_ROWS + 1`; its 版本号 column is that number and its
版本名称 `<kind>_<version:06d>`.  A download with `ver` = either of them (or "0" for everything) returns the
rows of later versions only, which is how the clients page through a catalogue (reference §3 1301).

The first rows of the drug, herb, service and material catalogues are the seed catalogue (`seed.CATALOG`),
so the codes a fee upload uses are in the files; further rows repeat those items under new codes
(`…9nnnnnn`, never a seed code).  Other catalogues start from a few well-known entries.  Files are written
once per content and reused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from medical_insurance_sdk.protocol.catalog_file import write_catalog
from medical_insurance_sdk.protocol.catalog_layouts import CatalogLayout, layout_for
from medical_insurance_sdk.sandbox.fund_pricing import CatalogItem
from medical_insurance_sdk.sandbox.seed import CATALOG

VERSION_ROWS = 100
FIRST_DAY = date(2024, 1, 1)
_TRAILING_DIGITS = re.compile(r"(\d+)$")

# Downloads whose file uses another kind's layout (27位医用耗材 shares the 医用耗材 columns).
LAYOUT_OF: dict[str, str] = {"1306A": "1306"}


@dataclass(frozen=True, slots=True)
class _Kind:
    """How rows of one catalogue are made: starting entries, and which columns carry the name and code."""

    entries: tuple[tuple[str, str], ...]  # (business code, name)
    name_keys: tuple[str, ...]
    code_keys: tuple[str, ...] = ()  # columns besides the layout's code column that carry the code
    items: tuple[CatalogItem, ...] = ()  # seed catalogue items (drugs, herbs, services, materials)


def _seed(*list_types: str) -> tuple[CatalogItem, ...]:
    return tuple(item for item in CATALOG.values() if item.list_type in list_types)


def _from_items(items: tuple[CatalogItem, ...], name_keys: tuple[str, ...]) -> _Kind:
    return _Kind(tuple((i.med_list_codg, i.name) for i in items), name_keys, items=items)


# fmt: off
_KINDS: dict[str, _Kind] = {
    "1301": _from_items(_seed("101", "102"), ("drug_prodname", "drug_genname", "reg_name")),
    "1302": _from_items(_seed("103"), ("tcmherb_name", "std_name")),
    "1303": _Kind((("ZJ430302000001", "复方甘草合剂"), ("ZJ430302000002", "清热解毒合剂"),
                   ("ZJ430302000003", "川贝枇杷糖浆"), ("ZJ430302000004", "复方炉甘石洗剂")),
                  ("drug_prodname", "reg_name")),
    "1305": _from_items(_seed("201"), ("servitem_name",)),
    "1306": _from_items(_seed("301"), ("mcs_name", "hi_genname", "reg_fil_prod_name")),
    "1307": _Kind((("J06.900", "急性上呼吸道感染"), ("I10.x00", "原发性高血压"), ("E11.900", "2型糖尿病"),
                   ("K35.800", "急性阑尾炎"), ("J18.900", "肺炎"), ("I25.103", "冠状动脉粥样硬化性心脏病"),
                   ("N39.000", "泌尿道感染"), ("M54.500", "腰痛")),
                  ("diag_name", "natstd_diag_name", "clnc_diag_name"),
                  ("diag_code", "natstd_diag_code", "clnc_diag_code")),
    "1308": _Kind((("47.0901", "腹腔镜下阑尾切除术"), ("36.0601", "经皮冠状动脉药物洗脱支架置入术"),
                   ("13.4100", "白内障超声乳化抽吸术"), ("79.3601", "胫骨骨折切开复位内固定术")),
                  ("oprn_oprt_name", "rtl_oprn_oprt_name", "clnc_oprn_oprt_name"),
                  ("oprn_oprt_code", "rtl_oprn_oprt_code", "clnc_oprn_oprt_code")),
    "1309": _Kind((("M03900", "高血压"), ("M01600", "糖尿病"), ("M00300", "恶性肿瘤门诊治疗"),
                   ("M07800", "慢性肾功能衰竭（透析）")),
                  ("opsp_dise_name",)),
    "1310": _Kind((("K35.800", "急性阑尾炎"), ("O80.000", "单胎顺产"), ("H25.900", "老年性白内障")),
                  ("bydise_setl_dise_name",), ("bydise_setl_list_code",)),
    "1311": _Kind((("H25.900", "老年性白内障"), ("K40.900", "腹股沟疝"), ("N20.000", "肾结石")),
                  ("daysrg_dise_name",), ("daysrg_dise_list_code",)),
    "1313": _Kind((("M8000/0", "良性肿瘤"), ("M8140/3", "腺癌"), ("M8070/3", "鳞状细胞癌")),
                  ("tmor_cell_type",), ("tmor_cell_type_code",)),
    "1314": _Kind((("A01.01.01.01", "感冒"), ("A04.02.01", "胸痹心痛"), ("A06.04.01", "消渴")),
                  ("dise_type_name",), ("dise_type_code",)),
    "1315": _Kind((("B01.01.01", "风寒束表证"), ("B02.03.02", "气虚血瘀证"), ("B04.01.03", "肝郁脾虚证")),
                  ("sds_type_name",), ("sds_type_code",)),
}
# fmt: on

_ITEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "spec": ("drug_spec", "spec", "reg_spec"),
    "prcunt": ("min_prcunt", "min_salunt", "min_useunt", "prcunt_name", "pacunt"),
    "lmt_used_flag": ("lmt_used_flag",),
    "bas_medn_flag": ("bas_medn_flag",),
    "hi_nego_drug_flag": ("hi_nego_drug_flag",),
    "chld_medc_flag": ("chld_medc",),
}
_LEVELS = {"01": "甲类", "02": "乙类", "03": "丙类"}


def kinds() -> tuple[str, ...]:
    """Every catalogue infno the sandbox generates files for."""
    return (*_KINDS, *LAYOUT_OF)


def version_of(index: int) -> int:
    return index // VERSION_ROWS + 1


def version_name(kind: str, version: int) -> str:
    return f"{kind}_{version:06d}"


def parse_ver(text: str) -> int:
    """The version a client already has: the trailing number of 版本号 or 版本名称; 0 when none."""
    match = _TRAILING_DIGITS.search(text.strip())
    return int(match[1]) if match else 0


def first_index_after(version: int) -> int:
    return max(version, 0) * VERSION_ROWS


def rows(kind: str, *, total: int, after: int, admdvs: str) -> Iterator[list[Any]]:
    """The rows of catalogue `kind` whose version is newer than `after`, as lists in the layout's order.

    Built for size (a million rows is a setting): each seed entry's row is prepared once, and a row is a
    copy of it with the handful of per-row columns (code, name, rid, version columns) filled in.
    """
    layout = layout_for(LAYOUT_OF.get(kind, kind))
    spec = _KINDS[LAYOUT_OF.get(kind, kind)]
    at = {key: i for i, key in enumerate(layout.keys)}
    bases = [_base_row(layout, at, spec, i, admdvs) for i in range(len(spec.entries))]
    named = [at[k] for k in spec.name_keys if k in at]
    coded = [at[k] for k in spec.code_keys if k in at]
    code_at, rid_at = at[layout.code_key], at.get("rid")
    ver_at, ver_name_at, updt_at = at.get("ver"), at.get("ver_name"), at.get("updt_time")
    version, version_texts = 0, ("", "", "")
    for index in range(first_index_after(after), total):
        seed_index = index % len(bases)
        row = bases[seed_index].copy()
        if index >= len(bases):
            code, name = spec.entries[seed_index]
            code = f"{code[:-7]}9{index:06d}" if len(code) > 7 else f"{code}-{index:06d}"
            name = f"{name}（示例{index + 1}）"
            for i in named:
                row[i] = name
            for i in coded:
                row[i] = code
            if not coded:
                row[code_at] = code
        if coded:  # the layout's key is a list id, the business code sits in its own columns
            row[code_at] = f"{layout.kind}{index + 1:010d}"
        if rid_at is not None:
            row[rid_at] = f"{layout.kind}{index + 1:015d}"
        if version_of(index) != version:
            version = version_of(index)
            updated = FIRST_DAY + timedelta(days=version - 1)
            version_texts = (str(version), version_name(layout.kind, version), f"{updated:%Y-%m-%d} 00:00:00")
        for position, text in zip((ver_at, ver_name_at, updt_at), version_texts, strict=True):
            if position is not None:
                row[position] = text
        yield row


def _base_row(layout: CatalogLayout, at: dict[str, int], spec: _Kind, index: int, admdvs: str) -> list[Any]:
    """The row of seed entry `index`: every column that does not change from row to row."""
    code, name = spec.entries[index]
    values: dict[str, Any] = {
        "vali_flag": "1",
        "crte_time": f"{FIRST_DAY:%Y-%m-%d} 00:00:00",
        "begndate": f"{FIRST_DAY:%Y-%m-%d}",
        "begntime": f"{FIRST_DAY:%Y-%m-%d} 00:00:00",
        "admdvs": admdvs,
        "memo": "沙箱合成数据",
        **dict.fromkeys(spec.name_keys, name),
        **dict.fromkeys(spec.code_keys, code),
        layout.code_key: code,
    }
    if spec.items:
        item = spec.items[index]
        for attribute, columns in _ITEM_COLUMNS.items():
            values.update(dict.fromkeys(columns, getattr(item, attribute) or None))
        values["nat_hi_druglist_chrgitm_lv"] = _LEVELS.get(item.chrgitm_lv)
    row: list[Any] = [None] * layout.width
    for key, value in values.items():
        if key in at:
            row[at[key]] = value
    return row


def catalog_file(directory: Path, kind: str, *, total: int, after: int, admdvs: str) -> tuple[Path, int]:
    """The zip of `kind`'s rows newer than version `after` (written once, then reused) and its row count.

    The file is named `plc_<kind>_<after>_<last version>.zip` and holds a .txt of the same base name.
    """
    start = first_index_after(after)
    count = max(total - start, 0)
    last = version_of(total - 1) if count else max(after, 0)
    name = f"plc_{kind}_{max(after, 0):06d}_{last:06d}.zip"
    folder = directory / f"catalog-{total}-{admdvs}"
    path = folder / name
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{name}.{os.getpid()}.part"
        layout = layout_for(LAYOUT_OF.get(kind, kind))
        write_catalog(
            partial,
            layout,
            rows(kind, total=total, after=after, admdvs=admdvs),
            member_name=f"{path.stem}.txt",
        )
        partial.replace(path)  # atomic: a reader never sees half a file
    return path, count
