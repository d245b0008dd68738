package cn.medicalinsurance.sdk.exception;

import java.util.Collections;
import java.util.List;

/** 3xxxx (HTTP 422): every field problem of one message, in {@link #getErrors()}. */
public class DataValidationException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    private final List<FieldError> errors;

    public DataValidationException(int code, String message, List<FieldError> errors) {
        super(code, message);
        this.errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public DataValidationException(int code, String message) {
        this(code, message, List.of());
    }

    public List<FieldError> getErrors() {
        return Collections.unmodifiableList(errors);
    }
}
