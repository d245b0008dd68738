package cn.medicalinsurance.sdk.exception;

/** 20004: the answer was not the gateway's JSON. */
public class ResponseFormatException extends InterfaceException {
    private static final long serialVersionUID = 1L;

    public ResponseFormatException(int code, String message) {
        super(code, message);
    }
}
