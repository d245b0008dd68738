<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 2xxxx; 20003 itself: no usable bureau answer. */
class InterfaceException extends MedicalInsuranceException
{
}
