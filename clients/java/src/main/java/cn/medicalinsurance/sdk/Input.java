package cn.medicalinsurance.sdk;

import java.util.LinkedHashMap;
import java.util.Map;

/** A transaction's input: the bureau {@code input} as nodes ({"data": {...}}) or one node's flat fields. */
public interface Input {
    Map<String, Object> toInput();

    /** A plain map as an Input (node form or a single node's flat fields, as the Python SDK accepts). */
    static Input of(Map<String, ?> input) {
        Map<String, Object> copy = new LinkedHashMap<>(input);
        return () -> copy;
    }
}
