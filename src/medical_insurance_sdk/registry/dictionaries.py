"""Code dictionaries of the bureau (reference §4), as data.

A dictionary-coded field is checked against these values; a value outside them is a 30003 format error.
National values come first; documented local (provincial) extras are included so that real provincial
traffic is not refused.  A province may add more through its profile; `1901` returns the authoritative list
at run time.
"""

from __future__ import annotations

from types import MappingProxyType

_FLAG = {"0": "否", "1": "是"}

_RAW: dict[str, dict[str, str]] = {
    "mdtrt_cert_type": {
        "01": "医保电子凭证",
        "02": "居民身份证",
        "03": "社会保障卡",
        # Hunan additions [L]
        "04": "澳门证件",
        "05": "香港证件",
        "06": "本地社保卡",
        "17": "港澳台",
    },
    "psn_cert_type": {
        "01": "居民身份证(户口簿)",
        "02": "中国人民解放军军官证",
        "03": "中国人民武装警察警官证",
        "04": "香港特区护照/港澳居民来往内地通行证",
        "05": "澳门特区护照/港澳居民来往内地通行证",
        "06": "台湾居民来往大陆通行证",
        "07": "外国人永久居留证",
        "08": "外国人护照",
        "09": "残疾人证",
        "10": "军烈属证明",
        "11": "外国人就业证",
        "12": "外国专家证",
        "13": "外国人常驻记者证",
        "14": "台港澳人员就业证",
        "15": "回国(来华)定居专家证",
        "16": "中国护照",
        "17": "港澳台居民居住证",
        "90": "社会保障卡",
        "99": "其他身份证件",
    },
    "insutype": {
        "310": "职工基本医疗保险",
        "320": "公务员医疗补助",
        "330": "大额医疗费用补助",
        "340": "离休人员医疗保障",
        "350": "一至六级残废军人医疗补助",
        "360": "老红军医疗保障",
        "370": "企业补充医疗保险",
        "380": "新型农村合作医疗",
        "390": "城乡居民基本医疗保险",
        "391": "城镇居民基本医疗保险",
        "392": "城乡居民大病医疗保险",
        "399": "其他特殊人员医疗保障",
        "410": "长期照护保险",
        "510": "生育保险",
    },
    "med_type": {
        "11": "普通门诊",
        "12": "门诊挂号",
        "13": "急诊",
        "14": "门诊慢特病",
        "15": "特药",
        "16": "中医特色门诊",
        "19": "其他门诊",
        "21": "普通住院",
        "22": "外伤住院",
        "23": "转外诊治住院",
        "24": "急诊转住院",
        "25": "异地住院",
        "26": "单病种住院",
        "27": "自主就医",
        "28": "日间手术",
        "29": "起付线治疗",
        "41": "定点药店购药",
        "51": "生育门诊",
        "52": "生育住院",
        "53": "计划生育手术费",
        # Chongqing / Jilin local codes [L]
        "9901": "家庭病床",
        "9902": "精神病住院",
        "9903": "耐多药肺结核",
        "9904": "门诊统筹",
        "9905": "意外伤害门诊",
        "9906": "意外伤害住院",
        "9907": "两病门诊",
        "9921": "血透",
        "9925": "门诊特殊",
        "140104": "门诊慢病",
        "140201": "门诊特病",
        "5212": "生育检查",
        "2114": "住院日间",
        "9107": "特药门诊",
        "990404": "其他",
    },
    "psn_setlway": {"01": "按项目结算", "02": "按定额结算", "0201": "按单病种结算", "0202": "按日间手术结算"},
    "clr_type": {"11": "门诊", "21": "住院", "41": "药店购药", "51": "暂缓结算", "99": "其他"},
    "fund_pay_type": {
        "310100": "职工基本医疗保险统筹基金",
        "310200": "职工基本医疗保险个人账户基金",
        "310201": "职工个人账户共济",
        "310103": "职工生育",
        "320100": "公务员医疗补助基金",
        "330100": "职工大额医疗费用补助基金",
        "330101": "大额补助(其他)",
        "340100": "离休人员医疗保障基金",
        "350100": "一至六级残疾军人医疗补助基金",
        "370100": "企业补充医疗保险基金",
        "390100": "城乡居民基本医疗保险基金",
        "390200": "城乡居民大病医疗保险基金",
        "510100": "生育保险基金",
        "610100": "医疗救助基金",
        "610102": "再救助",
        "610103": "健康扶贫",
        "610104": "精准脱贫",
        "999996": "医院垫付",
        "999997": "其他基金",
        "999901": "区级公务员补助",
    },
    "med_chrgitm_type": {
        "01": "床位费",
        "02": "诊察费",
        "03": "检查费",
        "04": "化验费",
        "05": "治疗费",
        "06": "手术费",
        "07": "护理费",
        "08": "卫生材料费",
        "09": "西药费",
        "10": "中药饮片费",
        "11": "中成药费",
        "12": "一般诊疗费",
        "13": "挂号费",
        "14": "其他费",
        "15": "其他",
    },
    "chrgitm_lv": {"01": "甲类", "02": "乙类", "03": "丙类(自费)"},
    "list_type": {
        "101": "西药",
        "102": "中成药",
        "103": "中药饮片",
        "104": "自制剂",
        "105": "民族药",
        "201": "医疗服务项目",
        "301": "医用耗材",
    },
    "gend": {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"},
    "diag_type": {"1": "西医诊断", "2": "中医主病诊断", "3": "中医主证诊断"},
    "inout_diag_type": {"1": "入院诊断", "2": "出院诊断"},
    "dscg_way": {
        "1": "医嘱离院",
        "2": "医嘱转院",
        "3": "医嘱转社区卫生服务机构/乡镇卫生院",
        "4": "非医嘱离院",
        "5": "死亡",
        "9": "其他",
    },
    "psn_type": {
        "11": "在职",
        "12": "退休",
        "13": "离休",
        "14": "居民(未成年)",
        "15": "居民(成年)",
        "16": "居民(老年)",
        "1101": "职工在职",
        "1102": "灵活就业",
        "1201": "职工退休",
        "1300": "离休",
        "1401": "新生儿",
        "1402": "中小学生",
        "1501": "普通居民",
        "1601": "老年居民",
    },
    "trt_chk_type": {"1": "基金项检查", "99": "其他检查"},
    "matn_type": {
        "1": "正常产",
        "2": "助娩产",
        "3": "剖宫产",
        "4": "难产",
        "5": "流产",
        "6": "引产",
        "7": "产前检查",
        "9": "其他",
        "10": "早孕",
        "11": "中孕",
        "12": "晚孕",
        "13": "产后",
    },
    "birctrl_type": {
        "1": "放置宫内节育器",
        "2": "取出宫内节育器",
        "3": "流产术",
        "4": "引产术",
        "5": "绝育手术",
        "6": "绝育复通手术",
        "7": "皮下埋植",
        "8": "取出皮下埋植",
        "9": "其他",
        "10": "人工流产",
        "11": "药物流产",
        "12": "输卵管复通",
    },
    "opter_type": {"1": "经办人", "2": "自助终端", "3": "移动终端"},
    "naty": {
        f"{i:02d}": name
        for i, name in enumerate(
            [
                "汉族",
                "蒙古族",
                "回族",
                "藏族",
                "维吾尔族",
                "苗族",
                "彝族",
                "壮族",
                "布依族",
                "朝鲜族",
                "满族",
                "侗族",
                "瑶族",
                "白族",
                "土家族",
                "哈尼族",
                "哈萨克族",
                "傣族",
                "黎族",
                "傈僳族",
                "佤族",
                "畲族",
                "高山族",
                "拉祜族",
                "水族",
                "东乡族",
                "纳西族",
                "景颇族",
                "柯尔克孜族",
                "土族",
                "达斡尔族",
                "仫佬族",
                "羌族",
                "布朗族",
                "撒拉族",
                "毛南族",
                "仡佬族",
                "锡伯族",
                "阿昌族",
                "普米族",
                "塔吉克族",
                "怒族",
                "乌孜别克族",
                "俄罗斯族",
                "鄂温克族",
                "德昂族",
                "保安族",
                "裕固族",
                "京族",
                "塔塔尔族",
                "独龙族",
                "鄂伦春族",
                "赫哲族",
                "门巴族",
                "珞巴族",
                "基诺族",
            ],
            start=1,
        )
    }
    | {"97": "其他", "98": "外国血统中国籍人士"},
    # 0/1 flags, as the bureau uses them everywhere
    **{
        flag: dict(_FLAG)
        for flag in (
            "acct_used_flag",
            "mid_setl_flag",
            "rx_circ_flag",
            "vali_flag",
            "trt_enjymnt_flag",
            "cvlserv_flag",
            "latechb_flag",
            "pret_flag",
            "maindiag_flag",
            "refd_setl_flag",
            "hosp_appr_flag",
            "etip_flag",
            "dscg_tkdrug_flag",
            "lmt_used_flag",
            "cop_flag",
            "need_flag",
        )
    },
    # 0/1 flags of the 35xx inventory and 53xx query tables ("0-否；1-是" in the copied spec rows):
    # rx_flag, trdn_flag, prod_geay_flag: fengzaiqishi11/hsa-his InsureStockManagerBoImpl.java comments;
    # out_flag: binzhe12123/Medical SY.Com.Medical.Model/SYB/XXCX/ZY5304.cs.
    **{flag: dict(_FLAG) for flag in ("rx_flag", "trdn_flag", "prod_geay_flag", "out_flag")},
    # 3507 进销存数据类型: binzhe12123/Medical SY.Com.Medical.Model/SYB/YYJGFW/YPSC3507.cs
    "inv_data_type": {"1": "盘存信息", "2": "库存变更信息", "3": "采购信息", "4": "销售信息"},
    # The next two are not in the public sources [U]; the values follow the common provincial usage.
    "psn_insu_stas": {"1": "正常参保", "2": "暂停参保", "4": "终止参保", "0": "未参保"},
    "stmt_rslt": {"0": "平", "1": "不平"},
}

DICTIONARIES: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {name: MappingProxyType(values) for name, values in _RAW.items()}
)


def label(dictionary: str, code: str) -> str | None:
    """The Chinese label of `code` in `dictionary`, or None."""
    return DICTIONARIES[dictionary].get(code)


# A refusal lists a dictionary of at most LISTED_WHOLE values in full, a longer one by its first LISTED_FIRST
# and the count (1901 字典表查询 answers the whole of it).
LISTED_WHOLE = 20
LISTED_FIRST = 10


def not_in_dictionary(dictionary: str, value: object) -> str:
    """The detail of a 30003 for a value outside `dictionary`, naming what it allows:
    "取值 999 不在字典 insutype 中，可选: 310 职工基本医疗保险、…、510 生育保险"."""
    values = DICTIONARIES[dictionary]
    shown = list(values.items())
    if len(shown) > LISTED_WHOLE:
        shown = shown[:LISTED_FIRST]
    allowed = "、".join(f"{code} {text}" for code, text in shown)
    more = "" if len(shown) == len(values) else f" 等，共 {len(values)} 个（全部见 1901 字典表下载）"
    return f"取值 {value} 不在字典 {dictionary} 中，可选: {allowed}{more}"
