<?php

// 规范 §11.2.2 完整示例（Java）的 PHP 改写：规范没有 PHP 示例，这里按 §11.2.2 的步骤逐段改写。
// 凡与规范不同之处都标有「与规范不同：」并写明原因；其余照规范的步骤。
//
//     php examples/complete_example.php config.json
//
// 配置文件是规范 §9.2.1 的 JSON 格式；对着 `make run` 启动的网关（内嵌医保沙箱）运行，见 clients/php/README.md。

declare(strict_types=1);

// 与规范不同：Composer 项目里用 vendor/autoload.php；本仓库离线运行，退回到测试用的 PSR-4 自动加载。
$autoload = __DIR__ . '/../vendor/autoload.php';
require is_file($autoload) ? $autoload : __DIR__ . '/../tests/bootstrap.php';

use MedicalInsurance\Sdk\Decimal;
use MedicalInsurance\Sdk\Exception\MedicalInsuranceException;
use MedicalInsurance\Sdk\MedicalInsuranceSDK;

// 与规范不同：规范里的身份证号 430281199001010001 等是虚构的，医保局（沙箱同样）答「该参保人的基本信息为空」。
// 这里用沙箱种子数据里的真实参保人；规范示例里的人员编号 43000030281000128715 正是其中的张三。
const ZHANG_SAN_PSN_NO = '43000030281000128715';
const ZHANG_SAN_CERT_NO = '430302199001010017';
// 与规范不同：规范用证件类型 "01" 配身份证号，但就诊凭证类型 01 是「医保电子凭证」，身份证是 02。
const CERT_TYPE_ID_CARD = '02';

function basicInfoExamples(MedicalInsuranceSDK $sdk): void
{
    echo "=== 基础信息服务示例 ===\n";

    // 【1101】人员基本信息获取
    $patient = $sdk->queryPersonInfo(CERT_TYPE_ID_CARD, ZHANG_SAN_CERT_NO, '张三');
    echo '患者信息: ', $patient->getName(), ', 医保余额: ', $patient->getInsuranceBalance(), "\n";

    // 与规范不同：规范的 downloadDrugCatalog("1.0") 直接返回药品列表；医保局的 1301 只答一个文件查询号，目录本身
    // 要再用 9102 下载（一个 zip），PHP SDK 没有目录解析（Python SDK 有），这里只取文件查询号。
    $catalog = $sdk->downloadDrugCatalog(['data' => ['ver' => '1.0']]);
    echo '药品目录: 文件查询号 ', $catalog->getFileQueryNo() ?? '（没有比 1.0 更新的版本）', "\n";

    // 【1201】医药机构信息获取
    $institution = $sdk->queryInstitutionInfo('H43028110001');
    echo '机构信息: ', $institution->getName(), "\n";
}

function outpatientExamples(MedicalInsuranceSDK $sdk): void
{
    echo "--- 门诊业务流程 ---\n";
    $now = date('Y-m-d H:i:s');

    // 【2201】门诊挂号
    // 与规范不同：输入是医保局的字段名（psn_no、dept_code、atddr_no …，字段表由注册表生成）；医保局的 2201 还必须有
    // 险种、开始时间、就诊凭证、门诊号、医师姓名、科室名称和科别，规范的三个字段不够。
    $registerResult = $sdk->outpatientRegister(['data' => [
        'psn_no' => ZHANG_SAN_PSN_NO, 'dept_code' => '001', 'atddr_no' => 'DOC001', 'insutype' => '310',
        'begntime' => $now, 'mdtrt_cert_type' => CERT_TYPE_ID_CARD, 'mdtrt_cert_no' => ZHANG_SAN_CERT_NO,
        'ipt_otp_no' => 'MZ' . time(), 'dr_name' => '李医生', 'dept_name' => '普通内科', 'caty' => 'A03',
    ]]);
    echo '挂号成功: ', $registerResult->getRegisterId(), "\n";

    // 与规范不同：规范挂号后直接结算，而医保局结算的是已上传的费用：先上传诊断（2203）和费用明细（2204）。
    $visitId = (string) $registerResult->getRegisterId();
    $sdk->outpatientVisitUpload([
        'mdtrtinfo' => ['mdtrt_id' => $visitId, 'psn_no' => ZHANG_SAN_PSN_NO, 'med_type' => '11', 'begntime' => $now],
        'diseinfo' => [['diag_type' => '1', 'diag_srt_no' => 1, 'diag_code' => 'J06.900', 'diag_name' => '急性上呼吸道感染',
            'diag_dept' => '普通内科', 'dise_dor_no' => 'DOC001', 'dise_dor_name' => '李医生', 'diag_time' => $now,
            'vali_flag' => '1']],
    ]);
    $total = Decimal::of('12.50')->add('12.50'); // 金额全程是精确十进制：25.00，不经过 float
    $sdk->outpatientExpenseUpload(['feedetail' => [[
        'feedetl_sn' => 'F1', 'mdtrt_id' => $visitId, 'psn_no' => ZHANG_SAN_PSN_NO, 'chrg_bchno' => 'B001',
        'rx_circ_flag' => '0', 'fee_ocur_time' => $now, 'med_list_codg' => 'XJ01CAA040A001010100001',
        'medins_list_codg' => 'YP-AMOXICILLIN', 'det_item_fee_sumamt' => $total, 'cnt' => 2, 'pric' => Decimal::of('12.50'),
        'bilg_dept_codg' => '001', 'bilg_dept_name' => '普通内科', 'bilg_dr_codg' => 'DOC001', 'bilg_dr_name' => '李医生',
        'hosp_appr_flag' => '1',
    ]]]);

    // 与规范不同：医保局的 2207 要带各项费用分类金额，它们来自预结算 2206 的应答，所以先预结算。
    $settle = ['mdtrt_id' => $visitId, 'psn_no' => ZHANG_SAN_PSN_NO, 'mdtrt_cert_type' => CERT_TYPE_ID_CARD,
        'mdtrt_cert_no' => ZHANG_SAN_CERT_NO, 'med_type' => '11', 'medfee_sumamt' => $total, 'psn_setlway' => '01',
        'chrg_bchno' => 'B001', 'insutype' => '310', 'acct_used_flag' => '1'];
    $pre = $sdk->outpatientPreSettle($settle);

    // 【2207】门诊结算
    // 与规范不同：规范只传挂号ID；医保局的 2207 还要人员、就诊凭证、医疗类别、医疗费总额等（见上）。
    foreach (['fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_scp_amt'] as $field) {
        $settle[$field] = $pre->getDecimal($field);
    }
    $settleResult = $sdk->outpatientSettle($settle);
    echo '门诊结算完成: ', $settleResult->getSettlementId(), '（医疗费 ', $settleResult->getTotalAmount(), ' = 统筹 ',
        $settleResult->getInsuranceAmount(), ' + 个人账户 ', $settleResult->getAccountAmount(), ' + 现金 ',
        $settleResult->getCashAmount(), "）\n";
}

function inpatientExamples(MedicalInsuranceSDK $sdk): void
{
    echo "--- 住院业务流程 ---\n";
    $now = date('Y-m-d H:i:s');
    $diagnosis = ['psn_no' => ZHANG_SAN_PSN_NO, 'diag_type' => '1', 'maindiag_flag' => '1', 'diag_srt_no' => 1,
        'diag_code' => 'K35.800', 'diag_name' => '急性阑尾炎', 'diag_dept' => '普通外科', 'dise_dor_no' => 'DOC001',
        'dise_dor_name' => '张医生', 'diag_time' => $now];

    // 【2401】入院办理
    // 与规范不同：医保局字段名（adm_dept_codg 科室、adm_bed 床位 …），另加就诊凭证、住院号、医师、入院诊断与主诊断；
    // 规范的病区 wardCode 在医保局的入院表里没有对应字段，去掉。
    $admission = $sdk->inpatientAdmission([
        'mdtrtinfo' => ['psn_no' => ZHANG_SAN_PSN_NO, 'adm_dept_codg' => '001', 'adm_bed' => '001-01',
            'adm_dept_name' => '普通外科', 'insutype' => '310', 'begntime' => $now, 'mdtrt_cert_type' => CERT_TYPE_ID_CARD,
            'mdtrt_cert_no' => ZHANG_SAN_CERT_NO, 'med_type' => '21', 'ipt_no' => 'ZY' . time(), 'atddr_no' => 'DOC001',
            'chfpdr_name' => '张医生', 'adm_diag_dscr' => '转移性右下腹痛', 'dscg_maindiag_code' => 'K35.800',
            'dscg_maindiag_name' => '急性阑尾炎'],
        'diseinfo' => [$diagnosis],
    ]);
    echo '入院办理完成: ', $admission->getAdmissionId(), "\n";

    // 与规范不同：规范入院后直接结算；医保局结算的是上传的住院费用（2301），且要先办出院（2402）。
    $visitId = (string) $admission->getAdmissionId();
    $fee = Decimal::of('200.00');
    $sdk->inpatientExpenseUpload(['feedetail' => [[
        'feedetl_sn' => 'I1', 'mdtrt_id' => $visitId, 'psn_no' => ZHANG_SAN_PSN_NO, 'fee_ocur_time' => $now,
        'med_list_codg' => '001101000010100-110100001', 'medins_list_codg' => 'CW-001', 'det_item_fee_sumamt' => $fee,
        'cnt' => 5, 'pric' => Decimal::of('40.00'), 'bilg_dept_codg' => '001', 'bilg_dept_name' => '普通外科',
        'bilg_dr_codg' => 'DOC001', 'bilg_dr_name' => '张医生', 'med_type' => '21', 'hosp_appr_flag' => '1',
    ]]]);
    $sdk->inpatientDischarge([
        'dscginfo' => ['mdtrt_id' => $visitId, 'psn_no' => ZHANG_SAN_PSN_NO, 'insutype' => '310', 'endtime' => $now,
            'dscg_dept_codg' => '001', 'dscg_dept_name' => '普通外科', 'dscg_way' => '1'],
        'diseinfo' => [$diagnosis],
    ]);

    // 【2304】住院结算
    // 与规范不同：规范只传入院ID；医保局的 2304 还要就诊凭证、医疗费总额、结算方式、险种、账户标志和中途结算标志。
    $settleResult = $sdk->inpatientSettle(['mdtrt_id' => $visitId, 'psn_no' => ZHANG_SAN_PSN_NO,
        'mdtrt_cert_type' => CERT_TYPE_ID_CARD, 'mdtrt_cert_no' => ZHANG_SAN_CERT_NO, 'medfee_sumamt' => $fee,
        'psn_setlway' => '01', 'insutype' => '310', 'acct_used_flag' => '1', 'mid_setl_flag' => '0']);
    echo '住院结算完成: ', $settleResult->getSettlementId(), "\n";
}

function manyPatientsExample(MedicalInsuranceSDK $sdk): void
{
    echo "=== 异步操作示例 ===\n";
    // 与规范不同：PHP 没有 CompletableFuture；三位患者依次查询（规范的号码是虚构的，换成沙箱里的张三、李娜、王建国）。
    // 需要在后台跑的工作交给网关的异步任务（$sdk->gateway()->createTask），见 README。
    foreach (['430302199001010017', '430304198805170049', '430302197509230054'] as $i => $certNo) {
        echo '患者', $i + 1, ': ', $sdk->queryPersonInfo(CERT_TYPE_ID_CARD, $certNo)->getName(), "\n";
    }
}

function batchOperationExamples(MedicalInsuranceSDK $sdk): void
{
    echo "=== 批量操作示例 ===\n";
    // 与规范不同：规范的批量操作是对虚构就诊 V001 的费用上传和结算，data 只有 visit_id；网关批量执行的是医保局报文，
    // 结算要完整的费用和就诊数据（见上面的门诊流程）。这里换成两笔人员信息查询（1101），批量机制一样。
    $operations = [];
    foreach (['430302199001010017', '430304198805170049'] as $i => $certNo) {
        $operations[] = ['interface_type' => 'person_info', 'sequence' => $i + 1,
            'data' => ['data' => ['mdtrt_cert_type' => '02', 'mdtrt_cert_no' => $certNo, 'psn_cert_type' => '01']]];
    }
    $batchResult = $sdk->batchUpload($operations);
    echo '批量操作: ', $batchResult->getSuccessCount(), '/', $batchResult->getTotalCount(), " 成功\n";
}

// 与规范不同：配置文件路径取命令行第一个参数（其次环境变量 MEDICAL_INSURANCE_SDK_CONFIG，最后 config.json）。
$sdk = new MedicalInsuranceSDK($argv[1] ?? (getenv('MEDICAL_INSURANCE_SDK_CONFIG') ?: 'config.json'));
try {
    basicInfoExamples($sdk);
    echo "=== 医保业务服务示例 ===\n";
    // 【2001】人员待遇享受检查
    $benefitResult = $sdk->benefitCheck(ZHANG_SAN_PSN_NO, ['drug_limit', 'treatment_limit']);
    echo '待遇检查结果: ', $benefitResult->getStatus(), "\n";
    outpatientExamples($sdk);
    inpatientExamples($sdk);
    manyPatientsExample($sdk);
    batchOperationExamples($sdk);
} catch (MedicalInsuranceException $e) {
    fwrite(STDERR, '医保接口调用失败: ' . $e->getMessage() . "\n");
    exit(1); // 与规范不同：失败时以退出码 1 结束（规范只打印），脚本和测试才看得出示例没有跑通。
}
