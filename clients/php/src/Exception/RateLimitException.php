<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 10004: too many requests (HTTP 429), retryAfter says how long to wait. */
class RateLimitException extends MedicalInsuranceException
{
}
