package cn.medicalinsurance.sdk.exception;

/** 10001 10002 10003 10006 20010: a malformed request. */
public class RequestException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public RequestException(int code, String message) {
        super(code, message);
    }
}
