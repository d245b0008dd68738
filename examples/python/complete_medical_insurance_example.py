# examples/python/complete_medical_insurance_example.py
"""
医保接口SDK完整使用示例
演示206个接口中的核心业务流程

规范 §11.2.1 的示例程序。凡与规范原文不同之处都标有「# 与规范不同：」并写明原因；其余照抄规范。

    python complete_medical_insurance_example.py [config.json]

配置文件（规范 §9.2.1 格式）依次取：命令行第一个参数、环境变量 MEDICAL_INSURANCE_SDK_CONFIG、当前目录的
config.json。对着 `make run` 启动的网关（内嵌医保沙箱）运行，见同目录 README.md。
"""

import asyncio
import base64
import json
import os
import sys
from datetime import datetime, timedelta
from decimal import Decimal

from medical_insurance_sdk import MedicalInsuranceSDK
from medical_insurance_sdk.exceptions import MedicalInsuranceException

# 与规范不同：规范里的身份证号 430281199001010001 等是虚构的，医保局（沙箱同样）答「该参保人的基本信息为空」。
# 这里用沙箱种子数据里的真实参保人（medical_insurance_sdk.sandbox.seed.PERSONS）；规范示例里的人员编号
# 43000030281000128715 正是其中的张三，下面是他的身份证号。
ZHANG_SAN_CERT_NO = "430302199001010017"
# 与规范不同：async_examples 的三位患者换成沙箱里的张三、李娜、王建国。
SANDBOX_CERT_NOS = ["430302199001010017", "430304198805170049", "430302197509230054"]
# 与规范不同：规范用 cert_type="01" 配身份证号，但就诊凭证类型 01 是「医保电子凭证」（凭证号应是电子凭证
# 令牌），身份证是 02（字典 mdtrt_cert_type；SDK 把 02 对应为人员证件类型 01 居民身份证）。
CERT_TYPE_ID_CARD = "02"


def config_path():
    # 与规范不同：规范写死 config_path="config.json"；这里先看命令行参数，再看环境变量，最后才是 config.json，
    # 这样测试（或运维）可以把示例指向任意一个网关。
    if len(sys.argv) > 1:
        return sys.argv[1]
    return os.environ.get("MEDICAL_INSURANCE_SDK_CONFIG", "config.json")


def main():
    # 初始化SDK
    sdk = MedicalInsuranceSDK(config_path=config_path())

    try:
        # 1. 基础信息服务示例 (31个接口)
        basic_info_examples(sdk)

        # 2. 医保业务服务示例 (43个接口)
        # 与规范不同：住院结算的结果留给第 4 步：电子病历（4701）和结算清单（4101）都是这次住院的。
        inpatient_settlement = business_service_examples(sdk)

        # 3. 医药机构管理示例 (47个接口)
        institution_management_examples(sdk)

        # 4. 信息采集上传示例 (28个接口)
        data_upload_examples(sdk, inpatient_settlement)

        # 5. 信息查询服务示例 (15个接口)
        query_service_examples(sdk)

        # 6. 线上支付服务示例 (8个接口)
        # 与规范不同：规范调用了 payment_service_examples(sdk) 却没有定义它。线上支付（6201–6203、6301、6401）
        # 要患者在手机上授权医保电子凭证后得到的 payAuthNo / ecToken，一个脚本拿不到，所以去掉这一步。
        # payment_service_examples(sdk)

        # 7. 电子处方服务示例 (20个接口)
        prescription_service_examples(sdk)

        # 8. 其他服务示例 (13个接口)
        other_service_examples(sdk)

        # 与规范不同：规范定义了 batch_operations_example 却从不调用它；这里在最后调用。
        batch_operations_example(sdk)

    except MedicalInsuranceException as e:
        print(f"医保接口调用失败: {e}")
        # 与规范不同：失败时以退出码 1 结束（规范只打印），脚本和测试才看得出示例没有跑通。
        return 1
    return 0


def basic_info_examples(sdk):
    """基础信息服务示例 - 31个接口"""
    print("=== 基础信息服务示例 ===")

    # 【1101】人员基本信息获取
    patient = sdk.query_person_info(
        cert_type=CERT_TYPE_ID_CARD,  # 与规范不同：规范为 "01"，见 CERT_TYPE_ID_CARD
        cert_no=ZHANG_SAN_CERT_NO,  # 与规范不同：规范为虚构的 430281199001010001，见 ZHANG_SAN_CERT_NO
        name="张三",
    )
    print(f"患者信息: {patient.name}, 医保余额: {patient.insurance_balance}")

    # 【1201】医药机构信息获取
    institution = sdk.query_institution_info("H43028110001")
    print(f"机构信息: {institution.name}, 等级: {institution.level}")

    # 【1301】西药中成药目录下载
    drug_catalog = sdk.download_drug_catalog(version="1.0")
    print(f"药品目录: 共{len(drug_catalog)}条记录")

    # 【1302】中药饮片目录下载
    tcm_catalog = sdk.download_tcm_catalog(version="1.0")
    print(f"中药目录: 共{len(tcm_catalog)}条记录")

    # 更多目录下载示例...
    catalogs = [
        ("medical_institution_preparations", "1303", "医疗机构制剂目录"),
        ("ethnic_drugs", "1304", "民族药品目录"),
        ("medical_service_items", "1305", "医疗服务项目目录"),
        ("medical_consumables", "1306", "医用耗材目录"),
        ("disease_diagnosis", "1307", "疾病与诊断目录"),
        ("surgical_operations", "1308", "手术操作目录"),
    ]

    for catalog_type, infno, name in catalogs:
        catalog_data = sdk.download_catalog(catalog_type, version="1.0")
        print(f"{name} ({infno}): 共{len(catalog_data)}条记录")


def business_service_examples(sdk):
    """医保业务服务示例 - 43个接口"""
    print("=== 医保业务服务示例 ===")

    # 【2001】人员待遇享受检查
    benefit_result = sdk.benefit_check(
        person_no="43000030281000128715", check_items=["drug_limit", "treatment_limit"]
    )
    print(f"待遇检查结果: {benefit_result.status}")

    # 药店业务流程 (2101-2103)
    pharmacy_examples(sdk)

    # 异地就医购药流程 (2161-2181)
    # 与规范不同：规范调用了 remote_medical_examples(sdk) 却没有定义它。异地就医购药要一位异地参保的人和跨省
    # 结算平台，沙箱没有模拟这一流程（2161–2181 只回样例数据），所以去掉这一步。
    # remote_medical_examples(sdk)

    # 门急诊业务流程 (2201-2208)
    outpatient_examples(sdk)

    # 住院业务流程 (2301-2305, 2401-2405)
    inpatient_settlement = inpatient_examples(sdk)

    # 人员备案流程 (2501-2507)
    record_management_examples(sdk)
    return inpatient_settlement  # 与规范不同：见 main()


def pharmacy_examples(sdk):
    """药店业务示例"""
    print("--- 药店业务流程 ---")

    # 构建药店销售数据
    # 与规范不同：规范的 pharmacy_data 只有人员编号和药品行，而医保局的药店结算报文（2101/2102，全国接口规范
    # §6.2.2）还必须有就诊凭证、险种、医疗费总额、个人账户使用标志，以及每行的明细流水号、机构目录编码和金额。
    # 购药信息写在顶层（SDK 放进 druginfo 节点），药品行写在 items（即 drugdetail 购药明细），都可用规范的友好
    # 字段名；开始时间、医疗类别（41 定点药店购药）和费用发生时间由 SDK 补齐。
    pharmacy_data = {
        "person_no": "43000030281000128715",
        "cert_type": CERT_TYPE_ID_CARD,
        "cert_no": ZHANG_SAN_CERT_NO,
        "insurance_type": "310",  # 职工基本医疗保险
        "total_amount": 25.00,
        "use_account": "0",
        "items": [
            {
                "feedetl_sn": "YD20250714001",
                "drug_code": "A01010001",
                "his_item_code": "YP-ASPIRIN-100",
                "drug_name": "阿司匹林片",
                "quantity": 2,
                "unit_price": 12.50,
                "amount": 25.00,
            }
        ],
    }

    # 【2101】药店预结算
    pre_settle_result = sdk.pharmacy_pre_settle(pharmacy_data)
    print(f"预结算结果: 医保支付 {pre_settle_result.insurance_amount}")

    # 【2102】药店结算
    settle_result = sdk.pharmacy_settle(pharmacy_data)
    print(f"结算完成: 结算单号 {settle_result.settlement_id}")

    # 如果需要撤销
    # 【2103】药店结算撤销
    # 与规范不同（注释中的写法）：2103（全国接口规范 §6.2.2）除结算ID外还要就诊ID和人员编号，得写成
    # sdk.pharmacy_settle_cancel({"data": {"settlement_id": ..., "visit_id": ..., "person_no": ...}})
    # cancel_result = sdk.pharmacy_settle_cancel(settle_result.settlement_id)


def outpatient_examples(sdk):
    """门急诊业务示例"""
    print("--- 门急诊业务流程 ---")

    # 【2201】门诊挂号
    register_result = sdk.outpatient_register(
        {"person_no": "43000030281000128715", "dept_code": "001", "doctor_code": "DOC001"}
    )
    print(f"挂号成功: 挂号单号 {register_result.register_id}")

    # 【2203】门诊就诊信息上传
    visit_data = {
        "visit_id": register_result.register_id,
        "diagnosis_info": [{"diag_code": "I25.101", "diag_name": "急性心肌梗死", "main_diag_flag": "1"}],
    }
    sdk.outpatient_visit_upload(visit_data)

    # 【2204】门诊费用明细上传
    expense_data = {
        "visit_id": register_result.register_id,
        "expense_items": [
            {"item_code": "A01010001", "item_name": "阿司匹林片", "quantity": 2, "unit_price": 12.50}
        ],
    }
    sdk.outpatient_expense_upload(expense_data)

    # 【2206】门诊预结算
    pre_settle_result = sdk.outpatient_pre_settle(register_result.register_id)
    print(f"门诊预结算: 医保支付 {pre_settle_result.insurance_amount}")

    # 【2207】门诊结算
    settle_result = sdk.outpatient_settle(register_result.register_id)
    print(f"门诊结算完成: {settle_result.settlement_id}")


def inpatient_examples(sdk):
    """住院业务示例"""
    print("--- 住院业务流程 ---")

    # 与规范不同：入院（2401）和出院（2402）的报文必须有诊断信息（diseinfo）、主诊断和经治医师，规范的
    # 字典里没有，谁也替不了医生下诊断；入院时间也必须写明：规范把费用日期、出院日期写死为 2025-07-14 和
    # 2025-07-20，而入院时间缺省为「现在」，在这两个日期之后运行时出院早于入院，医保局拒绝。
    diagnosis_info = [{"diag_code": "I25.101", "diag_name": "急性心肌梗死", "main_diag_flag": "1"}]

    # 【2401】入院办理
    admission_result = sdk.inpatient_admission(
        {
            "person_no": "43000030281000128715",
            "dept_code": "001",
            "ward_code": "W001",
            "bed_no": "001-01",
            "admission_date": "2025-07-14",  # 与规范不同：见上
            "doctor_code": "DOC001",  # 与规范不同：见上
            "dscg_maindiag_code": "I25.101",  # 与规范不同：主诊断，见上
            "dscg_maindiag_name": "急性心肌梗死",  # 与规范不同：见上
            "diagnosis_info": diagnosis_info,  # 与规范不同：见上
        }
    )
    print(f"入院办理完成: 住院号 {admission_result.admission_id}")

    # 【2301】住院费用明细上传
    expense_data = {
        "admission_id": admission_result.admission_id,
        "expense_items": [
            {
                "item_code": "A01010001",
                "item_name": "阿司匹林片",
                "quantity": 10,
                "unit_price": 12.50,
                "expense_date": "2025-07-14",
            }
        ],
    }
    sdk.inpatient_expense_upload(expense_data)

    # 【2402】出院办理
    discharge_result = sdk.inpatient_discharge(  # noqa: F841 - 规范原文如此
        {
            "admission_id": admission_result.admission_id,
            "discharge_date": "2025-07-20",
            "diagnosis_info": diagnosis_info,  # 与规范不同：出院诊断，见上
        }
    )

    # 【2304】住院结算
    settle_result = sdk.inpatient_settle(admission_result.admission_id)
    print(f"住院结算完成: {settle_result.settlement_id}")
    return settle_result  # 与规范不同：见 main()


def record_management_examples(sdk):
    """人员备案示例"""
    # 与规范不同：规范调用了 record_management_examples(sdk) 却没有定义它；这里用 SDK 的生成方法做一次
    # 慢特病备案（2503）、查询（5301）再撤销（2504），撤销后示例可以重复运行。
    print("--- 人员备案流程 ---")

    # 【2503】人员慢特病备案
    record = sdk.resources.business.record_chronic_disease(
        psn_no="43000030281000128715",
        insutype="310",
        opsp_dise_code="M03900",
        opsp_dise_name="高血压",
        insu_optins="430200",
        ide_fixmedins_no="H43028110001",
        ide_fixmedins_name="湘潭市第一人民医院",
        hosp_ide_date="2025-07-14",
        diag_dr_codg="D430302000101",
        diag_dr_name="李医生",
        begndate="2025-07-14",
    )
    print(f"慢特病备案完成: 备案流水号 {record.record_id}")

    # 【5301】人员慢特病备案查询
    records = sdk.resources.query.query_chronic_disease_record(psn_no="43000030281000128715")
    print(f"慢特病备案: 共{len(records.rows('feedetail'))}条")

    # 【2504】人员慢特病备案撤销
    sdk.resources.business.cancel_chronic_disease_record(
        trt_dcla_detl_sn=record.record_id, psn_no="43000030281000128715", memo="示例撤销"
    )
    print("慢特病备案已撤销")


def institution_management_examples(sdk):
    """医药机构管理示例 - 47个接口"""
    # 与规范不同：规范调用了 institution_management_examples(sdk) 却没有定义它；这里只做一个只读查询。
    print("=== 医药机构管理示例 ===")

    # 【3508】商品库存信息查询
    # 医保局的库存查询（3508）按机构、商品（医药机构目录编码或批次流水号，二选一）和起止日期查，不分页。
    stock = sdk.resources.institution.query_stock_info(
        {
            "data": {
                "fixmedins_code": "H43028110001",
                "medins_list_codg": "YP-ASPIRIN-100",
                "begndate": "2025-07-01",
                "enddate": "2025-07-14",
            }
        }
    )
    print(f"商品库存: 共{len(stock.rows())}条记录")


def data_upload_examples(sdk, inpatient_settlement):
    """信息采集上传示例 - 28个接口"""
    print("=== 信息采集上传示例 ===")

    # 与规范不同：规范的电子病历和结算清单属于虚构的就诊（MDT123456789、SET20250714001）；这里上传上面那次住院
    # （2401 入院、2402 出院、2304 结算）的入院记录和结算清单，就诊ID、结算ID和金额都取自住院结算的应答。
    visit_id = inpatient_settlement.visit_id

    # 【4701】电子病历上传
    medical_record = {
        "admission_info": {
            "mdtrt_sn": "202401010001",
            "mdtrt_id": visit_id,  # 与规范不同：见上
            "psn_no": "43000030281000128715",
            "name": "张三",
            "gend": "1",
            "adm_rec_no": "IP20240101001",
            "dept_code": "001",
            "dept_name": "心血管内科",
            # 与规范不同：国家 4701 的入院信息（adminfo）是一份完整的入院记录，约 80 项必填（病区床位、病史、
            # 体格检查、医师、护理评估），规范的字典里只有上面几项，医保局（沙箱同样）答 30002。以下按张三这次
            # 住院补齐；住院号（mdtrtsn）由 SDK 取这次住院 2401 的住院号。规范 §2.4.6 把姓名性别等放在
            # patient_info，SDK 同样接受（两块并入 adminfo）。
            "age": 35,
            "wardarea_name": "内科一病区",
            "bedno": "001-01",
            "adm_time": "2025-07-14 08:30:00",
            "adm_way": "1",  # 急诊
            "adm_rea": "持续性胸骨后疼痛3小时，急诊心电图示V1-V4导联ST段抬高，拟诊急性心肌梗死收入院",
            "main_symp": "胸痛、胸闷伴大汗",
            # 病史
            "illhis_stte_name": "张三",
            "illhis_stte_rltl": "01",  # 本人
            "stte_rele": "1",
            "chfcomp": "持续性胸骨后疼痛3小时",
            "dise_now": (
                "患者3小时前劳累后出现胸骨后压榨样疼痛，向左肩背部放射，伴大汗、胸闷，含服硝酸甘油不缓解，"
                "急诊心电图示V1-V4导联ST段抬高。"
            ),
            "hlcon": "1",
            "dise_his": "高血压病史5年，规律服用氨氯地平，血压控制一般；否认糖尿病史，否认外伤史",
            "ifet": "0",
            "ifet_his": "否认肝炎、结核等传染病史",
            "prev_vcnt": "预防接种史随当地计划免疫",
            "oprn_his": "否认手术史",
            "bld_his": "否认输血史",
            "algs_his": "否认药物及食物过敏史",
            "psn_his": "生于湖南湘潭，久居本地；吸烟10年，每日约20支；不饮酒",
            "mrg_his": "已婚，育有1子，配偶及儿子体健",
            "mena_his": "男性，不适用",
            "fmhis": "父亲有高血压病史，否认家族遗传病史",
            # 体格检查
            "physexm_tprt": 36.6,
            "physexm_pule": 88,
            "physexm_vent_frqu": "20",
            "physexm_systolic_pre": "150",
            "physexm_dstl_pre": "95",
            "physexm_height": 172.0,
            "physexm_wt": 78.5,
            "physexm_ordn_stas": "神志清楚，急性痛苦面容，自主体位，查体合作",
            "physexm_skin_musl": "皮肤湿冷，无黄染及出血点",
            "physexm_spef_lymph": "全身浅表淋巴结未触及肿大",
            "physexm_head": "头颅无畸形，双侧瞳孔等大等圆，对光反射灵敏",
            "physexm_neck": "颈软，颈静脉无怒张，气管居中",
            "physexm_chst": "双肺呼吸音清，未闻及干湿啰音",
            "physexm_abd": "腹平软，无压痛及反跳痛，肝脾肋下未触及",
            "physexm_finger_exam": "未查",
            "physexm_genital_area": "未查",
            "physexm_spin": "脊柱生理弯曲存在，无压痛",
            "physexm_all_fors": "四肢活动自如，双下肢无水肿",
            "nersys": "生理反射存在，病理反射未引出",
            "spcy_info": "心界不大，心率88次/分，律齐，各瓣膜听诊区未闻及病理性杂音，无心包摩擦音",
            "asst_exam_rslt": "心电图：窦性心律，V1-V4导联ST段弓背向上抬高0.3-0.5mV；肌钙蛋白I 2.35ng/mL",
            # 医师
            "rec_doc_code": "D430302000101",
            "rec_doc_name": "李医生",
            "ipdr_code": "D430302000101",
            "ipdr_name": "李医生",
            "chfdr_code": "D430302000103",
            "chfdr_name": "王建华",
            "chfpdr_code": "D430302000102",
            "chfpdr_name": "陈志强",
            # 护理评估
            "apgr": "无",  # 新生儿评分，成人不适用
            "diet_info": "1",
            "growth_deg": "1",
            "mtl_stas_norm": "1",
            "slep_info": "近期睡眠尚可",
            "sp_info": "无",
            "mind_info": "1",
            "nurt": "1",
            "self_ablt": "2",
            "nurscare_obsv_item_name": "生命体征",
            "nurscare_obsv_rslt": "体温36.6℃，脉搏88次/分，呼吸20次/分，血压150/95mmHg",
            "smoke": "1",
            "stop_smok_days": 0,
            "smok_info": "1",
            "smok_day": "20",
            "drnk": "0",
            "drnk_frqu": "1",
            "drnk_day": 0,
            "eval_time": "2025-07-14 09:30:00",
            "resp_nurs_name": "刘芳",
        },
        "diagnosis_info": [
            {
                "inout_diag_type": "1",
                "maindiag_flag": "1",
                "diag_seq": 1,
                "diag_time": "2025-07-14 10:00:00",  # 与规范不同：4701 必填（规范 §2.4.6 的示例也有）
                "wm_diag_code": "I25.101",
                "wm_diag_name": "急性心肌梗死",
            }
        ],
        # 与规范不同：§11.2.1 没有病程记录；这里照 §2.4.6 的请求示例加一条首次病程记录，病区、床位、主诉和
        # 医师由 SDK 从上面的入院信息补齐，其余是国家 4701 病程记录（coursrinfo）的必填项。
        "course_records": [
            {
                "dept_code": "001",
                "dept_name": "心血管内科",
                "rcd_time": "2025-07-14 14:00:00",
                "cas_ftur": (
                    "中年男性，急性起病；持续性胸骨后压榨样疼痛3小时伴大汗；既往高血压5年、吸烟10年；"
                    "心电图V1-V4导联ST段抬高，肌钙蛋白I升高"
                ),
                "dise_evid": "缺血性胸痛持续超过30分钟不缓解，心电图相邻导联ST段抬高，心肌损伤标志物升高",
                "prel_wm_diag_code": "I25.101",
                "prel_wm_dise_name": "急性心肌梗死",
                "finl_wm_diag_code": "I71.000",
                "finl_wm_diag_name": "主动脉夹层",
                "dise_plan": (
                    "1.心电监护、吸氧、绝对卧床 2.阿司匹林联合氯吡格雷抗血小板、低分子肝素抗凝 "
                    "3.急诊冠状动脉造影评估再灌注治疗 4.控制血压、调脂稳定斑块"
                ),
                "prnt_doc_name": "王建华",
            }
        ],
    }

    upload_result = sdk.upload_electronic_medical_record(medical_record)
    print(f"电子病历上传完成: {upload_result.upload_id}")

    # 【4101】医疗保障基金结算清单上传
    # 与规范不同：规范的清单只有结算ID、人员编号和三个金额；国家结算清单（表154-160）要结算清单信息
    # （setlinfo，约 40 项必填：病案号、患者与联系人、医保类型、科别、票据、结算期间、个人负担四项、医保机构
    # 与填报人）、基金支付信息（payinfo）和收费项目信息（iteminfo）。规范的 total_amount、insurance_amount、
    # personal_amount 在国家清单里没有对应字段：金额按收费项目和基金逐项上报，个人负担拆为自付、自费、
    # 个人账户、现金，都从住院结算（2304）的应答算出。就诊ID、姓名、性别、证件号等由 SDK 按结算ID从这次
    # 住院补齐。
    setl = inpatient_settlement
    ownpay = Decimal(setl.get("fulamt_ownpay_amt", "0"))
    settlement_list = {
        "settlement_id": setl.settlement_id,  # 与规范不同：见上（规范为虚构的 SET20250714001）
        "person_no": "43000030281000128715",
        "setlinfo": {
            "fixmedins_name": "湘潭市第一人民医院",
            "medcasno": "BA2025071400001",
            "naty": setl.get("naty"),
            "ntly": "CHN",
            "patn_cert_type": setl.get("psn_cert_type"),
            "prfs": "17",  # 职员
            "coner_name": "李秀英",
            "patn_rlts": "10",  # 配偶
            "coner_addr": "湖南省湘潭市雨湖区韶山中路12号",
            "coner_tel": "13807320001",
            "hi_type": setl.get("insutype"),
            "insuplc": "430200",
            "ipt_med_type": "1",  # 住院
            "adm_caty": "A03.04",  # 心血管内科专业
            "dscg_caty": "A03.04",
            "act_ipt_days": 6,
            "maindiag_flag": "1",
            "bill_code": "43060124",
            "bill_no": "0000123456",
            "biz_sn": setl.get("medins_setl_id"),
            "setl_begn_date": "2025-07-14",
            "setl_end_date": "2025-07-20",
            "psn_selfpay": setl.personal_amount - ownpay,
            "psn_ownpay": ownpay,
            "acct_pay": setl.account_amount,
            "psn_cashpay": setl.cash_amount,
            "hi_paymtd": "1",  # 按项目
            "hsorg": "湘潭市医疗保障事务中心",
            "hsorg_opter": "周敏",
            "medins_fill_dept": "病案统计科",
            "medins_fill_psn": "赵丽",
        },
        # 基金支付信息：结算应答的基金分项（setldetail）；这次没有基金支付时报统筹基金 0 元
        "payinfo": [
            {"fund_pay_type": row["fund_pay_type"], "fund_payamt": row["fund_payamt"]}
            for row in setl.rows("setldetail")
        ]
        or [{"fund_pay_type": "310100", "fund_payamt": setl.get("hifp_pay", "0.00")}],
        "diagnosis_info": [
            {"diag_type": "1", "diag_code": "I25.101", "diag_name": "急性心肌梗死", "main_diag_flag": "1"}
        ],
        # 收费项目信息：这次住院只有西药费（上面上传的阿司匹林片，甲类）；全自费部分按结算应答
        "iteminfo": [
            {
                "med_chrgitm": "09",  # 西药费
                "amt": setl.total_amount,
                "claa_sumfee": setl.total_amount - ownpay,
                "clab_amt": Decimal("0.00"),
                "fulamt_ownpay_amt": ownpay,
                "oth_amt": Decimal("0.00"),
            }
        ],
    }

    settlement_result = sdk.upload_settlement_list(settlement_list)
    print(f"结算清单上传完成: {settlement_result.list_id}")


def query_service_examples(sdk):
    """信息查询服务示例 - 15个接口"""
    # 与规范不同：规范调用了 query_service_examples(sdk) 却没有定义它；这里做两个查询。
    print("=== 信息查询服务示例 ===")

    # 【5101】科室信息查询
    departments = sdk.resources.query.query_department_info()
    print(f"科室信息: 共{len(departments.rows())}个科室")

    # 【5102】医执人员信息查询
    # 医保局的医执人员查询（5102）必须写执业人员分类：1 医师、2 护士、3 药师、4 医技人员；这里查医师。
    staff = sdk.resources.query.query_medical_staff_info(prac_psn_type="1")
    print(f"医师: 共{len(staff.rows())}人")


def prescription_service_examples(sdk):
    """电子处方服务示例 - 20个接口"""
    print("=== 电子处方服务示例 ===")

    # 医疗机构端流程 (7101-7109)
    # 与规范不同：医保处方编号 hiRxno 由医保局在 7101 时分配（规范示例里的 RX20250714001 是医院自己的处方号
    # hospRxno），药店端下载、取药要用医保局分配的编号，所以这里把它交给药店端流程。
    hi_rxno = medical_prescription_examples(sdk)

    # 医药机构端流程 (7201-7211)
    pharmacy_prescription_examples(sdk, hi_rxno)


def medical_prescription_examples(sdk):
    """医疗机构电子处方示例"""
    print("--- 医疗机构电子处方流程 ---")

    prescription_data = {
        "prescription_id": "RX20250714001",
        "person_no": "43000030281000128715",
        "doctor_code": "DOC001",
        "dept_code": "001",
        "drugs": [
            {
                "drug_code": "A01010001",
                "drug_name": "阿司匹林片",
                "quantity": 30,
                "usage": "口服，一次1片，一日3次",
            }
        ],
    }
    # 与规范不同：电子处方中心的预核验（7101）要求就诊凭证、处方类别、开方时间、有效期和处方明细/就诊/诊断
    # 三个信息块（国家医保电子处方流转接口的必填项），规范示例的字典里没有，医保局（沙箱同样）答 30002。
    prescription_data.update(bureau_prescription())

    # 【7101】电子处方上传预核验
    pre_verify_result = sdk.prescription_pre_verify(prescription_data)
    print(f"处方预核验: {pre_verify_result.status}")

    # 与规范不同：上传（7103）前要先做医保电子签名（7102，对 7101 返回的编号与追溯码等处方信息签名），
    # 7103 带上签名值与审方药师信息。
    signed_info = {
        "rxTraceCode": pre_verify_result.trace_code,
        "hiRxno": pre_verify_result.prescription_id,
        "certno": ZHANG_SAN_CERT_NO,
        "patnName": "张三",
    }
    original_value = base64.b64encode(json.dumps(signed_info, ensure_ascii=False).encode()).decode()
    signature = sdk.resources.prescription.sign_prescription(
        fixmedinsCode="H43028110001",
        originalValue=original_value,
        originalRxFile=base64.b64encode("处方笺 RX20250714001".encode()).decode(),
    )

    # 【7103】电子处方上传
    upload_data = dict(prescription_data)
    upload_data.update(
        signed_info,
        mdtrtId="MZ20250714001",
        psnCertType="01",
        fixmedinsName="示例人民医院",
        fixmedinsCode="H43028110001",
        drCode="D430302000101",
        prscDrName="李医生",
        pharDeptName="药剂科",
        pharDeptCode="YJK01",
        pharCode="HY430200000001",
        pharName="王药师",
        pharChkTime=datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        rxFile=signature.get("rxFile"),
        signDigest=signature.get("signDigest"),
    )
    upload_result = sdk.prescription_upload(upload_data)
    print(f"处方上传完成: {upload_result.prescription_id}")
    return upload_result.prescription_id


def bureau_prescription():
    """7101 的必填项：张三的一张西药处方（就诊凭证为身份证），今天开方、三天有效。"""
    now = datetime.now()
    prsc_time = now.strftime("%Y-%m-%d %H:%M:%S")
    vali_end = (now + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "mdtrtCertType": CERT_TYPE_ID_CARD,
        "mdtrtCertNo": ZHANG_SAN_CERT_NO,
        "bizTypeCode": "01",
        "rxTypeCode": "1",
        "prscTime": prsc_time,
        "rxDrugCnt": 1,
        "valiDays": 3,
        "valiEndTime": vali_end,
        "rxdrugdetail": [
            {
                "medListCodg": "A01010001",
                "rxItemTypeCode": "11",
                "drugGenname": "阿司匹林片",
                "drugDosform": "片剂",
                "drugSpec": "25mg",
                "medcWayCodg": "1",
                "medcWayDscr": "口服",
                "medcBegntime": prsc_time,
                "medcEndtime": vali_end,
                "medcDays": 3,
                "sinDosunt": "片",
                "sinDoscnt": 1,
                "usedFrquCodg": "tid",
                "usedFrquName": "一日3次",
                "drugDosunt": "片",
                "drugCnt": 30,
                "hospApprFlag": "1",
            }
        ],
        "mdtrtinfo": {
            "fixmedinsName": "示例人民医院",
            "fixmedinsCode": "H43028110001",
            "mdtrtId": "MZ20250714001",
            "medType": "11",
            "iptOtpNo": "MZ20250714001",
            "psnNo": "43000030281000128715",
            "patnName": "张三",
            "psnCertType": "01",
            "certno": ZHANG_SAN_CERT_NO,
            "patnAge": 35,
            "gend": "1",
            "prscDeptName": "普通内科",
            "prscDeptCode": "001",
            "drCode": "D430302000101",
            "prscDrName": "李医生",
            "drProfttlCodg": "233",
            "drProfttlName": "主治医师",
            "drDeptCode": "001",
            "drDeptName": "普通内科",
            "mdtrtTime": prsc_time,
            "spDiseFlag": "0",
            "maindiagCode": "I10.x00",
            "maindiagName": "高血压",
        },
        "diseinfo": [
            {
                "diagType": "1",
                "maindiagFlag": "1",
                "diagSrtNo": 1,
                "diagCode": "I10.x00",
                "diagName": "高血压",
                "diagDept": "普通内科",
                "diagDrNo": "D430302000101",
                "diagDrName": "李医生",
                "diagTime": prsc_time,
            }
        ],
    }


def pharmacy_prescription_examples(sdk, hi_rxno):
    """医药机构电子处方示例"""
    print("--- 医药机构电子处方流程 ---")

    # 【7204】电子处方下载
    # 与规范不同：按医保局分配的医保处方编号下载（规范写的是医院处方号 "RX20250714001"）。
    prescription = sdk.prescription_download(hi_rxno)
    print(f"处方下载: {prescription.prescription_id}")

    # 【7207】药品销售出库明细上传
    sale_data = {
        "prescription_id": hi_rxno,  # 与规范不同：同上，医保处方编号
        "sale_items": [
            {"drug_code": "A01010001", "quantity": 30, "unit_price": 12.50, "batch_no": "20250701"}
        ],
    }

    sale_result = sdk.prescription_sale_upload(sale_data)
    print(f"销售明细上传完成: {sale_result.sale_id}")


def other_service_examples(sdk):
    """其他服务示例 - 13个接口"""
    # 与规范不同：规范调用了 other_service_examples(sdk) 却没有定义它；这里上传一个文件（9101）再下载回来
    # （9102）。签到签退（9001/9002）由网关自己管理，示例不去动它。
    print("=== 其他服务示例 ===")

    # 【9101】文件上传
    content = "医保接口SDK示例文件".encode()
    uploaded = sdk.resources.other.upload_file(
        in_=base64.b64encode(content).decode("ascii"), filename="example.txt", fixmedins_code="H43028110001"
    )
    print(f"文件上传完成: 文件查询号 {uploaded.file_query_no}")

    # 【9102】文件下载
    downloaded = sdk.resources.other.download_file(
        file_qury_no=uploaded.file_query_no, filename=uploaded.filename, fixmedins_code="H43028110001"
    )
    print(f"文件下载完成: {downloaded.content.decode()}")


async def async_examples():
    """异步操作示例"""
    print("=== 异步操作示例 ===")

    sdk = MedicalInsuranceSDK(config_path=config_path())  # 与规范不同：配置路径见 config_path()

    # 异步并发查询多个患者信息
    patients = SANDBOX_CERT_NOS  # 与规范不同：规范为三个虚构的身份证号，见 SANDBOX_CERT_NOS

    tasks = [
        sdk.query_person_info_async(CERT_TYPE_ID_CARD, cert_no, "")  # 与规范不同："01" → 02，见上
        for cert_no in patients
    ]

    results = await asyncio.gather(*tasks, return_exceptions=True)

    for i, result in enumerate(results):
        if isinstance(result, Exception):
            print(f"患者{i + 1}查询失败: {result}")
        else:
            print(f"患者{i + 1}: {result.name}")


def batch_operations_example(sdk):
    """批量操作示例"""
    print("=== 批量操作示例 ===")

    # 与规范不同：规范的就诊 "V001" 并不存在，费用明细写的是字面的 [...]（Python 的 Ellipsis）。这里先真的
    # 挂一个号、上传就诊信息，再把这次就诊的费用上传和结算交给批量操作。
    register_result = sdk.outpatient_register(
        {"person_no": "43000030281000128715", "dept_code": "001", "doctor_code": "DOC001"}
    )
    visit_id = register_result.register_id
    sdk.outpatient_visit_upload(
        {"visit_id": visit_id, "diagnosis_info": [{"diag_code": "I10.x00", "diag_name": "原发性高血压"}]}
    )

    # 批量上传多个接口数据
    batch_operations = [
        {
            "interface_type": "outpatient_expense_upload",
            "data": {
                "visit_id": visit_id,
                "expenses": [
                    {"item_code": "A01010001", "item_name": "阿司匹林片", "quantity": 1, "unit_price": 12.50}
                ],
            },
            "sequence": 1,
        },
        # 与规范不同：规范在费用上传后直接结算；医保局的门诊结算（2207）要重报预结算（2206）算出的
        # 全自费、超限价、先行自付、符合范围四项金额（规范自己的门诊流程也是先 2206 再 2207），
        # 所以插入预结算。
        {"interface_type": "outpatient_pre_settle", "data": {"visit_id": visit_id}, "sequence": 2},
        {"interface_type": "outpatient_settle", "data": {"visit_id": visit_id}, "sequence": 3},
    ]

    batch_result = sdk.batch_upload(batch_operations)
    print(f"批量操作: {batch_result.success_count}/{batch_result.total_count} 成功")


if __name__ == "__main__":
    # 与规范不同：main() 的返回值作为退出码；异步示例照规范在 main() 之后运行。
    exit_code = main()

    # 运行异步示例
    asyncio.run(async_examples())
    sys.exit(exit_code)
