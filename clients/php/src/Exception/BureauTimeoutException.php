<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 20005: the bureau or the gateway did not answer in time. */
class BureauTimeoutException extends InterfaceException
{
}
