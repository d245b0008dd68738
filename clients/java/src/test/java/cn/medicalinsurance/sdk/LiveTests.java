package cn.medicalinsurance.sdk;

import static cn.medicalinsurance.sdk.TestRunner.check;
import static cn.medicalinsurance.sdk.TestRunner.equal;
import static cn.medicalinsurance.sdk.TestRunner.raises;

import cn.medicalinsurance.sdk.exception.AuthenticationException;
import cn.medicalinsurance.sdk.exception.BureauRefusalException;
import cn.medicalinsurance.sdk.exception.BusinessException;
import cn.medicalinsurance.sdk.exception.DataValidationException;
import cn.medicalinsurance.sdk.exception.FieldError;
import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import cn.medicalinsurance.sdk.exception.OutcomeUnknownException;
import cn.medicalinsurance.sdk.exception.PermissionDeniedException;
import cn.medicalinsurance.sdk.generated.OutpatientExpenseUploadRequest;
import cn.medicalinsurance.sdk.generated.OutpatientPreSettleRequest;
import cn.medicalinsurance.sdk.generated.OutpatientRegisterRequest;
import cn.medicalinsurance.sdk.generated.OutpatientSettleCancelRequest;
import cn.medicalinsurance.sdk.generated.OutpatientSettleRequest;
import cn.medicalinsurance.sdk.generated.OutpatientVisitUploadRequest;
import cn.medicalinsurance.sdk.generated.PersonInfo;
import cn.medicalinsurance.sdk.generated.RegisterResult;
import cn.medicalinsurance.sdk.generated.SettlementResult;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Against the live gateway the harness starts (clients/harness.py): the flows, errors, faults, batch, tasks. */
final class LiveTests {
    private LiveTests() {}

    /** A seed person of the sandbox (GET /sandbox/admin/persons). */
    static final class Person {
        final String psnNo;
        final String certno;
        final String name;

        Person(String psnNo, String certno, String name) {
            this.psnNo = psnNo;
            this.certno = certno;
            this.name = name;
        }
    }

    static final Person ZHANG_SAN = new Person("43000030281000128715", "430302199001010017", "张三");
    static final Person LI_NA = new Person("43000030281000129728", "430304198805170049", "李娜");
    static final Person WANG_JIANGUO = new Person("43000030281000130741", "430302197509230054", "王建国");
    static final Person LIU_FANG = new Person("43000030281000131754", "430321199211020087", "刘芳");
    static final Person NOBODY = new Person("43000030281099999999", "430302190001010000", "无此人");

    static final String CONSULT = "001102000010000-110200001";
    static final String AMOXICILLIN = "XJ01CAA040A001010100001";
    static final String ALBUMIN = "XB05AAA010B002010100013";
    static final String VITAMINS = "XA11JAF000A001010100015";
    static final String IBUPROFEN = "XM01AEB040E001010100011";
    static final String ASPIRIN = "XB01ACA056A001010100002";

    private static final String ENV_URL = "MEDICAL_INSURANCE_API_URL";

    static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException(name + " is not set");
        }
        return value;
    }

    static MedicalInsuranceSDK sdk(String keyVar, String codeVar) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("api_base_url", env(ENV_URL));
        settings.put("api_key", env(keyVar));
        settings.put("institution_code", env(codeVar));
        settings.put("timeout", 60);
        return new MedicalInsuranceSDK(SdkConfig.load(null, Map.of(), settings));
    }

    static void register(TestRunner t, String examplePath) {
        MedicalInsuranceSDK hospital = sdk("MEDICAL_INSURANCE_API_KEY", "MEDICAL_INSURANCE_INSTITUTION_CODE");
        MedicalInsuranceSDK pharmacy = sdk("MEDICAL_INSURANCE_PHARMACY_API_KEY", "MEDICAL_INSURANCE_PHARMACY_CODE");
        MedicalInsuranceSDK analyst = sdk("MEDICAL_INSURANCE_ANALYST_API_KEY", "MEDICAL_INSURANCE_INSTITUTION_CODE");

        t.test("live 1101: queryPersonInfo(certType, certNo, name) → PersonInfo with an exact balance", () -> {
            PersonInfo p = hospital.queryPersonInfo("02", ZHANG_SAN.certno, ZHANG_SAN.name);
            equal("张三", p.getName(), "name");
            equal(ZHANG_SAN.psnNo, p.getPersonNo(), "psn_no");
            BigDecimal balance = p.getInsuranceBalance();
            check(balance != null && balance.scale() == 2, "balance as sent, two places: " + balance);
            equal(balance, ((Map<?, ?>) ((List<?>) ((Map<?, ?>) p.getRaw()).get("insuinfo")).get(0)).get("balc"), "raw balc");
            check(p.getMsgid() != null && p.getRequestId() != null, "receipt");
        });

        t.test("live outpatient 2201→2203→2204→2206→2207→2208: amounts exactly as the fund split answered", () -> {
            BigDecimal before = hospital.queryPersonInfo("02", LI_NA.certno).getInsuranceBalance();
            String visit = openVisit(hospital, LI_NA);
            SettlementResult pre = hospital.outpatientPreSettle(preSettle(LI_NA, visit));
            SettlementResult settled = hospital.outpatientSettle(settle(LI_NA, visit, pre));
            equal(new BigDecimal("1775.00"), settled.getTotalAmount(), "medfee_sumamt");
            for (String field : new String[] {"medfee_sumamt", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay"}) {
                equal(pre.getDecimal(field), settled.getDecimal(field), "2207 " + field + " as 2206 answered");
            }
            equal(settled.getTotalAmount(), settled.getInsuranceAmount().add(settled.getAccountAmount()).add(settled.getCashAmount()),
                    "total = fund + account + cash");
            equal(settled.getPersonalAmount(), settled.getAccountAmount().add(settled.getCashAmount()), "personal = account + cash");
            BigDecimal after = hospital.queryPersonInfo("02", LI_NA.certno).getInsuranceBalance();
            equal(before.subtract(settled.getAccountAmount()), after, "account balance after 2207");
            check(settled.getSettlementId() != null, "setl_id");
            SettlementResult cancelled = hospital.outpatientSettleCancel(OutpatientSettleCancelRequest.builder()
                    .setlId(settled.getSettlementId()).mdtrtId(visit).psnNo(LI_NA.psnNo).build());
            equal(settled.getTotalAmount().negate(), cancelled.getTotalAmount(), "2208 reverses the total");
            equal(before, hospital.queryPersonInfo("02", LI_NA.certno).getInsuranceBalance(), "balance restored by 2208");
            // 409: the bureau refuses to cancel a cancelled settlement
            BureauRefusalException refused = raises(BureauRefusalException.class, () -> hospital.outpatientSettleCancel(
                    Map.of("setl_id", settled.getSettlementId(), "mdtrt_id", visit, "psn_no", LI_NA.psnNo)));
            equal(409, refused.getHttpStatus(), "status");
            equal(50009, refused.getCode(), "code");
            check(refused instanceof BusinessException && !refused.isRetry() && refused.getMessage().contains("撤销"), refused.toString());
        });

        t.test("live pharmacy 2101→2102→2103 with the pharmacy key: exact amounts", () -> {
            Map<String, Object> purchase = purchase(LIU_FANG);
            SettlementResult pre = pharmacy.pharmacyPreSettle(purchase);
            SettlementResult settled = pharmacy.pharmacySettle(purchase);
            equal(new BigDecimal("98.20"), settled.getTotalAmount(), "medfee_sumamt");
            equal(pre.getInsuranceAmount(), settled.getInsuranceAmount(), "fund part as 2101 answered");
            equal(pre.getAccountAmount(), settled.getAccountAmount(), "account part as 2101 answered");
            equal(settled.getTotalAmount(), settled.getInsuranceAmount().add(settled.getAccountAmount()).add(settled.getCashAmount()),
                    "total = fund + account + cash");
            SettlementResult cancelled = pharmacy.pharmacySettleCancel(Map.of("data", Map.of("setl_id", settled.getSettlementId(),
                    "mdtrt_id", settled.getVisitId(), "psn_no", LIU_FANG.psnNo)));
            equal(settled.getTotalAmount().negate(), cancelled.getTotalAmount(), "2103 reverses the total");
        });

        t.test("live errors: 401 wrong key, 403 analyst writing, 422 with the field list", () -> {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("api_base_url", env(ENV_URL));
            settings.put("api_key", "mik_wrong_key");
            settings.put("institution_code", env("MEDICAL_INSURANCE_INSTITUTION_CODE"));
            MedicalInsuranceSDK wrong = new MedicalInsuranceSDK(SdkConfig.load(null, Map.of(), settings));
            AuthenticationException auth = raises(AuthenticationException.class, () -> wrong.queryPersonInfo("02", ZHANG_SAN.certno));
            equal(401, auth.getHttpStatus(), "401");
            check(auth.getCode() / 10000 == 1 && !auth.isRetry(), auth.toString());
            PermissionDeniedException denied = raises(PermissionDeniedException.class, () -> analyst.outpatientRegister(register(ZHANG_SAN)));
            equal(403, denied.getHttpStatus(), "403");
            equal(10009, denied.getCode(), "10009");
            DataValidationException invalid = raises(DataValidationException.class,
                    () -> hospital.outpatientRegister(OutpatientRegisterRequest.builder().psnNo(ZHANG_SAN.psnNo).build()));
            equal(422, invalid.getHttpStatus(), "422");
            List<String> fields = new ArrayList<>();
            for (FieldError e : invalid.getErrors()) {
                fields.add(e.getField());
            }
            check(fields.contains("data.insutype") && fields.contains("data.mdtrt_cert_no") && fields.size() >= 5, "fields " + fields);
        });

        t.test("live Idempotency-Key: the same write with the same key is done once, answered the same", () -> {
            OutpatientRegisterRequest request = register(ZHANG_SAN);
            String key = "JAVA-SUITE-" + System.nanoTime();
            RegisterResult first = hospital.outpatientRegister(request, CallOptions.create().idempotencyKey(key));
            RegisterResult again = hospital.outpatientRegister(request, CallOptions.create().idempotencyKey(key));
            equal(first.getRegisterId(), again.getRegisterId(), "one registration");
            RegisterResult other = hospital.outpatientRegister(register(ZHANG_SAN));
            check(!other.getRegisterId().equals(first.getRegisterId()), "without the key it is a new registration");
        });

        t.test("live 2207 with a lost answer (sandbox fault timeout_after): OutcomeUnknownException, retry false, msgid", () -> {
            String visit = openVisit(hospital, WANG_JIANGUO);
            SettlementResult pre = hospital.outpatientPreSettle(preSettle(WANG_JIANGUO, visit));
            admin("PUT", "sandbox/admin/faults", "{\"rules\": [{\"kind\": \"timeout_after\", \"scope\": \"2207\", \"count\": 1}]}");
            try {
                OutcomeUnknownException e = raises(OutcomeUnknownException.class, () -> hospital.outpatientSettle(
                        settle(WANG_JIANGUO, visit, pre), CallOptions.create().timeout(120)));
                equal(false, e.isRetry(), "retry");
                check(e.getMsgid() != null && !e.getMsgid().isEmpty(), "msgid");
                check(e.getOutcome().equals("unknown") || e.getOutcome().equals("reversed"), e.getOutcome());
                check(e.getMessage().contains(e.getMsgid()), "the message names the msgid (Chinese): " + e.getMessage());
            } finally {
                admin("DELETE", "sandbox/admin/faults", null);
            }
        });

        t.test("live batchUpload: queries in one gateway batch, a failed one with its own exception", () -> {
            List<BatchOperation> ops = List.of(
                    BatchOperation.builder().interfaceType("person_info").data(personQuery(ZHANG_SAN)).sequence(1).build(),
                    BatchOperation.builder().interfaceType("1101").data(personQuery(LI_NA)).sequence(2).build(),
                    BatchOperation.builder().interfaceType("person_info").data(personQuery(NOBODY)).sequence(3).build());
            BatchResult result = hospital.gateway().submitBatch(ops, null, false, 2, 120);
            equal(3, result.getTotalCount(), "total");
            equal(2, result.getSuccessCount(), "success");
            equal("张三", ((PersonInfo) result.getItems().get(0).result).getName(), "first result typed");
            BatchResult.Item failed = result.getItems().get(2);
            check(!failed.success && failed.exception != null && failed.exception.getCode() / 10000 == 5, "failed item " + failed.exception);
            BatchResult spec = hospital.batchUpload(ops.subList(0, 2));
            equal(2, spec.getSuccessCount(), "batchUpload success");
        });

        t.test("live async task: create, wait, result", () -> {
            TaskInfo task = hospital.gateway().createTask("transaction", Map.of("interface_type", "person_info", "data", personQuery(ZHANG_SAN)));
            check(task.getTaskId() != null, "task id");
            TaskInfo done = hospital.gateway().waitTask(task.getTaskId(), 60);
            equal("completed", done.getStatus(), "status");
            check(Json.write(done.getResult()).contains(ZHANG_SAN.psnNo), "result names the person: " + Json.write(done.getResult()));
        });

        t.test("live CompletableFuture: three queryPersonInfoAsync at once", () -> {
            List<CompletableFuture<PersonInfo>> futures = new ArrayList<>();
            for (Person p : new Person[] {ZHANG_SAN, LI_NA, LIU_FANG}) {
                futures.add(hospital.queryPersonInfoAsync("02", p.certno, ""));
            }
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
            equal(LIU_FANG.name, futures.get(2).get().getName(), "third");
            CompletableFuture<PersonInfo> missing = hospital.queryPersonInfoAsync("02", NOBODY.certno);
            raises(MedicalInsuranceException.class, () -> missing.join());
        });

        t.test("live files and universal query: upload, download the same bytes; call log page", () -> {
            byte[] content = "fee,1.50\n".getBytes(StandardCharsets.UTF_8);
            Map<String, Object> info = hospital.gateway().uploadFile(content, "fees.csv");
            String fileId = String.valueOf(info.get("file_id"));
            equal(new String(content, StandardCharsets.UTF_8), new String(hospital.gateway().downloadFile(fileId), StandardCharsets.UTF_8), "round trip");
            Answer log = hospital.gateway().universalQuery("call_log", Map.of("interface_type", List.of("person_info")), 1, 5);
            check(log.data instanceof List && !((List<?>) log.data).isEmpty(), "call log rows: " + Json.write(log.data));
        });

        if (examplePath != null) {
            t.test("spec §11.2.2 complete example (examples/CompleteExample.java) runs against the gateway", () -> runExample(examplePath));
        }
    }

    // ------------------------------------------------------------------------------------------- flows

    static Map<String, Object> personQuery(Person p) {
        return Map.of("data", Map.of("mdtrt_cert_type", "02", "mdtrt_cert_no", p.certno, "psn_cert_type", "01"));
    }

    static OutpatientRegisterRequest register(Person p) {
        return OutpatientRegisterRequest.builder().psnNo(p.psnNo).insutype("310").begntime("2025-07-14 09:30:00")
                .mdtrtCertType("02").mdtrtCertNo(p.certno).iptOtpNo("MZ" + System.nanoTime() % 100000000)
                .atddrNo("D430302000101").drName("李医生").deptCode("NK01").deptName("普通内科").caty("A03").build();
    }

    /** 2201 → 2203 → 2204 (the basket of the sandbox's outpatient tests); answers the mdtrt_id. */
    static String openVisit(MedicalInsuranceSDK sdk, Person p) throws MedicalInsuranceException {
        RegisterResult registered = sdk.outpatientRegister(register(p));
        String visit = registered.getRegisterId();
        check(visit != null && visit.equals(registered.getMdtrtId()), "register id");
        sdk.outpatientVisitUpload(OutpatientVisitUploadRequest.builder()
                .mdtrtinfo(OutpatientVisitUploadRequest.Mdtrtinfo.builder().mdtrtId(visit).psnNo(p.psnNo).medType("11")
                        .begntime("2025-07-14 09:30:00").mainCondDscr("发热咳嗽三天"))
                .addDiseinfo(OutpatientVisitUploadRequest.Diseinfo.builder().diagType("1").diagSrtNo(1).diagCode("J06.900")
                        .diagName("急性上呼吸道感染").diagDept("普通内科").diseDorNo("D430302000101").diseDorName("李医生")
                        .diagTime("2025-07-14 09:40:00").valiFlag("1"))
                .build());
        OutpatientExpenseUploadRequest fees = OutpatientExpenseUploadRequest.builder();
        String[][] rows = {{"F1", CONSULT, "1", "10.00"}, {"F2", AMOXICILLIN, "2", "12.50"}, {"F3", ALBUMIN, "4", "420.00"},
            {"F4", VITAMINS, "1", "60.00"}};
        for (String[] r : rows) {
            BigDecimal amount = new BigDecimal(r[2]).multiply(new BigDecimal(r[3]));
            fees.addFeedetail(OutpatientExpenseUploadRequest.Feedetail.builder().feedetlSn(r[0]).mdtrtId(visit).psnNo(p.psnNo)
                    .chrgBchno("B001").rxCircFlag("0").feeOcurTime("2025-07-14 09:45:00").medListCodg(r[1])
                    .medinsListCodg("H" + r[1].substring(0, 10)).detItemFeeSumamt(amount).cnt(r[2]).pric(r[3])
                    .bilgDeptCodg("NK01").bilgDeptName("普通内科").bilgDrCodg("D430302000101").bilgDrName("李医生").hospApprFlag("1"));
        }
        check(sdk.outpatientExpenseUpload(fees).rows("result").size() == 4, "four graded fee rows");
        return visit;
    }

    static OutpatientPreSettleRequest preSettle(Person p, String visit) {
        return OutpatientPreSettleRequest.builder().psnNo(p.psnNo).mdtrtCertType("02").mdtrtCertNo(p.certno).medType("11")
                .medfeeSumamt("1775.00").psnSetlway("01").mdtrtId(visit).chrgBchno("B001").insutype("310").acctUsedFlag("1");
    }

    static OutpatientSettleRequest settle(Person p, String visit, SettlementResult pre) {
        return OutpatientSettleRequest.builder().psnNo(p.psnNo).mdtrtCertType("02").mdtrtCertNo(p.certno).medType("11")
                .medfeeSumamt(pre.getTotalAmount()).psnSetlway("01").mdtrtId(visit).chrgBchno("B001").insutype("310")
                .acctUsedFlag("1").fulamtOwnpayAmt(pre.getDecimal("fulamt_ownpay_amt")).overlmtSelfpay(pre.getDecimal("overlmt_selfpay"))
                .preselfpayAmt(pre.getDecimal("preselfpay_amt")).inscpScpAmt(pre.getDecimal("inscp_scp_amt"));
    }

    static Map<String, Object> purchase(Person p) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("psn_no", p.psnNo);
        info.put("mdtrt_cert_type", "02");
        info.put("mdtrt_cert_no", p.certno);
        info.put("insutype", "310");
        info.put("med_type", "41");
        info.put("medfee_sumamt", new BigDecimal("98.20"));
        info.put("acct_used_flag", "1");
        info.put("begntime", "2025-07-14 09:30:00");
        List<Map<String, Object>> items = new ArrayList<>();
        String[][] rows = {{"P1", IBUPROFEN, "2", "11.20"}, {"P2", ASPIRIN, "1", "15.80"}, {"P3", VITAMINS, "1", "60.00"}};
        for (String[] r : rows) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("feedetl_sn", r[0]);
            item.put("med_list_codg", r[1]);
            item.put("medins_list_codg", "P" + r[0]);
            item.put("cnt", new BigDecimal(r[2]));
            item.put("pric", new BigDecimal(r[3]));
            item.put("det_item_fee_sumamt", new BigDecimal(r[2]).multiply(new BigDecimal(r[3])));
            item.put("fee_ocur_time", "2025-07-14 09:30:00");
            items.add(item);
        }
        return Map.of("druginfo", info, "drugdetail", items);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** The sandbox's admin API (faults) with the admin key. */
    static void admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(env("MEDICAL_INSURANCE_GATEWAY_ROOT") + path))
                .header("X-API-Key", env("MEDICAL_INSURANCE_ADMIN_API_KEY"))
                .header("X-Institution-Code", env("MEDICAL_INSURANCE_INSTITUTION_CODE"))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(b.build(), HttpResponse.BodyHandlers.ofString());
        check(response.statusCode() < 300, method + " " + path + ": " + response.statusCode() + " " + response.body());
    }

    /** Runs the compiled example in its own JVM with a §9.2.1 config file; it must exit 0 and print its steps. */
    static void runExample(String className) throws Exception {
        Path dir = Files.createTempDirectory("mi-example");
        Path config = dir.resolve("config.json");
        String json = "{\"medical_insurance\": {\"api_base_url\": \"" + env(ENV_URL) + "\", \"api_key\": \""
                + env("MEDICAL_INSURANCE_API_KEY") + "\", \"institution_code\": \"" + env("MEDICAL_INSURANCE_INSTITUTION_CODE")
                + "\", \"timeout\": 60, \"retry\": {\"max_attempts\": 3, \"backoff_factor\": 1.5}}}";
        Files.write(config, json.getBytes(StandardCharsets.UTF_8));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), className, config.toString());
        pb.environment().remove(ENV_URL); // the file alone configures the example
        pb.environment().remove("MEDICAL_INSURANCE_API_KEY");
        pb.redirectErrorStream(true);
        Process process = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(out);
        }
        boolean ended = process.waitFor(300, TimeUnit.SECONDS);
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(text.replaceAll("(?m)^", "        | "));
        check(ended && process.exitValue() == 0, "the example failed (exit " + (ended ? process.exitValue() : "timeout") + ")");
        for (String expected : new String[] {"患者信息: 张三", "机构信息:", "挂号成功:", "门诊结算完成:", "入院办理完成:", "住院结算完成:", "患者3:", "批量操作: 2/2 成功"}) {
            check(text.contains(expected), "the example did not print " + expected);
        }
        Files.delete(config);
        Files.delete(dir);
    }
}
