"""Field tables of the 电子处方服务 category: the prescribing institution's side 7101-7107 (camelCase keys).

Source: the national 医保电子处方流转 interface (fixmedins side, routes uploadChk, rxFixmedinsSign,
rxFileUpld, rxUndo, hospRxDetlQuery, rxChkInfoQuery, rxSetlInfoQuery) as newtouch-cloud/openhis transcribes
it row by row (name, label, type, length, 代码标识, 必填) in `WinServiceAPI/YiBaoInterface/Models/Input/
Input_D001.cs` … `Input_D006.cs`, `Models/Output/Output_D001.cs` … `Output_D007.cs` and the stored procedures
`usp_ElectronicPrescription_D001_Prescription_{mdtrtData,diseData}` (D001-D007 = 7101-7107, by route).
Names only for the 7104 answer: Yenter-good/DanYangOP `App_OP/PrescriptionCirculation/Undo/
UndoPrescriptionResponse.cs`; its fields take the types the 7105 answer prints for them.

The message travels on the SM4/SM2 channel as one flat object (`data`): the nested blocks (7101's
rxdrugdetail/mdtrtinfo/diseinfo, 7105's rxDetlList/rxOtpinfo/rxDiseList, 7107's seltdelts) are `J` fields
of `data`; their published rows are the `*_ROWS` nodes below, attached as nested tables (`rows=`) where
declared, so 7101's rows are validated before sending (one diseinfo object is taken as a list of one).
Conditional rows ("…时必填") are `C`.  Where the source prints a type that cannot be meant (7106 pharName
"3", 7107 drugSpec "数值型 (16,3)"), the field keeps the type the same field has elsewhere in these tables.
The pharmacy side 7206 (电子处方审方信息上传) is transcribed from the infno edition of the same national
interface (定点医药机构 → 地方医保局, 表 53, node `rx_chk_up_info`, snake_case), published page
`d.pingjiangxian.com/html/new_rx/CFYYJG106.html` (the site also carries the national 1303/3506 pages; page
CFYYJG106 is the 6th pharmacy transaction, as 7206 is in the spec's 7201-7211, and pharmacy software calls
7207/7208 once the 7206 answer's rxChkBizSn is known).  The names are written in the camelCase this family
uses on the SM channel (hi_rxno → hiRxno, rx_chk_stas_codg → rxChkStasCodg); types, lengths and required
flags as printed.  The rest of the pharmacy side (7201-7205, 7207-7211) and the two notifications
(7108/7109) are UNPUBLISHED.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node

_NT = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/"
_SEARCHED = (
    "searched newtouch-cloud/openhis (electronic prescriptions D001-D008 only, fixmedins side), "
    "binzhe12123/Medical SY.Com.Medical.Model/SYB/CFZX (another 72xx edition: 7201 二维码解析 … 7206 核销, "
    "numbering and messages unlike the spec's 7201-7211), Yenter-good/DanYangOP, the Java openhis "
    "ElepServiceAdrEnum (fixmedins routes only), the code/pages/docs corpora for the routes, camelCase and "
    "snake_case names (hiRxno, epc_token, rx_chk_biz_sn, auth_rxno) and '{what}'; of the infno edition's "
    "pages only CFYYJG106 (7206) is public: no public field table found"
)

# --- 7101 上传预核验 ---------------------------------------------------------------------------------

RXDRUGDETAIL_ROWS = node(
    "rxdrugdetail",
    """
    medListCodg        医疗目录编码          C50    Y
    fixmedinsHilistId  定点医药机构目录编号  C30    N
    hospPrepFlag       医疗机构制剂标志      C3     N
    rxItemTypeCode     处方项目分类代码      C30    Y
    rxItemTypeName     处方项目分类名称      C100   N
    tcmdrugTypeCode    中药类别代码          C30    C
    tcmdrugTypeName    中药类别名称          C20    N
    tcmherbFoote       草药脚注              C200   N
    mednTypeCode       药物类型代码          C100   N
    mednTypeName       药物类型              C100   N
    mainMedcFlag       主要用药标志          C3     N
    urgtFlag           加急标志              C3     N
    basMednFlag        基本药物标志          C3     N
    impDrugFlag        是否进口药品          C3     N
    otcFlag            是否OTC药品           C3     N
    drugGenname        药品通用名            C100   Y
    drugDosform        药品剂型              C30    Y
    drugSpec           药品规格              C40    Y
    drugProdname       药品商品名            C255   N
    prdrName           生厂厂家              C100   N
    medcWayCodg        用药途径代码          C10    C
    medcWayDscr        用药途径描述          C100   C
    medcBegntime       用药开始时间          DT     Y
    medcEndtime        用药结束时间          DT     Y
    medcDays           用药天数              N8,2   Y
    sinDosunt          单次剂量单位          C20    C
    sinDoscnt          单次用量              N16,4  C
    usedFrquCodg       使用频次编码          C10    C
    usedFrquName       使用频次名称          C30    C
    drugDosunt         药品总用药量单位      C20    Y
    drugCnt            药品总用药量          N16,4  Y
    drugPric           药品单价              N16,6  N
    drugSumamt         药品总金额            N16,2  N
    hospApprFlag       医院审批标志          C3     Y  @hosp_appr_flag
    selfPayRea         自费原因类型          C6     C
    realDscr           自费原因描述          C1000  C
    extras             扩展数据              J      N
    """,
    many=True,
    label="处方明细信息",
)

MDTRTINFO_ROWS = node(
    "mdtrtinfo",
    """
    fixmedinsName      定点医疗机构名称      C200   Y
    fixmedinsCode      定点医疗机构编号      C20    Y
    mdtrtId            医保就诊ID            C30    Y
    medType            医疗类别              C6     Y  @med_type
    iptOtpNo           门诊/住院号           C30    Y
    otpIptFlag         门诊住院标识          C3     N
    psnNo              医保人员编号          C30    Y
    patnName           患者姓名              C40    Y
    psnCertType        人员证件类型          C6     Y  @psn_cert_type
    certno             证件号码              C50    Y
    patnAge            年龄                  N4,1   Y
    patnHgt            患者身高              N6,2   N
    patnWt             患者体重              N6,2   N
    gend               性别                  C6     Y  @gend
    birctrlType        计划生育手术类别      C6     N
    birctrlMatnDate    计划生育手术或生育日期  D    N
    matnType           生育类别              C6     N
    gesoVal            妊娠(孕周)            I2     N
    nwbFlag            新生儿标志            C3     N
    nwbAge             新生儿日、月龄        C20    N
    suckPrdFlag        哺乳期标志            C3     N
    algsHis            过敏史                C1000  N
    prscDeptName       开方科室名称          C50    Y
    prscDeptCode       开方科室编号          C30    Y
    drCode             开方医保医师代码      C20    Y
    prscDrName         开方医师姓名          C50    Y
    prscDrCertType     开方医师证件类型      C6     N  @psn_cert_type
    prscDrCertno       开方医师证件号码      C50    N
    drProfttlCodg      医生职称编码          C20    Y
    drProfttlName      医生职称名称          C20    Y
    drDeptCode         医生科室编码          C30    Y
    drDeptName         医生科室名称          C50    Y
    caty               科别                  C10    N
    mdtrtTime          就诊时间              DT     Y
    diseCodg           病种编码              C30    C
    diseName           病种名称              C500   N
    spDiseFlag         特殊病种标志          C3     Y
    maindiagCode       主诊断代码            C30    Y
    maindiagName       主诊断名称            C100   Y
    diseCondDscr       疾病病情描述          C2000  N
    hiFeesetlType      医保费用结算类型      C6     N
    hiFeesetlName      医保费用类别名称      C20    N
    rgstFee            挂号费                N16,2  N
    medfeeSumamt       医疗费总额            N16,2  N
    fstdiagFlag        是否初诊              C3     N
    extras             扩展数据              J      N
    """,
    label="就诊信息",
)

DISEINFO_ROWS = node(
    "diseinfo",
    """
    diagType           诊断类别              C3     Y  @diag_type
    maindiagFlag       主诊断标志            C3     Y
    diagSrtNo          诊断排序号            I2     Y
    diagCode           诊断代码              C30    Y
    diagName           诊断名称              C100   Y
    diagDept           诊断科室名称          C50    Y
    diagDeptCode       诊断科室代码          C20    N
    diagDrNo           诊断医生编码          C30    Y
    diagDrName         诊断医生姓名          C50    Y
    diagTime           诊断时间              DT     Y
    tcmDiseCode        中医病名代码          C30    C
    tcmDiseName        中医病名              C300   C
    tcmsympCode        中医证候代码          C30    C
    tcmsymp            中医证候              C300   C
    """,
    many=True,
    label="诊断信息",
)

DATA_7101 = node(
    "data",
    """
    mdtrtCertType      就诊凭证类型          C3     Y  @mdtrt_cert_type
    mdtrtCertNo        就诊凭证编号          C50    C
    cardSn             卡识别码              C32    C
    bizTypeCode        业务类型代码          C3     Y
    rxExraAttrCode     处方附加属性代码      C3     N
    ecToken            电子凭证令牌          C64    C
    authNo             电子凭证线上身份核验流水号  C100  C
    insuPlcNo          参保地编号            C6     N
    mdtrtareaNo        就医地编号            C6     N
    hospRxno           定点医疗机构处方编号  C40    Y
    initRxno           续方的原处方编号      C40    N
    rxTypeCode         处方类别代码          C3     Y
    prscTime           开方时间              DT     Y
    rxDrugCnt          药品类目数（剂数）    N16,4  Y
    rxUsedWayCodg      处方整剂用法编号      C20    C
    rxUsedWayName      处方整剂用法名称      C40    C
    rxFrquCodg         处方整剂频次编号      C20    C
    rxFrquName         处方整剂频次名称      C40    C
    rxDosunt           处方整剂剂量单位      C20    C
    rxDoscnt           处方整剂单次剂量数    N16,2  C
    rxDrordDscr        处方整剂医嘱说明      C400   N
    valiDays           处方有效天数          I10    Y
    valiEndTime        有效截止时间          DT     Y
    reptFlag           复用（多次）使用标志  C3     N
    maxReptCnt         最大使用次数          I3     N
    minInrvDays        使用最小间隔（天数）  I3     N
    rxCotnFlag         续方标志              C3     N
    longRxFlag         长期处方标志          C3     N
    rxdrugdetail       处方明细信息          J      Y
    mdtrtinfo          就诊信息              J      Y
    diseinfo           诊断信息              J      Y
    """,
    rows=(RXDRUGDETAIL_ROWS, MDTRTINFO_ROWS, DISEINFO_ROWS),
)

# --- 7105 信息查询: the answer's nested blocks ----------------------------------------------------------

RX_DETL_LIST_ROWS = node(
    "rxDetlList",
    """
    medListCodg        医疗目录编码          C50    Y
    fixmedinsHilistId  定点医药机构目录编号  C30    N
    hospPrepFlag       院内制剂标志          C3     N
    rxItemTypeCode     处方项目分类代码      C30    N
    rxItemTypeName     处方项目分类名称      C100   N
    tcmdrugTypeName    中药类别名称          C20    N
    tcmdrugTypeCode    中药类别代码          C30    N
    tcmherbFoote       草药脚注              C200   N
    mednTypeCode       药物类型代码          C100   N
    mednTypeName       药物类型              C100   N
    mainMedcFlag       主要用药标志          C30    N
    urgtFlag           加急标志              C30    N
    basMednFlag        基本药物标志          C3     N
    impDrugFlag        是否进口药品          C3     N
    drugProdname       药品商品名            C255   Y
    drugGenname        药品通用名            C500   Y
    drugDosform        药品剂型              C30    Y
    drugSpec           药品规格              C40    Y
    prdrName           生厂厂家              C100   N
    medcWayCodg        用药途径代码          C10    Y
    medcWayDscr        用药途径描述          C100   Y
    medcBegntime       用药开始时间          DT     Y
    medcEndtime        用药结束时间          DT     Y
    medcDays           用药天数              N8,2   Y
    drugCnt            药品总用药量          N16,4  Y
    drugDosunt         药品总用药量单位      C20    N
    sinDoscnt          单次用量              N16,4  N
    sinDosunt          单次剂量单位          C20    N
    usedFrquCodg       使用频次编码          C10    N
    usedFrquName       使用频次名称          C30    N
    hospApprFlag       医院审批标志          C3     N
    takeDrugFlag       取药标志位            C3     Y
    otcFlag            是否OTC药品           C3     N
    selfPayRea         自费原因类型          C6     N
    realDscr           自费原因描述          C1000  N
    drugTotlcnt        所需药品库存数量      N16,4  N
    drugTotlcntEmp     所需药品库存单位      C40    N
    """,
    many=True,
    label="处方明细信息",
)

RX_OTPINFO_ROWS = node(
    "rxOtpinfo",
    """
    medType            医疗类别              C6     Y  @med_type
    iptOtpNo           门诊/住院号           C30    Y
    otpIptFlag         门诊住院标志          C3     N
    patnName           患者姓名              C40    Y
    patnAge            年龄                  N4,1   Y
    patnHgt            患者身高              N6,2   N
    patnWt             患者体重              N6,2   N
    gend               性别                  C6     Y  @gend
    gesoVal            妊娠(孕周)            I2     N
    nwbFlag            新生儿标志            C3     N
    nwbAge             新生儿日、月龄        C20    N
    suckPrdFlag        哺乳期标志            C3     N
    algsHis            过敏史                C1000  N
    insutype           险种类型              C6     Y  @insutype
    prscDeptName       开方科室名称          C50    Y
    prscDrName         开方医师姓名          C50    Y
    pharName           药师姓名              C50    Y
    pharChkTime        医疗机构药师审方时间  DT     Y
    mdtrtTime          就诊时间              DT     Y
    diseCodg           病种编码              C30    N
    diseName           病种名称              C500   N
    spDiseFlag         是否特殊病种          C1     Y
    maindiagCode       主诊断代码            C30    Y
    maindiagName       主诊断名称            C100   Y
    diseCondDscr       疾病病情描述          C2000  N
    fstdiagFlag        是否初诊              C3     N
    """,
    label="就诊信息",
)

SELTDELTS_ROWS = node(
    "seltdelts",
    """
    medListCodg        医疗目录编码          C20    Y
    drugGenname        通用名                C50    Y
    drugProdname       药品商品名            C50    Y
    drugDosform        药品剂型              C20    Y
    drugSpec           药品规格              C40    Y
    cnt                数量                  N16,3  Y
    aprvno             批准文号              C20    N
    bchno              批次号                C20    N
    manuLotnum         生产批号              C20    N
    prdrName           生厂厂家              C50    Y
    takeDrugFlag       取药标志位            C3     Y
    """,
    many=True,
    label="结算明细",
)

# --- shared request/answer blocks ------------------------------------------------------------------------

_QUERY = """
    hiRxno             医保处方编号          C30    Y
    fixmedinsCode      定点医疗机构编号      C20    Y
    mdtrtId            医保就诊ID            C30    Y
    psnName            人员名称              C50    Y
    psnCertType        人员证件类型          C6     Y  @psn_cert_type
    certno             证件号码              C50    Y
"""

_STATUS = """
    hiRxno             医保处方编号          C30    Y
    rxStasCodg         医保处方状态编码      C3     Y
    rxStasName         医保处方状态名称      C20    Y
"""

SCHEMAS: dict[str, Schema] = {
    "7101": Schema(
        "full",
        request=(DATA_7101,),
        response=(
            node(
                "data",
                """
                rxTraceCode    处方追溯码    C20  Y
                hiRxno         医保处方编号  C30  Y
                """,
            ),
        ),
        source=_NT + "Input/Input_D001.cs, Output/Output_D001.cs; nested rows: Input_D001.cs and the "
        "stored procedures usp_ElectronicPrescription_D001_Prescription_{mdtrtData,diseData}",
    ),
    "7102": Schema(
        "partial",
        request=(
            node(
                "data",
                """
                fixmedinsCode   定点机构代码          C   Y
                originalValue   原始待签名处方信息    C   Y
                originalRxFile  原始待签名处方文件    C   Y
                extras          扩展字段              J   N
                """,
            ),
        ),
        response=(
            node(
                "data",
                """
                rxFile       处方文件          C
                signDigest   签名摘要值        C
                signCertSn   签名机构证书SN    C
                signCertDn   签名机构证书DN    C
                """,
            ),
        ),
        source=_NT
        + "Input/Input_D002.cs, Output/Output_D002.cs (names and descriptions, no types or lengths)",
        notes="The public copies print no type, length or 必填 column for 7102; required follows the "
        "descriptions (the certificate code and both base64 originals are what is signed).",
    ),
    "7103": Schema(
        "full",
        request=(
            node(
                "data",
                """
                rxTraceCode      处方追溯码            C20    Y
                hiRxno           医保处方编号          C30    Y
                mdtrtId          医保就诊ID            C30    Y
                patnName         患者姓名              C40    Y
                psnCertType      人员证件类型          C6     Y  @psn_cert_type
                certno           证件号码              C50    Y
                fixmedinsName    定点医疗机构名称      C200   Y
                fixmedinsCode    定点医疗机构编号      C20    Y
                drCode           开方医保医师代码      C20    Y
                prscDrName       开方医师姓名          C50    Y
                pharDeptName     审方药师科室名称      C50    Y
                pharDeptCode     审方药师科室编号      C30    Y
                pharProfttlCodg  审方药师职称编码      C20    N
                pharProfttlName  审方药师职称名称      C20    N
                pharCode         审方医保药师代码      C20    Y
                pharCertType     审方药师证件类型      C6     N  @psn_cert_type
                pharCertno       审方药师证件号码      C50    N
                pharName         审方药师姓名          C50    Y
                pharPracCertNo   审方药师执业资格证号  C50    N
                pharChkTime      医疗机构药师审方时间  DT     Y
                rxFile           处方原件              C      Y
                signDigest       处方信息签名值        C4000  Y
                extras           扩展字段              C4000  N  +obj
                """,
            ),
        ),
        response=(node("data", _STATUS),),
        source=_NT + "Input/Input_D003.cs, Output/Output_D003.cs (answer types as in Output_D005.cs)",
    ),
    "7104": Schema(
        "full",
        request=(
            node(
                "data",
                """
                hiRxno           医保处方编号          C30    Y
                fixmedinsCode    定点医疗机构编号      C20    Y
                drCode           撤销医师的医保医师代码  C20  Y
                undoDrName       撤销医师姓名          C50    Y
                undoDrCertType   撤销医师证件类型      C6     Y  @psn_cert_type
                undoDrCertno     撤销医师证件号码      C50    Y
                undoRea          撤销原因描述          C200   Y
                undoTime         撤销时间              DT     Y
                """,
            ),
        ),
        response=(node("data", _STATUS),),
        source=_NT + "Input/Input_D004.cs; answer names: Yenter-good/DanYangOP "
        "App_OP/PrescriptionCirculation/Undo/UndoPrescriptionResponse.cs (types as in Output_D005.cs)",
    ),
    "7105": Schema(
        "full",
        request=(
            node(
                "data",
                _QUERY
                + """
                ecToken          电子凭证令牌          C64    C
                """,
            ),
        ),
        response=(
            node(
                "data",
                """
                hiRxno           医保处方编号          C30    Y
                fixmedinsCode    定点医疗机构编号      C12    Y
                fixmedinsName    定点医疗机构名称      C200   Y
                rxStasCodg       医保处方状态编码      C3     Y
                rxStasName       医保处方状态名称      C20    Y
                rxUsedStasCodg   医保处方使用状态编码  C3     Y
                rxUsedStasName   医保处方使用状态名称  C20    Y
                prscTime         开方时间              DT     Y
                rxDrugCnt        药品数量（剂数）      N16,2  Y
                rxUsedWayCodg    处方整剂用法编号      C20    N
                rxUsedWayName    处方整剂用法名称      C40    N
                rxFrquCodg       处方整剂频次编号      C20    N
                rxFrquName       处方整剂频次名称      C40    N
                rxDosunt         处方整剂剂量单位      C20    N
                rxDoscnt         处方整剂单次剂量数    N16,2  N
                rxDrordDscr      处方整剂医嘱说明      C500   N
                valiDays         处方有效天数          I10    Y
                valiEndTime      有效截止时间          DT     Y
                reptFlag         复用（多次）使用标志  C3     Y
                maxReptCnt       最大复用次数          I3     N
                reptdCnt         已复用次数            I3     N
                minInrvDays      使用最小间隔（天数）  I3     N
                rxTypeCode       处方类别编号          C3     Y
                rxTypeName       处方类别名称          C20    N
                longRxFlag       长期处方标志          C3     N
                bizTypeCode      业务类型代码          C3     Y
                bizTypeName      业务类型名称          C20    N
                rxExraAttrCode   处方附加属性代码      C3     N
                rxExraAttrName   处方附加属性名称      C20    N
                rxDetlList       处方明细信息          J      N
                rxOtpinfo        就诊信息              J      N
                rxDiseList       诊断信息              J      N
                """,
            ),
        ),
        source=_NT + "Output/Output_D005.cs; request as Input_D006.cs plus ecToken "
        "(Yenter-good/DanYangOP App_OP/PrescriptionCirculation/ViewPrescription/ViewPrescriptionRequest.cs)",
    ),
    "7106": Schema(
        "full",
        request=(node("data", _QUERY),),
        response=(
            node(
                "data",
                """
                hiRxno           医保处方编号          C30    Y
                pharName         医保药师姓名          C50    Y
                pharCode         医保药师代码          C20    Y
                rxChkStasCodg    处方审核状态代码      C3     Y
                rxChkOpnn        处方审核意见          C      Y
                rxChkTime        处方审核时间          DT     Y
                rxStasCodg       医保处方状态编码      C3     Y
                rxStasName       医保处方状态名称      C20    Y
                rxChkStasName    处方审核状态名称      C10    Y
                """,
            ),
        ),
        source=_NT + "Input/Input_D006.cs, Output/Output_D006.cs",
    ),
    "7107": Schema(
        "full",
        request=(node("data", _QUERY),),
        response=(
            node(
                "data",
                """
                hiRxno           医保处方编号          C30    Y
                setlTime         医保结算时间          DT     Y
                rxStasCodg       医保处方状态编码      C3     Y
                rxStasName       医保处方状态名称      C20    Y
                rxUsedStasCodg   处方使用状态编号      C3     Y
                rxUsedStasName   处方使用状态名称      C20    Y
                seltdelts        结算明细              J      N
                """,
            ),
        ),
        source=_NT + "Output/Output_D007.cs; request as Input_D006.cs (Yenter-good/DanYangOP "
        "App_OP/PrescriptionCirculation/TakeDrugResult/TakeDrugResultRequest.cs sends the same fields)",
    ),
    "7206": Schema(
        "full",
        request=(
            node(
                "data",
                """
                hiRxno           医保处方编号          C30    Y
                epcToken         电子处方令牌          C100   Y
                ecToken          审方药师电子凭证令牌  C64    Y
                fixmedinsCode    定点医药机构编码      C30    Y
                fixmedinsName    定点医药机构名称      C200   Y
                pharCertType     审方药师证件类型      C6     Y  @psn_cert_type
                pharCertno       审方药师证件号码      C50    Y
                pharCode         审方医保药师代码      C50    Y
                pharName         审方药师姓名          C50    Y
                rxChkOpnn        处方审核理由          C2000  Y
                rxChkTime        审核时间              DT     Y
                rxChkStasCodg    处方审核状态代码      C10    Y
                rxSignVerifySn   处方签名验签流水号    C40    Y
                """,
            ),
        ),
        response=(
            node(
                "data",
                """
                msgCode          成功标志              C6     Y   # 0 success, else failure
                flag             结果说明              C200   N
                rxChkBizSn       处方审核业务流水号    C30    N   # returned on success
                """,
            ),
        ),
        source="national 电子处方流转 interface, 定点医药机构 side, infno edition (表 53 rx_chk_up_info): "
        "d.pingjiangxian.com/html/new_rx/CFYYJG106.html; names camelCased for the SM channel",
        notes="The infno edition sends these fields under node rx_chk_up_info in snake_case; the SM channel "
        "sends them flat in data, camelCase, as 7101-7107.",
    ),
}

UNPUBLISHED: dict[str, str] = {
    "7108": _SEARCHED.format(what="电子处方审核结果通知"),
    "7109": _SEARCHED.format(what="电子处方结算结果通知"),
    "7201": _SEARCHED.format(what="电子处方线下流转授权"),
    "7202": _SEARCHED.format(what="电子处方线上流转查询"),
    "7203": _SEARCHED.format(what="电子处方二维码解码"),
    "7204": _SEARCHED.format(what="电子处方下载"),
    "7205": _SEARCHED.format(what="电子处方信息核验"),
    "7207": _SEARCHED.format(what="药品销售出库明细上传"),
    "7208": _SEARCHED.format(what="药品销售出库明细撤销"),
    "7209": _SEARCHED.format(what="药品配送信息同步"),
    "7210": _SEARCHED.format(what="药品配送签收确认"),
    "7211": _SEARCHED.format(what="电子处方药品目录查询 (circDrugQuery: route only)"),
}
