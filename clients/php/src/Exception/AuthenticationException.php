<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 10007 10008 20008 20009: the key or token was refused (HTTP 401). */
class AuthenticationException extends MedicalInsuranceException
{
}
