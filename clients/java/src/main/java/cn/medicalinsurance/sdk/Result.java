package cn.medicalinsurance.sdk;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer to one transaction: the bureau output as the gateway passed it on ({@link #getRaw()}), plus the
 * spec's friendly names, filled by the generated subclasses from the registry's result table. A path there
 * is "node.field", "node[].field" (first row that has it), "*.field" (anywhere) or "@msgid" / "@request_id".
 */
public class Result {
    private final Answer answer;
    private final Map<String, Object> friendly = new LinkedHashMap<>();

    public Result(Answer answer) {
        this(answer, new String[0][]);
    }

    /** {@code fields}: rows of {friendly name, kind (str/decimal/int), path, path …}. */
    protected Result(Answer answer, String[][] fields) {
        this.answer = answer;
        for (String[] row : fields) {
            Object found = null;
            for (int i = 2; i < row.length && found == null; i++) {
                found = pick(row[i]);
            }
            if (found != null) {
                friendly.put(row[0], convert(row[1], found));
            }
        }
    }

    public String getInfno() {
        return answer.infno;
    }

    /** The bureau {@code output} exactly as the gateway passed it on (numbers are BigDecimal). */
    public Object getRaw() {
        return answer.data;
    }

    public String getMsgid() {
        return answer.msgid;
    }

    public String getRequestId() {
        return answer.requestId;
    }

    public String getMessage() {
        return answer.message;
    }

    /** §1.4 pagination of a paged answer, else null. */
    public Map<String, Object> getPagination() {
        return answer.pagination;
    }

    public String getStatus() {
        return "success";
    }

    /** A downloaded file's bytes (9102), else null. */
    public byte[] getContent() {
        return answer.content;
    }

    /** A downloaded file's name (9102), else null. */
    public String getFilename() {
        return answer.filename;
    }

    /** The friendly values found in this answer, by name. */
    public Map<String, Object> getFriendly() {
        return Collections.unmodifiableMap(friendly);
    }

    /** The first value of bureau field {@code field} anywhere in the output ({@code get("setl_id")}). */
    public Object get(String field) {
        return deep(answer.data, field);
    }

    /** {@link #get} as an exact decimal (amounts), or null. */
    public BigDecimal getDecimal(String field) {
        Object value = get(field);
        return value == null ? null : (BigDecimal) convert("decimal", value);
    }

    /** {@link #get} as text, or null. */
    public String getString(String field) {
        Object value = get(field);
        return value == null ? null : (String) convert("str", value);
    }

    /** The rows of list node {@code node} (a single object counts as one row). */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> rows(String node) {
        Object source = answer.data instanceof Map ? ((Map<String, Object>) answer.data).get(node) : null;
        return asRows(source);
    }

    /** The answer's rows wherever they are: a bare list, "data", or the first list node. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> rows() {
        Object source = answer.data;
        if (source instanceof Map) {
            Map<String, Object> map = (Map<String, Object>) source;
            Object data = map.get("data");
            Object first = map.values().stream().filter(v -> v instanceof List).findFirst().orElse(null);
            source = data instanceof List ? data : first != null ? first : source;
        }
        return asRows(source);
    }

    protected String text(String name) {
        return (String) friendly.get(name);
    }

    protected BigDecimal decimal(String name) {
        return (BigDecimal) friendly.get(name);
    }

    protected Integer integer(String name) {
        return (Integer) friendly.get(name);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "【" + answer.infno + "】" + friendly;
    }

    // ------------------------------------------------------------------------------------------ paths

    private Object pick(String path) {
        Object value;
        if (path.startsWith("@")) {
            value = "@msgid".equals(path) ? answer.msgid : "@request_id".equals(path) ? answer.requestId : null;
        } else {
            value = path(answer.data, path);
        }
        return empty(value) ? null : value;
    }

    @SuppressWarnings("unchecked")
    static Object path(Object raw, String path) {
        if (path.startsWith("*.")) {
            return deep(raw, path.substring(2));
        }
        Object node = raw;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.endsWith("[]")) {
                Object list = node instanceof Map ? ((Map<String, Object>) node).get(part.substring(0, part.length() - 2)) : null;
                String rest = String.join(".", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
                for (Map<String, Object> row : asRows(list)) {
                    Object value = path(row, rest);
                    if (!empty(value)) {
                        return value;
                    }
                }
                return null;
            }
            node = node instanceof Map ? ((Map<String, Object>) node).get(part) : null;
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    static Object deep(Object node, String field) {
        if (node instanceof Map) {
            Map<String, Object> map = (Map<String, Object>) node;
            Object value = map.get(field);
            if (!empty(value) && !(value instanceof Map) && !(value instanceof List)) {
                return value;
            }
            for (Object child : map.values()) {
                Object found = deep(child, field);
                if (found != null) {
                    return found;
                }
            }
        } else if (node instanceof List) {
            for (Object child : (List<Object>) node) {
                Object found = deep(child, field);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static boolean empty(Object value) {
        return value == null || "".equals(value);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> asRows(Object value) {
        List<Map<String, Object>> rows = new ArrayList<>();
        if (value instanceof Map) {
            rows.add((Map<String, Object>) value);
        } else if (value instanceof List) {
            for (Object item : (List<Object>) value) {
                if (item instanceof Map) {
                    rows.add((Map<String, Object>) item);
                }
            }
        }
        return rows;
    }

    /** A value of the answer as the friendly kind says: amounts exact (never through a double). */
    static Object convert(String kind, Object value) {
        switch (kind) {
            case "decimal":
                if (value instanceof BigDecimal) {
                    return value;
                }
                return new BigDecimal(value.toString().trim());
            case "int":
                return value instanceof BigDecimal ? ((BigDecimal) value).intValueExact() : Integer.valueOf(value.toString().trim());
            default:
                return value instanceof BigDecimal ? ((BigDecimal) value).toPlainString() : value.toString();
        }
    }
}
