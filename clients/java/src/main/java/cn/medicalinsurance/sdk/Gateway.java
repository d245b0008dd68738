package cn.medicalinsurance.sdk;

import cn.medicalinsurance.sdk.exception.Errors;
import cn.medicalinsurance.sdk.exception.MedicalInsuranceException;
import cn.medicalinsurance.sdk.generated.Operations;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The gateway's own endpoints (§3.2–§3.5): batches, async tasks, files, universal query.
 *
 * <p>Same request loop and error mapping as the transactions. Retry: reads (status, result, parse, download,
 * query) are asked again when the answer was lost; a batch submit too (the gateway answers a repeated
 * batch_id with the first run); creating a task or uploading a file only when the request never left — a
 * lost answer to them is an OutcomeUnknownException (retry false).
 */
public final class Gateway {
    private static final int SERVER_WAIT_S = 60;
    private static final int PAGE = 1000;

    private final Core core;

    Gateway(Core core) {
        this.core = core;
    }

    /** One request to {@code path} (relative to the API base), JSON body or query, under {@code safety}. */
    public Answer exchange(Safety safety, String method, String path, Object body, Map<String, ?> params, boolean file)
            throws MedicalInsuranceException {
        String requestId = Core.newRequestId();
        List<String[]> query = new ArrayList<>();
        if (params != null) {
            params.forEach((k, v) -> query.add(new String[] {k, String.valueOf(v)}));
        }
        String url = core.config.apiBaseUrl + path + (query.isEmpty() ? "" : "?" + Core.queryString(query));
        return core.send(attempt -> {
            HttpRequest.Builder b = core.base(url, requestId, attempt, core.config.timeout);
            if (body == null) {
                return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
            }
            b.header("Content-Type", "application/json; charset=utf-8");
            return b.method(method, HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8)).build();
        }, safety, requestId, null, null, file);
    }

    // ------------------------------------------------------------------------------------------ batches

    /**
     * 【§3.2.1】The operations as one gateway batch; waits for its end and answers every operation. The same
     * batch_id sent again answers the first run (nothing runs twice); 20005 (retry false) when it has not
     * ended within {@code timeoutSeconds} — then ask {@link #batchStatus}, never submit it anew.
     */
    public BatchResult submitBatch(List<BatchOperation> operations, String batchId, boolean stopOnError,
            int maxConcurrent, double timeoutSeconds) throws MedicalInsuranceException {
        String id = batchId != null ? batchId : "BATCH" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
                + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        List<Map<String, Object>> ops = new ArrayList<>();
        for (int i = 0; i < operations.size(); i++) {
            ops.add(operations.get(i).toMap(i + 1));
        }
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("stop_on_error", stopOnError);
        options.put("max_concurrent", maxConcurrent);
        options.put("wait", (int) Math.min(timeoutSeconds, SERVER_WAIT_S));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("batch_id", id);
        body.put("operations", ops);
        body.put("options", options);
        Map<String, Object> view = Answers.map(exchange(Safety.QUERY, "POST", "batch/data-upload", body, null, false).data);
        long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
        while (!finished(view.get("status"))) {
            if (System.nanoTime() >= deadline) {
                Errors.Extra extra = new Errors.Extra();
                extra.retry = false;
                throw Errors.forCode(20005, "批次 " + id + " 在 " + timeoutSeconds + " 秒内未完成，可用 batchStatus 查询进度", extra);
            }
            sleep(1.0);
            view = Answers.map(batchStatus(id, 1, 1).data);
        }
        List<BatchResult.Item> items = new ArrayList<>();
        for (int page = 1; ; page++) {
            Answer answer = batchStatus(id, page, PAGE);
            Object rows = Answers.map(answer.data).get("operations");
            for (Map<String, Object> op : Result.asRows(rows)) {
                items.add(item(op, answer.requestId));
            }
            if (answer.pagination == null || !Boolean.TRUE.equals(answer.pagination.get("has_next"))) {
                break;
            }
        }
        return new BatchResult(id, Answers.str(view.get("status")), items);
    }

    private static BatchResult.Item item(Map<String, Object> op, String requestId) {
        String status = Answers.str(op.get("status"));
        String infno = Answers.str(op.get("infno"));
        Result result = null;
        if ("success".equals(status) && infno != null && Operations.find(infno) != null) {
            Answer answer = new Answer(infno, op.get("output"), null, requestId, Answers.str(op.get("msgid")), null, null, null, 200);
            result = Operations.result(Operations.find(infno).resultType, answer);
        }
        Object sequence = op.get("sequence");
        return new BatchResult.Item(sequence == null ? 0 : Integer.parseInt(sequence.toString()), Answers.str(op.get("interface_type")),
                infno, status, result, Answers.operationError(op, requestId));
    }

    /** 【§3.2.3】Counts, progress and one page of operations of a batch. */
    public Answer batchStatus(String batchId, int page, int pageSize) throws MedicalInsuranceException {
        return exchange(Safety.QUERY, "GET", "batch/status/" + batchId, null, Map.of("page", page, "page_size", pageSize), false);
    }

    // -------------------------------------------------------------------------------------------- tasks

    /** 【§3.3.1】A transaction, batch or catalogue sync run in the background: {"interface_type", "data"} … */
    public TaskInfo createTask(String taskType, Map<String, ?> taskData) throws MedicalInsuranceException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("task_type", taskType);
        body.put("task_data", taskData);
        return new TaskInfo(Answers.map(exchange(Safety.WRITE, "POST", "async/create-task", body, null, false).data));
    }

    /** 【§3.3.2】Status and progress of a task. */
    public TaskInfo taskStatus(String taskId) throws MedicalInsuranceException {
        return new TaskInfo(Answers.map(exchange(Safety.QUERY, "GET", "async/task-status/" + taskId, null, null, false).data));
    }

    /** 【§3.3.3】The finished task with its result; a failed task raises its operation's error. */
    public TaskInfo taskResult(String taskId) throws MedicalInsuranceException {
        return new TaskInfo(Answers.map(exchange(Safety.QUERY, "GET", "async/task-result/" + taskId, null, null, false).data));
    }

    /** Polls a task until it ends, then its result (a failed task raises its error). */
    public TaskInfo waitTask(String taskId, double timeoutSeconds) throws MedicalInsuranceException {
        long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
        while (!taskStatus(taskId).isFinished()) {
            if (System.nanoTime() >= deadline) {
                Errors.Extra extra = new Errors.Extra();
                extra.retry = false;
                throw Errors.forCode(20005, "任务 " + taskId + " 在 " + timeoutSeconds + " 秒内未完成", extra);
            }
            sleep(0.5);
        }
        return taskResult(taskId);
    }

    // -------------------------------------------------------------------------------------------- files

    /** 【§3.4.1】Uploads a file; answers the gateway's file info (file_id, sha256, size …). */
    public Map<String, Object> uploadFile(byte[] content, String filename) throws MedicalInsuranceException {
        String requestId = Core.newRequestId();
        String boundary = "----mi" + UUID.randomUUID().toString().replace("-", "");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + filename.replace("\"", "") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] body = out.toByteArray();
        Answer answer = core.send(attempt -> core.base(core.config.apiBaseUrl + "file/upload", requestId, attempt, core.config.timeout)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), Safety.WRITE, requestId, null, null, false);
        return Answers.map(answer.data);
    }

    /** 【§3.4.2】Parses a stored file (catalog, 3202_detail, fee_list …). */
    public Answer parseFile(String fileId, String kind, Map<String, ?> options) throws MedicalInsuranceException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("file_id", fileId);
        if (kind != null) {
            body.put("kind", kind);
        }
        if (options != null) {
            body.putAll(options);
        }
        return exchange(Safety.QUERY, "POST", "file/parse", body, null, false);
    }

    /** 【§3.4.3】A stored file's bytes. */
    public byte[] downloadFile(String fileId) throws MedicalInsuranceException {
        return exchange(Safety.QUERY, "GET", "file/download/" + fileId, null, null, true).content;
    }

    // -------------------------------------------------------------------------------------------- query

    /** 【§3.5.1】Stored interface data or the call log (query_type "interface_data" / "call_log"), paged. */
    public Answer universalQuery(String queryType, Map<String, ?> filters, int page, int pageSize) throws MedicalInsuranceException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("query_type", queryType);
        body.put("filters", filters == null ? Map.of() : filters);
        body.put("pagination", Map.of("page", page, "page_size", pageSize));
        return exchange(Safety.QUERY, "POST", "query/universal", body, null, false);
    }

    private static boolean finished(Object status) {
        return "completed".equals(status) || "failed".equals(status);
    }

    private static void sleep(double seconds) throws MedicalInsuranceException {
        try {
            Thread.sleep((long) (seconds * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.forCode(60010, "等待被中断");
        }
    }
}
