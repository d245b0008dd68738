"""Column layouts of the bureau's tab-separated files: the 13xx catalogues and the 3202 reconciliation files.

The bureau's files have no header line, so a column is known only by its position.  Each layout lists the
columns in file order, each with a snake_case key (the bureau's own field name where a public copy of its
tables gives one) and the Chinese label of the specification, and names the columns the product relies
on: the item code (the upsert key), 版本号 / 版本名称 (incremental paging: the 版本名称 of the last row
becomes the next request's `ver`), 有效标志 and 唯一记录号.

    layout = LAYOUTS["1301"]; layout.index("ver_name")  # -> 83

Sources (reference §3, §8): the column order and labels of every 13xx file come from the Chongqing client's
`OutputDownload13.cs` (newtouch-cloud/openhis); the field names come from the same project's catalogue table
classes (`G_yb_*_bVO.cs`, named after the bureau's own tables) and its catalogue grids; a Guangzhou HIS
parser that reads the same files by position agrees on the order, except where noted at 1311.  Every layout
below is complete (its column count matches reference §3); `complete=False` is kept for provincial layouts
added later from a count alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a file: snake_case key and the Chinese label of the specification."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class CatalogLayout:
    """The ordered columns of one file kind, and which of them carry the item code, version and flags.

    `null_text` is what the writer puts in a file for a missing value: the bureau's own files carry the
    literal `null`, which the reader maps back to None; files the hospital produces (3202 upload) use "".
    """

    kind: str
    title: str
    columns: tuple[Column, ...]
    code_key: str
    ver_key: str | None = None
    ver_name_key: str | None = None
    vali_flag_key: str | None = None
    rid_key: str | None = None
    complete: bool = True
    null_text: str = "null"
    _positions: MappingProxyType[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        bad = [k for k in keys if not _KEY.match(k)]
        if bad:
            raise ValueError(f"{self.kind}: keys must be snake_case: {bad}")
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"{self.kind}: duplicate keys {dupes}")
        positions = {k: i for i, k in enumerate(keys)}
        for name in ("code_key", "ver_key", "ver_name_key", "vali_flag_key", "rid_key"):
            key = getattr(self, name)
            if key is not None and key not in positions:
                raise ValueError(f"{self.kind}: {name}={key!r} is not a column")
        if self.null_text not in ("null", ""):
            raise ValueError(f"{self.kind}: null_text must be 'null' or ''")
        object.__setattr__(self, "_positions", MappingProxyType(positions))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.columns)

    @property
    def width(self) -> int:
        return len(self.columns)

    def index(self, key: str) -> int:
        """Zero-based position of `key` in a line."""
        return self._positions[key]

    def label(self, key: str) -> str:
        return self.columns[self._positions[key]].label

    @property
    def date_keys(self) -> tuple[str, ...]:
        """Columns holding a date or a time (labels ending 日期/时间), for `normalize_date`."""
        return tuple(c.key for c in self.columns if c.label.endswith(("日期", "时间")))


def _columns(table: str) -> tuple[Column, ...]:
    """Parse a `key label` table, one column a line, in file order."""
    rows = (line.split(None, 1) for line in table.splitlines() if line.strip())
    return tuple(Column(key, label.strip()) for key, label in rows)


# Trailing bookkeeping columns shared by most catalogues, in the order the files carry them.
_META = """
vali_flag 有效标志
rid 唯一记录号
crte_time 数据创建时间
updt_time 数据更新时间
ver 版本号
ver_name 版本名称
"""

_1301 = (
    """
med_list_codg 医疗目录编码
drug_prodname 药品商品名
genname_codg 通用名编号
drug_genname 药品通用名
chemname 化学名称
alis 别名
eng_name 英文名称
reg_name 注册名称
drugstdcode 药监本位码
drug_dosform 药品剂型
drug_dosform_name 药品剂型名称
drug_type 药品类别
drug_type_name 药品类别名称
drug_spec 药品规格
drug_spec_code 药品规格代码
reg_dosform 注册剂型
reg_spec 注册规格
reg_spec_code 注册规格代码
each_dos 每次用量
used_frqu 使用频次
acdbas 酸根盐基
nat_drug_no 国家药品编号
used_mtd 用法
tcmpat_flag 中成药标志
prodplac_type 生产地类别
prodplac_type_name 生产地类别名称
prcunt_type 计价单位类型
otc_flag 非处方药标志
otc_flag_name 非处方药标志名称
pacmatl 包装材质
pacmatl_name 包装材质名称
pacspec 包装规格
pac_cnt 包装数量
efcc_atd 功能主治
rute 给药途径
manl 说明书
begndate 开始日期
enddate 结束日期
min_useunt 最小使用单位
min_salunt 最小销售单位
min_unt 最小计量单位
min_pac_cnt 最小包装数量
min_pacunt 最小包装单位
min_prepunt 最小制剂单位
minpacunt_name 最小包装单位名称
min_prepunt_name 最小制剂单位名称
convrat 转换比
drug_expy 药品有效期
min_prcunt 最小计价单位
wubi 五笔助记码
pinyin 拼音助记码
subpck_fcty 分包装厂家
prodentp_code 生产企业编号
prodentp_name 生产企业名称
sp_lmtpric_drug_flag 特殊限价药品标志
sp_drug_flag 特殊药品标志
lmt_usescp 限制使用范围
lmt_used_flag 限制使用标志
drug_regno 药品注册证号
drug_regcert_begndate 药品注册证号开始日期
drug_regcert_enddate 药品注册证号结束日期
aprvno 批准文号
aprvno_begndate 批准文号开始日期
aprvno_enddate 批准文号结束日期
mkt_stas 市场状态
mkt_stas_name 市场状态名称
drug_reg_appvletr_elecacs 药品注册批件电子档案
splm_appy_appvletr_file 药品补充申请批件电子档案
nat_hi_druglist_memo 国家医保药品目录备注
bas_medn_flag_name 基本药物标志名称
bas_medn_flag 基本药物标志
advaltax_adjm_drug_flag 增值税调整药品标志
advaltax_adjm_drug_name 增值税调整药品名称
lstd_druglist_drug 上市药品目录集药品
hi_nego_drug_flag 医保谈判药品标志
hi_nego_drug_name 医保谈判药品名称
nhc_drug_codg 卫健委药品编码
memo 备注
"""
    + _META
    + """
chld_medc 儿童用药
co_name 公司名称
conseval_drug 仿制药一致性评价药品
dstr 经销企业
dstr_coner 经销企业联系人
dstr_auth_file_elecacs 经销企业授权书电子档案
nat_hi_druglist_dosform 国家医保药品目录剂型
nat_hi_druglist_chrgitm_lv 国家医保药品目录甲乙类标识
"""
)

# Newer editions append 标准电子档案 (std_elecacs) as a 29th column; the reader keeps it in `extra`.
_1302 = (
    """
med_list_codg 医疗目录编码
tcmherb_name 单味药名称
cpnd_flag 单复方标志
qlt_lv 质量等级
tcmherb_year 中草药年份
med_part 药用部位
safe_mtr 安全计量
cnvl_used 常规用法
natfla 性味
mertpm 归经
cat 品种
begndate 开始日期
enddate 结束日期
"""
    + _META
    + """
mlms_name 药材名称
efcc_atd 功能主治
psdg_mtd 炮制方法
ecy_type 功效分类
mlms_cat_souc 药材种来源
nat_hi_pay_pol 国家医保支付政策
prov_hi_pay_pol 省级医保支付政策
std_name 标准名称
std_pagen 标准页码
"""
)

_1303 = """
med_list_codg 医疗目录编码
drug_prodname 药品商品名
alis 别名
eng_name 英文名称
dosform 剂型
dosform_name 剂型名称
reg_dosform 注册剂型
ing 成分
efcc_atd 功能主治
chrt 性状
drug_spec 药品规格
drug_spec_code 药品规格代码
reg_spec 注册规格
reg_spec_code 注册规格代码
rute 给药途径
stog 贮藏
used_frqu 使用频次
each_dos 每次用量
drug_type 药品类别
drug_type_name 药品类别名称
otc_flag 非处方药标志
otc_flag_name 非处方药标志名称
pacmatl 包装材质
pacmatl_name 包装材质名称
pacspec 包装规格
manl 说明书
pac_cnt 包装数量
min_useunt 最小使用单位
min_salunt 最小销售单位
min_unt 最小计量单位
min_pac_cnt 最小包装数量
min_pacunt 最小包装单位
min_prepunt 最小制剂单位
min_prepunt_name 最小制剂单位名称
drug_expy 药品有效期
min_prcunt 最小计价单位
defs 不良反应
mnan 注意事项
tabo 禁忌
prodentp_code 生产企业编号
prodentp_name 生产企业名称
prodentp_addr 生产企业地址
sp_lmtpric_drug_flag 特殊限价药品标志
aprvno 批准文号
aprvno_begndate 批准文号开始日期
aprvno_enddate 批准文号结束日期
drug_regno 药品注册证号
drug_regcert_begndate 药品注册证号开始日期
drug_regcert_enddate 药品注册证号结束日期
convrat 转换比
lmt_usescp 限制使用范围
minpacunt_name 最小包装单位名称
reg_name 注册名称
subpck_fcty 分包装厂家
mkt_stas 市场状态
drug_reg_appvletr_elecacs 药品注册批件电子档案
splm_appy_appvletr_file 药品补充申请批件电子档案
nat_hi_druglist_no 国家医保药品目录编号
nat_hi_druglist_memo 国家医保药品目录备注
advaltax_adjm_drug_flag 增值税调整药品标志
advaltax_adjm_drug_name 增值税调整药品名称
lstd_druglist_drug 上市药品目录集药品
nhc_drug_codg 卫健委药品编码
memo 备注
vali_flag 有效标志
begntime 开始时间
endtime 结束时间
rid 唯一记录号
crte_time 数据创建时间
updt_time 数据更新时间
ver 版本号
ver_name 版本名称
selfprep_pmtno 自制剂许可证号
chld_medc 儿童用药
eld_patn_medc 老年患者用药
medins_coner_name 医疗机构联系人姓名
medins_coner_tel 医疗机构联系人电话
selfprep_pmtno_elecacs 自制剂许可证电子档案
"""

# 1305 has no creation/update times, and 有效标志 sits in the middle.
_1305 = """
med_list_codg 医疗目录编码
prcunt 计价单位
prcunt_name 计价单位名称
trt_item_dscr 诊疗项目说明
trt_exct_cont 诊疗除外内容
trt_item_cont 诊疗项目内涵
vali_flag 有效标志
memo 备注
servitem_type 服务项目类别
servitem_name 医疗服务项目名称
item_dscr 项目说明
begndate 开始日期
enddate 结束日期
rid 唯一记录号
ver 版本号
ver_name 版本名称
"""

# 1306 also lacks the creation/update times.
_1306 = """
med_list_codg 医疗目录编码
mcs_name 耗材名称
udi 医疗器械唯一标识码
hi_genname_code 医保通用名代码
hi_genname 医保通用名
prod_mol 产品型号
spec_code 规格代码
spec 规格
mcs_type 耗材分类
spec_mol 规格型号
matl_code 材质代码
mcs_matl 耗材材质
pacspec 包装规格
pac_cnt 包装数量
prod_pacmatl 产品包装材质
pacunt 包装单位
prod_convrat 产品转换比
min_useunt 最小使用单位
prodplac_type 生产地类别
prodplac_type_name 生产地类别名称
prodstrd 产品标准
prodexpy 产品有效期
perf_stru_comp 性能结构与组成
apb_scp 适用范围
prod_istr 产品使用方法
prod_img_no 产品图片编号
prod_qlt_std 产品质量标准
manl 说明书
oth_cert_matl 其他证明材料
sped_flag 专机专用标志
sped_name 专机名称
comb_name 组套名称
case_flag 机套标志
lmt_used_flag 限制使用标志
hi_lmt_scp 医保限用范围
min_salunt 最小销售单位
highval_mcs_flag 高值耗材标志
matl_type_code 医用材料分类代码
impt_matl_hmorgn_flag 植入材料和人体器官标志
stlz_flag 灭菌标志
stlz_flag_name 灭菌标志名称
impt_itvt_clss_flag 植入或介入类标志
impt_itvt_clss_name 植入或介入类名称
dspo_used_flag 一次性使用标志
dspo_used_flag_name 一次性使用标志名称
reger_name 注册备案人名称
begndate 开始日期
enddate 结束日期
med_equ_mgt_type 医疗器械管理类别
med_equ_mgt_type_name 医疗器械管理类别名称
reg_fil_no 注册备案号
reg_fil_prod_name 注册备案产品名称
stru_comp 结构及组成
oth_cont 其他内容
aprv_date 批准日期
reger_addr 注册备案人住所
regcert_expy_begntime 注册证有效期开始时间
regcert_expy_endtime 注册证有效期结束时间
prodentp_code 生产企业编号
prodentp_name 生产企业名称
manu_addr 生产地址
agnt_entp 代理人企业
agnt_entp_addr 代理人企业地址
manu_nat_regn 生产国或地区
aftsal_serins 售后服务机构
reg_fil_elec_file 注册或备案证电子档案
prod_img 产品影像
vali_flag 有效标志
rid 唯一记录号
ver 版本号
ver_name 版本名称
"""

_1307 = (
    """
diag_list_id 西医疾病诊断ID
cpr 章
cpr_code_scp 章代码范围
cpr_name 章名称
sec_code_scp 节代码范围
sec_name 节名称
cgy_code 类目代码
cgy_name 类目名称
sor_code 亚目代码
sor_name 亚目名称
diag_code 诊断代码
diag_name 诊断名称
used_std 使用标记
natstd_diag_code 国标版诊断代码
natstd_diag_name 国标版诊断名称
clnc_diag_code 临床版诊断代码
clnc_diag_name 临床版诊断名称
memo 备注
"""
    + _META
)

_1308 = (
    """
oprn_std_list_id 手术标准目录ID
cpr 章
cpr_code_scp 章代码范围
cpr_name 章名称
cgy_code 类目代码
cgy_name 类目名称
sor_code 亚目代码
sor_name 亚目名称
dtls_code 细目代码
dtls_name 细目名称
oprn_oprt_code 手术操作代码
oprn_oprt_name 手术操作名称
used_std 使用标记
rtl_oprn_oprt_code 团标版手术操作代码
rtl_oprn_oprt_name 团标版手术操作名称
clnc_oprn_oprt_code 临床版手术操作代码
clnc_oprn_oprt_name 临床版手术操作名称
memo 备注
"""
    + _META
)

# 1309–1311 put 版本名称 after the disease text, not right after 版本号.
_1309 = """
opsp_dise_code 门慢门特病种目录代码
opsp_dise_majcls_name 门慢门特病种大类名称
opsp_dise_subd_clss_name 门慢门特病种细分类名称
admdvs 医保区划
memo 备注
vali_flag 有效标志
rid 唯一记录号
crte_time 数据创建时间
updt_time 数据更新时间
ver 版本号
dise_cont 病种内涵
ver_name 版本名称
trt_guide_pagen 诊疗指南页码
trt_guide_elecacs 诊疗指南电子档案
opsp_dise_name 门慢门特病种名称
opsp_dise_majcls_code 门慢门特病种大类代码
"""

_1310 = """
dise_setl_list_id 病种结算目录ID
bydise_setl_list_code 按病种结算病种目录代码
bydise_setl_dise_name 按病种结算病种名称
qua_oprn_oprt_code 限定手术操作代码
qua_oprn_oprt_name 限定手术操作名称
vali_flag 有效标志
rid 唯一记录号
crte_time 数据创建时间
updt_time 数据更新时间
ver 版本号
dise_cont 病种内涵
memo 备注
ver_name 版本名称
trt_guide_pagen 诊疗指南页码
trt_guide_elecacs 诊疗指南电子档案
"""

# Order as in the Chongqing client.  The Guangzhou parser reads 版本名称 at position 8 (before 病种内涵 and
# 备注); the Chongqing order matches 1310's pattern, so it is the one used here.
_1311 = """
daysrg_trt_list_id 日间手术治疗目录ID
daysrg_dise_list_code 日间手术病种目录代码
daysrg_dise_name 日间手术病种名称
vali_flag 有效标志
rid 唯一记录号
crte_time 数据创建时间
updt_time 数据更新时间
ver 版本号
dise_cont 病种内涵
memo 备注
ver_name 版本名称
trt_guide_pagen 诊疗指南页码
trt_guide_elecacs 诊疗指南电子档案
oprn_oprt_name 手术操作名称
oprn_oprt_code 手术操作代码
"""

_1313 = (
    """
tmor_mpy_id 肿瘤形态学ID
tmor_cell_type_code 肿瘤/细胞类型代码
tmor_cell_type 肿瘤/细胞类型
mpy_type_code 形态学分类代码
mpy_type 形态学分类
"""
    + _META
)

_1314 = (
    """
tcm_diag_id 中医疾病诊断ID
caty_cgy_code 科别类目代码
caty_cgy_name 科别类目名称
spcy_sys_taxa_code 专科系统分类目代码
spcy_sys_taxa_name 专科系统分类目名称
dise_type_code 疾病分类代码
dise_type_name 疾病分类名称
memo 备注
"""
    + _META
)

_1315 = (
    """
tcmsymp_id 中医证候ID
sds_cgy_code 证候类目代码
sds_cgy_name 证候类目名称
sds_attr_code 证候属性代码
sds_attr 证候属性
sds_type_code 证候分类代码
sds_type_name 证候分类名称
memo 备注
"""
    + _META
)

# 3202 step 1: the file the hospital zips and uploads with 9101 (reference §3; NMG writer + SZ field list).
_3202_UPLOAD = """
setl_id 结算ID
mdtrt_id 就诊ID
psn_no 人员编号
medfee_sumamt 医疗费总额
fund_pay_sumamt 基金支付总额
acct_pay 个人账户支出
refd_setl_flag 退费结算标志
"""

# 3202 result.txt (10 columns: CQ parser and zebone NationalDict agree; one CQ table lists 7, see §7).
_3202_RESULT = """
psn_no 人员编号
mdtrt_id 就诊ID
setl_id 结算ID
msgid 发送方报文ID
stmt_rslt 对账结果
refd_setl_flag 退费结算标志
memo 备注
medfee_sumamt 医疗费总额
fund_pay_sumamt 基金支付总额
acct_pay 个人账户支出
"""


def _catalog(kind: str, title: str, table: str, code_key: str = "med_list_codg") -> CatalogLayout:
    columns = _columns(table)
    keys = {c.key for c in columns}
    return CatalogLayout(
        kind=kind,
        title=title,
        columns=columns,
        code_key=code_key,
        ver_key="ver",
        ver_name_key="ver_name",
        vali_flag_key="vali_flag",
        rid_key="rid" if "rid" in keys else None,
    )


# For the classification catalogues (1307–1315) the upsert key is the list's own ID column: the business
# code may repeat across rows (1310/1311 list one row per disease *and* permitted operation).
_LAYOUTS = (
    _catalog("1301", "西药中成药目录", _1301),
    _catalog("1302", "中药饮片目录", _1302),
    _catalog("1303", "医疗机构制剂目录", _1303),
    _catalog("1305", "医疗服务项目目录", _1305),
    _catalog("1306", "医用耗材目录", _1306),
    _catalog("1307", "疾病与诊断目录", _1307, "diag_list_id"),
    _catalog("1308", "手术操作目录", _1308, "oprn_std_list_id"),
    _catalog("1309", "门诊慢特病种目录", _1309, "opsp_dise_code"),
    _catalog("1310", "按病种付费病种目录", _1310, "dise_setl_list_id"),
    _catalog("1311", "日间手术治疗病种目录", _1311, "daysrg_trt_list_id"),
    _catalog("1313", "肿瘤形态学目录", _1313, "tmor_mpy_id"),
    _catalog("1314", "中医疾病目录", _1314, "tcm_diag_id"),
    _catalog("1315", "中医证候目录", _1315, "tcmsymp_id"),
    CatalogLayout("3202_upload", "对明细账上传文件", _columns(_3202_UPLOAD), "setl_id", null_text=""),
    CatalogLayout("3202_result", "对明细账结果文件", _columns(_3202_RESULT), "setl_id"),
)

LAYOUTS: MappingProxyType[str, CatalogLayout] = MappingProxyType({lay.kind: lay for lay in _LAYOUTS})

# Column counts of reference §3; checked at import so an edit that drops a line cannot go unnoticed.
EXPECTED_WIDTHS: MappingProxyType[str, int] = MappingProxyType(
    {
        "1301": 92,
        "1302": 28,
        "1303": 78,
        "1305": 16,
        "1306": 71,
        "1307": 24,
        "1308": 24,
        "1309": 16,
        "1310": 15,
        "1311": 15,
        "1313": 11,
        "1314": 14,
        "1315": 14,
        "3202_upload": 7,
        "3202_result": 10,
    }
)

for _kind, _width in EXPECTED_WIDTHS.items():
    if LAYOUTS[_kind].width != _width:
        raise RuntimeError(f"layout {_kind} has {LAYOUTS[_kind].width} columns, reference says {_width}")


def layout_for(kind: str | int) -> CatalogLayout:
    """The layout of a file kind: an infno (1301, "1306") or "3202_upload" / "3202_result"."""
    try:
        return LAYOUTS[str(kind)]
    except KeyError:
        known = ", ".join(LAYOUTS)
        raise KeyError(f"没有 {kind} 文件的列定义（已知: {known}）") from None
