package cn.medicalinsurance.sdk.exception;

/** 6xxxx: the gateway's own systems failed. */
public class SystemException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public SystemException(int code, String message) {
        super(code, message);
    }
}
