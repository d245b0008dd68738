<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

use MedicalInsurance\Sdk\Exception\Errors;
use MedicalInsurance\Sdk\Exception\FieldError;
use MedicalInsurance\Sdk\Exception\MedicalInsuranceException;
use MedicalInsurance\Sdk\Exception\OutcomeUnknownException;
use MedicalInsurance\Sdk\Generated\ErrorCodes;
use MedicalInsurance\Sdk\Http\Reply;
use MedicalInsurance\Sdk\Http\TransportException;

/**
 * Gateway answers → an Answer, or the Failure it means: the SDK's one error mapping (Python: _answers.py).
 * data {msgid, outcome} of an unknown money outcome (also in a failed task's data.result, or a batch's
 * data.result.failed_operation) → OutcomeUnknownException; data {errors} → DataValidationException.
 */
final class Answers
{
    /** An HTTP error answer without the gateway's JSON body (a proxy's page) → the table's code. */
    private const STATUS_CODES = [
        400 => 10002, 401 => 10007, 403 => 10009, 404 => 20001, 405 => 10002, 408 => 20005, 413 => 10003,
        422 => 30010, 429 => 10004, 503 => 10005, 504 => 20005,
    ];

    public static function statusCode(int $status): int
    {
        return self::STATUS_CODES[$status] ?? ($status >= 500 ? 20003 : 10002);
    }

    /** A successful Answer, or the Failure the answer means; $file: a 2xx non-JSON answer is a file (9102). */
    public static function read(Reply $reply, string $requestId, ?string $infno, bool $file): Answer|Failure
    {
        $status = $reply->status;
        $retryAfter = self::retryAfter($reply->header('retry-after'));
        $data = self::json($reply->body);
        $type = $reply->header('content-type');
        $envelope = ($type === null || str_starts_with($type, 'application/json'))
            && is_array($data) && array_key_exists('success', $data);
        if ($file && $status >= 200 && $status < 300 && !$envelope) {
            return new Answer(
                $infno,
                null,
                null,
                $reply->header('x-request-id') ?? $requestId,
                $reply->header('x-msgid'),
                null,
                $reply->body,
                self::filename($reply->header('content-disposition')),
                $status,
            );
        }
        if ($data === null) {
            $extra = ['infno' => $infno, 'details' => ['request_id' => $requestId]];
            if ($status >= 200 && $status < 300) {
                return new Failure(Failure::ANSWERED, Errors::forCode(20004, '网关应答不是 JSON', $extra), $status);
            }
            $extra['http_status'] = $status;
            $extra['details']['gateway_answered'] = false;
            $head = function_exists('mb_strcut')
                ? mb_strcut($reply->body, 0, 200, 'UTF-8')
                : substr($reply->body, 0, 200);
            $text = trim($head);
            $error = Errors::forCode(self::statusCode($status), "HTTP {$status}: {$text}", $extra);
            return new Failure(Failure::ANSWERED, $error, $status, $retryAfter);
        }
        if (!is_array($data) || array_is_list($data)) {
            $extra = ['infno' => $infno, 'details' => ['request_id' => $requestId]];
            return new Failure(Failure::ANSWERED, Errors::forCode(20004, '网关应答不是 JSON 对象', $extra), $status);
        }
        $success = array_key_exists('success', $data) ? $data['success'] : ($status >= 200 && $status < 300);
        if ($success === true && $status < 400) {
            $info = is_array($data['interface_info'] ?? null) ? $data['interface_info'] : [];
            $msgid = $data['msgid'] ?? $info['msgid'] ?? null;
            return new Answer(
                $infno,
                $data['data'] ?? null,
                isset($data['message']) ? (string) $data['message'] : null,
                (string) ($data['request_id'] ?? $reply->header('x-request-id') ?? $requestId),
                $msgid === null || $msgid === '' ? null : (string) $msgid,
                is_array($data['pagination'] ?? null) ? $data['pagination'] : null,
                null,
                null,
                $status,
            );
        }
        $error = self::gatewayError($infno, $data, $status, $requestId, $retryAfter);
        return new Failure(Failure::ANSWERED, $error, $status, $retryAfter);
    }

    /**
     * The exception for a gateway error answer {success: false, error_code, message, error, data}.
     *
     * @param array<string, mixed> $body
     */
    public static function gatewayError(
        ?string $infno,
        array $body,
        int $status,
        string $requestId,
        ?float $retryAfter = null,
    ): MedicalInsuranceException {
        $data = self::map($body['data'] ?? null);
        $error = self::map($body['error'] ?? null);
        $result = self::map($data['result'] ?? null);
        // where an operation's own words are: the answer itself, a task's result, a batch's first failure
        $sources = [$data, $result, self::map($result['failed_operation'] ?? null), $error];
        $code = self::code($body['error_code'] ?? null) ?? self::code($error['code'] ?? null)
            ?? self::statusCode($status);
        $message = $body['message'] ?? $error['message'] ?? null;
        $message = $message === null || $message === '' ? null : (string) $message;
        $details = ['request_id' => $body['request_id'] ?? $requestId];
        foreach (['infcode', 'kind', 'outcome', 'server_ip', 'upstream_status'] as $key) {
            $value = self::first($sources, $key);
            if ($value !== null) {
                $details[$key] = $value;
            }
        }
        $infno ??= self::first([...$sources, self::map($body['interface_info'] ?? null)], 'infno');
        $msgid = self::first($sources, 'msgid');
        $extra = [
            'infno' => $infno === null ? null : (string) $infno,
            'msgid' => $msgid === null ? null : (string) $msgid,
            'http_status' => $status,
            'trace_id' => $error['trace_id'] ?? null,
            'details' => $details,
        ];
        $outcome = $details['outcome'] ?? null;
        if ($outcome === 'unknown' || $outcome === 'reversed') {
            return new OutcomeUnknownException($code, $message, $outcome, $extra);
        }
        if (is_bool($error['retry'] ?? null)) {
            $extra['retry'] = $error['retry'];
        }
        $hint = $retryAfter ?? $error['retry_after'] ?? null;
        if (is_numeric($hint)) {
            $extra['retry_after'] = (float) $hint;
        }
        $errors = $data['errors'] ?? null;
        if (intdiv($code, 10000) === 3) {
            $rows = [];
            foreach (is_array($errors) ? $errors : [] as $item) {
                if (is_array($item)) {
                    $rows[] = self::fieldError($item);
                }
            }
            $extra['errors'] = $rows;
        } elseif (is_array($errors)) {
            $extra['details']['errors'] = $errors;
        }
        if (is_int($details['infcode'] ?? null)) {
            $extra['infcode'] = $details['infcode'];
        }
        return Errors::forCode($code, $message, $extra);
    }

    /**
     * The exception of a failed batch operation (§3.2.3 status row), as if it had been called alone.
     *
     * @param array<string, mixed> $op
     */
    public static function operationError(array $op, string $requestId): ?MedicalInsuranceException
    {
        if (($op['status'] ?? null) === null || $op['status'] === 'success') {
            return null;
        }
        $code = self::code($op['error_code'] ?? null) ?? 20003;
        $output = self::map($op['output'] ?? null);
        $body = [
            'error_code' => $code,
            'message' => $op['error_message'] ?? (string) $op['status'],
            'data' => [
                'msgid' => $op['msgid'] ?? null,
                'outcome' => $op['outcome'] ?? null,
                'infcode' => $op['infcode'] ?? $output['infcode'] ?? null,
            ],
        ];
        $infno = isset($op['infno']) ? (string) $op['infno'] : null;
        return self::gatewayError($infno, $body, ErrorCodes::row($code)[4] ?? 500, $requestId);
    }

    /** No HTTP answer: NOT_SENT when the request provably never left (connection refused), else LOST. */
    public static function transportFailure(?string $infno, TransportException $e, string $requestId): Failure
    {
        $extra = ['infno' => $infno, 'details' => ['request_id' => $requestId, 'transport' => 'curl']];
        if ($e->notSent) {
            $error = Errors::forCode(60005, '网络连接异常，请求未发出: ' . $e->getMessage(), $extra);
            return new Failure(Failure::NOT_SENT, $error);
        }
        return new Failure(Failure::LOST, Errors::forCode(20005, '网关未应答: ' . $e->getMessage(), $extra));
    }

    /**
     * What the caller gets when no further attempt is made: a write or money call whose answer was lost (or
     * met a proxy's 5xx page) may have taken effect — an OutcomeUnknownException, never a plain error.
     */
    public static function finalError(
        Safety $safety,
        ?string $infno,
        Failure $failure,
        string $requestId,
    ): MedicalInsuranceException {
        $mayHaveHappened = $failure->kind === Failure::LOST
            || ($failure->status !== null && $failure->status >= 500
                && ($failure->error->details['gateway_answered'] ?? null) === false);
        if ($safety !== Safety::Query && $mayHaveHappened) {
            return new OutcomeUnknownException(
                20005,
                "网关未应答，请求 {$requestId} 的结果未知：请先查询确认，勿重复办理",
                'unknown',
                [
                    'infno' => $infno,
                    'details' => ['request_id' => $requestId, 'cause' => $failure->error->getMessage()],
                ],
            );
        }
        return $failure->error;
    }

    // --------------------------------------------------------------------------------------------- helpers

    /** @return array<string, mixed> */
    public static function map(mixed $value): array
    {
        return is_array($value) && ($value === [] || !array_is_list($value)) ? $value : [];
    }

    public static function code(mixed $value): ?int
    {
        if (!is_numeric($value) || (string) (int) $value !== trim((string) $value)) {
            return null;
        }
        return ErrorCodes::row((int) $value) !== null ? (int) $value : null;
    }

    /** @param list<array<string, mixed>> $sources */
    private static function first(array $sources, string $key): mixed
    {
        foreach ($sources as $source) {
            if (($source[$key] ?? null) !== null && $source[$key] !== '') {
                return $source[$key];
            }
        }
        return null;
    }

    /** @param array<string, mixed> $item */
    private static function fieldError(array $item): FieldError
    {
        $path = $item['field'] ?? $item['path'] ?? $item['loc'] ?? '';
        return new FieldError(
            self::code($item['code'] ?? null) ?? 30010,
            is_array($path) ? implode('.', $path) : (string) $path,
            (string) ($item['message'] ?? ''),
        );
    }

    private static function json(string $body): mixed
    {
        $text = ltrim($body, "\xEF\xBB\xBF \t\r\n");
        if ($text === '' || ($text[0] !== '{' && $text[0] !== '[')) {
            return null;
        }
        try {
            return Json::decode($text);
        } catch (\JsonException) {
            return null;
        }
    }

    private static function retryAfter(?string $value): ?float
    {
        return $value !== null && is_numeric(trim($value)) ? max(0.0, (float) $value) : null;
    }

    private static function filename(?string $disposition): ?string
    {
        if ($disposition === null) {
            return null;
        }
        if (preg_match("/filename\\*=(?:UTF-8'')?([^;]+)/i", $disposition, $m)) {
            $name = rawurldecode(trim($m[1]));
        } elseif (preg_match('/filename="?([^";]+)"?/i', $disposition, $m)) {
            $name = trim($m[1]);
        } else {
            return null;
        }
        return basename(str_replace('\\', '/', $name));
    }
}
