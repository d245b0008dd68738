package cn.medicalinsurance.sdk;

/** A transaction's safety class (the registry's): what the retry policy may do with it. */
public enum Safety {
    /** a read: may be asked again when the answer was lost or the server failed */
    QUERY,
    /** changes state at the bureau: sent again only when it provably never left, or on a 429 */
    WRITE,
    /** moves money: like WRITE, and an unknown outcome must be resolved, never re-sent */
    MONEY
}
