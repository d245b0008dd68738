<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** One problem with one field: `30002 - 必填字段缺失: data.mdtrt_id`. */
final class FieldError
{
    public function __construct(
        public readonly int $code,
        public readonly string $field,
        public readonly string $message,
    ) {
    }
}
