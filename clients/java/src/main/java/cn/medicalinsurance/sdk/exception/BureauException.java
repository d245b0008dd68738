package cn.medicalinsurance.sdk.exception;

/** 20006: the bureau answered infcode != 0 at system level (-1); see getInfcode(). */
public class BureauException extends InterfaceException {
    private static final long serialVersionUID = 1L;

    public BureauException(int code, String message) {
        super(code, message);
    }
}
