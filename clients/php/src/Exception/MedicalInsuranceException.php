<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

use MedicalInsurance\Sdk\Generated\ErrorCodes;

/**
 * Base of every error of this SDK, tied to the error table of spec §5.2: getCode() is the table's code,
 * getMessage() the gateway's words (Chinese), isRetry()/getRetryAfter() its retry verdict.
 *
 *     try { ... } catch (MedicalInsuranceException $e) { if ($e->isRetry()) { sleep($e->getRetryAfter() ?? 1); } }
 */
class MedicalInsuranceException extends \RuntimeException
{
    public readonly bool $retry;
    public readonly ?float $retryAfter;
    public readonly ?int $maxRetry;
    public readonly int $httpStatus;
    public readonly ?string $infno;
    public readonly ?string $msgid;
    public readonly ?string $traceId;
    public readonly ?int $infcode;
    /** @var array<string, mixed> request_id, outcome, infcode, cause … */
    public readonly array $details;

    /** @param array<string, mixed> $extra infno, msgid, trace_id, http_status, retry, retry_after, infcode, details */
    public function __construct(int $code, ?string $message = null, array $extra = [])
    {
        $row = ErrorCodes::row($code) ?? ['', false, null, null, 500, 'system'];
        parent::__construct($message !== null && $message !== '' ? $message : $row[0], $code);
        $this->retry = isset($extra['retry']) ? (bool) $extra['retry'] : $row[1];
        $after = $extra['retry_after'] ?? $row[2];
        $this->retryAfter = $after === null ? null : (float) $after;
        $this->maxRetry = $row[3];
        $this->httpStatus = isset($extra['http_status']) ? (int) $extra['http_status'] : $row[4];
        $this->infno = isset($extra['infno']) ? (string) $extra['infno'] : null;
        $this->msgid = isset($extra['msgid']) && $extra['msgid'] !== '' ? (string) $extra['msgid'] : null;
        $this->traceId = isset($extra['trace_id']) ? (string) $extra['trace_id'] : null;
        $this->infcode = isset($extra['infcode']) && is_int($extra['infcode']) ? $extra['infcode'] : null;
        $this->details = $extra['details'] ?? [];
    }

    public function isRetry(): bool
    {
        return $this->retry;
    }

    public function getRetryAfter(): ?float
    {
        return $this->retryAfter;
    }

    public function getHttpStatus(): int
    {
        return $this->httpStatus;
    }

    public function getMsgid(): ?string
    {
        return $this->msgid;
    }

    public function getRequestId(): ?string
    {
        $id = $this->details['request_id'] ?? null;
        return $id === null ? null : (string) $id;
    }

    public function getInfcode(): ?int
    {
        return $this->infcode;
    }

    public function __toString(): string
    {
        $where = $this->infno !== null ? "【{$this->infno}】" : '';
        return $where . $this->getCode() . ' - ' . $this->getMessage();
    }
}
