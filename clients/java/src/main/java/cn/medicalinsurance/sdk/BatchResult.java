package cn.medicalinsurance.sdk;

import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import java.util.List;

/** The outcome of a batch: every operation's result or error ({@code getSuccessCount()}/{@code getTotalCount()}). */
public final class BatchResult {
    /** One operation: its result, or the exception it would have raised called alone. */
    public static final class Item {
        public final int sequence;
        public final String interfaceType;
        public final String infno;
        public final boolean success;
        public final String status;
        public final Result result;
        public final MedicalInsuranceException exception;

        Item(int sequence, String interfaceType, String infno, String status, Result result,
                MedicalInsuranceException exception) {
            this.sequence = sequence;
            this.interfaceType = interfaceType;
            this.infno = infno;
            this.status = status;
            this.success = "success".equals(status);
            this.result = result;
            this.exception = exception;
        }
    }

    private final String batchId;
    private final String status;
    private final List<Item> items;

    BatchResult(String batchId, String status, List<Item> items) {
        this.batchId = batchId;
        this.status = status;
        this.items = List.copyOf(items);
    }

    public String getBatchId() {
        return batchId;
    }

    /** The gateway's batch status: completed / failed (any failed operation makes it "failed"). */
    public String getStatus() {
        return status;
    }

    public List<Item> getItems() {
        return items;
    }

    public int getTotalCount() {
        return items.size();
    }

    public int getSuccessCount() {
        return (int) items.stream().filter(i -> i.success).count();
    }

    public int getFailedCount() {
        return getTotalCount() - getSuccessCount();
    }
}
