<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Http;

/** One HTTP answer: status, headers (lower-case names) and the body bytes. */
final class Reply
{
    /** @param array<string, string> $headers lower-case names */
    public function __construct(
        public readonly int $status,
        public readonly array $headers,
        public readonly string $body,
    ) {
    }

    public function header(string $name): ?string
    {
        return $this->headers[strtolower($name)] ?? null;
    }
}
