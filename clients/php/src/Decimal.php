<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/**
 * An exact decimal number for amounts: its text is kept as written ("1775.00"), arithmetic is exact
 * (bcmath when the extension is there, else scaled integers), and it is sent as a JSON number.
 *
 *     $total = Decimal::of($settled->getInsuranceAmount())->add($settled->getCashAmount());
 *     $total->equals($settled->getTotalAmount());    // true, to the cent
 */
final class Decimal implements \Stringable, \JsonSerializable
{
    private const PATTERN = '/^[+-]?(\d+)(?:\.(\d*))?$/';

    private function __construct(private readonly string $text)
    {
    }

    /** From decimal text ("12.50", "-3"), an int or a Decimal; anything else (a float too) is refused. */
    public static function of(self|string|int $value): self
    {
        if ($value instanceof self) {
            return $value;
        }
        $text = trim((string) $value);
        if (!preg_match(self::PATTERN, $text)) {
            throw new \InvalidArgumentException("不是十进制数: {$text}");
        }
        return new self(ltrim($text, '+'));
    }

    public function scale(): int
    {
        $dot = strpos($this->text, '.');
        return $dot === false ? 0 : strlen($this->text) - $dot - 1;
    }

    public function add(self|string|int $other): self
    {
        return self::combine($this, self::of($other), 1);
    }

    public function sub(self|string|int $other): self
    {
        return self::combine($this, self::of($other), -1);
    }

    public function negate(): self
    {
        return $this->sub($this)->sub($this);
    }

    /** -1, 0 or 1; "1.5" and "1.50" compare equal. */
    public function compare(self|string|int $other): int
    {
        $difference = $this->sub($other);
        return $difference->isZero() ? 0 : ($difference->text[0] === '-' ? -1 : 1);
    }

    /** Numerically equal ("1.5" equals "1.50"). */
    public function equals(self|string|int|null $other): bool
    {
        return $other !== null && $this->compare($other) === 0;
    }

    public function isZero(): bool
    {
        return trim(str_replace(['-', '.'], '', $this->text), '0') === '';
    }

    public function __toString(): string
    {
        return $this->text;
    }

    public function jsonSerialize(): string
    {
        return $this->text;
    }

    private static function combine(self $a, self $b, int $sign): self
    {
        $scale = max($a->scale(), $b->scale());
        if (function_exists('bcadd')) {
            $sum = $sign > 0 ? bcadd($a->text, $b->text, $scale) : bcsub($a->text, $b->text, $scale);
            return new self(self::tidyZero($sum));
        }
        $units = self::units($a, $scale) + $sign * self::units($b, $scale);
        $digits = str_pad((string) abs($units), $scale + 1, '0', STR_PAD_LEFT);
        $text = $scale === 0 ? $digits : substr($digits, 0, -$scale) . '.' . substr($digits, -$scale);
        return new self(($units < 0 ? '-' : '') . $text);
    }

    /** The value times 10^scale as an integer (amounts N16,2 fit in 64 bits). */
    private static function units(self $d, int $scale): int
    {
        [$whole, $fraction] = array_pad(explode('.', ltrim($d->text, '-')), 2, '');
        $digits = ltrim($whole . str_pad($fraction, $scale, '0'), '0');
        $value = (int) ($digits === '' ? '0' : $digits);
        return $d->text[0] === '-' ? -$value : $value;
    }

    private static function tidyZero(string $text): string
    {
        // bcmath may answer "-0.00"
        return trim(str_replace(['-', '.'], '', $text), '0') === '' ? ltrim($text, '-') : $text;
    }
}
