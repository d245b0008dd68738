package cn.medicalinsurance.sdk;

import java.math.BigDecimal;
import java.util.Map;

/** An async task (§3.3): status pending / processing / completed / failed, progress in %. */
public final class TaskInfo {
    private final Map<String, Object> raw;

    TaskInfo(Map<String, Object> raw) {
        this.raw = raw;
    }

    public String getTaskId() {
        return Answers.str(raw.get("task_id"));
    }

    public String getTaskType() {
        return Answers.str(raw.get("task_type"));
    }

    public String getStatus() {
        return Answers.str(raw.get("status"));
    }

    public int getProgress() {
        Object p = raw.get("progress");
        return p instanceof BigDecimal ? ((BigDecimal) p).intValue() : 0;
    }

    public boolean isFinished() {
        return "completed".equals(getStatus()) || "failed".equals(getStatus());
    }

    /** The finished task's result (task-result only), as the gateway sent it. */
    public Object getResult() {
        return raw.get("result");
    }

    public Map<String, Object> getRaw() {
        return raw;
    }
}
