<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 10009: the key's role may not do this (HTTP 403). */
class PermissionDeniedException extends MedicalInsuranceException
{
}
