# examples/python/outpatient_integration_example.py
"""
侵入式集成：门诊业务完整流程与错误处理

规范 §11.3.1「侵入式集成完整指南」里的两段 Python 代码：第 3.1 节 outpatient_process(patient_info,
treatment_info) 和第 4 节的错误处理，加上一组示例数据，可以直接运行。凡与规范原文不同之处都标有
「# 与规范不同：」并写明原因；其余照抄规范。

    python outpatient_integration_example.py [config.json]

配置文件（规范 §9.2.1 格式）依次取：命令行第一个参数、环境变量 MEDICAL_INSURANCE_SDK_CONFIG、当前目录的
config.json。对着 `make run` 启动的网关（内嵌医保沙箱）运行，见同目录 README.md。
"""

# 与规范不同：规范第 4 节用到 time 和 logger 却没有导入/定义它们。
import logging
import os
import sys
import time

# Python示例
from medical_insurance_sdk import MedicalInsuranceSDK
from medical_insurance_sdk.exceptions import MedicalInsuranceException

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
logger = logging.getLogger("his.outpatient")


def config_path():
    # 与规范不同：规范写死 config_path="config.json"；这里先看命令行参数，再看环境变量，最后才是 config.json。
    if len(sys.argv) > 1:
        return sys.argv[1]
    return os.environ.get("MEDICAL_INSURANCE_SDK_CONFIG", "config.json")


sdk = MedicalInsuranceSDK(config_path=config_path())


def outpatient_process(patient_info, treatment_info):
    """门诊业务完整流程"""

    # 1. 患者身份验证
    patient = sdk.query_person_info(
        cert_type=patient_info["cert_type"], cert_no=patient_info["cert_no"], name=patient_info["name"]
    )

    # 2. 待遇检查
    benefit_result = sdk.benefit_check(  # noqa: F841 - 规范原文如此（检查不通过时医保局直接报错）
        person_no=patient.person_no, check_items=["drug_limit", "treatment_limit"]
    )

    # 3. 门诊挂号
    register_result = sdk.outpatient_register(
        {
            "person_no": patient.person_no,
            "dept_code": treatment_info["dept_code"],
            "doctor_code": treatment_info["doctor_code"],
        }
    )

    # 4. 就诊信息上传
    sdk.outpatient_visit_upload(
        {"visit_id": register_result.register_id, "diagnosis_info": treatment_info["diagnosis"]}
    )

    # 5. 费用明细上传
    sdk.outpatient_expense_upload(
        {"visit_id": register_result.register_id, "expense_items": treatment_info["expenses"]}
    )

    # 6. 预结算
    pre_settle_result = sdk.outpatient_pre_settle(register_result.register_id)

    # 7. 正式结算
    if confirm_settlement(pre_settle_result):
        settle_result = sdk.outpatient_settle(register_result.register_id)
        return settle_result

    return None


def confirm_settlement(pre_settle_result):
    # 与规范不同：规范调用 confirm_settlement 却没有定义它。真实的 HIS 在这里把预结算金额给患者/收费员确认；
    # 示例只打印出来并确认。
    print(
        f"门诊预结算: 医疗费总额 {pre_settle_result.total_amount}, "
        f"医保支付 {pre_settle_result.insurance_amount}, 个人负担 {pre_settle_result.personal_amount}"
    )
    return True


# 与规范不同：规范第 4 节是一段顶层代码，写死了一个虚构的身份证号；这里把它原样放进一个函数，
# 身份证号作为参数，下面分别用沙箱里的真实参保人和规范的虚构号码各调一次，演示成功与「不可重试」两条路。
def query_person_with_error_handling(cert_no):
    try:
        result = sdk.query_person_info("02", cert_no)  # 与规范不同：规范为 "01"，身份证是就诊凭证类型 02
    except MedicalInsuranceException as e:
        if e.retry:
            # 可重试错误，等待后重试
            time.sleep(e.retry_after or 5)
            result = sdk.query_person_info("02", cert_no)
        else:
            # 不可重试错误，记录日志并返回错误
            logger.error(f"医保接口调用失败: {e.message}")
            raise
    return result


def main():
    # 与规范不同：规范没有给出 patient_info / treatment_info 的例子。这里用沙箱种子数据里的参保人张三
    # （sandbox.seed.PERSONS）和演示医院的科室、医师、西药目录里的阿莫西林胶囊（甲类；金额在门诊起付线以内，
    # 所以医保支付为 0，全部计入起付线）。
    patient_info = {"cert_type": "02", "cert_no": "430302199001010017", "name": "张三"}
    treatment_info = {
        "dept_code": "NK01",  # 普通内科
        "doctor_code": "D430302000101",  # 李医生
        "diagnosis": [{"diag_code": "J06.900", "diag_name": "急性上呼吸道感染", "main_diag_flag": "1"}],
        "expenses": [
            {
                "item_code": "XJ01CAA040A001010100001",
                "item_name": "阿莫西林胶囊",
                "quantity": 2,
                "unit_price": 12.50,
            }
        ],
    }

    print("=== 门诊业务完整流程 ===")
    settle_result = outpatient_process(patient_info, treatment_info)
    if settle_result is None:
        print("患者未确认，未结算")
        return 1
    print(f"门诊结算完成: 结算ID {settle_result.settlement_id}, 医保支付 {settle_result.insurance_amount}")

    print("=== 错误处理 ===")
    patient = query_person_with_error_handling("430302199001010017")
    print(f"患者信息: {patient.name}")
    try:
        query_person_with_error_handling("430281199001010001")  # 规范里的虚构号码：医保局查无此人
    except MedicalInsuranceException as e:
        print(f"不可重试错误已记录并抛出: {e.code} {e.message}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        sdk.close()
