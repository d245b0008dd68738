package cn.medicalinsurance.sdk.exception;

/** 20001 20002: no such transaction. */
public class UnsupportedInterfaceException extends InterfaceException {
    private static final long serialVersionUID = 1L;

    public UnsupportedInterfaceException(int code, String message) {
        super(code, message);
    }
}
