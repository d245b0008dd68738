package cn.medicalinsurance.sdk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A transaction's typed input: its nodes by name. The generated {@code *Request} classes extend it. */
public abstract class RequestBody implements Input {
    private final Map<String, Object> nodes = new LinkedHashMap<>();

    /** A field of node {@code node} (a single, non-list node); null removes it. */
    @SuppressWarnings("unchecked")
    protected void field(String node, String name, Object value) {
        Map<String, Object> target = (Map<String, Object>) nodes.computeIfAbsent(node, k -> new LinkedHashMap<>());
        if (value == null) {
            target.remove(name);
        } else {
            target.put(name, value);
        }
    }

    protected void putNode(String name, NodeBody node) {
        if (node == null) {
            nodes.remove(name);
        } else {
            nodes.put(name, node);
        }
    }

    @SuppressWarnings("unchecked")
    protected void addRow(String name, NodeBody row) {
        Object rows = nodes.computeIfAbsent(name, k -> new ArrayList<Object>());
        ((List<Object>) rows).add(row);
    }

    protected void putRows(String name, List<? extends NodeBody> rows) {
        nodes.put(name, new ArrayList<Object>(rows));
    }

    /** A whole node by name, as a map or list of maps (for nodes the table does not list). */
    protected void putRaw(String name, Object value) {
        nodes.put(name, value);
    }

    protected static java.math.BigDecimal asDecimal(String value) {
        return NodeBody.asDecimal(value);
    }

    protected static String asDate(java.time.LocalDate value) {
        return NodeBody.asDate(value);
    }

    protected static String asDateTime(java.time.LocalDateTime value) {
        return NodeBody.asDateTime(value);
    }

    @Override
    public Map<String, Object> toInput() {
        Map<String, Object> out = new LinkedHashMap<>();
        nodes.forEach((name, value) -> out.put(name, plain(value)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object plain(Object value) {
        if (value instanceof NodeBody) {
            return ((NodeBody) value).toMap();
        }
        if (value instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object item : (List<Object>) value) {
                out.add(plain(item));
            }
            return out;
        }
        if (value instanceof Map) {
            return new LinkedHashMap<>((Map<String, Object>) value);
        }
        return value;
    }
}
