package cn.medicalinsurance.sdk;

import java.util.LinkedHashMap;
import java.util.Map;

/** Per-call choices; unset means the configured default. {@code CallOptions.create().timeout(5)}. */
public final class CallOptions {
    Double timeout;
    Integer maxAttempts;
    String requestId;
    String idempotencyKey;
    String operator;
    String operatorName;
    String insuplcAdmdvs;
    final Map<String, String> headers = new LinkedHashMap<>();

    public static CallOptions create() {
        return new CallOptions();
    }

    /** Seconds for the whole answer of this call. */
    public CallOptions timeout(double seconds) {
        this.timeout = seconds;
        return this;
    }

    /** Attempts in total (the retry policy still decides whether a further attempt is allowed). */
    public CallOptions maxAttempts(int attempts) {
        this.maxAttempts = attempts;
        return this;
    }

    /** X-Request-ID (one id for every attempt of the call); default a fresh one. */
    public CallOptions requestId(String id) {
        this.requestId = id;
        return this;
    }

    /** Idempotency-Key of a write or money call: the same key and input answer the first outcome again. */
    public CallOptions idempotencyKey(String key) {
        this.idempotencyKey = key;
        return this;
    }

    /** 经办人 of the message (X-Operator / X-Operator-Name; Chinese is sent percent-encoded). */
    public CallOptions operator(String code, String name) {
        this.operator = code;
        this.operatorName = name;
        return this;
    }

    /** 参保地医保区划 of the person (X-Insuplc-Admdvs). */
    public CallOptions insuplcAdmdvs(String admdvs) {
        this.insuplcAdmdvs = admdvs;
        return this;
    }

    public CallOptions header(String name, String value) {
        headers.put(name, value);
        return this;
    }
}
