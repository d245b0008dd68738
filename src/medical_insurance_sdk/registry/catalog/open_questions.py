"""Deliberate choices made where no public fact decided (rendered into docs/interfaces.md, "open questions").

Each entry says what was chosen and why.  When a province's official table or a working client shows a
different answer, change the catalog record and drop (or rewrite) the entry here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    topic: str
    choice: str
    reason: str


OPEN_QUESTIONS: tuple[OpenQuestion, ...] = (
    # ------------------------------------------------------------------ infno codes inside spec ranges
    OpenQuestion(
        topic="Codes for 异地就医购药 (spec range 2161-2181, 12 paths)",
        choice=(
            "In the spec's order: 2161 获取人员信息, 2162 购药退费, 2163 购药试算, 2164 取消订单, 2165 "
            "订单查询, 2166 结算信息查询, 2167 月结算申报汇总数据查询, 2168 月结算申报业务明细数据查询, "
            "2169 月结申报基金分项数据查询, 2170 药店账务明细查询, 2171 药店账务汇总查询, 2181 冲正交易."
        ),
        reason=(
            "No public code table for this family was found. The spec gives only the range; 12 paths fit "
            "in 21 codes, so the first eleven are numbered consecutively and 冲正交易 takes the range's "
            "upper end."
        ),
    ),
    OpenQuestion(
        topic="Code for 药店门诊就诊信息上传",
        choice="2203A, with the same input nodes as 2203 (mdtrtinfo, diseinfo).",
        reason=(
            "The spec lists 9 outpatient paths under 【2201-2208】, which has only 8 codes. The extra "
            "path sits between 2203 and 2204, and 2203A is a real suffixed variant of 2203 in several "
            "provinces. It is usually described as a newer edition of 2203, not as a pharmacy-only "
            "transaction."
        ),
    ),
    OpenQuestion(
        topic="Batch inventory codes 3501A-3507A (spec 【3501-3507】, single/batch pairs)",
        choice=(
            "Each batch path gets the A-suffixed code of its single path. The batch names add （批量） to "
            "the single name. Input nodes: invinfo / purcinfo / selinfo for the single paths, "
            "invinfoDetail / purcinfoDetail / selinfoDetail for the batch paths. 3507 uses data, and "
            "3507A uses goodDetail."
        ),
        reason=(
            "A public pharmacy client calls 3501A-3506A with these nodes. 3507A appears there only in a "
            "comment, and that client still sends infno 3507. The spec writes one name per pair, e.g. "
            "商品盘存上传（单个/批量）, so the batch names are ours."
        ),
    ),
    OpenQuestion(
        topic="DRG/DIP codes (spec 【3601-3605,3610-3611】 and 【3606,3608-3609】)",
        choice=(
            "In path order: 3601 退出列表查询, 3602 退出申请保存, 3603 修改/撤销, 3604 "
            "审核意见和预结算基金分项查询, 3605 分组结果查询, 3610 统计汇总查询, 3611 统计查询. DIP: 3606 "
            "分组结果查询, 3608 统计汇总查询, 3609 统计查询."
        ),
        reason=(
            "No public client uses these codes. The spec's code lists are taken in the order of its paths."
        ),
    ),
    OpenQuestion(
        topic="Appeal codes 3701-3704",
        choice="3701 审核申诉、扣款节点查询, 3702 申诉提交, 3703 申请合议提交, 3704 附件上传 (spec order).",
        reason=(
            "No national source found. One Hunan client has commented-out local 3701-3704 codes for "
            "reconciliation queries, so the numbers may mean something else in some provinces."
        ),
    ),
    OpenQuestion(
        topic="Settlement-list codes 4104 and 4105",
        choice="4104 结算清单质控结果查询, 4105 结算清单数量统计查询 (spec order); 4101-4103 are documented.",
        reason=(
            "Public clients confirm 4101 (and 4101A), 4102 and 4103. One source calls 4104 质控问题查询. "
            "4105 is not seen anywhere."
        ),
    ),
    OpenQuestion(
        topic="Code for 住院医嘱记录上传（包含医生信息）",
        choice="4402A (the upper end of the spec's range 【4401-4402A】).",
        reason=(
            "The spec's range ends at 4402A and this is the third of three paths. 4401 and 4402 are "
            "documented."
        ),
    ),
    OpenQuestion(
        topic="Clinical report codes 4506-4512",
        choice=(
            "4506 非结构化报告记录上传. Queries 4507-4512 mirror uploads 4501-4506 in the same order, and "
            "each upload's confirm_by is its mirror query."
        ),
        reason="Public clients document only 4501-4505. The rest follow the spec's order.",
    ),
    OpenQuestion(
        topic="Code for 检查检验结果互认查询授权申请",
        choice="5461 (upper end of 【5401-5461】); 5401 and 5402 are documented.",
        reason=(
            "Three paths and a range whose ends are 5401 and 5461. The first two are known, so the third "
            "gets 5461."
        ),
    ),
    OpenQuestion(
        topic="Mobile-payment codes 6204 and 6302",
        choice=(
            "6204 医保订单信息同步, 6302 医保结算结果通知 (spec order); 6201-6203, 6301 and 6401 are "
            "documented."
        ),
        reason="No public client shows 6204. The reference marks 6302 as unverified.",
    ),
    OpenQuestion(
        topic="Electronic-prescription codes 7101-7109 and 7201-7211",
        choice=(
            "Spec order. 7101-7107 agree with the reference (7107 is called 取药结果查询 there). The "
            "spec's SDK examples confirm 7204 电子处方下载 and 7207 药品销售出库明细上传. 7108/7109 and "
            "the other 72xx codes follow the order."
        ),
        reason=(
            "Editions differ: Shenzhen's early 7101-7105 mean other things, and some provinces use 78xx. "
            "The reference marks the pharmacy-side 72xx as unverified."
        ),
    ),
    OpenQuestion(
        topic="Scene-monitoring codes 9601-9605",
        choice=(
            "Spec order: 9601 人脸认证, 9602 特殊登记, 9603 人脸建模, 9604 远程查床任务查询, 9605 "
            "远程查床申诉."
        ),
        reason="The spec's own data-model table confirms 9605 远程查床申诉. No other source found.",
    ),
    OpenQuestion(
        topic="Electronic settlement voucher codes (spec 【5501,4901-4902,4905】)",
        choice=(
            "The four codes in the heading's order map to the four paths in their order: 5501 状态查询, "
            "4901 上传, 4902 上传结果查询, 4905 重新上传."
        ),
        reason=(
            "No public client found. The heading's order fits the paths (5501 a query, 4902 a result query)."
        ),
    ),
    # ------------------------------------------------------------------ routes and names invented
    OpenQuestion(
        topic="REST routes for 1303-1327 (the spec gives none)",
        choice=(
            "1303 POST catalog/medical-institution-preparations-download; 1304 POST "
            "catalog/ethnic-drugs-query; 1305 POST catalog/medical-service-items-download; 1306 POST "
            "catalog/medical-consumables-download; 1306A POST "
            "catalog/medical-consumables-27digit-download; 1307 POST catalog/disease-diagnosis-download; "
            "1308 POST catalog/surgical-operations-download; 1309 POST "
            "catalog/chronic-special-diseases-download; 1310 POST catalog/disease-payment-download; 1311 "
            "POST catalog/day-surgery-diseases-download; 1312 POST catalog/insurance-list-download; 1313 "
            "POST catalog/tumor-morphology-download; 1314 POST catalog/tcm-diseases-download; 1315 POST "
            "catalog/tcm-syndromes-download; 1316 POST catalog/list-mapping-query; 1317 POST "
            "catalog/institution-list-mapping-query; 1318 POST catalog/price-limit-query; 1319 POST "
            "catalog/self-pay-ratio-query; 1320 POST catalog/tcm-granules-download; 1321 POST "
            "catalog/medical-service-items-new-download; 1322 POST catalog/ivd-reagent-products-download; "
            "1323 POST catalog/product-registration-links-download; 1324 POST "
            "catalog/test-indicators-download; 1325 POST catalog/product-codes-download; 1326 POST "
            "catalog/registration-certificates-download; 1327 POST catalog/classification-download."
        ),
        reason=(
            "These follow the pattern of 1301/1302 (POST catalog/drug-download). Names ending in 下载 get "
            "-download and names ending in 查询 get -query. The kind matches the interface_type "
            "(<kind>_catalog), and 1303-1308 use the catalog_type names from the spec's §11.2.1 example."
        ),
    ),
    OpenQuestion(
        topic="English kinds for 1309-1327",
        choice=(
            "chronic_special_diseases, disease_payment, day_surgery_diseases, insurance_list, "
            "tumor_morphology, tcm_diseases, tcm_syndromes, list_mapping, institution_list_mapping, "
            "price_limit, self_pay_ratio, tcm_granules, medical_service_items_new, ivd_reagent_products, "
            "product_registration_links, test_indicators, product_codes, registration_certificates, "
            "classification; 1306A medical_consumables_27digit."
        ),
        reason=(
            "The spec names kinds only for 1303-1308. These are literal translations of the Chinese names."
        ),
    ),
    OpenQuestion(
        topic="1304 and 1312: paged queries, not files",
        choice=(
            "1304 民族药品目录查询 and 1312 医保目录信息下载 answer inline with paging "
            "(file_output=False) and use the info_query performance class. 1312 keeps the spec's name and "
            "a -download route."
        ),
        reason=(
            "Public clients call 1304 through catalogqueryservice/queryNatyPreparedByPage, and 1312 is "
            "医保目录信息查询 with page_num/page_size. The catalog_download rate limit (50/hour) would "
            "also stop paging through them. The same reasoning puts 1316-1319 on info_query."
        ),
    ),
    OpenQuestion(
        topic="1320-1327 answer with a file",
        choice="file_output=True: fetch the result with 9102, like 1301-1315.",
        reason=(
            "The reference has no data on these newer catalogues. They are named 下载 like the file-based "
            "ones."
        ),
    ),
    # ------------------------------------------------------------------ safety judgement calls
    OpenQuestion(
        topic="Safety of trial calculations",
        choice="2101 药店预结算, 2206, 2303 and 2163 购药试算 are MONEY.",
        reason=(
            "Pre-settlement writes settlement state at the bureau. 购药试算 is the step before 取消订单 "
            "and seems to open an order. MONEY is never re-sent blindly."
        ),
    ),
    OpenQuestion(
        topic="Calls that POST but only read",
        choice=(
            "QUERY: 3101/3102 audit analysis, 3103 审核反馈, 3201/3202 reconciliation, 4262 "
            "已上传费用对账, 6101 电子凭证解析, 7101 上传预核验, 7203 二维码解码, 7205 信息核验."
        ),
        reason=(
            "They check or compare and file nothing at the bureau, so retrying them is safe. For 7101 the "
            "prescription is only filed by 7103. 3103 does send the doctor's feedback, but a repeat is "
            "harmless."
        ),
    ),
    OpenQuestion(
        topic="Calls treated as WRITE although they look like reads",
        choice=(
            "WRITE: 3592B 获取虚拟药品追溯码, 5461 互认查询授权申请, 7102 医保电子签名, 7201 "
            "线下流转授权, 9601 人脸认证, and the notifications 6302/7108/7109."
        ),
        reason=(
            "Each one creates something at the bureau: a code, an authorisation, a signature, a presence "
            "record, or an acknowledged notice. Re-sending could duplicate it. The notifications normally "
            "travel from the bureau to the institution, so their direction is also open."
        ),
    ),
    OpenQuestion(
        topic="Reversibility of pharmacy settlement",
        choice="2102 and 2103 are reversible by 2601 (and keep 5203 as confirm_by).",
        reason=(
            "The national 2601 list is 2207, 2208, 2304, 2305 and 2401; the reference adds 2102 药店结算 "
            "for pharmacies and, probably, 2103 [U]. 5203 cannot resolve a lost 2102: it needs the setl_id "
            "and mdtrt_id that only the lost answer carries, so 2601 is the only way back."
        ),
    ),
    # ------------------------------------------------------------------ field tables of money calls
    OpenQuestion(
        topic="Field tables of 2101-2103 药店预结算/结算/结算撤销",
        choice=(
            "Full tables with the national nodes: 2101/2102 take druginfo (购药信息) and drugdetail[] "
            "(购药明细) and answer setlinfo, setldetail and detlcutinfo; 2103 takes data (setl_id, "
            "mdtrt_id, psn_no, expContent). Each field has the type of the same field in 2204/2206/2208. "
            "Required: the fields 2204/2206 require (2103: all three ids, as 2208); rx_circ_flag stays "
            "optional."
        ),
        reason=(
            "Two public transcriptions of the national §6.2.2 (the OnlineBusHos244_GJYB models and a C "
            "header of pharmacy calls) agree on the node and field names but print neither lengths nor the "
            "必填 column. Bodies spelled data/feedetail (earlier sandbox versions, some provincial "
            "clients) are refused with 30001 before sending; the sandbox bureau still reads both."
        ),
    ),
    OpenQuestion(
        topic="No published field table: 6202 支付下单, 6203 医保退费 (money)",
        choice=(
            "They stay partial (names from reference §3, camelCase, nothing required). An empty data "
            "node ({} or only blanks) is refused with 30001 before sending, as for every write and money "
            "call; which fields a non-empty body lacks, the bureau decides."
        ),
        reason=(
            "No public copy of the 移动支付 center interface tables with lengths and the 必填 column was "
            "found. Public clients (e.g. a Java refundSetl model, HIS calls of 6203) show the same field "
            "names and an extra appId, but not which fields the bureau requires, so none is made required "
            "here rather than guessed."
        ),
    ),
    OpenQuestion(
        topic=(
            "No published field table: 异地就医购药 money calls 2162 购药退费, 2163 购药试算, "
            "2164 取消订单, 2181 冲正交易"
        ),
        choice="They stay generic: the data node must be an object (30001/30003), its fields are open.",
        reason=(
            "Their very codes are chosen inside the spec's range (see the first question); no public "
            "field list for this family was found in HIS or SDK code, so there is nothing to check "
            "fields against."
        ),
    ),
    # ------------------------------------------------------------------ permission judgement calls
    OpenQuestion(
        topic="Permission for pharmacy settlement",
        choice=(
            "2101-2103, 2203A and the money-moving 异地购药 calls (2162-2164, 2181) use payment:create. "
            "The 异地购药 queries use payment:query, and 2161 uses person_info:read."
        ),
        reason=(
            "pharmacy_operator has no settlement:* key. payment:create (支付创建) is the key it has that "
            "fits a charge."
        ),
    ),
    OpenQuestion(
        topic="Permission for person records (备案 2501-2507)",
        choice="Records use settlement:create and their cancels use settlement:cancel.",
        reason=(
            "A record is a precondition for settlement, and the hospital operator files it. No dedicated "
            "key exists."
        ),
    ),
    OpenQuestion(
        topic="Permission for institution master data",
        choice=(
            "3301/3302 目录对照 use inventory:manage. 34xx 科室 use medical_record:upload. 3602/3603 "
            "DRG退出申请 and 3702-3704 申诉 use medical_record:upload. 3701 and 3103 use info:query."
        ),
        reason=(
            "No catalog:manage or institution:manage key exists. Pharmacies must map their catalogue, and "
            "hospitals submit departments, DRG exit applications and appeals. drg:query is read-only."
        ),
    ),
    OpenQuestion(
        topic="Permission for electronic prescriptions",
        choice=(
            "All 71xx, including the reads 7105-7107, use prescription:upload. 72xx reads use "
            "prescription:query. 72xx writes (7201, 7206-7210) use inventory:manage."
        ),
        reason=(
            "hospital_operator must read back what it prescribed but has no prescription:query. "
            "pharmacy_operator must write dispensing data but has no prescription:upload. Dispensing and "
            "delivery are stock movements."
        ),
    ),
    OpenQuestion(
        topic="Other permission choices",
        choice=(
            "1201, 9001/9002 and 6101 use person_info:read. 5461 uses info:query. 13xx queries use "
            "catalog:download. 3508-3513 use inventory:manage."
        ),
        reason=(
            "Every operator that signs in or reads identity needs these. The 5461 authorisation request "
            "exists only to enable the 54xx queries."
        ),
    ),
    OpenQuestion(
        topic="Gaps in the spec's roles, and how the roles were widened",
        choice=(
            "The spec's role lists (§7.2.1) left gaps: pharmacy_operator could not run 5203 (to confirm "
            "2102/2103), hospital_operator could not run 45xx/46xx (clinical_data:upload) or 9101 "
            "(file:upload, needed before 3202), data_analyst could not run 9102 (file:download), which "
            "fetches catalog files. registry/policy.py widens them: hospital_operator + catalog:download, "
            "clinical_data:upload, file:upload, file:download; pharmacy_operator + info:query, "
            "catalog:download, file:upload, file:download; data_analyst + file:download. 2601 stays "
            "settlement:cancel: pharmacies do not call it by hand, the engine's compensation does."
        ),
        reason=(
            "A role that can start a flow but not finish it helps nobody; the widened roles are the spec's "
            "lists plus exactly what their flows need."
        ),
    ),
    # ------------------------------------------------------------------ performance and confirmation
    OpenQuestion(
        topic="Performance classes outside the obvious mapping",
        choice=(
            "33xx/34xx use inventory_upload. 3704 附件上传 uses file_upload. 3201/3202 and 3508-3513 use "
            "info_query. 25xx 备案 uses benefit_check. 2601 uses inpatient_settle. 9001/9002 and 6101 use "
            "person_info. 4101/4401/4701 use medical_record_upload and other 4xxx uploads use "
            "clinical_data_upload. 9102 uses file_upload. All 7xxx use prescription_upload. 96xx uses "
            "face_auth."
        ),
        reason=(
            "§6.1.1 has one class per family. Each transaction takes the nearest class by payload size "
            "and bureau work. 2601 may reverse an inpatient settlement, so it gets the longest settle "
            "timeout."
        ),
    ),
    OpenQuestion(
        topic="confirm_by choices",
        choice=(
            "2401/2403/2404/2405 use 5303 在院信息查询. 2402 uses 5202 (its discharge diagnoses). "
            "2203/2203A use 5201 (the med_type told). 2162-2164 use 2165 订单查询 and 2181 uses 2166. "
            "3301/3302 use 1317. 34xx use 5101. 3602/3603 use 3601. 3702/3703 use 3701. 4261 uses 4262. "
            "6201-6204 and 6401 use 6301. 7103/7104 use 7105. No confirm_by for "
            "pre-settlements, 2507, 2601 or notifications."
        ),
        reason="Each is the query that best shows whether the write took effect. None is documented as such.",
    ),
    OpenQuestion(
        topic="Channel of 6101 电子凭证解析",
        choice="The common infno envelope, not the SM4/SM2 channel.",
        reason="The reference lists only 6201-6401 and 71xx/72xx on the SM channel.",
    ),
)
