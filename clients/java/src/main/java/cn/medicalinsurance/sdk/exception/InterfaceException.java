package cn.medicalinsurance.sdk.exception;

/** 2xxxx; 20003 itself: no usable bureau answer. */
public class InterfaceException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public InterfaceException(int code, String message) {
        super(code, message);
    }
}
