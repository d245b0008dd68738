package cn.medicalinsurance.sdk.exception;

/** 4xxxx: file errors. */
public class FileException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    public FileException(int code, String message) {
        super(code, message);
    }
}
