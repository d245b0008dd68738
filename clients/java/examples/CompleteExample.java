// examples/java/CompleteMedicalInsuranceExample.java
// 规范 §11.2.2 的 Java 示例程序。凡与规范原文不同之处都标有「与规范不同：」并写明原因；其余照抄规范。
//
//     java -cp <classes>:gson.jar com.example.medical.insurance.CompleteExample config.json
//
// 配置文件是规范 §9.2.1 的 JSON 格式；对着 `make run` 启动的网关（内嵌医保沙箱）运行，见 clients/java/README.md。
// 与规范不同：文件名与类名是 CompleteExample（规范为 CompleteMedicalInsuranceExample），与 clients/java 的其他示例保持简短。
package com.example.medical.insurance;

// 与规范不同：包名是 cn.medicalinsurance.sdk（规范写 com.medical.insurance.sdk，那个域名不属于本项目）；
// 类型与结果类在 cn.medicalinsurance.sdk.generated（由注册表生成），异常在 cn.medicalinsurance.sdk.exception。
import cn.medicalinsurance.sdk.BatchOperation;
import cn.medicalinsurance.sdk.BatchResult;
import cn.medicalinsurance.sdk.MedicalInsuranceSDK;
import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import cn.medicalinsurance.sdk.generated.*;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors; // 与规范不同：规范用了 Collectors 和 Map 却没有 import，原文编译不过

public class CompleteExample {

    // 与规范不同：规范写死 new MedicalInsuranceSDK("config.properties")；Java SDK 读规范 §9.2.1 的 JSON 配置文件，
    // 路径取命令行第一个参数（其次环境变量 MEDICAL_INSURANCE_SDK_CONFIG，最后 config.json），所以在 main 里创建。
    private static MedicalInsuranceSDK sdk;

    // 与规范不同：规范里的身份证号 430281199001010001 等是虚构的，医保局（沙箱同样）答「该参保人的基本信息为空」。
    // 这里用沙箱种子数据里的真实参保人；规范示例里的人员编号 43000030281000128715 正是其中的张三。
    private static final String ZHANG_SAN_PSN_NO = "43000030281000128715";
    private static final String ZHANG_SAN_CERT_NO = "430302199001010017";
    // 与规范不同：规范用证件类型 "01" 配身份证号，但就诊凭证类型 01 是「医保电子凭证」，身份证是 02。
    private static final String CERT_TYPE_ID_CARD = "02";

    public static void main(String[] args) {
        String configPath = args.length > 0 ? args[0]
                : System.getenv().getOrDefault("MEDICAL_INSURANCE_SDK_CONFIG", "config.json");
        sdk = new MedicalInsuranceSDK(configPath);
        try {
            // 基础信息服务示例
            basicInfoExamples();

            // 医保业务服务示例
            businessServiceExamples();

            // 异步操作示例
            asyncExamples();

            // 批量操作示例
            batchOperationExamples();

        } catch (MedicalInsuranceException e) {
            System.err.println("医保接口调用失败: " + e.getMessage());
            // 与规范不同：失败时以退出码 1 结束（规范只打印），脚本和测试才看得出示例没有跑通。
            System.exit(1);
        }
    }

    private static void basicInfoExamples() throws MedicalInsuranceException {
        System.out.println("=== 基础信息服务示例 ===");

        // 【1101】人员基本信息获取
        // 与规范不同：证件类型 "02"、张三的真实身份证号，见上
        PersonInfo patient = sdk.queryPersonInfo(CERT_TYPE_ID_CARD, ZHANG_SAN_CERT_NO, "张三");
        System.out.println("患者信息: " + patient.getName() + ", 医保余额: " + patient.getInsuranceBalance());

        // 【1301】西药中成药目录下载
        // 与规范不同：规范的 downloadDrugCatalog("1.0") 直接返回 List<DrugInfo>；医保局的 1301 只答一个文件查询号，
        // 目录本身要再用 9102 下载（一个 zip）。Java SDK 没有目录解析（Python SDK 有），这里取文件查询号并用 9102 下载文件。
        FileQueryResult drugCatalog = sdk.downloadDrugCatalog(Map.of("data", Map.of("ver", "1.0")));
        if (drugCatalog.getFileQueryNo() != null) {
            FileResult file = sdk.downloadFile(Map.of("fsDownloadIn", Map.of("file_qury_no", drugCatalog.getFileQueryNo(),
                    "filename", drugCatalog.getFilename() != null ? drugCatalog.getFilename() : "1301.zip", "fixmedins_code", "plc")));
            System.out.println("药品目录: 文件 " + file.getFilename() + "，共" + file.getContent().length + "字节");
        } else {
            System.out.println("药品目录: 没有比 1.0 更新的版本");
        }

        // 【1201】医药机构信息获取
        InstitutionInfo institution = sdk.queryInstitutionInfo("H43028110001");
        System.out.println("机构信息: " + institution.getName());
    }

    private static void businessServiceExamples() throws MedicalInsuranceException {
        System.out.println("=== 医保业务服务示例 ===");

        // 【2001】人员待遇享受检查
        BenefitCheckResult benefitResult = sdk.benefitCheck(
            "43000030281000128715",
            Arrays.asList("drug_limit", "treatment_limit")
        );
        System.out.println("待遇检查结果: " + benefitResult.getStatus());

        // 门诊业务流程
        outpatientExamples();

        // 住院业务流程
        inpatientExamples();
    }

    private static void outpatientExamples() throws MedicalInsuranceException {
        System.out.println("--- 门诊业务流程 ---");

        // 【2201】门诊挂号
        // 与规范不同：请求类的字段用医保局的字段名（psnNo、deptCode、atddrNo …，由注册表生成），规范的友好名
        // personNo/doctorCode 在 Java SDK 里没有；医保局的 2201 还必须有险种、开始时间、就诊凭证、门诊号、医师姓名、
        // 科室名称和科别，规范的三个字段不够。
        OutpatientRegisterRequest registerRequest = OutpatientRegisterRequest.builder()
            .psnNo(ZHANG_SAN_PSN_NO)
            .deptCode("001")
            .atddrNo("DOC001")
            .insutype("310")
            .begntime(java.time.LocalDateTime.now())
            .mdtrtCertType(CERT_TYPE_ID_CARD)
            .mdtrtCertNo(ZHANG_SAN_CERT_NO)
            .iptOtpNo("MZ" + System.currentTimeMillis())
            .drName("李医生")
            .deptName("普通内科")
            .caty("A03")
            .build();

        // 与规范不同：结果类型是 RegisterResult（规范写 OutpatientRegisterResult）；结果类按注册表的结果类型命名
        RegisterResult registerResult = sdk.outpatientRegister(registerRequest);
        System.out.println("挂号成功: " + registerResult.getRegisterId());

        // 与规范不同：规范挂号后直接结算，而医保局结算的是已上传的费用：先上传诊断（2203）和费用明细（2204）。
        String visitId = registerResult.getRegisterId();
        sdk.outpatientVisitUpload(OutpatientVisitUploadRequest.builder()
            .mdtrtinfo(OutpatientVisitUploadRequest.Mdtrtinfo.builder().mdtrtId(visitId).psnNo(ZHANG_SAN_PSN_NO)
                .medType("11").begntime(java.time.LocalDateTime.now()))
            .addDiseinfo(OutpatientVisitUploadRequest.Diseinfo.builder().diagType("1").diagSrtNo(1).diagCode("J06.900")
                .diagName("急性上呼吸道感染").diagDept("普通内科").diseDorNo("DOC001").diseDorName("李医生")
                .diagTime(java.time.LocalDateTime.now()).valiFlag("1"))
            .build());
        BigDecimal quantity = new BigDecimal("2");
        BigDecimal price = new BigDecimal("12.50");
        BigDecimal total = quantity.multiply(price); // 金额全程 BigDecimal：25.00，不经过 double
        sdk.outpatientExpenseUpload(OutpatientExpenseUploadRequest.builder()
            .addFeedetail(OutpatientExpenseUploadRequest.Feedetail.builder().feedetlSn("F1").mdtrtId(visitId)
                .psnNo(ZHANG_SAN_PSN_NO).chrgBchno("B001").rxCircFlag("0").feeOcurTime(java.time.LocalDateTime.now())
                .medListCodg("XJ01CAA040A001010100001").medinsListCodg("YP-AMOXICILLIN").detItemFeeSumamt(total)
                .cnt(quantity).pric(price).bilgDeptCodg("001").bilgDeptName("普通内科").bilgDrCodg("DOC001")
                .bilgDrName("李医生").hospApprFlag("1")));

        // 与规范不同：医保局的 2207 要带各项费用分类金额（全自费、超限价、先行自付、符合范围），它们来自预结算 2206 的
        // 应答，所以先预结算。
        SettlementResult preSettle = sdk.outpatientPreSettle(OutpatientPreSettleRequest.builder()
            .mdtrtId(visitId).psnNo(ZHANG_SAN_PSN_NO).mdtrtCertType(CERT_TYPE_ID_CARD).mdtrtCertNo(ZHANG_SAN_CERT_NO)
            .medType("11").medfeeSumamt(total).psnSetlway("01").chrgBchno("B001").insutype("310").acctUsedFlag("1"));

        // 【2207】门诊结算
        // 与规范不同：规范只传挂号ID；医保局的 2207 还要人员、就诊凭证、医疗类别、医疗费总额、结算方式、收费批次号、
        // 险种、个人账户使用标志和费用分类金额。结果类型是 SettlementResult（规范写 OutpatientSettleResult）。
        SettlementResult settleResult = sdk.outpatientSettle(OutpatientSettleRequest.builder()
            .mdtrtId(visitId).psnNo(ZHANG_SAN_PSN_NO).mdtrtCertType(CERT_TYPE_ID_CARD).mdtrtCertNo(ZHANG_SAN_CERT_NO)
            .medType("11").medfeeSumamt(total).psnSetlway("01").chrgBchno("B001").insutype("310").acctUsedFlag("1")
            .fulamtOwnpayAmt(preSettle.getDecimal("fulamt_ownpay_amt")).overlmtSelfpay(preSettle.getDecimal("overlmt_selfpay"))
            .preselfpayAmt(preSettle.getDecimal("preselfpay_amt")).inscpScpAmt(preSettle.getDecimal("inscp_scp_amt")));
        System.out.println("门诊结算完成: " + settleResult.getSettlementId()
            + "（医疗费 " + settleResult.getTotalAmount() + " = 统筹 " + settleResult.getInsuranceAmount()
            + " + 个人账户 " + settleResult.getAccountAmount() + " + 现金 " + settleResult.getCashAmount() + "）");
    }

    private static void inpatientExamples() throws MedicalInsuranceException {
        System.out.println("--- 住院业务流程 ---");

        // 【2401】入院办理
        // 与规范不同：医保局字段名（adm_dept_codg 科室、adm_bed 床位 …），另加就诊凭证、住院号、医师、入院诊断与
        // 主诊断：谁也替不了医生下诊断；规范的病区 wardCode 在医保局的入院表里没有对应字段，去掉。
        String now = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        InpatientAdmissionRequest admissionRequest = InpatientAdmissionRequest.builder()
            .mdtrtinfo(InpatientAdmissionRequest.Mdtrtinfo.builder()
                .psnNo("43000030281000128715")
                .admDeptCodg("001")
                .admBed("001-01")
                .admDeptName("普通外科").insutype("310").begntime(now).mdtrtCertType(CERT_TYPE_ID_CARD)
                .mdtrtCertNo(ZHANG_SAN_CERT_NO).medType("21").iptNo("ZY" + System.currentTimeMillis())
                .atddrNo("DOC001").chfpdrName("张医生").admDiagDscr("转移性右下腹痛")
                .dscgMaindiagCode("K35.800").dscgMaindiagName("急性阑尾炎"))
            .addDiseinfo(diagnosis(now))
            .build();

        // 与规范不同：结果类型是 AdmissionResult（规范写 InpatientAdmissionResult）
        AdmissionResult admissionResult = sdk.inpatientAdmission(admissionRequest);
        System.out.println("入院办理完成: " + admissionResult.getAdmissionId());

        // 与规范不同：规范入院后直接结算；医保局结算的是上传的住院费用（2301），且要先办出院（2402）。
        String visitId = admissionResult.getAdmissionId();
        BigDecimal fee = new BigDecimal("5").multiply(new BigDecimal("40.00"));
        sdk.inpatientExpenseUpload(InpatientExpenseUploadRequest.builder()
            .addFeedetail(InpatientExpenseUploadRequest.Feedetail.builder().feedetlSn("I1").mdtrtId(visitId)
                .psnNo(ZHANG_SAN_PSN_NO).feeOcurTime(now).medListCodg("001101000010100-110100001").medinsListCodg("CW-001")
                .detItemFeeSumamt(fee).cnt("5").pric("40.00").bilgDeptCodg("001").bilgDeptName("普通外科")
                .bilgDrCodg("DOC001").bilgDrName("张医生").medType("21").hospApprFlag("1")));
        sdk.inpatientDischarge(InpatientDischargeRequest.builder()
            .dscginfo(InpatientDischargeRequest.Dscginfo.builder().mdtrtId(visitId).psnNo(ZHANG_SAN_PSN_NO).insutype("310")
                .endtime(now).dscgDeptCodg("001").dscgDeptName("普通外科").dscgWay("1"))
            .addDiseinfo(InpatientDischargeRequest.Diseinfo.builder().psnNo(ZHANG_SAN_PSN_NO).diagType("1").maindiagFlag("1")
                .diagSrtNo(1).diagCode("K35.800").diagName("急性阑尾炎").diagDept("普通外科").diseDorNo("DOC001")
                .diseDorName("张医生").diagTime(now))
            .build());

        // 【2304】住院结算
        // 与规范不同：规范只传入院ID；医保局的 2304 还要就诊凭证、医疗费总额、结算方式、险种、账户标志和中途结算标志。
        // 结果类型是 SettlementResult（规范写 InpatientSettleResult）。
        SettlementResult settleResult = sdk.inpatientSettle(InpatientSettleRequest.builder()
            .mdtrtId(visitId).psnNo(ZHANG_SAN_PSN_NO).mdtrtCertType(CERT_TYPE_ID_CARD).mdtrtCertNo(ZHANG_SAN_CERT_NO)
            .medfeeSumamt(fee).psnSetlway("01").insutype("310").acctUsedFlag("1").midSetlFlag("0"));
        System.out.println("住院结算完成: " + settleResult.getSettlementId());
    }

    private static InpatientAdmissionRequest.Diseinfo diagnosis(String time) {
        return InpatientAdmissionRequest.Diseinfo.builder().psnNo(ZHANG_SAN_PSN_NO).diagType("1").maindiagFlag("1")
            .diagSrtNo(1).diagCode("K35.800").diagName("急性阑尾炎").diagDept("普通外科").diseDorNo("DOC001")
            .diseDorName("张医生").diagTime(time);
    }

    private static void asyncExamples() {
        System.out.println("=== 异步操作示例 ===");

        // 与规范不同：三位患者换成沙箱里的张三、李娜、王建国（规范的号码是虚构的）。
        List<String> patients = Arrays.asList(
            "430302199001010017",
            "430304198805170049",
            "430302197509230054"
        );

        List<CompletableFuture<PersonInfo>> futures = patients.stream()
            .map(certNo -> sdk.queryPersonInfoAsync(CERT_TYPE_ID_CARD, certNo, "")) // 与规范不同：证件类型 "02"
            .collect(Collectors.toList());

        CompletableFuture<Void> allFutures = CompletableFuture.allOf(
            futures.toArray(new CompletableFuture<?>[0]) // 与规范不同：<?>，原文的裸类型会有编译警告
        );

        try {
            allFutures.get();

            for (int i = 0; i < futures.size(); i++) {
                PersonInfo patient = futures.get(i).get();
                System.out.println("患者" + (i + 1) + ": " + patient.getName());
            }
        } catch (InterruptedException | ExecutionException e) {
            System.err.println("异步操作失败: " + e.getMessage());
            System.exit(1); // 与规范不同：失败时以退出码 1 结束，见 main
        }
    }

    private static void batchOperationExamples() throws MedicalInsuranceException {
        System.out.println("=== 批量操作示例 ===");

        // 与规范不同：规范的批量操作是对虚构就诊 V001 的费用上传和结算，data 只有 visit_id；网关批量执行的是医保局报文，
        // 结算要完整的费用和就诊数据（见上面的门诊流程）。这里换成两笔人员信息查询（1101），批量机制一样。
        List<BatchOperation> operations = Arrays.asList(
            BatchOperation.builder()
                .interfaceType("person_info")
                .data(Map.of("data", Map.of("mdtrt_cert_type", "02", "mdtrt_cert_no", "430302199001010017", "psn_cert_type", "01")))
                .sequence(1)
                .build(),
            BatchOperation.builder()
                .interfaceType("person_info")
                .data(Map.of("data", Map.of("mdtrt_cert_type", "02", "mdtrt_cert_no", "430304198805170049", "psn_cert_type", "01")))
                .sequence(2)
                .build()
        );

        BatchResult batchResult = sdk.batchUpload(operations);
        System.out.println("批量操作: " + batchResult.getSuccessCount() + "/" +
                          batchResult.getTotalCount() + " 成功");
    }
}
