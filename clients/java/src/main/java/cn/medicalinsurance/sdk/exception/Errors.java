package cn.medicalinsurance.sdk.exception;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The one code → class mapping of this SDK (Python: exceptions.exception_for). */
public final class Errors {
    private Errors() {}

    /** What an answer said beyond code and message. */
    public static final class Extra {
        public Boolean retry;
        public Double retryAfter;
        public Integer httpStatus;
        public String infno;
        public String msgid;
        public String traceId;
        public Integer infcode;
        public List<FieldError> errors = List.of();
        public final Map<String, Object> details = new LinkedHashMap<>();
    }

    /** The exception for {@code code}; a 5xxxx the bureau gave (infcode set) is a BureauRefusalException. */
    public static MedicalInsuranceException forCode(int code, String message, Extra extra) {
        Extra x = extra == null ? new Extra() : extra;
        MedicalInsuranceException e = build(code, message, x);
        e.apply(x);
        return e;
    }

    public static MedicalInsuranceException forCode(int code, String message) {
        return forCode(code, message, null);
    }

    /** An unknown outcome of a write or money call: retry is false whatever else is said. */
    public static OutcomeUnknownException outcomeUnknown(int code, String message, String outcome, Extra extra) {
        OutcomeUnknownException e = new OutcomeUnknownException(code, message, outcome);
        Extra x = extra == null ? new Extra() : extra;
        x.details.putIfAbsent("outcome", e.getOutcome());
        e.apply(x);
        return e;
    }

    private static MedicalInsuranceException build(int code, String message, Extra x) {
        switch (code) {
            case 10001: case 10002: case 10003: case 10006: case 20010:
                return new RequestException(code, message);
            case 10007: case 10008: case 20008: case 20009:
                return new AuthenticationException(code, message);
            case 10009:
                return new PermissionDeniedException(code, message);
            case 10004:
                return new RateLimitException(code, message);
            case 10005: case 10010:
                return new ServiceUnavailableException(code, message);
            case 20001: case 20002:
                return new UnsupportedInterfaceException(code, message);
            case 20003:
                return new InterfaceException(code, message);
            case 20004:
                return new ResponseFormatException(code, message);
            case 20005:
                return new BureauTimeoutException(code, message);
            case 20006:
                return new BureauException(code, message);
            case 20007:
                return new DuplicateMessageException(code, message);
            default:
                break;
        }
        switch (code / 10000) {
            case 3:
                return new DataValidationException(code, message, x.errors);
            case 4:
                return new FileException(code, message);
            case 5:
                if (x.infcode != null) {
                    if (x.retry == null) {
                        x.retry = false;
                    }
                    return new BureauRefusalException(code, message);
                }
                return new BusinessException(code, message);
            case 6:
                return new SystemException(code, message);
            default:
                return new MedicalInsuranceException(code, message);
        }
    }
}
