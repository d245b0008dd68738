<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 10001 10002 10003 10006 20010: a malformed request. */
class RequestException extends MedicalInsuranceException
{
}
