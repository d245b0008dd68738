package cn.medicalinsurance.sdk.exception;

/** 10005 10010: the gateway is unavailable or under maintenance. */
public class ServiceUnavailableException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public ServiceUnavailableException(int code, String message) {
        super(code, message);
    }
}
