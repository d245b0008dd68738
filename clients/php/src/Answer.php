<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/** One successful gateway answer (§1.3), or the file a 9102 download returned. */
final class Answer
{
    /** @param array<string, mixed>|null $pagination */
    public function __construct(
        public readonly ?string $infno,
        public readonly mixed $data,
        public readonly ?string $message = null,
        public readonly ?string $requestId = null,
        public readonly ?string $msgid = null,
        public readonly ?array $pagination = null,
        public readonly ?string $content = null,
        public readonly ?string $filename = null,
        public readonly int $status = 200,
    ) {
    }
}
