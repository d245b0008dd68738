<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/**
 * A write or money call may or may not have taken effect at the bureau. Never retryable: resolve it first
 * (query the settlement by msgid, or let the gateway's compensation reverse it), never send it again.
 * getOutcome() is "unknown" while compensation runs and "reversed" once a 2601 undid it.
 */
class OutcomeUnknownException extends MedicalInsuranceException
{
    public readonly string $outcome;

    /** @param array<string, mixed> $extra */
    public function __construct(int $code, ?string $message, string $outcome, array $extra = [])
    {
        $extra['retry'] = false; // always: a second send could settle twice
        $extra['details'] = ($extra['details'] ?? []) + ['outcome' => $outcome];
        parent::__construct($code, $message, $extra);
        $this->outcome = $outcome;
    }

    public function getOutcome(): string
    {
        return $this->outcome;
    }
}
