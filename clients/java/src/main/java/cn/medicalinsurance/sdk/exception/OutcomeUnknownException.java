package cn.medicalinsurance.sdk.exception;

/**
 * A write or money call may or may not have taken effect at the bureau: never success, never sent again.
 *
 * <p>{@link #getMsgid()} is the message on the wire; {@link #getOutcome()} is "unknown" while the gateway's
 * compensation runs and "reversed" once a 2601 冲正 undid it. {@link #isRetry()} is always false: look the
 * settlement up first (by msgid, or 5203/2207 queries), never send the call again blindly.
 */
public class OutcomeUnknownException extends MedicalInsuranceException {
    private static final long serialVersionUID = 1L;

    private final String outcome;

    public OutcomeUnknownException(int code, String message, String outcome) {
        super(code, message);
        this.outcome = outcome == null ? "unknown" : outcome;
        forceNoRetry();
    }

    @Override
    void apply(Errors.Extra extra) {
        super.apply(extra);
        forceNoRetry(); // whatever the answer said: resolve it, never send it again
    }

    /** "unknown" or "reversed". */
    public String getOutcome() {
        return outcome;
    }
}
