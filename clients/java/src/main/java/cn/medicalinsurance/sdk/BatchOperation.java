package cn.medicalinsurance.sdk;

import java.util.LinkedHashMap;
import java.util.Map;

/** One operation of a batch (§3.2.1): interface_type (or infno), the bureau data, sequence. */
public final class BatchOperation {
    private String interfaceType;
    private Object data = Map.of();
    private Integer sequence;
    private String idempotencyKey;

    public static BatchOperation builder() {
        return new BatchOperation();
    }

    public BatchOperation build() {
        return this;
    }

    /** interface_type (outpatient_settle …), infno (2207) or SDK method name. */
    public BatchOperation interfaceType(String value) {
        this.interfaceType = value;
        return this;
    }

    /** The bureau input: node form or a single node's flat fields (a Map, or a generated *Request). */
    public BatchOperation data(Object value) {
        this.data = value instanceof Input ? ((Input) value).toInput() : value;
        return this;
    }

    public BatchOperation sequence(int value) {
        this.sequence = value;
        return this;
    }

    /** For a write/money operation: the gateway never sends it twice under the same key. */
    public BatchOperation idempotencyKey(String value) {
        this.idempotencyKey = value;
        return this;
    }

    Map<String, Object> toMap(int position) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("interface_type", interfaceType);
        out.put("data", data);
        out.put("sequence", sequence != null ? sequence : position);
        if (idempotencyKey != null) {
            out.put("idempotency_key", idempotencyKey);
        }
        return out;
    }
}
