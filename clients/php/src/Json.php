<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/**
 * JSON without binary floating point: every number with a fraction or an exponent is read as its exact
 * text ("1775.00" stays "1775.00", never 1775.0), big integers as text too (JSON_BIGINT_AS_STRING); Decimal
 * values are written as JSON numbers exactly as they read.
 *
 *     $data = Json::decode('{"balc": 1200.50}');   // ['balc' => '1200.50']
 *     Json::encode(['medfee_sumamt' => Decimal::of('98.20')]);   // {"medfee_sumamt":98.20}
 */
final class Json
{
    // a string literal (kept as it is) or a number token outside strings
    private const TOKENS = '/"(?:[^"\\\\]|\\\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/s';
    private const FLAGS = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR;

    /** @throws \JsonException when the text is not JSON */
    public static function decode(string $text): mixed
    {
        $exact = preg_replace_callback(
            self::TOKENS,
            static function (array $m): string {
                $token = $m[0];
                if ($token[0] === '"' || strpbrk($token, '.eE') === false) {
                    return $token;
                }
                return '"' . $token . '"';
            },
            $text,
        );
        if ($exact === null) {
            throw new \JsonException('JSON 文本无法解析（编码错误）');
        }
        return json_decode($exact, true, 512, JSON_BIGINT_AS_STRING | JSON_THROW_ON_ERROR);
    }

    public static function encode(mixed $value): string
    {
        if ($value instanceof Decimal) {
            return (string) $value;
        }
        if ($value instanceof \JsonSerializable) {
            return self::encode($value->jsonSerialize());
        }
        if ($value instanceof \stdClass) {
            return self::object((array) $value);
        }
        if (is_array($value)) {
            if ($value !== [] && array_is_list($value)) {
                return '[' . implode(',', array_map([self::class, 'encode'], $value)) . ']';
            }
            return $value === [] ? '[]' : self::object($value);
        }
        if ($value instanceof \DateTimeInterface) {
            return json_encode($value->format('Y-m-d H:i:s'), self::FLAGS);
        }
        return json_encode($value, self::FLAGS);
    }

    /** @param array<mixed> $fields */
    private static function object(array $fields): string
    {
        $parts = [];
        foreach ($fields as $key => $item) {
            $parts[] = json_encode((string) $key, self::FLAGS) . ':' . self::encode($item);
        }
        return '{' . implode(',', $parts) . '}';
    }
}
