<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

use MedicalInsurance\Sdk\Exception\Errors;
use MedicalInsurance\Sdk\Generated\Operations;
use MedicalInsurance\Sdk\Http\Request;

/**
 * The gateway's own endpoints (§3.2–§3.5): batches, async tasks, files, universal query. Same request loop
 * and error mapping as the transactions. Reads (status, result, parse, download, query) are asked again
 * when the answer was lost; a batch submit too (the gateway answers a repeated batch_id with the first
 * run); creating a task or uploading a file only when the request never left.
 */
final class Gateway
{
    private const SERVER_WAIT_S = 60;
    private const PAGE = 1000;

    public function __construct(private readonly Core $core)
    {
    }

    /**
     * One request to $path (relative to the API base), JSON body or query, under $safety.
     *
     * @param array<string, mixed>|null $params
     */
    public function exchange(
        Safety $safety,
        string $method,
        string $path,
        mixed $body = null,
        ?array $params = null,
        bool $file = false,
    ): Answer {
        $requestId = Core::newRequestId();
        $url = $this->core->config->apiBaseUrl . $path;
        if ($params) {
            $url .= '?' . http_build_query($params, '', '&', PHP_QUERY_RFC3986);
        }
        $config = $this->core->config;
        return $this->core->send(function (int $attempt) use ($method, $url, $body, $requestId, $config): Request {
            $headers = $this->core->headers($requestId, $attempt);
            $text = null;
            if ($body !== null) {
                $headers['Content-Type'] = 'application/json; charset=utf-8';
                $text = Json::encode($body);
            }
            return new Request($method, $url, $headers, $text, $config->timeout, $config->connectTimeout);
        }, $safety, $requestId, null, null, $file);
    }

    /**
     * 【§3.2.1】The operations as one gateway batch; waits for its end and answers every operation.
     * An operation is ['interface_type' => 'person_info' or '1101', 'data' => input, 'sequence' => n].
     * A batch that has not ended within $timeout seconds is 20005 (retry false): ask batchStatus().
     *
     * @param list<array<string, mixed>> $operations
     */
    public function submitBatch(
        array $operations,
        ?string $batchId = null,
        bool $stopOnError = false,
        int $maxConcurrent = 5,
        float $timeout = 300,
    ): BatchResult {
        $id = $batchId ?? 'BATCH' . date('YmdHis') . strtoupper(bin2hex(random_bytes(4)));
        $ops = [];
        foreach (array_values($operations) as $i => $op) {
            $ops[] = $op + ['sequence' => $i + 1];
        }
        $body = [
            'batch_id' => $id,
            'operations' => $ops,
            'options' => [
                'stop_on_error' => $stopOnError,
                'max_concurrent' => $maxConcurrent,
                'wait' => (int) min($timeout, self::SERVER_WAIT_S),
            ],
        ];
        $view = Answers::map($this->exchange(Safety::Query, 'POST', 'batch/data-upload', $body)->data);
        $deadline = microtime(true) + $timeout;
        while (!in_array($view['status'] ?? null, ['completed', 'failed'], true)) {
            if (microtime(true) >= $deadline) {
                throw Errors::forCode(20005, "批次 {$id} 在 {$timeout} 秒内未完成，可用 batchStatus 查询进度", ['retry' => false]);
            }
            usleep(1_000_000);
            $view = Answers::map($this->batchStatus($id, 1, 1)->data);
        }
        $items = [];
        for ($page = 1;; $page++) {
            $answer = $this->batchStatus($id, $page, self::PAGE);
            foreach (Result::asRows(Answers::map($answer->data)['operations'] ?? null) as $op) {
                $items[] = self::item($op, (string) $answer->requestId);
            }
            if (($answer->pagination['has_next'] ?? false) !== true) {
                break;
            }
        }
        return new BatchResult($id, (string) ($view['status'] ?? ''), $items);
    }

    /** @param array<string, mixed> $op */
    private static function item(array $op, string $requestId): BatchItem
    {
        $infno = isset($op['infno']) ? (string) $op['infno'] : null;
        $status = (string) ($op['status'] ?? '');
        $result = null;
        $row = $infno !== null ? Operations::find($infno) : null;
        if ($status === 'success' && $row !== null) {
            $msgid = isset($op['msgid']) ? (string) $op['msgid'] : null;
            $answer = new Answer($infno, $op['output'] ?? null, null, $requestId, $msgid);
            $result = new $row[8]($answer);
        }
        return new BatchItem(
            (int) ($op['sequence'] ?? 0),
            (string) ($op['interface_type'] ?? ''),
            $infno,
            $status,
            $result,
            Answers::operationError($op, $requestId),
        );
    }

    /** 【§3.2.3】Counts, progress and one page of operations of a batch. */
    public function batchStatus(string $batchId, int $page = 1, int $pageSize = 100): Answer
    {
        $params = ['page' => $page, 'page_size' => $pageSize];
        return $this->exchange(Safety::Query, 'GET', 'batch/status/' . rawurlencode($batchId), null, $params);
    }

    /**
     * 【§3.3.1】A transaction, batch or catalogue sync run in the background; answers the task view
     * (task_id, status …).
     *
     * @param array<string, mixed> $taskData e.g. ['interface_type' => 'person_info', 'data' => [...]]
     * @return array<string, mixed>
     */
    public function createTask(string $taskType, array $taskData): array
    {
        $body = ['task_type' => $taskType, 'task_data' => $taskData];
        return Answers::map($this->exchange(Safety::Write, 'POST', 'async/create-task', $body)->data);
    }

    /** @return array<string, mixed> 【§3.3.2】status and progress of a task */
    public function taskStatus(string $taskId): array
    {
        return Answers::map($this->exchange(Safety::Query, 'GET', 'async/task-status/' . rawurlencode($taskId))->data);
    }

    /** @return array<string, mixed> 【§3.3.3】the finished task with its result; a failed task raises its error */
    public function taskResult(string $taskId): array
    {
        return Answers::map($this->exchange(Safety::Query, 'GET', 'async/task-result/' . rawurlencode($taskId))->data);
    }

    /** @return array<string, mixed> polls a task until it ends, then its result */
    public function waitTask(string $taskId, float $timeout = 60): array
    {
        $deadline = microtime(true) + $timeout;
        while (!in_array($this->taskStatus($taskId)['status'] ?? null, ['completed', 'failed', 'cancelled'], true)) {
            if (microtime(true) >= $deadline) {
                throw Errors::forCode(20005, "任务 {$taskId} 在 {$timeout} 秒内未完成", ['retry' => false]);
            }
            usleep(500_000);
        }
        return $this->taskResult($taskId);
    }

    /** @return array<string, mixed> 【§3.4.1】uploads a file; the gateway's file info (file_id, sha256, size …) */
    public function uploadFile(string $content, string $filename): array
    {
        $requestId = Core::newRequestId();
        $boundary = '----mi' . bin2hex(random_bytes(12));
        $body = "--{$boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            . str_replace('"', '', $filename) . "\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            . $content . "\r\n--{$boundary}--\r\n";
        $config = $this->core->config;
        $answer = $this->core->send(function (int $attempt) use ($requestId, $boundary, $body, $config): Request {
            $headers = $this->core->headers($requestId, $attempt);
            $headers['Content-Type'] = 'multipart/form-data; boundary=' . $boundary;
            $url = $config->apiBaseUrl . 'file/upload';
            return new Request('POST', $url, $headers, $body, $config->timeout, $config->connectTimeout);
        }, Safety::Write, $requestId);
        return Answers::map($answer->data);
    }

    /** @param array<string, mixed> $options 【§3.4.2】parses a stored file (catalog, 3202_detail, fee_list …) */
    public function parseFile(string $fileId, ?string $kind = null, array $options = []): Answer
    {
        $body = ['file_id' => $fileId] + ($kind !== null ? ['kind' => $kind] : []) + $options;
        return $this->exchange(Safety::Query, 'POST', 'file/parse', $body);
    }

    /** 【§3.4.3】A stored file's bytes. */
    public function downloadFile(string $fileId): string
    {
        $path = 'file/download/' . rawurlencode($fileId);
        return (string) $this->exchange(Safety::Query, 'GET', $path, null, null, true)->content;
    }

    /**
     * 【§3.5.1】Stored interface data or the call log (query_type "interface_data" / "call_log"), paged.
     *
     * @param array<string, mixed> $filters
     */
    public function universalQuery(string $queryType, array $filters = [], int $page = 1, int $pageSize = 20): Answer
    {
        $body = [
            'query_type' => $queryType,
            'filters' => $filters === [] ? new \stdClass() : $filters,
            'pagination' => ['page' => $page, 'page_size' => $pageSize],
        ];
        return $this->exchange(Safety::Query, 'POST', 'query/universal', $body);
    }
}
