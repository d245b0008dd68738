"""Field tables of the 基础信息服务 category: 1101, 1201, 13xx catalogue downloads and queries, 1901.

Sources: reference §3 (nhsa-protocol.md); the numbered spec rows copied into newtouch-cloud/openhis
`WinServiceAPI/YiBaoInterface/Models/{Input,Output}/` (1201, 1304, 1316-1319); for 1304 also
binzhe12123/Medical `SY.Com.Medical.Model/SYB/JBXX/YP1304.cs` (same rows, labels taken from it).
1304 and 1319 are paged queries at the bureau (reference §2.1: catalogqueryservice/queryNatyPreparedByPage,
querySelfpayByPage), not file downloads.  1320-1327 have no public field table: see ``UNPUBLISHED``.
Data only.

Catalogue downloads and the paged queries answer with fields that sit directly in ``output`` (no node):
``DOWNLOAD_FILE_FIELDS`` and ``PAGE_FIELDS`` below, declared as root nodes.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node, parse_fields, root

_REF = "reference §3"
_CQ = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/"

# `updt_time` is 日期型 in the tables, but clients send both yyyy-MM-dd and yyyy-MM-dd HH:mm:ss and the
# platform takes both; a plain string keeps real messages passing.

# --- root-level output fields (see module docstring) --------------------------------------------------------

DOWNLOAD_FILE_FIELDS = parse_fields(
    """
    file_qury_no  文件查询号    C40   Y
    filename      文件名        C100  Y
    dld_end_time  下载截止时间  D
    data_cnt      数据量        I10   # one copy spells it data_cn
    """
)

PAGE_FIELDS = parse_fields(
    """
    firstPage     是否首页      J
    lastPage      是否末页      J
    size          本页条数      I10
    startRow      起始行        I10
    endRow        结束行        I10
    pageSize      每页条数      I10
    pageNum       当前页数      I10
    recordCounts  总记录数      I10
    pages         总页数        I10
    """
)

_DOWNLOAD_NOTES = "fetch the zip named by file_qury_no with 9102"
_PAGE_NOTES = "PageHelper paging fields sit in output next to data[]"
DOWNLOAD_RESPONSE = root(DOWNLOAD_FILE_FIELDS)
PAGE_RESPONSE = root(PAGE_FIELDS)

DOWNLOAD_REQUEST = node("data", "ver 版本号 C20 Y   # 本地最大版本号 (版本名称 of the last file)")

_OPERATION_COLUMNS = """
    rid             唯一记录号    C40
    updt_time       数据更新时间  C19
    crter_id        创建人ID      C20
    crter_name      创建人姓名    C50
    crte_time       数据创建时间  C19
    crte_optins_no  创建机构编号  C20
    opter_id        经办人ID      C20
    opter_name      经办人姓名    C50
    opt_time        经办时间      C19
    optins_no       经办机构编号  C20
    poolarea_no     统筹区编号    C6
"""

_PAGING_REQUEST = """
    updt_time   更新时间      C19   Y
    page_num    当前页数      I4    Y
    page_size   本页数据量    I4    Y
"""

# --- 1101 ---------------------------------------------------------------------------------------------------

DATA_1101 = node(
    "data",
    """
    mdtrt_cert_type   就诊凭证类型      C3    Y  @mdtrt_cert_type
    mdtrt_cert_no     就诊凭证编号      C300  Y   # 01 ecToken; 02 ID; 03 card no. + "|" + reader data (266)
    card_sn           卡识别码          C32   N   # required when mdtrt_cert_type = 03
    begntime          开始时间          DT    N   # historical insurance only
    psn_cert_type     人员证件类型      C6    Y  @psn_cert_type
    certno            证件号码          C50   N
    psn_name          人员姓名          C50   N
    """,
)

BASEINFO_1101 = node(
    "baseinfo",
    """
    psn_no          人员编号      C30
    psn_cert_type   人员证件类型  C6     @psn_cert_type
    certno          证件号码      C50
    psn_name        人员姓名      C50
    gend            性别          C6     @gend
    naty            民族          C3     @naty
    brdy            出生日期      D
    age             年龄          N4,1
    poolarea        统筹区        C6     # spec §2.1.1 (not in the national table)
    emp_name        单位名称      C200   # spec §2.1.1 (the national table has it in insuinfo)
    tel             联系电话      C50    # spec §2.1.1
    expContent      扩展字段      C4000
    """,
    label="基本信息",
)

INSUINFO_1101 = node(
    "insuinfo",
    """
    balc            余额              N16,2
    insutype        险种类型          C6    @insutype
    psn_type        人员类别          C6    @psn_type
    psn_insu_stas   人员参保状态      C6    @psn_insu_stas
    psn_insu_date   个人参保日期      D
    paus_insu_date  暂停参保日期      D
    cvlserv_flag    公务员标志        C3    @cvlserv_flag
    insuplc_admdvs  参保地医保区划    C6
    emp_name        单位名称          C200
    """,
    many=True,
    label="参保信息",
)

IDETINFO_1101 = node(
    "idetinfo",
    """
    psn_idet_type   人员身份类别  C3
    psn_type_lv     人员类别等级  C3
    memo            备注          C500
    begntime        开始时间      DT
    endtime         结束时间      DT
    """,
    many=True,
    label="身份信息",
)

# --- 1312 / 1316-1319 ---------------------------------------------------------------------------------------

DATA_1312 = node(
    "data",
    """
    query_date        查询时间点          D      N
    hilist_code       医保目录编码        C30    N
    insu_admdvs       参保机构医保区划    C6     N
    begndate          开始日期            D      N
    hilist_name       医保目录名称        C200   N
    wubi              五笔助记码          C30    N
    pinyin            拼音助记码          C30    N
    med_chrgitm_type  医疗收费项目类别    C6     N  @med_chrgitm_type
    chrgitm_lv        收费项目等级        C3     N  @chrgitm_lv
    lmt_used_flag     限制使用标志        C3     N  @lmt_used_flag
    list_type         目录类别            C6     N  @list_type
    med_use_flag      医疗使用标志        C3     N
    matn_used_flag    生育使用标志        C3     N
    hilist_use_type   医保目录使用类别    C3     N
    lmt_cpnd_type     限复方使用类型      C3     N
    vali_flag         有效标志            C3     N  @vali_flag
    """
    + _PAGING_REQUEST,
)

ROWS_1312 = node(
    "data",
    """
    hilist_code       医保目录编码        C30
    hilist_name       医保目录名称        C200
    insu_admdvs       参保机构医保区划    C6
    begndate          开始日期            C19
    enddate           结束日期            C19
    med_chrgitm_type  医疗收费项目类别    C6    @med_chrgitm_type
    chrgitm_lv        收费项目等级        C3    @chrgitm_lv
    lmt_used_flag     限制使用标志        C3    @lmt_used_flag
    list_type         目录类别            C6    @list_type
    med_use_flag      医疗使用标志        C3
    matn_used_flag    生育使用标志        C3
    hilist_use_type   医保目录使用类别    C3
    lmt_cpnd_type     限复方使用类型      C3
    wubi              五笔助记码          C30
    pinyin            拼音助记码          C30
    memo              备注                C500
    vali_flag         有效标志            C3    @vali_flag
    """
    + _OPERATION_COLUMNS,
    many=True,
    label="医保目录信息",
)

DATA_1316 = node(
    "data",
    """
    query_date        查询时间点            D      N
    medins_list_codg  定点医药机构目录编号  C30    N
    hilist_code       医保目录编码          C30    N
    list_type         目录类别              C30    N
    insu_admdvs       参保机构医保区划      C6     N
    begndate          开始日期              D      N
    vali_flag         有效标志              C3     N  @vali_flag
    """
    + _PAGING_REQUEST,
)

ROWS_1316 = node(
    "data",
    """
    med_list_codg     医疗目录编码          C30
    hilist_code       医保目录编码          C30
    list_type         目录类别              C3    @list_type
    insu_admdvs       参保机构医保区划      C6
    begndate          开始日期              C19
    enddate           结束日期              C19
    memo              备注                  C500
    vali_flag         有效标志              C3    @vali_flag
    """
    + _OPERATION_COLUMNS,
    many=True,
    label="医疗目录与医保目录匹配信息",
)

DATA_1317 = node(
    "data",
    """
    query_date        查询时间点            D      N
    fixmedins_code    定点医药机构编号      C30    N
    medins_list_codg  定点医药机构目录编号  C30    N
    medins_list_name  定点医药机构目录名称  C200   N
    insu_admdvs       参保机构医保区划      C6     N
    list_type         目录类别              C30    N
    med_list_codg     医疗目录编码          C30    N
    begndate          开始日期              D      N
    vali_flag         有效标志              C3     N  @vali_flag
    """
    + _PAGING_REQUEST,
)

ROWS_1317 = node(
    "data",
    """
    fixmedins_code    定点医药机构编号      C30
    medins_list_codg  定点医药机构目录编号  C30
    medins_list_name  定点医药机构目录名称  C200
    insu_admdvs       参保机构医保区划      C6
    list_type         目录类别              C3    @list_type
    med_list_codg     医疗目录编码          C30
    begndate          开始日期              C19
    enddate           结束日期              C19
    aprvno            批准文号              C30
    dosform           剂型                  C200
    exct_cont         除外内容              C2000
    item_cont         项目内涵              C2000
    prcunt            计价单位              C100
    spec              规格                  C200
    pacspec           包装规格              C100
    memo              备注                  C500
    vali_flag         有效标志              C3    @vali_flag
    """
    + _OPERATION_COLUMNS,
    many=True,
    label="医药机构目录匹配信息",
)

DATA_1318 = node(
    "data",
    """
    query_date          查询时间点            D      N
    hilist_code         医保目录编码          C30    N
    hilist_lmtpric_type 医保目录限价类型      C6     N
    overlmt_dspo_way    医保目录超限处理方式  C6     N
    insu_admdvs         参保机构医保区划      C6     N
    begndate            开始日期              D      N
    enddate             结束日期              D      N
    vali_flag           有效标志              C3     N  @vali_flag
    rid                 唯一记录号            C40    N
    tabname             表名                  C100   N
    poolarea_no         统筹区                C6     N
    """
    + _PAGING_REQUEST,
)

ROWS_1318 = node(
    "data",
    """
    hilist_code           医保目录编码          C30
    hilist_lmtpric_type   医保目录限价类型      C6
    overlmt_dspo_way      医保目录超限处理方式  C6
    insu_admdvs           参保机构医保区划      C6
    begndate              开始日期              C19
    enddate               结束日期              C19
    hilist_pric_uplmt_amt 医保目录定价上限金额  N16,6
    vali_flag             有效标志              C3    @vali_flag
    tabname               表名                  C100
    """
    + _OPERATION_COLUMNS,
    many=True,
    label="医保目录限价信息",
)

DATA_1319 = node(
    "data",
    """
    query_date            查询时间点                D      N
    hilist_code           医保目录编码              C30    N
    selfpay_prop_psn_type 医保目录自付比例人员类别  C6     N
    selfpay_prop_type     目录自付比例类别          C6     N
    insu_admdvs           参保机构医保区划          C6     N
    begndate              开始日期                  D      N
    enddate               结束日期                  D      N
    vali_flag             有效标志                  C3     N  @vali_flag
    rid                   唯一记录号                C40    N
    tabname               表名                      C100   N
    poolarea_no           统筹区                    C6     N
    """
    + _PAGING_REQUEST,
)

# Output_1319.cs: 自付比例 is BigDecimal of 5 digits (a proportion such as 0.1000).
ROWS_1319 = node(
    "data",
    """
    hilist_code           医保目录编码              C30    Y
    selfpay_prop_psn_type 医保目录自付比例人员类别  C6     Y
    selfpay_prop_type     目录自付比例类别          C6     Y
    insu_admdvs           参保机构医保区划          C6     Y
    begndate              开始日期                  C19    Y
    enddate               结束日期                  C19
    selfpay_prop          自付比例                  N5,4   Y
    vali_flag             有效标志                  C3     Y  @vali_flag
    tabname               表名                      C100
    """
    + _OPERATION_COLUMNS,
    many=True,
    label="医保目录先自付比例信息",
)

DATA_1304 = node(
    "data",
    """
    med_list_codg   医疗目录编码    C20    N
    genname_codg    通用名编号      C100   N
    drug_genname    药品通用名      C20    N
    drug_prodname   药品商品名      C500   N
    reg_name        注册名称        C500   N
    tcmherb_name    中草药名称      C30    N
    mlms_name       药材名称        C255   N
    vali_flag       有效标志        C3     N  @vali_flag
    rid             唯一记录号      C30    N
    ver             版本号          C20    N
    ver_name        版本名称        C30    N
    opt_begn_time   经办开始时间    D      N
    opt_end_time    经办结束时间    D      N
    """
    + _PAGING_REQUEST,
)

ROWS_1304 = node(
    "data",
    """
    med_list_codg   医疗目录编码    C50    Y
    drug_prodname   药品商品名      C500
    genname_codg    通用名编号      C20
    drug_genname    药品通用名      C500
    ethdrug_type    民族药种类      C3
    chemname        化学名称        C100
    alis            别名            C100
    eng_name        英文名称        C500
    dosform         剂型            C500
    each_dos        每次用量        C
    used_frqu       使用频次        C30
    nat_drug_no     国家药品编号    C20
    used_mtd        用法            C
    ing             成分            C500
    chrt            性状            C500
    defs            不良反应        C1000
    tabo            禁忌            C500
    mnan            注意事项        C500
    stog            贮藏            C500
    drug_spec       药品规格        C500
    prcunt_type     计价单位类型    C3
    otc_flag        非处方药标志    C3
    pacmatl         包装材质        C500
    pacspec         包装规格        C3
    min_useunt      最小使用单位    C30
    min_salunt      最小销售单位    C30
    manl            说明书          C2000
    rute            给药途径        C30
    begndate        开始日期        C19
    enddate         结束日期        C19
    pham_type       药理分类        C40
    memo            备注            C500
    pac_cnt         包装数量        C20
    min_unt         最小计量单位    C30
    min_pac_cnt     最小包装数量    I20
    min_pacunt      最小包装单位    C30
    min_prepunt     最小制剂单位    C30
    drug_expy       药品有效期      C100
    efcc_atd        功能主治        C
    min_prcunt      最小计价单位    C50
    wubi            五笔助记码      C30
    pinyin          拼音助记码      C30
    vali_flag       有效标志        C3     Y  @vali_flag
    rid             唯一记录号      C40    Y
    crte_time       数据创建时间    C19    Y
    updt_time       数据更新时间    C19    Y
    crter_id        创建人          C20    Y
    crter_name      创建人姓名      C50    Y
    crte_optins_no  创建经办机构    C20    Y
    opter_id        经办人          C20    Y
    opter_name      经办人姓名      C50    Y
    opt_time        经办时间        C19    Y
    optins_no       经办机构        C20    Y
    ver             版本号          C20    Y
    """,
    many=True,
    label="民族药品目录信息",
)

# --- 1901 ---------------------------------------------------------------------------------------------------

DATA_1901 = node(
    "data",
    """
    type          字典类型      C30   Y   # a field name, e.g. med_type
    parentValue   父字典键值    C10   N
    admdvs        行政区划      C6    N
    date          查询日期      D     Y
    valiFlag      有效标志      C3    N  @vali_flag
    """,
)

# Key casing differs between provinces (camelCase in SZ, snake_case in CQ): both spellings are listed.
LIST_1901 = node(
    "list",
    """
    type          字典类型      C30
    label         字典标签      C50
    value         字典键值      C20
    parentValue   父字典键值    C20
    parent_value  父字典键值    C20
    sort          序号          I10
    valiFlag      有效标志      C3
    vali_flag     有效标志      C3
    createUser    创建人        C50
    create_user   创建人        C50
    createDate    创建时间      C19
    create_date   创建时间      C19
    version       版本号        C20
    """,
    many=True,
    label="字典信息",
)

_DOWNLOADS = {
    "1301": "西药中成药目录下载",
    "1302": "中药饮片目录下载",
    "1303": "医疗机构制剂目录下载",
    "1305": "医疗服务项目目录下载",
    "1306": "医用耗材目录下载",
    "1307": "疾病与诊断目录下载",
    "1308": "手术操作目录下载",
    "1309": "门诊慢特病种目录下载",
    "1310": "按病种付费病种目录下载",
    "1311": "日间手术治疗病种目录下载",
    "1313": "肿瘤形态学目录下载",
    "1314": "中医疾病目录下载",
    "1315": "中医证候目录下载",
}

SCHEMAS: dict[str, Schema] = {
    "1101": Schema(
        "full",
        request=(DATA_1101,),
        response=(BASEINFO_1101, INSUINFO_1101, IDETINFO_1101),
        source=_REF + " 1101; baseinfo poolarea, emp_name, tel: spec §2.1.1",
    ),
    "1201": Schema(
        "full",
        request=(
            node(
                "medinsinfo",
                """
                fixmedins_type  定点医疗服务机构类型  C6     N
                fixmedins_code  定点医药机构编号      C30    N
                fixmedins_name  定点医药机构名称      C200   N
                """,
            ),
        ),
        response=(
            node(
                "medinsinfo",
                """
                fixmedins_code  定点医药机构编号      C30
                fixmedins_name  定点医药机构名称      C200
                uscc            统一社会信用代码      C50
                fixmedins_type  定点医疗服务机构类型  C6
                hosp_lv         医院等级              C6
                """,
                many=True,
                label="医药机构信息",
            ),
        ),
        source=_CQ + "Input/Input_1201.cs, Output/Output_1201.cs",
    ),
    **{
        infno: Schema(
            "full",
            request=(DOWNLOAD_REQUEST,),
            response=(DOWNLOAD_RESPONSE,),
            source=f"{_REF} 1301 (and 1302-1311, 1313-1315): {name}",
            notes=_DOWNLOAD_NOTES,
        )
        for infno, name in _DOWNLOADS.items()
    },
    # 27-digit 医用耗材 list: no public table of its own; a letter-suffixed variant keeps its base's layout
    # (as 2203A/4101A do in the public copies), so it is requested like 1306.
    "1306A": Schema(
        "partial",
        request=(DOWNLOAD_REQUEST,),
        response=(DOWNLOAD_RESPONSE,),
        source="assumed same as reference §3 1306 download (27位医用耗材目录下载); no public 1306A table",
        notes=_DOWNLOAD_NOTES,
    ),
    "1304": Schema(
        "full",
        request=(DATA_1304,),
        response=(PAGE_RESPONSE, ROWS_1304),
        source=_CQ
        + "Input/Input_1304.cs, Output/Output_1304.cs (spec rows in comments); "
        + "binzhe12123/Medical SY.Com.Medical.Model/SYB/JBXX/YP1304.cs agrees",
        notes=_PAGE_NOTES,
    ),
    "1312": Schema(
        "full",
        request=(DATA_1312,),
        response=(PAGE_RESPONSE, ROWS_1312),
        source=_REF + " 1312",
        notes=_PAGE_NOTES,
    ),
    "1316": Schema(
        "full",
        request=(DATA_1316,),
        response=(PAGE_RESPONSE, ROWS_1316),
        source=_CQ + "Input/Input_1316.cs, Output/Output_1316.cs (spec rows in comments)",
        notes=_PAGE_NOTES,
    ),
    "1317": Schema(
        "full",
        request=(DATA_1317,),
        response=(PAGE_RESPONSE, ROWS_1317),
        source=_CQ + "Input/Input_1317.cs, Output/Output_1317.cs (spec rows in comments)",
        notes=_PAGE_NOTES,
    ),
    "1318": Schema(
        "full",
        request=(DATA_1318,),
        response=(PAGE_RESPONSE, ROWS_1318),
        source=_CQ + "Input/Input_1318.cs, Output/Output_1318.cs",
        notes=_PAGE_NOTES,
    ),
    "1319": Schema(
        "full",
        request=(DATA_1319,),
        response=(PAGE_RESPONSE, ROWS_1319),
        source=_CQ + "Input/Input_1319.cs, Output/Output_1319.cs (spec rows in comments)",
        notes=_PAGE_NOTES,
    ),
    "1901": Schema(
        "full",
        request=(DATA_1901,),
        response=(LIST_1901,),
        source=_REF + " 1901",
    ),
}

# The newer catalogue downloads: the only public trace of 1320/1321 is their name in a client's list of
# service addresses (routed like 1301-1319); 1322-1327 appear in no public source beyond the spec's list.
_SEARCHED_1320 = (
    "searched newtouch-cloud/openhis Models/Input+Output, binzhe12123/Medical SYB/JBXX, reference §3/§6 and "
    "public code and pages for the infno, its name and 13xx download fields (ver, file_qury_no), and in a "
    "second round an exact-string search of the whole index (中药配方颗粒目录, 1306A) and the Inner Mongolia "
    "models of openhis (one Input_13 for all downloads): "
)
UNPUBLISHED: dict[str, str] = {
    "1320": _SEARCHED_1320
    + "only the name 中药配方颗粒目录下载 in a client's service-address enum; no field table",
    "1321": _SEARCHED_1320
    + "only the name 医疗服务项目（新）目录下载 in a client's service-address enum; no field "
    "table",
    **{
        infno: _SEARCHED_1320 + f"nothing beyond the spec's list entry 【{infno}】{name}"
        for infno, name in {
            "1322": "体外诊断试剂产品信息下载",
            "1323": "产品信息与注册证关联信息下载",
            "1324": "检测指标信息下载",
            "1325": "产品信息编码下载",
            "1326": "注册证信息下载",
            "1327": "分类目录下载",
        }.items()
    },
}
