<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

use MedicalInsurance\Sdk\Generated\ErrorCodes;

/** The one code → class mapping of this SDK (Python: exceptions.exception_for). */
final class Errors
{
    private const BY_CODE = [
        10001 => RequestException::class, 10002 => RequestException::class, 10003 => RequestException::class,
        10006 => RequestException::class, 20010 => RequestException::class,
        10007 => AuthenticationException::class, 10008 => AuthenticationException::class,
        20008 => AuthenticationException::class, 20009 => AuthenticationException::class,
        10009 => PermissionDeniedException::class,
        10004 => RateLimitException::class,
        10005 => ServiceUnavailableException::class, 10010 => ServiceUnavailableException::class,
        20001 => UnsupportedInterfaceException::class, 20002 => UnsupportedInterfaceException::class,
        20003 => InterfaceException::class,
        20004 => ResponseFormatException::class,
        20005 => BureauTimeoutException::class,
        20006 => BureauException::class,
        20007 => DuplicateMessageException::class,
    ];
    private const BY_FAMILY = [
        4 => FileException::class,
        5 => BusinessException::class,
        6 => SystemException::class,
    ];

    /**
     * The exception for `code`; a 5xxxx the bureau itself gave (extra infcode set) is a BureauRefusalException.
     *
     * @param array<string, mixed> $extra infno, msgid, trace_id, http_status, retry, retry_after, infcode,
     *     details, errors (list<FieldError> for 3xxxx)
     */
    public static function forCode(int $code, ?string $message = null, array $extra = []): MedicalInsuranceException
    {
        if (ErrorCodes::row($code) === null) {
            $code = 20003;
        }
        $family = intdiv($code, 10000);
        if ($family === 3) {
            $errors = $extra['errors'] ?? [];
            unset($extra['errors']);
            return new DataValidationException($code, $message, $errors, $extra);
        }
        $class = self::BY_CODE[$code] ?? self::BY_FAMILY[$family] ?? MedicalInsuranceException::class;
        if ($class === BusinessException::class && isset($extra['infcode'])) {
            $class = BureauRefusalException::class;
            $extra['retry'] ??= false;
        }
        return new $class($code, $message, $extra);
    }
}
