package cn.medicalinsurance.sdk.exception;

/** 20005: the bureau (or the gateway) did not answer in time. */
public class BureauTimeoutException extends InterfaceException {
    private static final long serialVersionUID = 1L;

    public BureauTimeoutException(int code, String message) {
        super(code, message);
    }
}
