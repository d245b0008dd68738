<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/**
 * 5000x the bureau itself gave (infcode -2): nothing took effect. Python's BureauRefusalError is also a
 * BureauError; PHP has one parent, so it is a BusinessException and keeps getInfcode().
 */
class BureauRefusalException extends BusinessException
{
}
