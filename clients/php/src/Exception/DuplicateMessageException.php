<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 20007: the message id was used before. */
class DuplicateMessageException extends InterfaceException
{
}
