package cn.medicalinsurance.sdk;

import java.util.Map;

/** One successful gateway answer (§1.3), or the file a download returned. Read through {@link Result}. */
public final class Answer {
    public final String infno;
    public final Object data;
    public final String message;
    public final String requestId;
    public final String msgid;
    public final Map<String, Object> pagination;
    public final byte[] content;
    public final String filename;
    public final int status;

    public Answer(String infno, Object data, String message, String requestId, String msgid,
            Map<String, Object> pagination, byte[] content, String filename, int status) {
        this.infno = infno;
        this.data = data;
        this.message = message;
        this.requestId = requestId;
        this.msgid = msgid;
        this.pagination = pagination;
        this.content = content;
        this.filename = filename;
        this.status = status;
    }

    Answer withInfno(String value) {
        return new Answer(value, data, message, requestId, msgid, pagination, content, filename, status);
    }
}
