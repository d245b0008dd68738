/**
 * The client against the live gateway the harness starts (embedded sandbox): every class of answer.
 *
 * The flows and amounts are those of the Python suite (tests/engine/sandbox_support.py): 李娜's outpatient
 * basket of 1775.00, 刘芳's pharmacy purchase of 98.20 at the demo pharmacy.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";

import {
  AuthenticationError,
  BureauRefusalError,
  BusinessError,
  DataValidationError,
  Decimal,
  MedicalInsuranceException,
  OutcomeUnknownError,
  PermissionDeniedError,
  type OutpatientExpenseUploadRequestFeedetail,
  type OutpatientSettleRequestData,
  type PharmacySettleRequest,
  type SettlementResult,
} from "../src/index.js";
import { admin, analyst, HOSPITAL, hospital, LIVE, person, pharmacy, unique, variable, type SandboxPerson } from "./support.js";

const DOCTOR = { atddr_no: "D430302000101", dr_name: "李医生", dept_code: "NK01", dept_name: "普通内科" };
const BASKET: [string, string, string][] = [
  ["001102000010000-110200001", "1", "10.00"], // 诊查费
  ["XJ01CAA040A001010100001", "2", "12.50"], // 阿莫西林
  ["XB05AAA010B002010100013", "4", "420.00"], // 人血白蛋白
  ["XA11JAF000A001010100015", "1", "60.00"], // 复合维生素
];
const AMOUNT_PARTS = ["fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"] as const;

/** 2201 → 2203 → 2204 → 2206 for `who`: the 2207 input and the pre-settlement. */
async function readyToSettle(who: SandboxPerson): Promise<{ settle: OutpatientSettleRequestData; pre: SettlementResult }> {
  const sdk = hospital();
  const registered = await sdk.outpatientRegister({
    data: {
      psn_no: who.psn_no,
      insutype: who.insutype,
      begntime: "2025-07-14 09:30:00",
      mdtrt_cert_type: "02",
      mdtrt_cert_no: who.certno,
      ipt_otp_no: unique("MZ"),
      caty: "A03",
      ...DOCTOR,
    },
  });
  const mdtrtId = registered.registerId;
  assert.ok(mdtrtId, "2201 answers the visit's mdtrt_id");
  await sdk.outpatientVisitUpload({
    mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: who.psn_no, med_type: "11", begntime: "2025-07-14 09:30:00", main_cond_dscr: "发热咳嗽三天" },
    diseinfo: [
      {
        diag_type: "1",
        diag_srt_no: 1,
        diag_code: "J06.900",
        diag_name: "急性上呼吸道感染",
        diag_dept: "普通内科",
        dise_dor_no: DOCTOR.atddr_no,
        dise_dor_name: DOCTOR.dr_name,
        diag_time: "2025-07-14 09:40:00",
        vali_flag: "1",
      },
    ],
  });
  const batch = unique("B");
  const feedetail: OutpatientExpenseUploadRequestFeedetail[] = BASKET.map(([code, cnt, pric], index) => ({
    feedetl_sn: `${batch}-${index + 1}`,
    mdtrt_id: mdtrtId,
    psn_no: who.psn_no,
    chrg_bchno: batch,
    rx_circ_flag: "0",
    fee_ocur_time: "2025-07-14 09:45:00",
    med_list_codg: code,
    medins_list_codg: `H${code.slice(0, 10)}`,
    det_item_fee_sumamt: Decimal.from(cnt).times(pric),
    cnt,
    pric: Decimal.from(pric),
    bilg_dept_codg: DOCTOR.dept_code,
    bilg_dept_name: DOCTOR.dept_name,
    bilg_dr_codg: DOCTOR.atddr_no,
    bilg_dr_name: DOCTOR.dr_name,
    hosp_appr_flag: "1",
  }));
  const uploaded = await sdk.outpatientExpenseUpload({ feedetail });
  assert.equal(uploaded.rows().length, BASKET.length);
  const total = feedetail.reduce((sum, row) => sum.plus(row.det_item_fee_sumamt), Decimal.from("0"));
  assert.equal(total.toString(), "1775.00");
  const base = {
    psn_no: who.psn_no,
    mdtrt_cert_type: "02",
    mdtrt_cert_no: who.certno,
    medfee_sumamt: total,
    psn_setlway: "01",
    mdtrt_id: mdtrtId,
    chrg_bchno: batch,
    insutype: who.insutype,
    acct_used_flag: "1",
    med_type: "11",
  };
  const pre = await sdk.outpatientPreSettle({ data: base });
  const setlinfo = pre.raw.setlinfo!;
  const parts = Object.fromEntries(AMOUNT_PARTS.map((name) => [name, setlinfo[name] as Decimal]));
  for (const value of Object.values(parts)) assert.ok(value instanceof Decimal || typeof value === "number");
  return { settle: { ...base, ...(parts as Pick<OutpatientSettleRequestData, (typeof AMOUNT_PARTS)[number]>) }, pre };
}

describe("live gateway", { skip: !LIVE && "MEDICAL_INSURANCE_API_URL is not set" }, () => {
  let liNa: SandboxPerson;
  let wang: SandboxPerson;
  let liu: SandboxPerson;

  before(async () => {
    liNa = await person("李娜");
    wang = await person("王建国");
    liu = await person("刘芳");
  });

  // first, before any fault is set: the spec's complete example (§11.2.3, adapted) as a program, configured by
  // the spec's file format (§9.2.1) alone — the gateway variables are removed from its environment
  it("the spec's complete example runs against the gateway", () => {
    const dir = mkdtempSync(join(tmpdir(), "mi-example-"));
    const config = join(dir, "config.json");
    const file = {
      medical_insurance: {
        api_base_url: variable("MEDICAL_INSURANCE_API_URL"),
        api_key: variable("MEDICAL_INSURANCE_API_KEY"),
        institution_code: HOSPITAL,
        timeout: 30,
        retry: { max_attempts: 3, backoff_factor: 1.5 },
        cache: { enabled: true, ttl: 300 },
        logging: { level: "INFO", file: "medical_insurance_sdk.log" },
      },
      medical_bureau: { ak: "your_access_key", sk: "your_secret_key", api_url: "https://fuwu.nhsa.gov.cn/", timeout: 30 },
    };
    writeFileSync(config, JSON.stringify(file));
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MEDICAL_INSURANCE_")));
    const script = new URL("../examples/complete-medical-insurance-example.js", import.meta.url).pathname;
    const run = spawnSync(process.execPath, [script, config], { env, encoding: "utf-8", timeout: 120_000 });
    assert.equal(run.status, 0, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
    for (const line of ["患者信息: 张三, 医保余额:", "机构信息: 湘潭市第一人民医院", "门诊结算完成: ", "住院结算完成: ", "患者3: 王建国", "批量操作: 2/2 成功"]) {
      assert.ok(run.stdout.includes(line), `missing "${line}" in\n${run.stdout}`);
    }
  });

  it("【1101】queryPersonInfo(certType, certNo, psnName): friendly names, exact balance", async () => {
    const zhangSan = await person("张三");
    const patient = await hospital().queryPersonInfo("02", zhangSan.certno, "张三");
    assert.equal(patient.name, "张三");
    assert.equal(patient.personNo, zhangSan.psn_no);
    assert.ok(patient.insuranceBalance instanceof Decimal);
    assert.equal(patient.insuranceBalance.toString(), zhangSan.balc.toString());
    assert.equal(patient.raw.baseinfo?.psn_name, "张三");
    assert.match(patient.msgid ?? "", /^H43028110001/);
  });

  it("outpatient 2201→2203→2204→2206→2207→2208 with exact amounts", async () => {
    const sdk = hospital();
    const { settle, pre } = await readyToSettle(liNa);
    const settled = await sdk.outpatientSettle({ data: settle }, { idempotencyKey: unique("IDEM") });
    assert.ok(settled.settlementId);
    // what 2206 computed is what 2207 settled, to the cent
    for (const name of ["totalAmount", "insuranceAmount", "cashAmount", "accountAmount"] as const) {
      assert.ok(settled[name] instanceof Decimal, `${name} is a Decimal`);
      assert.equal(settled[name]!.toString(), pre[name]!.toString(), name);
    }
    assert.equal(settled.totalAmount!.toString(), "1775.00");
    // total = fund + cash + account, exactly
    assert.ok(settled.totalAmount!.equals(settled.insuranceAmount!.plus(settled.cashAmount!).plus(settled.accountAmount!)));
    // the sandbox's account moved by exactly what the fund split said
    const after = await person("李娜");
    assert.equal(after.balc.toString(), liNa.balc.minus(settled.accountAmount!).toString());
    const cancelled = await sdk.outpatientSettleCancel({ data: { setl_id: settled.settlementId!, mdtrt_id: settle.mdtrt_id, psn_no: liNa.psn_no } });
    assert.ok(cancelled.settlementId);
    assert.equal((await person("李娜")).balc.toString(), liNa.balc.toString());

    // a business refusal: the cancelled settlement cannot be cancelled again
    await assert.rejects(
      sdk.outpatientSettleCancel({ data: { setl_id: settled.settlementId!, mdtrt_id: settle.mdtrt_id, psn_no: liNa.psn_no } }),
      (e: unknown) => {
        assert.ok(e instanceof BusinessError, `got ${String(e)}`);
        assert.ok(e instanceof BureauRefusalError);
        assert.equal(e.retry, false);
        assert.ok(e.httpStatus >= 400 && e.httpStatus < 500, `HTTP ${e.httpStatus}`);
        assert.match(e.message, /[\u4e00-\u9fff]/); // the bureau's words, in Chinese
        return true;
      },
    );
  });

  it("pharmacy 2101→2102 (pharmacy key), exact", async () => {
    const sdk = pharmacy();
    const items: [string, string, string][] = [
      ["XM01AEB040E001010100011", "2", "11.20"],
      ["XB01ACA056A001010100002", "1", "15.80"],
      ["XA11JAF000A001010100015", "1", "60.00"],
    ];
    const sn = unique("P");
    const purchase: PharmacySettleRequest = {
      druginfo: {
        psn_no: liu.psn_no,
        mdtrt_cert_type: "02",
        mdtrt_cert_no: liu.certno,
        insutype: "310",
        med_type: "41",
        medfee_sumamt: "98.20",
        acct_used_flag: "1",
        begntime: "2025-07-14 09:30:00",
      },
      drugdetail: items.map(([code, cnt, pric], index) => ({
        feedetl_sn: `${sn}-${index}`,
        med_list_codg: code,
        medins_list_codg: `P${sn}-${index}`,
        cnt,
        pric,
        det_item_fee_sumamt: Decimal.from(cnt).times(pric).toFixed(2),
        fee_ocur_time: "2025-07-14 09:30:00",
      })),
    };
    const pre = await sdk.pharmacyPreSettle(purchase);
    const settled = await sdk.pharmacySettle(purchase);
    assert.equal(settled.totalAmount!.toString(), "98.20");
    assert.ok(settled.totalAmount!.equals(pre.totalAmount!));
    assert.ok(settled.accountAmount!.equals(pre.accountAmount!));
    assert.ok(settled.totalAmount!.equals(settled.insuranceAmount!.plus(settled.cashAmount!).plus(settled.accountAmount!)));
    assert.equal((await person("刘芳")).balc.toString(), liu.balc.minus(settled.accountAmount!).toString());
  });

  it("401 wrong key: AuthenticationError 10007", async () => {
    await assert.rejects(hospital({ apiKey: "mik_wrong" }).queryPersonInfo("02", liNa.certno), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError);
      assert.equal(e.code, 10007);
      assert.equal(e.httpStatus, 401);
      assert.equal(e.retry, false);
      assert.match(e.message, /API Key/);
      return true;
    });
  });

  it("403 role: the analyst key on a write is PermissionDeniedError 10009", async () => {
    await assert.rejects(analyst().call("2201", { psn_no: liNa.psn_no }), (e: unknown) => {
      assert.ok(e instanceof PermissionDeniedError);
      assert.equal(e.code, 10009);
      assert.equal(e.httpStatus, 403);
      return true;
    });
  });

  it("422 with the field list: DataValidationError names every missing field", async () => {
    await assert.rejects(hospital().outpatientRegister({ psn_no: liNa.psn_no } as never), (e: unknown) => {
      assert.ok(e instanceof DataValidationError, `got ${String(e)}`);
      assert.equal(e.httpStatus, 422);
      const fields = e.errors.map((f) => f.field).join(" ");
      for (const name of ["insutype", "mdtrt_cert_no", "ipt_otp_no", "dept_code"]) assert.match(fields, new RegExp(name));
      assert.ok(e.errors.every((f) => f.code >= 30001 && f.code <= 30010));
      return true;
    });
  });

  it("a money call whose answer is lost (timeout_after on 2207): OutcomeUnknownError, retry false, msgid", async () => {
    const { settle } = await readyToSettle(wang);
    let unknownMsgid = "";
    await admin("POST", "faults", { kind: "timeout_after", scope: "2207", count: 1 });
    try {
      // the sandbox keeps the answer back 30 s; the client waits longer, so the gateway's verdict arrives
      const started = Date.now();
      await assert.rejects(hospital().outpatientSettle({ data: settle }, { timeout: 120 }), (e: unknown) => {
        assert.ok(e instanceof OutcomeUnknownError, `got ${String(e)}`);
        assert.ok(e instanceof MedicalInsuranceException);
        assert.equal(e.retry, false);
        assert.match(e.msgid ?? "", /\S/);
        assert.ok(["unknown", "reversed"].includes(e.outcome), e.outcome);
        unknownMsgid = e.msgid!;
        return true;
      });
      console.log(`unknown outcome answered after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      // sent once: the bureau saw exactly one 2207 with that msgid
      const ledger = (await admin("GET", "ledger?infno=2207&limit=20")) as { msgid: string }[];
      assert.equal(ledger.filter((m) => m.msgid === unknownMsgid).length, 1);
    } finally {
      await admin("DELETE", "faults");
    }
  });

  it("batch (§3.2): 2206 then 2207 of one visit as a gateway batch", async () => {
    const { settle } = await readyToSettle(wang);
    const { fulamt_ownpay_amt: _a, overlmt_selfpay: _b, preselfpay_amt: _c, inscp_scp_amt: _d, ...preInput } = settle;
    const result = await hospital().batchUpload([
      { interfaceType: "outpatient_pre_settle", data: { data: preInput }, sequence: 1 },
      { infno: "2207", data: { data: settle }, sequence: 2 },
    ]);
    assert.equal(result.status, "completed");
    assert.equal(result.totalCount, 2);
    assert.equal(result.successCount, 2);
    const settled = result.items.find((item) => item.infno === "2207")!.result as SettlementResult;
    assert.ok(settled.totalAmount!.equals("1775.00"));
  });

  it("async task (§3.3): a 1101 in the background, then its status and result", async () => {
    const sdk = hospital();
    const task = await sdk.createTask("transaction", { interface_type: "person_info", data: { data: { mdtrt_cert_type: "02", mdtrt_cert_no: liNa.certno, psn_cert_type: "01" } } });
    assert.match(task.taskId, /\S/);
    const done = await sdk.waitTask(task.taskId, 60, 0.2);
    assert.equal(done.status, "completed");
    assert.match(JSON.stringify(done.result), /李娜/);
  });

  it("files: 9101 upload and 9102 download give back the same bytes", async () => {
    const sdk = hospital();
    const content = Buffer.from("医保接口SDK 文件 ✓", "utf-8");
    const uploaded = await sdk.uploadFile({ in: content.toString("base64"), filename: "sdk-test.txt", fixmedins_code: HOSPITAL });
    assert.ok(uploaded.fileQueryNo);
    const downloaded = await sdk.downloadFile({ file_qury_no: uploaded.fileQueryNo!, filename: "sdk-test.txt", fixmedins_code: HOSPITAL });
    assert.equal(Buffer.from(downloaded.content!).toString("utf-8"), content.toString("utf-8"));
  });

  it("universal query (§3.5): this run's calls are in the call log", async () => {
    const page = await hospital().universalQuery("call_log", { infno: "1101" }, { pageSize: 5 });
    assert.ok(page.rows.length > 0);
    assert.ok(page.pagination && Number(page.pagination["total"]) > 0);
  });
});
