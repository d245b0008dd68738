<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 6xxxx: a system failure of the gateway or this machine. */
class SystemException extends MedicalInsuranceException
{
}
