package cn.medicalinsurance.sdk.exception;

/** 10007 10008 20008 20009: the API key, token or institution was refused (HTTP 401). */
public class AuthenticationException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(int code, String message) {
        super(code, message);
    }
}
