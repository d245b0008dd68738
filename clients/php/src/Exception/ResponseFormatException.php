<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 20004: the answer was not the gateway's JSON. */
class ResponseFormatException extends InterfaceException
{
}
