<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Http;

/**
 * No HTTP answer came. `notSent` is true only when the request provably never left this machine (connection
 * refused, host not found, connect timeout): then sending it again is safe for every kind of call.
 */
final class TransportException extends \RuntimeException
{
    public function __construct(string $message, public readonly bool $notSent)
    {
        parent::__construct($message);
    }
}
