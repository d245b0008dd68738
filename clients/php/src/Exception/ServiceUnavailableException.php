<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 10005 10010: the gateway is not available. */
class ServiceUnavailableException extends MedicalInsuranceException
{
}
