<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/**
 * Per-call choices; null means the configured default. Methods also take them as an array:
 * ['timeout' => 120, 'idempotency_key' => 'K1', 'request_id' => 'REQ…', 'headers' => [...]].
 */
final class CallOptions
{
    /** @param array<string, string> $headers */
    public function __construct(
        public readonly ?float $timeout = null,
        public readonly ?int $maxAttempts = null,
        public readonly ?string $requestId = null,
        public readonly array $headers = [],
        public readonly ?string $operator = null,
        public readonly ?string $operatorName = null,
        public readonly ?string $insuplcAdmdvs = null,
        public readonly ?string $idempotencyKey = null,
    ) {
    }

    /** @param array<string, mixed>|self|null $value snake_case or camelCase keys */
    public static function of(array|self|null $value): self
    {
        if ($value instanceof self) {
            return $value;
        }
        $v = [];
        foreach ($value ?? [] as $key => $item) {
            $v[lcfirst(str_replace('_', '', ucwords((string) $key, '_')))] = $item;
        }
        $known = ['timeout', 'maxAttempts', 'requestId', 'headers', 'operator', 'operatorName', 'insuplcAdmdvs',
            'idempotencyKey'];
        $unknown = array_diff(array_keys($v), $known);
        if ($unknown !== []) {
            throw new \InvalidArgumentException('未知的调用选项: ' . implode(', ', $unknown));
        }
        return new self(
            isset($v['timeout']) ? (float) $v['timeout'] : null,
            isset($v['maxAttempts']) ? (int) $v['maxAttempts'] : null,
            $v['requestId'] ?? null,
            $v['headers'] ?? [],
            $v['operator'] ?? null,
            $v['operatorName'] ?? null,
            $v['insuplcAdmdvs'] ?? null,
            isset($v['idempotencyKey']) ? (string) $v['idempotencyKey'] : null,
        );
    }
}
