package cn.medicalinsurance.sdk;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** One input node (or one row of a list node): bureau field name → value. Generated classes add typed setters. */
public abstract class NodeBody {
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    final Map<String, Object> fields = new LinkedHashMap<>();

    /** Sets a bureau field by its own name (null removes it): for fields the table does not list. */
    protected void put(String name, Object value) {
        if (value == null) {
            fields.remove(name);
        } else {
            fields.put(name, value);
        }
    }

    public Map<String, Object> toMap() {
        return new LinkedHashMap<>(fields);
    }

    /** An amount given as text, checked to be a number: "12.50" stays exactly 12.50. */
    protected static BigDecimal asDecimal(String value) {
        return value == null ? null : new BigDecimal(value.trim());
    }

    protected static String asDate(LocalDate value) {
        return value == null ? null : value.toString();
    }

    protected static String asDateTime(LocalDateTime value) {
        return value == null ? null : value.format(DATE_TIME);
    }
}
