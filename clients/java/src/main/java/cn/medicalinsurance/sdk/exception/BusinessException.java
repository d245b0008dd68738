package cn.medicalinsurance.sdk.exception;

/** 5xxxx: a business refusal (HTTP 404/409); sending it again gets the same answer. */
public class BusinessException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public BusinessException(int code, String message) {
        super(code, message);
    }
}
