"""Synthetic seed data of the sandbox bureau: insured persons (1101), the medical catalog (2204/1312),
institutions (1201), departments (5101) and staff (5102).

    person = person_by_no("43000030281000128715")   # 张三, 职工在职, 个人账户 1500.00
    state = person.initial_state(2025)              # the fundsplit.PersonState for settle()
    item = lookup_item("XJ01CAA040A001010100001")   # unknown codes come back as 丙类 目录外项目

Everything is a hand-written table, so the data are the same on every run. Every person, name, phone number
and code is invented; ID numbers have the right shape and a valid GB 11643 check digit, but the employers
are marked 示例 and the people do not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from medical_insurance_sdk.sandbox.fund_pricing import CatalogItem, out_of_catalog_item
from medical_insurance_sdk.sandbox.fundsplit import PersonState

#: The date ages are computed at, so that the seed never depends on today.
SEED_DATE = date(2025, 7, 14)

#: The sandbox's own psn_idet_type codes (the national dictionary is not in the public sources [U]).
IDENTITY_TYPES: MappingProxyType[str, str] = MappingProxyType(
    {"01": "特困人员", "02": "低保对象", "03": "残疾人", "04": "优抚对象"}
)

# ----------------------------------------------------------------------------------------------------------
# ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The 18th character of a 居民身份证号: weighted sum of the first 17 digits mod 11."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def make_certno(area: str, birth: date, sequence: int, gend: str) -> str:
    """An 18-digit ID number: area(6) + birth date(8) + order(3, odd = male) + check digit."""
    order = (sequence % 50) * 2 + (1 if gend == "1" else 2)  # 1..99 odd for men, 2..100 → even for women
    first17 = f"{area}{birth:%Y%m%d}{order % 1000:03d}"
    return first17 + id_check_digit(first17)


def is_valid_certno(certno: str) -> bool:
    """True when the 18-character ID number has a valid birth date and check digit."""
    if len(certno) != 18 or not certno[:17].isdigit():
        return False
    try:
        date(int(certno[6:10]), int(certno[10:12]), int(certno[12:14]))
    except ValueError:
        return False
    return certno[17] == id_check_digit(certno[:17])


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def make_uscc(first17: str) -> str:
    """A 统一社会信用代码 from its first 17 characters plus the GB 32100 check character."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_CHARS[(31 - total % 31) % 31]


def age_on(birth: date, day: date) -> int:
    """Whole years between a birth date and `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# ----------------------------------------------------------------------------------------------------------
# Insured persons


@dataclass(frozen=True, slots=True)
class Identity:
    """One `idetinfo[]` row: a special identity (低保, 特困, 残疾 …) with its validity."""

    psn_idet_type: str
    begntime: date
    psn_type_lv: str = ""
    endtime: date | None = None
    memo: str = ""


@dataclass(frozen=True, slots=True)
class InsuredPerson:
    """One synthetic insured person, as 1101 returns them (baseinfo + one insuinfo row + idetinfo)."""

    psn_no: str
    psn_name: str
    gend: str
    naty: str
    brdy: date
    age: int
    certno: str
    psn_cert_type: str
    insutype: str
    psn_type: str
    psn_insu_stas: str  # 1 正常参保, 2 暂停参保
    psn_insu_date: date
    paus_insu_date: date | None
    cvlserv_flag: str
    insuplc_admdvs: str
    emp_name: str
    tel: str
    balc: Decimal
    idetinfo: tuple[Identity, ...] = ()
    category: str = ""  # what the seed row demonstrates, e.g. 职工在职 / 公务员 / 暂停参保

    def baseinfo(self) -> dict[str, object]:
        return {
            "psn_no": self.psn_no,
            "psn_cert_type": self.psn_cert_type,
            "certno": self.certno,
            "psn_name": self.psn_name,
            "gend": self.gend,
            "naty": self.naty,
            "brdy": self.brdy.isoformat(),
            "age": Decimal(self.age),
        }

    def insuinfo(self) -> dict[str, object]:
        return {
            "balc": self.balc,
            "insutype": self.insutype,
            "psn_type": self.psn_type,
            "psn_insu_stas": self.psn_insu_stas,
            "psn_insu_date": self.psn_insu_date.isoformat(),
            "paus_insu_date": self.paus_insu_date.isoformat() if self.paus_insu_date else None,
            "cvlserv_flag": self.cvlserv_flag,
            "insuplc_admdvs": self.insuplc_admdvs,
            "emp_name": self.emp_name,
        }

    def idetinfo_rows(self) -> list[dict[str, object]]:
        return [
            {
                "psn_idet_type": i.psn_idet_type,
                "psn_type_lv": i.psn_type_lv,
                "memo": i.memo or IDENTITY_TYPES.get(i.psn_idet_type, ""),
                "begntime": f"{i.begntime.isoformat()} 00:00:00",
                "endtime": f"{i.endtime.isoformat()} 23:59:59" if i.endtime else None,
            }
            for i in self.idetinfo
        ]

    def initial_state(self, year: int = SEED_DATE.year) -> PersonState:
        """The fund-split state of this person at the start of `year`: seed balance, no yearly usage."""
        return PersonState(
            psn_no=self.psn_no,
            psn_type=self.psn_type,
            balc=self.balc,
            year=year,
            cvlserv_flag=self.cvlserv_flag,
            idet_types=tuple(i.psn_idet_type for i in self.idetinfo),
        )


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of the hand-written person table; the rest of the person is derived from it."""

    name: str
    gend: str
    brdy: str
    area: str
    insutype: str
    psn_type: str
    balc: str
    emp: str = ""
    category: str = ""
    naty: str = "01"
    cvlserv: str = "0"
    stas: str = "1"
    insuplc: str = "430200"
    idet: tuple[Identity, ...] = field(default=())


_HOSP = "湘潭市第一人民医院"
_STEEL, _MOTOR, _TEXTILE = "湘潭示例钢铁有限公司", "湘潭示例电机有限公司", "湘潭示例纺织有限公司"
_CABLE, _SOFT, _LOGI = "湘潭示例电缆有限公司", "湘潭示例软件有限公司", "湘潭示例物流有限公司"
_FOOD, _BUILD, _TOUR = "湘潭示例食品有限公司", "湘潭示例建设集团有限公司", "韶山示例旅游服务有限公司"
_GOV, _STREET, _COUNTY = "湘潭市示例局（机关）", "湘潭市雨湖区示例街道办事处", "湘潭县示例局（机关）"
_MACHINE, _SZ = "湘潭示例机械有限公司", "深圳示例科技有限公司"
_D2016 = date(2016, 1, 1)
_POOR = (Identity("02", _D2016),)
_DESTITUTE = (Identity("01", _D2016),)
_DISABLED = (Identity("03", date(2019, 5, 1), psn_type_lv="2", memo="残疾人（二级）"),)
_POOR_DISABLED = (
    Identity("02", date(2020, 1, 1), endtime=date(2025, 12, 31)),
    Identity("03", date(2020, 1, 1), psn_type_lv="4", memo="残疾人（四级）"),
)

# Area codes of the ID numbers: 430302 雨湖区, 430304 岳塘区, 430321 湘潭县, 430381 湘乡市, 430382 韶山市.
# The first row is the person of the API spec's examples (psn_no 43000030281000128715, balance 1500.00).
_ROWS: tuple[_Row, ...] = (
    # 职工在职 (310 / 1101)
    _Row("张三", "1", "1990-01-01", "430302", "310", "1101", "1500.00", _HOSP, "职工在职"),
    _Row("李娜", "2", "1988-05-17", "430304", "310", "1101", "2680.50", _MOTOR, "职工在职"),
    _Row("王建国", "1", "1975-09-23", "430302", "310", "1101", "4120.00", _STEEL, "职工在职"),
    _Row("刘芳", "2", "1992-11-02", "430321", "310", "1101", "860.30", _TEXTILE, "职工在职"),
    _Row("陈志强", "1", "1983-03-08", "430381", "310", "1101", "3055.75", _CABLE, "职工在职"),
    _Row("杨丽", "2", "1995-07-30", "430382", "310", "1101", "420.00", _TOUR, "职工在职"),
    _Row("赵磊", "1", "1986-12-12", "430302", "310", "1101", "1999.99", _SOFT, "职工在职"),
    _Row("黄敏", "2", "1979-04-25", "430304", "310", "1101", "5230.40", _HOSP, "职工在职"),
    _Row("周涛", "1", "1998-02-14", "430302", "310", "1101", "150.00", _LOGI, "职工在职"),
    _Row("吴静", "2", "1991-08-19", "430321", "310", "1101", "2210.00", _FOOD, "职工在职"),
    _Row("徐斌", "1", "1970-06-06", "430381", "310", "1101", "6800.00", _BUILD, "职工在职"),
    _Row("孙婷", "2", "1993-10-10", "430304", "310", "1101", "1320.60", _MOTOR, "职工在职"),
    _Row("胡军", "1", "1981-01-28", "430302", "310", "1101", "2875.25", _STEEL, "职工在职"),
    _Row("朱玲", "2", "1987-03-21", "430382", "310", "1101", "940.00", _TEXTILE, "职工在职"),
    _Row("高飞", "1", "1996-09-09", "430304", "310", "1101", "610.80", _SOFT, "职工在职"),
    _Row("林慧", "2", "1984-12-01", "430302", "310", "1101", "3760.00", _LOGI, "职工在职"),
    _Row("何勇", "1", "1977-07-07", "430321", "310", "1101", "4480.90", _BUILD, "职工在职"),
    _Row("郭燕", "2", "1990-05-05", "430381", "310", "1101", "1875.00", _FOOD, "职工在职"),
    _Row("马超", "1", "1985-02-18", "430302", "310", "1101", "2590.00", _CABLE, "职工在职", naty="03"),
    _Row("罗红", "2", "1982-08-08", "430304", "310", "1102", "560.00", "灵活就业人员", "灵活就业"),
    # 职工退休 (310 / 1201): higher pool ratio
    _Row("谢国强", "1", "1955-03-15", "430302", "310", "1201", "8650.00", _STEEL, "职工退休"),
    _Row("宋桂英", "2", "1958-10-20", "430304", "310", "1201", "7420.50", _TEXTILE, "职工退休"),
    _Row("唐建华", "1", "1952-01-09", "430321", "310", "1201", "10230.00", _MOTOR, "职工退休"),
    _Row("韩秀兰", "2", "1960-06-30", "430381", "310", "1201", "6120.00", _FOOD, "职工退休"),
    _Row("冯德明", "1", "1956-11-11", "430302", "310", "1201", "9400.00", _BUILD, "职工退休"),
    _Row("曹淑珍", "2", "1962-04-04", "430382", "310", "1201", "5580.00", _TOUR, "职工退休"),
    _Row("彭志刚", "1", "1957-08-27", "430304", "310", "1201", "8015.35", _CABLE, "职工退休"),
    _Row("曾凤英", "2", "1959-12-24", "430302", "310", "1201", "6890.00", _HOSP, "职工退休"),
    # 公务员 (cvlserv_flag 1): 公务员医疗补助 320
    _Row("邓文", "1", "1980-10-01", "430302", "310", "1101", "3880.00", _GOV, "公务员", cvlserv="1"),
    _Row("许晓燕", "2", "1986-06-18", "430304", "310", "1101", "2450.00", _STREET, "公务员", cvlserv="1"),
    _Row("傅建平", "1", "1972-02-02", "430302", "310", "1101", "5020.00", _GOV, "公务员", cvlserv="1"),
    _Row("沈丽华", "2", "1989-09-29", "430321", "310", "1101", "1760.00", _COUNTY, "公务员", cvlserv="1"),
    _Row("蒋国庆", "1", "1954-10-01", "430302", "310", "1201", "11200.00", _GOV, "公务员退休", cvlserv="1"),
    # 城乡居民 (390): no personal account
    _Row("田小宝", "1", "2018-06-01", "430302", "390", "1402", "0.00", "", "居民学生"),
    _Row("袁梓涵", "2", "2012-03-12", "430304", "390", "1402", "0.00", "", "居民学生"),
    _Row("邹秀英", "2", "1950-07-14", "430321", "390", "1601", "0.00", "", "居民老年"),
    _Row("覃有福", "1", "1948-02-20", "430381", "390", "1601", "0.00", "", "居民老年", naty="15"),
    _Row("龙春花", "2", "1972-05-25", "430382", "390", "1501", "0.00", "", "居民成年", naty="06"),
    _Row("向东", "1", "1966-09-03", "430321", "390", "1501", "0.00", "", "居民成年", naty="15"),
    _Row("石美玲", "2", "1979-01-16", "430381", "390", "1501", "0.00", "", "居民成年", naty="12"),
    _Row("梁大海", "1", "1968-11-30", "430302", "390", "1501", "0.00", "", "居民成年"),
    _Row("段玉兰", "2", "1975-03-03", "430304", "390", "1501", "0.00", "", "居民成年"),
    _Row("雷小军", "1", "1999-04-04", "430321", "390", "1501", "0.00", "", "居民成年"),
    _Row("康桂芳", "2", "1945-08-15", "430382", "390", "1601", "0.00", "", "居民老年"),
    _Row("贺明", "1", "2024-02-10", "430302", "390", "1401", "0.00", "", "居民新生儿"),
    _Row("文静", "2", "2008-07-07", "430304", "390", "1402", "0.00", "", "居民学生"),
    _Row("廖建军", "1", "1963-12-12", "430381", "390", "1501", "0.00", "", "居民成年"),
    _Row("常晓丽", "2", "1997-01-27", "430321", "390", "1501", "0.00", "", "居民成年"),
    # 特殊身份 (idetinfo): 医疗救助 610 pays for 01 特困 / 02 低保
    _Row("欧阳春", "1", "1960-05-20", "430321", "390", "1501", "0.00", "", "低保对象", idet=_POOR),
    _Row("毛桂香", "2", "1949-09-09", "430381", "390", "1601", "0.00", "", "特困人员", idet=_DESTITUTE),
    _Row("江伟", "1", "1978-03-30", "430302", "310", "1101", "1230.00", _LOGI, "残疾人", idet=_DISABLED),
    _Row("方淑华", "2", "1970-10-10", "430304", "390", "1501", "0.00", "", "低保、残疾", idet=_POOR_DISABLED),
    # 特殊状态
    _Row("汤志勇", "1", "1984-07-19", "430302", "310", "1101", "980.00", _MACHINE, "暂停参保", stas="2"),
    _Row("钟海洋", "1", "1987-02-11", "440305", "310", "1101", "3200.00", _SZ, "异地参保", insuplc="440300"),
    _Row("尹秀梅", "2", "1994-12-05", "430304", "310", "1101", "0.00", _LOGI, "个人账户余额为零"),
    _Row("黎明辉", "1", "1991-06-21", "430302", "310", "1101", "35.60", _SOFT, "个人账户余额不足"),
)


def _insured_since(row: _Row, birth: date) -> date:
    # Employees from their first job (22 years old, not before the 1999 reform); residents since the 2016
    # merger of 新农合 and 城镇居民, or from birth.
    if row.insutype == "310":
        return date(min(max(birth.year + 22, 1999), 2020), 7, 1)
    return max(birth, _D2016)


def _person(index: int, row: _Row) -> InsuredPerson:
    birth = date.fromisoformat(row.brdy)
    local = row.insuplc.startswith("43")
    psn_no = f"43000030281{128715 + 1013 * index:09d}" if local else f"44000030305{100 + 1013 * index:09d}"
    return InsuredPerson(
        psn_no=psn_no,
        psn_name=row.name,
        gend=row.gend,
        naty=row.naty,
        brdy=birth,
        age=age_on(birth, SEED_DATE),
        certno=make_certno(row.area, birth, index, row.gend),
        psn_cert_type="01",
        insutype=row.insutype,
        psn_type=row.psn_type,
        psn_insu_stas=row.stas,
        psn_insu_date=_insured_since(row, birth),
        paus_insu_date=date(2025, 3, 1) if row.stas == "2" else None,
        cvlserv_flag=row.cvlserv,
        insuplc_admdvs=row.insuplc,
        emp_name=row.emp,
        tel=f"139{73100000 + 7919 * index:08d}",
        balc=Decimal(row.balc),
        idetinfo=row.idet,
        category=row.category,
    )


#: The insured persons, in table order.
PERSONS: tuple[InsuredPerson, ...] = tuple(_person(i, row) for i, row in enumerate(_ROWS))
_BY_NO = MappingProxyType({p.psn_no: p for p in PERSONS})
_BY_CERTNO = MappingProxyType({p.certno: p for p in PERSONS})


def person_by_no(psn_no: str) -> InsuredPerson | None:
    return _BY_NO.get(psn_no)


def person_by_certno(certno: str) -> InsuredPerson | None:
    return _BY_CERTNO.get(certno.upper())


# ----------------------------------------------------------------------------------------------------------
# Medical catalog (医保目录): 西药 101, 中成药 102, 中药饮片 103, 服务项目 201, 医用耗材 301


_FLAGS = {
    "bas": "bas_medn_flag",  # 国家基本药物
    "nego": "hi_nego_drug_flag",  # 医保谈判药品
    "chld": "chld_medc_flag",  # 儿童用药
    "sp": "list_sp_item_flag",  # 特殊药品/特检特治
    "lmt": "lmt_used_flag",  # 限制使用
}


def _item(
    list_type: str,
    chrgitm_type: str,
    code: str,
    name: str,
    lv: str,
    spec: str,
    unit: str,
    pric: str,
    prop: str | None = None,
    cap: str | None = None,
    flags: str = "",
) -> CatalogItem:
    """One catalog row: `prop` is the 乙类 先行自付比例, `cap` the 限价, `flags` names from _FLAGS."""
    marks = {_FLAGS[f]: "1" for f in flags.split()}
    return CatalogItem(
        med_list_codg=code,
        name=name,
        list_type=list_type,
        med_chrgitm_type=chrgitm_type,
        chrgitm_lv=lv,
        selfpay_prop=Decimal(prop) if prop is not None else None,
        pric_uplmt_amt=Decimal(cap) if cap is not None else None,
        spec=spec,
        prcunt=unit,
        ref_pric=Decimal(pric),
        bas_medn_flag=marks.get("bas_medn_flag", "0"),
        hi_nego_drug_flag=marks.get("hi_nego_drug_flag", "0"),
        chld_medc_flag=marks.get("chld_medc_flag", "0"),
        list_sp_item_flag=marks.get("list_sp_item_flag", "0"),
        lmt_used_flag=marks.get("lmt_used_flag", "0"),
    )


_A, _B, _X = "01", "02", "03"  # chrgitm_lv 甲 / 乙 / 丙

# fmt: off
_WESTERN = (
    # 西药: list_type 101, 09 西药费; code = X + ATC + dosage form + sandbox serial
    # code, name, 甲乙丙, spec, unit, usual price, 先行自付, 限价, flags
    ("XJ01CAA040A001010100001", "阿莫西林胶囊", _A, "0.25g*24粒", "盒", "12.50", None, None, "bas"),
    ("XB01ACA056A001010100002", "阿司匹林肠溶片", _A, "100mg*30片", "盒", "15.80", None, None, "bas"),
    ("XA10BAD002A001010100003", "盐酸二甲双胍片", _A, "0.5g*20片", "盒", "8.60", None, None, "bas"),
    ("XC08CAA010A001010100004", "苯磺酸氨氯地平片", _A, "5mg*7片", "盒", "4.90", None, None, "bas"),
    ("XA02BCA010E001010100005", "奥美拉唑肠溶胶囊", _A, "20mg*14粒", "盒", "9.30"),
    ("XJ01DDF080A001010100006", "头孢克肟胶囊", _B, "100mg*6粒", "盒", "18.40", "0.10"),
    ("XC10AAA050A001010100007", "阿托伐他汀钙片", _B, "20mg*7片", "盒", "6.20", "0.10"),
    ("XB05BBA020B002010100008", "0.9%氯化钠注射液", _A, "250ml", "袋", "3.50", None, None, "bas"),
    ("XB05BAA010B002010100009", "5%葡萄糖注射液", _A, "250ml", "袋", "3.80", None, None, "bas"),
    ("XJ01DDA040B001010100010", "注射用头孢曲松钠", _B, "1g", "支", "9.60", "0.10", None, "lmt"),
    ("XM01AEB040E001010100011", "布洛芬缓释胶囊", _B, "0.3g*20粒", "盒", "11.20", "0.05"),
    ("XM01AEB040X002010100012", "布洛芬混悬液（儿童）", _B, "100ml", "瓶", "22.00", "0.05", None, "chld"),
    ("XB05AAA010B002010100013", "人血白蛋白注射液", _B, "10g", "瓶", "420.00", "0.20", "380.00", "lmt sp"),
    ("XA10BKD020A001010100014", "达格列净片", _B, "10mg*30片", "盒", "105.00", "0.20", "105.00", "nego"),
    ("XA11JAF000A001010100015", "复合维生素片", _X, "60片", "瓶", "60.00"),
    ("XL03AXT050B001010100016", "注射用胸腺法新", _X, "1.6mg", "支", "180.00"),
)
_PATENT = (
    # 中成药: list_type 102, 11 中成药费
    ("ZA04AAL0010010101000017", "连花清瘟胶囊", _B, "0.35g*24粒", "盒", "14.80", "0.10"),
    ("ZA12BAF0010010101000018", "复方丹参滴丸", _A, "27mg*180丸", "瓶", "28.00", None, None, "bas"),
    ("ZA09FAL0020010101000019", "六味地黄丸", _A, "200丸", "瓶", "16.50", None, None, "bas"),
    ("ZA01BBB0030010101000020", "板蓝根颗粒", _A, "10g*20袋", "包", "12.00"),
    ("ZA12CAX0040010101000021", "血塞通软胶囊", _B, "60mg*24粒", "盒", "32.00", "0.10"),
    ("ZA16AAA0050010101000022", "安宫牛黄丸", _X, "3g*1丸", "丸", "460.00"),
)
_HERBS = (
    # 中药饮片: list_type 103, 10 中药饮片费, priced per gram
    ("T000700231", "黄芪", _A, "片", "g", "0.12"),
    ("T000400112", "当归", _B, "片", "g", "0.35", "0.05"),
    ("T000700318", "党参", _B, "段", "g", "0.28", "0.05"),
    ("T000700045", "甘草", _A, "片", "g", "0.08"),
    ("T001300509", "冬虫夏草", _X, "原形", "g", "260.00"),
    ("T000700627", "西洋参", _X, "片", "g", "1.80"),
)
_SERVICES = (
    # 医疗服务项目: list_type 201; code = national 15 digits - local 9 digits; med_chrgitm_type per row
    ("02", "001102000010000-110200001", "普通门诊诊查费", _A, "", "次", "10.00", None, "10.00"),
    ("02", "001102000010300-110200003", "主任医师门诊诊查费", _A, "", "次", "30.00", None, "25.00"),
    ("04", "002501010010000-250101001", "血细胞分析（血常规）", _A, "", "次", "20.00"),
    ("04", "002503010010000-250301001", "肝功能检测", _A, "", "次", "45.00"),
    ("03", "002103000010000-210300001", "胸部CT平扫", _B, "", "次", "260.00", "0.10"),
    ("03", "002104000010000-210400001", "头颅磁共振平扫", _B, "", "次", "560.00", "0.20"),
    ("01", "001101000010100-110100001", "普通病房床位费（三人间）", _A, "", "日", "40.00", None, "40.00"),
    ("01", "001101000010300-110100003", "单人间病房床位费", _A, "", "日", "120.00", None, "40.00"),
    ("07", "001202000010000-120200001", "一级护理", _A, "", "日", "30.00"),
    ("05", "001204000010000-120400001", "静脉输液", _A, "", "次", "8.00"),
    ("06", "003310003010000-331003001", "阑尾切除术", _A, "", "次", "1200.00"),
    ("05", "004101000010000-410100001", "针刺", _B, "", "次", "35.00", "0.10"),
    ("12", "001103000010000-110300001", "一般诊疗费", _A, "", "次", "10.00"),
    ("03", "009999000010000-999900001", "健康体检（非医疗目的）", _X, "", "次", "200.00"),
    ("06", "003207000020000-320700002", "经皮冠状动脉支架置入术", _B, "", "次", "3800.00", "0.10"),
)
_MATERIALS = (
    # 医用耗材: list_type 301, 08 卫生材料费
    ("C1402010010000000001", "一次性使用输液器", _A, "带针", "套", "3.20"),
    ("C1401010010000000002", "一次性使用无菌注射器", _A, "5ml", "支", "0.80"),
    ("C1404020010000000003", "医用脱脂纱布", _A, "8cm*10cm", "块", "2.50"),
    ("C0202010010000000004", "药物洗脱冠脉支架", _B, "3.0*18mm", "个", "798.00", "0.30", "800.00", "sp"),
    ("C1601010010000000005", "人工晶体（非球面）", _B, "单焦点", "片", "2600.00", "0.20", "2000.00"),
    ("C1301030010000000006", "骨科锁定接骨板", _B, "6孔", "块", "3000.00", "0.20", "3000.00"),
    ("C0309010010000000007", "一次性使用吻合器", _X, "管型", "把", "1500.00"),
)
# fmt: on

_ITEMS: tuple[CatalogItem, ...] = (
    *(_item("101", "09", *row) for row in _WESTERN),
    *(_item("102", "11", *row) for row in _PATENT),
    *(_item("103", "10", *row) for row in _HERBS),
    *(_item("201", kind, *row) for kind, *row in _SERVICES),
    *(_item("301", "08", *row) for row in _MATERIALS),
)

#: The sandbox catalog by med_list_codg.
CATALOG: MappingProxyType[str, CatalogItem] = MappingProxyType({i.med_list_codg: i for i in _ITEMS})


def lookup_item(med_list_codg: str, name: str = "") -> CatalogItem:
    """The catalog item of a code; an unknown code is 丙类 (fully self-paid) with memo 目录外项目."""
    return CATALOG.get(med_list_codg) or out_of_catalog_item(med_list_codg, name)


# ----------------------------------------------------------------------------------------------------------
# Institutions (1201), departments (5101) and staff (5102)


@dataclass(frozen=True, slots=True)
class Institution:
    """A 定点医药机构: fixmedins_type 1 = 定点医疗机构, 2 = 定点零售药店."""

    fixmedins_code: str
    fixmedins_name: str
    fixmedins_type: str
    hosp_lv: str  # 医院等级 label; "" for pharmacies
    admdvs: str
    uscc: str
    addr: str
    tel: str
    legrep_name: str


@dataclass(frozen=True, slots=True)
class Department:
    """A department as 3401 uploads it and 5101 returns it; caty is the national 科别."""

    fixmedins_code: str
    hosp_dept_codg: str
    hosp_dept_name: str
    caty: str
    begntime: date
    dept_resper_name: str
    dept_resper_tel: str
    aprv_bed_cnt: int
    hi_crtf_bed_cnt: int
    dr_psncnt: int
    phar_psncnt: int
    nurs_psncnt: int
    tecn_psncnt: int
    itro: str = ""
    poolarea_no: str = "430200"


@dataclass(frozen=True, slots=True)
class Staff:
    """A 医药机构执业人员 (5102): prac_psn_type 1 医师, 2 护士, 3 药师, 4 医技人员."""

    fixmedins_code: str
    prac_psn_code: str  # 医保医师/护士/药师代码: D/N/Y/J + admdvs + serial
    prac_psn_name: str
    prac_psn_type: str
    psn_cert_type: str
    certno: str
    hosp_dept_codg: str
    prac_psn_no: str  # the institution's own staff number
    hi_dr_flag: str
    begntime: date


DEMO_HOSPITAL = "H43028110001"
DEMO_PHARMACY = "P43028110002"
OTHER_REGION_HOSPITAL = "H44030500001"

# fmt: off
INSTITUTIONS: tuple[Institution, ...] = (
    Institution(DEMO_HOSPITAL, "湘潭市第一人民医院", "1", "三级甲等", "430302",
                make_uscc("12430300MB1C0001X"), "湖南省湘潭市雨湖区示例路1号", "0731-50000001", "周示例"),
    Institution(DEMO_PHARMACY, "湘潭演示大药房有限公司", "2", "", "430304",
                make_uscc("91430304MA4T0002K"), "湖南省湘潭市岳塘区示例街88号", "0731-50000002", "钱示例"),
    Institution(OTHER_REGION_HOSPITAL, "深圳市南山区演示医院", "1", "二级甲等", "440305",
                make_uscc("12440305MB2D0003Y"), "广东省深圳市南山区示例大道3号", "0755-50000003", "孙示例"),
)
# fmt: on
_INSTITUTIONS = MappingProxyType({i.fixmedins_code: i for i in INSTITUTIONS})


def institution(fixmedins_code: str) -> Institution | None:
    return _INSTITUTIONS.get(fixmedins_code)


_OPENED = date(2005, 1, 1)
_H, _P, _O = DEMO_HOSPITAL, DEMO_PHARMACY, OTHER_REGION_HOSPITAL
# fmt: off
DEPARTMENTS: tuple[Department, ...] = (
    # institution, code, name, 科别, opened, head, tel, 批准床位, 医保认可床位, 医师, 药师, 护士, 技师
    Department(_H, "NK01", "普通内科", "A03", _OPENED, "邹示例", "0731-50001001", 60, 55, 18, 0, 36, 2),
    Department(_H, "XNK02", "心血管内科", "A03.04", _OPENED, "马示例", "0731-50001002", 50, 48, 15, 0, 30, 3),
    Department(_H, "WK01", "普通外科", "A04", _OPENED, "罗示例", "0731-50001003", 55, 50, 16, 0, 32, 2),
    Department(_H, "FCK01", "妇产科", "A05", _OPENED, "梁示例", "0731-50001004", 40, 38, 12, 0, 26, 2),
    Department(_H, "EK01", "儿科", "A07", _OPENED, "宋示例", "0731-50001005", 45, 40, 14, 0, 28, 1),
    Department(_H, "JZK01", "急诊医学科", "A20", _OPENED, "郑示例", "0731-50001006", 20, 20, 10, 0, 20, 2),
    Department(_H, "ZYK01", "中医科", "A50", _OPENED, "韩示例", "0731-50001007", 30, 28, 8, 2, 12, 1),
    Department(_H, "YJK01", "药剂科", "A99", _OPENED, "唐示例", "0731-50001008", 0, 0, 0, 25, 0, 0),
    Department(_P, "YF01", "零售药房", "A99", date(2015, 6, 1), "钱示例", "0731-50000002", 0, 0, 0, 3, 0, 0),
    Department(_O, "NK01", "内科", "A03", date(2010, 3, 1), "孙示例", "0755-50000003", 40, 40, 12, 0, 24, 2,
               poolarea_no="440300"),
)
# fmt: on

_STAFF_ROWS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    # institution, code, name, type, dept, gend, birth
    (DEMO_HOSPITAL, "D430302000101", "李医生", "1", "NK01", "1", "1978-04-12"),
    (DEMO_HOSPITAL, "D430302000102", "王医生", "1", "XNK02", "2", "1982-09-03"),
    (DEMO_HOSPITAL, "D430302000103", "张医生", "1", "WK01", "1", "1975-01-20"),
    (DEMO_HOSPITAL, "D430302000104", "刘医生", "1", "FCK01", "2", "1984-06-15"),
    (DEMO_HOSPITAL, "D430302000105", "陈医生", "1", "EK01", "1", "1986-11-30"),
    (DEMO_HOSPITAL, "D430302000106", "杨医生", "1", "JZK01", "1", "1988-02-28"),
    (DEMO_HOSPITAL, "D430302000107", "黄医生", "1", "ZYK01", "2", "1970-08-08"),
    (DEMO_HOSPITAL, "N430302000201", "赵护士", "2", "NK01", "2", "1993-05-05"),
    (DEMO_HOSPITAL, "N430302000202", "周护士", "2", "WK01", "2", "1995-12-19"),
    (DEMO_HOSPITAL, "Y430302000301", "吴药师", "3", "YJK01", "1", "1980-03-23"),
    (DEMO_HOSPITAL, "J430302000401", "徐技师", "4", "NK01", "1", "1990-07-01"),
    (DEMO_PHARMACY, "Y430304000501", "孙药师", "3", "YF01", "2", "1985-10-10"),
    (DEMO_PHARMACY, "Y430304000502", "胡药师", "3", "YF01", "1", "1991-01-09"),
    (OTHER_REGION_HOSPITAL, "D440305000601", "林医生", "1", "NK01", "2", "1983-04-04"),
)


def _staff(index: int, row: tuple[str, str, str, str, str, str, str]) -> Staff:
    fixmedins_code, code, name, kind, dept, gend, birth = row
    area = "440305" if fixmedins_code == OTHER_REGION_HOSPITAL else "430302"
    return Staff(
        fixmedins_code=fixmedins_code,
        prac_psn_code=code,
        prac_psn_name=name,
        prac_psn_type=kind,
        psn_cert_type="01",
        certno=make_certno(area, date.fromisoformat(birth), 60 + index, gend),
        hosp_dept_codg=dept,
        prac_psn_no=f"{fixmedins_code[-4:]}{index + 1:04d}",
        hi_dr_flag="1" if kind == "1" else "0",
        begntime=date(2015, 1, 1),
    )


STAFF: tuple[Staff, ...] = tuple(_staff(i, row) for i, row in enumerate(_STAFF_ROWS))


def departments_of(fixmedins_code: str) -> tuple[Department, ...]:
    return tuple(d for d in DEPARTMENTS if d.fixmedins_code == fixmedins_code)


def staff_of(fixmedins_code: str) -> tuple[Staff, ...]:
    return tuple(s for s in STAFF if s.fixmedins_code == fixmedins_code)
