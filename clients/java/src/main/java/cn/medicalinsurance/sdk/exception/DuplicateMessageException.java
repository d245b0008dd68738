package cn.medicalinsurance.sdk.exception;

/** 20007: 报文ID重复. */
public class DuplicateMessageException extends InterfaceException {
    private static final long serialVersionUID = 1L;

    public DuplicateMessageException(int code, String message) {
        super(code, message);
    }
}
