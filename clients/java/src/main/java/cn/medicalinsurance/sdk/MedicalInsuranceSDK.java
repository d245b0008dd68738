package cn.medicalinsurance.sdk;

import cn.medicalinsurance.sdk.exception.Errors;
import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import cn.medicalinsurance.sdk.generated.BenefitCheckResult;
import cn.medicalinsurance.sdk.generated.InstitutionInfo;
import cn.medicalinsurance.sdk.generated.MedicalInsuranceApi;
import cn.medicalinsurance.sdk.generated.Operations;
import cn.medicalinsurance.sdk.generated.PersonInfo;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The Java SDK of spec §9.1.2: every transaction of the registry as a method (generated in
 * {@link MedicalInsuranceApi}), the spec's convenience methods, and the gateway's batches, tasks, files and
 * universal query ({@link Gateway}).
 *
 * <pre>
 * MedicalInsuranceSDK sdk = new MedicalInsuranceSDK("config.json");
 * PersonInfo p = sdk.queryPersonInfo("02", "430302199001010017", "张三");
 * System.out.println(p.getName() + " " + p.getInsuranceBalance());
 * </pre>
 */
public class MedicalInsuranceSDK extends MedicalInsuranceApi implements AutoCloseable {
    private static final ZoneId BEIJING = ZoneId.of("Asia/Shanghai");
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** 就诊凭证类型 02 居民身份证 = 人员证件类型 01 居民身份证(户口簿). */
    private static final String ID_CARD_CREDENTIAL = "02";

    private final SdkConfig config;
    final Core core;
    private final ExecutorService executor;
    private final Gateway gateway;

    /** Configuration from the environment only (§9.2.2). */
    public MedicalInsuranceSDK() {
        this(SdkConfig.load(null));
    }

    /** Configuration from the §9.2.1 JSON file, then the environment. */
    public MedicalInsuranceSDK(String configPath) {
        this(SdkConfig.load(configPath));
    }

    /** File, environment, then these settings (flat names: api_key, timeout, max_attempts …). */
    public MedicalInsuranceSDK(String configPath, Map<String, ?> settings) {
        this(SdkConfig.load(configPath, settings));
    }

    public MedicalInsuranceSDK(SdkConfig config) {
        this(config, Core.httpTransport(config), Core.threadSleeper());
    }

    MedicalInsuranceSDK(SdkConfig config, Core.Transport transport, Core.Sleeper sleeper) {
        this.config = config;
        this.core = new Core(config, new RetryPolicy(config), transport, sleeper);
        this.executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "medical-insurance-sdk");
            thread.setDaemon(true);
            return thread;
        });
        this.gateway = new Gateway(core);
    }

    public SdkConfig getConfig() {
        return config;
    }

    /** Batches, async tasks, files and the universal query of the gateway (§3.2–§3.5). */
    public Gateway gateway() {
        return gateway;
    }

    @Override
    public void close() {
        executor.shutdown();
    }

    // ------------------------------------------------------------------------------------------- calls

    @Override
    protected <R extends Result> R invoke(String infno, Input input, CallOptions options, Function<Answer, R> make)
            throws MedicalInsuranceException {
        OperationInfo op = operation(infno);
        Map<String, Object> given = input == null ? Map.of() : input.toInput();
        return make.apply(core.call(op, given, options).withInfno(op.infno));
    }

    @Override
    protected <R extends Result> CompletableFuture<R> invokeAsync(String infno, Input input, CallOptions options,
            Function<Answer, R> make) {
        return async(() -> invoke(infno, input, options, make));
    }

    /** Any transaction by infno, interface_type or method name, with the bureau's own input. */
    public Result call(String key, Map<String, ?> input, CallOptions options) throws MedicalInsuranceException {
        OperationInfo op = operation(key);
        return invoke(op.infno, Input.of(input), options, answer -> Operations.result(op.resultType, answer));
    }

    public Result call(String key, Map<String, ?> input) throws MedicalInsuranceException {
        return call(key, input, null);
    }

    public CompletableFuture<Result> callAsync(String key, Map<String, ?> input) {
        return async(() -> call(key, input, null));
    }

    // --------------------------------------------------------------------------- the spec's conveniences

    /**
     * 【1101】人员基本信息获取 — certType/certNo fill both credential pairs, as the spec's example does. The pairs
     * have their own code tables: 就诊凭证类型 "02" (居民身份证) is 人员证件类型 "01".
     */
    public PersonInfo queryPersonInfo(String certType, String certNo, String psnName) throws MedicalInsuranceException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("mdtrt_cert_type", certType);
        data.put("mdtrt_cert_no", certNo);
        data.put("psn_cert_type", ID_CARD_CREDENTIAL.equals(certType) ? "01" : certType);
        data.put("certno", certNo);
        if (psnName != null && !psnName.isEmpty()) {
            data.put("psn_name", psnName);
        }
        return queryPersonInfo(Map.of("data", data));
    }

    public PersonInfo queryPersonInfo(String certType, String certNo) throws MedicalInsuranceException {
        return queryPersonInfo(certType, certNo, (String) null);
    }

    public CompletableFuture<PersonInfo> queryPersonInfoAsync(String certType, String certNo) {
        return async(() -> queryPersonInfo(certType, certNo, (String) null));
    }

    public CompletableFuture<PersonInfo> queryPersonInfoAsync(String certType, String certNo, String psnName) {
        return async(() -> queryPersonInfo(certType, certNo, psnName));
    }

    /** 【1201】医药机构信息获取. */
    public InstitutionInfo queryInstitutionInfo(String institutionCode) throws MedicalInsuranceException {
        return queryInstitutionInfo(Map.of("medinsinfo", Map.of("fixmedins_code", institutionCode)));
    }

    public CompletableFuture<InstitutionInfo> queryInstitutionInfoAsync(String institutionCode) {
        return async(() -> queryInstitutionInfo(institutionCode));
    }

    /**
     * 【2001】人员待遇享受检查 — the bureau checks every benefit at once; {@code checkItems} is the spec's
     * wording and is not sent. Sent: psn_no, this institution, 险种 310 and 医疗类别 11 (as the Python SDK's
     * defaults) and now; {@code fields} (bureau names) replace any of them.
     */
    public BenefitCheckResult benefitCheck(String personNo, List<String> checkItems, Map<String, ?> fields)
            throws MedicalInsuranceException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("psn_no", personNo);
        data.put("insutype", "310");
        data.put("fixmedins_code", config.institutionCode);
        data.put("med_type", "11");
        data.put("begntime", LocalDateTime.now(BEIJING).format(DATE_TIME));
        if (fields != null) {
            data.putAll(fields);
        }
        return benefitCheck(Map.of("data", data));
    }

    public BenefitCheckResult benefitCheck(String personNo, List<String> checkItems) throws MedicalInsuranceException {
        return benefitCheck(personNo, checkItems, null);
    }

    /** 【§3.2.1】The operations as one gateway batch; waits for its end (at most 300 s). */
    public BatchResult batchUpload(List<BatchOperation> operations) throws MedicalInsuranceException {
        return gateway.submitBatch(operations, null, true, 5, 300);
    }

    public CompletableFuture<BatchResult> batchUploadAsync(List<BatchOperation> operations) {
        return async(() -> batchUpload(operations));
    }

    // ----------------------------------------------------------------------------------------- helpers

    /** A blocking SDK call on the SDK's threads; its MedicalInsuranceException is the future's cause. */
    public <T> CompletableFuture<T> async(Call<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.run();
            } catch (MedicalInsuranceException e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    /** A call that may fail with a MedicalInsuranceException. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws MedicalInsuranceException;
    }

    private static OperationInfo operation(String key) throws MedicalInsuranceException {
        OperationInfo op = Operations.find(key);
        if (op == null) {
            throw Errors.forCode(20001, "不支持的接口类型: " + key);
        }
        return op;
    }
}
