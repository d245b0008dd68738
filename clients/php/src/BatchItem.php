<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

use MedicalInsurance\Sdk\Exception\MedicalInsuranceException;

/** One operation of a batch: its typed result, or the exception it would have raised alone. */
final class BatchItem
{
    public function __construct(
        public readonly int $sequence,
        public readonly string $interfaceType,
        public readonly ?string $infno,
        public readonly string $status,
        public readonly ?Result $result,
        public readonly ?MedicalInsuranceException $exception,
    ) {
    }

    public function isSuccess(): bool
    {
        return $this->status === 'success';
    }
}
