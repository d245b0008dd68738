<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 5xxxx: a business refusal (HTTP 404/409); sending it again gets the same answer. */
class BusinessException extends MedicalInsuranceException
{
}
