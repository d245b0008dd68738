<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 20006: the bureau answered infcode != 0 (system level); getInfcode() keeps it. */
class BureauException extends InterfaceException
{
}
