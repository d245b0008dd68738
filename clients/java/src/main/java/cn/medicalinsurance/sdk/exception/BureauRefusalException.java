package cn.medicalinsurance.sdk.exception;

/** 5000x the bureau itself gave (infcode -2): nothing took effect. (Python's BureauRefusalError is also a BureauError; Java has one parent, so it is a BusinessException and keeps getInfcode().) */
public class BureauRefusalException extends BusinessException {
    private static final long serialVersionUID = 1L;

    public BureauRefusalException(int code, String message) {
        super(code, message);
    }
}
