// examples/typescript/CompleteMedicalInsuranceExample.ts
/**
 * 医保接口SDK完整使用示例（TypeScript）
 *
 * 规范 §11.2.3 C# 完整示例（与 §11.2.2 Java 示例同一流程）的 TypeScript 版本。凡与规范原文不同之处都标有
 * 「// 与规范不同：」并写明原因；其余按规范的结构与输出照写（C# 的 await/Task 即 TypeScript 的 await/Promise）。
 *
 *     node build/examples/complete-medical-insurance-example.js [config.json]
 *
 * 配置文件（规范 §9.2.1 格式）依次取：命令行第一个参数、环境变量 MEDICAL_INSURANCE_SDK_CONFIG、当前目录的
 * config.json；环境变量（§9.2.2）优先于文件。对着 `make run` 启动的网关（内嵌医保沙箱）运行。
 */

// 与规范不同：规范是 C# 的 using MedicalInsurance.SDK 等三个命名空间；TypeScript 从一个包导入。
import { Decimal, MedicalInsuranceException, MedicalInsuranceSDK, type SettlementResult } from "medical-insurance-sdk";

// 与规范不同：规范的身份证号 430281199001010001 等是虚构的，医保局（沙箱同样）答「该参保人的基本信息为空」。
// 这里用沙箱种子数据里的真实参保人；规范示例里的人员编号 43000030281000128715 正是其中的张三。
const ZHANG_SAN_CERT_NO = "430302199001010017";
const PERSON_NO = "43000030281000128715";
// 与规范不同：异步示例的三位患者换成沙箱里的张三、李娜、王建国。
const SANDBOX_CERT_NOS = ["430302199001010017", "430304198805170049", "430302197509230054"];
// 与规范不同：规范用 "01" 配身份证号，但就诊凭证类型 01 是「医保电子凭证」，身份证是 02（字典 mdtrt_cert_type；
// SDK 把 02 对应为人员证件类型 01 居民身份证）。
const CERT_TYPE_ID_CARD = "02";
// 与规范不同：挂号、入院、费用等报文要医保局字段表里的必填项（险种、开始时间、医师、科室、门诊号…），
// 规范的请求对象只有人员编号、科室和医师代码。这里按字段表补齐，取值是沙箱能受理的演示数据。
const DOCTOR = { atddr_no: "D430302000101", dr_name: "李医生", dept_code: "NK01", dept_name: "普通内科" };
const SERVICE_TIME = "2025-07-14 09:30:00";

function configPath(): string {
  // 与规范不同：规范写死 "config.json"；这里先看命令行参数，再看环境变量，测试（或运维）可指向任意网关。
  return process.argv[2] ?? process.env["MEDICAL_INSURANCE_SDK_CONFIG"] ?? "config.json";
}

const sdk = new MedicalInsuranceSDK(configPath());

function serial(prefix: string): string {
  return `${prefix}${Date.now().toString().slice(-9)}${Math.floor(Math.random() * 1000).toString().padStart(3, "0")}`;
}

async function main(): Promise<number> {
  try {
    // 基础信息服务示例
    await basicInfoExamples();

    // 医保业务服务示例
    await businessServiceExamples();

    // 异步操作示例
    await asyncExamples();

    // 批量操作示例
    await batchOperationExamples();
  } catch (ex) {
    if (!(ex instanceof MedicalInsuranceException)) throw ex;
    console.log(`医保接口调用失败: ${ex.message}`);
    // 与规范不同：失败时以退出码 1 结束（规范只打印），脚本和测试才看得出示例没有跑通。
    return 1;
  }
  return 0;
}

async function basicInfoExamples(): Promise<void> {
  console.log("=== 基础信息服务示例 ===");

  // 【1101】人员基本信息获取
  // 与规范不同：凭证类型 "01" → "02"，身份证号换成张三的，见文件开头。
  const patient = await sdk.queryPersonInfo(CERT_TYPE_ID_CARD, ZHANG_SAN_CERT_NO, "张三");
  console.log(`患者信息: ${patient.name}, 医保余额: ${patient.insuranceBalance}`);

  // 【1301】西药中成药目录下载
  // 与规范不同：1301 答的是目录文件的查询号，文件本身要再用 9102 下载（平台文件的机构编号为 plc）；这个客户端
  // 不带解压依赖，不把 zip 读成行，所以打印文件的字节数，而不是 drugCatalog.Count。
  const drugCatalog = await sdk.downloadDrugCatalog({ ver: "1.0" });
  const catalogFile = await sdk.downloadFile({
    file_qury_no: drugCatalog.fileQueryNo ?? "",
    filename: drugCatalog.filename ?? "1301.zip",
    fixmedins_code: "plc",
  });
  console.log(`药品目录: 文件 ${catalogFile.filename ?? drugCatalog.filename}，共${catalogFile.content?.length ?? 0}字节`);

  // 【1201】医药机构信息获取
  const institution = await sdk.queryInstitutionInfo("H43028110001");
  console.log(`机构信息: ${institution.name}`);
}

async function businessServiceExamples(): Promise<void> {
  console.log("=== 医保业务服务示例 ===");

  // 【2001】人员待遇享受检查
  // 与规范不同：医保局的 2001 还必填险种和医疗类别（fixmedins_code 与开始时间由 SDK 补齐），作为第三个参数给出。
  const benefitResult = await sdk.benefitCheck(PERSON_NO, ["drug_limit", "treatment_limit"], { insutype: "310", med_type: "11" });
  // 与规范不同：待遇检查没有汇总的 Status 字段；医保局逐项答 trtinfo（待遇享受标志），这里打印条数。
  console.log(`待遇检查结果: ${benefitResult.rows("trtinfo").length} 项待遇信息`);

  // 门诊业务流程
  await outpatientExamples();

  // 住院业务流程
  await inpatientExamples();
}

async function outpatientExamples(): Promise<void> {
  console.log("--- 门诊业务流程 ---");

  // 【2201】门诊挂号
  // 与规范不同：请求按医保局字段表（见文件开头）；规范的 PersonNo/DeptCode/DoctorCode 即 psn_no/dept_code/atddr_no。
  const registerResult = await sdk.outpatientRegister({
    psn_no: PERSON_NO,
    insutype: "310",
    begntime: SERVICE_TIME,
    mdtrt_cert_type: CERT_TYPE_ID_CARD,
    mdtrt_cert_no: ZHANG_SAN_CERT_NO,
    ipt_otp_no: serial("MZ"),
    caty: "A03",
    ...DOCTOR,
  });
  console.log(`挂号成功: ${registerResult.registerId}`);

  // 【2207】门诊结算
  // 与规范不同：规范挂号后直接用挂号号结算；医保局的门诊结算要先有就诊信息（2203）、费用明细（2204）和
  // 预结算（2206）算出的四项金额，这个客户端不替调用方记住一次就诊的经过，所以先走这三步，再带上金额结算。
  const settleResult = await settleVisit(registerResult.registerId ?? "");
  console.log(`门诊结算完成: ${settleResult.settlementId}`);
}

/** 2203 → 2204 → 2206 → 2207 of one visit: one drug line, amounts exact (Decimal). */
async function settleVisit(mdtrtId: string): Promise<SettlementResult> {
  await uploadVisit(mdtrtId);
  const batch = serial("B");
  await sdk.outpatientExpenseUpload({ feedetail: [feeRow(mdtrtId, batch)] });
  const request = settleRequest(mdtrtId, batch);
  const preSettle = await sdk.outpatientPreSettle(request);
  return sdk.outpatientSettle({ ...request, ...amountParts(preSettle) });
}

async function uploadVisit(mdtrtId: string): Promise<void> {
  await sdk.outpatientVisitUpload({
    mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: PERSON_NO, med_type: "11", begntime: SERVICE_TIME },
    diseinfo: [
      {
        diag_type: "1",
        diag_srt_no: 1,
        diag_code: "J06.900",
        diag_name: "急性上呼吸道感染",
        diag_dept: DOCTOR.dept_name,
        dise_dor_no: DOCTOR.atddr_no,
        dise_dor_name: DOCTOR.dr_name,
        diag_time: "2025-07-14 09:40:00",
        vali_flag: "1",
      },
    ],
  });
}

function feeRow(mdtrtId: string, batch: string) {
  return {
    feedetl_sn: `${batch}-1`,
    mdtrt_id: mdtrtId,
    psn_no: PERSON_NO,
    chrg_bchno: batch,
    rx_circ_flag: "0",
    fee_ocur_time: "2025-07-14 09:45:00",
    med_list_codg: "XJ01CAA040A001010100001", // 阿莫西林
    medins_list_codg: "HXJ01CAA040",
    cnt: "2",
    pric: "12.50",
    det_item_fee_sumamt: Decimal.from("12.50").times(2),
    bilg_dept_codg: DOCTOR.dept_code,
    bilg_dept_name: DOCTOR.dept_name,
    bilg_dr_codg: DOCTOR.atddr_no,
    bilg_dr_name: DOCTOR.dr_name,
    hosp_appr_flag: "1",
  };
}

function settleRequest(mdtrtId: string, batch: string) {
  return {
    psn_no: PERSON_NO,
    mdtrt_cert_type: CERT_TYPE_ID_CARD,
    mdtrt_cert_no: ZHANG_SAN_CERT_NO,
    medfee_sumamt: "25.00",
    psn_setlway: "01",
    mdtrt_id: mdtrtId,
    chrg_bchno: batch,
    insutype: "310",
    acct_used_flag: "1",
    med_type: "11",
  };
}

/** The four amount parts 2206 computed, which 2207 reports back (exact decimals, never floats). */
function amountParts(preSettle: SettlementResult) {
  const part = (name: string) => Decimal.from((preSettle.get(name) as Decimal | number | undefined) ?? 0);
  return {
    fulamt_ownpay_amt: part("fulamt_ownpay_amt"),
    overlmt_selfpay: part("overlmt_selfpay"),
    preselfpay_amt: part("preselfpay_amt"),
    inscp_scp_amt: part("inscp_scp_amt"),
  };
}

async function inpatientExamples(): Promise<void> {
  console.log("--- 住院业务流程 ---");

  // 与规范不同：入院（2401）和出院（2402）的报文必须有诊断信息（diseinfo）、主诊断和经治医师，规范的请求对象里
  // 没有，谁也替不了医生下诊断；这里按字段表补齐。规范的 WardCode/BedNo 即 adm_dept_codg/adm_bed。
  const diagnosis = {
    psn_no: PERSON_NO,
    diag_type: "1",
    maindiag_flag: "1",
    diag_srt_no: 1,
    diag_code: "K35.800",
    diag_name: "急性阑尾炎",
    diag_dept: "普通外科",
    dise_dor_no: "D430302000103",
    dise_dor_name: "张医生",
    diag_time: "2025-07-14 09:00:00",
  };

  // 【2401】入院办理
  const admissionResult = await sdk.inpatientAdmission({
    mdtrtinfo: {
      psn_no: PERSON_NO,
      insutype: "310",
      begntime: "2025-07-14 09:00:00",
      mdtrt_cert_type: CERT_TYPE_ID_CARD,
      mdtrt_cert_no: ZHANG_SAN_CERT_NO,
      med_type: "21",
      ipt_no: serial("ZY"),
      atddr_no: "D430302000103",
      chfpdr_name: "张医生",
      adm_diag_dscr: "转移性右下腹痛",
      adm_dept_codg: "W001",
      adm_dept_name: "普通外科",
      adm_bed: "001-01",
      dscg_maindiag_code: "K35.800",
      dscg_maindiag_name: "急性阑尾炎",
    },
    diseinfo: [diagnosis],
  });
  console.log(`入院办理完成: ${admissionResult.admissionId}`);
  const mdtrtId = admissionResult.admissionId ?? "";

  // 与规范不同：规范入院后直接结算；医保局的住院结算要先有费用明细（2301）和出院办理（2402）。
  await sdk.inpatientExpenseUpload({
    feedetail: [
      {
        feedetl_sn: serial("I"),
        mdtrt_id: mdtrtId,
        psn_no: PERSON_NO,
        fee_ocur_time: "2025-07-14 10:00:00",
        med_list_codg: "001101000010100-110100001", // 床位费
        medins_list_codg: "H001101000",
        cnt: "5",
        pric: "40.00",
        det_item_fee_sumamt: "200.00",
        bilg_dept_codg: "W001",
        bilg_dept_name: "普通外科",
        bilg_dr_codg: "D430302000103",
        bilg_dr_name: "张医生",
        med_type: "21",
      },
    ],
  });
  await sdk.inpatientDischarge({
    dscginfo: {
      mdtrt_id: mdtrtId,
      psn_no: PERSON_NO,
      insutype: "310",
      endtime: "2025-07-19 10:00:00",
      dscg_dept_codg: "W001",
      dscg_dept_name: "普通外科",
      dscg_way: "1",
    },
    diseinfo: [{ ...diagnosis, diag_time: "2025-07-19 09:00:00" }],
  });

  // 【2304】住院结算
  // 与规范不同：规范只给住院号；医保局的住院结算要凭证、总金额、结算方式、险种、个人账户使用标志等字段。
  const settleResult = await sdk.inpatientSettle({
    psn_no: PERSON_NO,
    mdtrt_cert_type: CERT_TYPE_ID_CARD,
    mdtrt_cert_no: ZHANG_SAN_CERT_NO,
    medfee_sumamt: "200.00",
    psn_setlway: "01",
    mdtrt_id: mdtrtId,
    insutype: "310",
    acct_used_flag: "1",
    mid_setl_flag: "0",
  });
  console.log(`住院结算完成: ${settleResult.settlementId}`);
}

async function asyncExamples(): Promise<void> {
  console.log("=== 异步操作示例 ===");

  const patients = SANDBOX_CERT_NOS; // 与规范不同：规范为三个虚构的身份证号，见文件开头

  const tasks = patients.map((certNo) => sdk.queryPersonInfo(CERT_TYPE_ID_CARD, certNo, "")); // 与规范不同："01" → "02"

  const results = await Promise.all(tasks);

  for (let i = 0; i < results.length; i++) {
    console.log(`患者${i + 1}: ${results[i]!.name}`);
  }
}

async function batchOperationExamples(): Promise<void> {
  console.log("=== 批量操作示例 ===");

  // 与规范不同：规范的就诊 "V001" 并不存在。这里先真的挂一个号、上传就诊信息，再把这次就诊的费用上传和
  // 预结算交给网关的批量操作（§3.2.1）；每个操作的 data 是医保局的输入（规范的 visit_id 即 mdtrt_id）。
  const registered = await sdk.outpatientRegister({
    psn_no: PERSON_NO,
    insutype: "310",
    begntime: SERVICE_TIME,
    mdtrt_cert_type: CERT_TYPE_ID_CARD,
    mdtrt_cert_no: ZHANG_SAN_CERT_NO,
    ipt_otp_no: serial("MZ"),
    caty: "A03",
    ...DOCTOR,
  });
  const visitId = registered.registerId ?? "";
  await uploadVisit(visitId);
  const batch = serial("B");

  const operations = [
    {
      interfaceType: "outpatient_expense_upload",
      data: { feedetail: [feeRow(visitId, batch)] },
      sequence: 1,
    },
    // 与规范不同：规范在费用上传后直接结算；门诊结算（2207）要重报预结算（2206）算出的四项金额，提交批次时
    // 还不知道，所以批次里做预结算，结算在批次之后用它的结果发出。
    {
      interfaceType: "outpatient_pre_settle",
      data: { data: settleRequest(visitId, batch) },
      sequence: 2,
    },
  ];

  const batchResult = await sdk.batchUpload(operations);
  console.log(`批量操作: ${batchResult.successCount}/${batchResult.totalCount} 成功`);

  const preSettle = batchResult.items.find((item) => item.sequence === 2)?.result as SettlementResult | undefined;
  if (preSettle) {
    const settled = await sdk.outpatientSettle({ ...settleRequest(visitId, batch), ...amountParts(preSettle) });
    console.log(`批量后结算完成: ${settled.settlementId}, 医保支付 ${settled.insuranceAmount}`);
  }
}

// 与规范不同：main() 的返回值作为退出码。
process.exitCode = await main();
