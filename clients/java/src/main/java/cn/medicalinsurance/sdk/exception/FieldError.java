package cn.medicalinsurance.sdk.exception;

/** One problem with one field of a message: {@code 30002 - 必填字段缺失: mdtrtinfo.mdtrt_id}. */
public final class FieldError {
    private final int code;
    private final String field;
    private final String message;

    public FieldError(int code, String field, String message) {
        this.code = code;
        this.field = field;
        this.message = message;
    }

    public int getCode() {
        return code;
    }

    /** The field's path in the message, e.g. {@code data.psn_no}. */
    public String getField() {
        return field;
    }

    public String getMessage() {
        return message;
    }

    @Override
    public String toString() {
        return message != null && !message.isEmpty() ? message : code + ": " + field;
    }
}
