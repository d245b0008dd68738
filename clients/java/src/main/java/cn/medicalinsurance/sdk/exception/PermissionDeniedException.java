package cn.medicalinsurance.sdk.exception;

/** 10009: the caller's role may not call this (HTTP 403). */
public class PermissionDeniedException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public PermissionDeniedException(int code, String message) {
        super(code, message);
    }
}
