<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

use MedicalInsurance\Sdk\Exception\MedicalInsuranceException;

/** One failed attempt: never left this machine, left but no answer came, or an HTTP error answer. */
final class Failure
{
    public const NOT_SENT = 'not_sent';
    public const LOST = 'lost';
    public const ANSWERED = 'answered';

    public function __construct(
        public readonly string $kind,
        public readonly MedicalInsuranceException $error,
        public readonly ?int $status = null,
        public readonly ?float $retryAfter = null, // the Retry-After header, seconds
    ) {
    }
}
