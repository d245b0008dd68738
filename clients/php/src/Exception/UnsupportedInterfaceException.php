<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 20001 20002: no such transaction. */
class UnsupportedInterfaceException extends InterfaceException
{
}
