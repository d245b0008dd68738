<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 3xxxx: every field problem of one message, reported together (HTTP 422). */
class DataValidationException extends MedicalInsuranceException
{
    /** @var list<FieldError> */
    public readonly array $errors;

    /**
     * @param list<FieldError> $errors
     * @param array<string, mixed> $extra
     */
    public function __construct(int $code, ?string $message = null, array $errors = [], array $extra = [])
    {
        $this->errors = $errors;
        $text = implode('; ', array_map(static fn (FieldError $e): string => $e->message, $errors));
        parent::__construct($code, $text !== '' ? $text : $message, $extra);
    }

    /** @return list<FieldError> */
    public function getErrors(): array
    {
        return $this->errors;
    }

    /** @return list<string> the field paths, e.g. data.insutype */
    public function getFields(): array
    {
        return array_map(static fn (FieldError $e): string => $e->field, $this->errors);
    }
}
