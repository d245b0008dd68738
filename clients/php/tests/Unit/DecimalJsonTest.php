<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Tests\Unit;

use MedicalInsurance\Sdk\Decimal;
use MedicalInsurance\Sdk\Json;
use PHPUnit\Framework\TestCase;

/** Amounts never pass through binary floating point: reading, writing, adding. */
final class DecimalJsonTest extends TestCase
{
    public function testFractionsAreReadAsExactText(): void
    {
        $data = Json::decode('{"balc": 1200.50, "a": [0.1, 0.2], "n": 3, "e": 1E+2, "s": "9.90", "big": 12345678901234567890}');
        self::assertSame('1200.50', $data['balc']);
        self::assertSame(['0.1', '0.2'], $data['a']);
        self::assertSame(3, $data['n']);
        self::assertSame('1E+2', $data['e']);
        self::assertSame('9.90', $data['s']);
        self::assertSame('12345678901234567890', $data['big']);
    }

    public function testNumbersInsideStringsAreLeftAlone(): void
    {
        $data = Json::decode('{"msg": "金额 \"12.50\" 元 1.5", "x": -0.01}');
        self::assertSame('金额 "12.50" 元 1.5', $data['msg']);
        self::assertSame('-0.01', $data['x']);
    }

    public function testDecimalsAreWrittenAsNumbers(): void
    {
        $text = Json::encode(['medfee_sumamt' => Decimal::of('98.20'), 'name' => '张三', 'rows' => [1, 'a/b']]);
        self::assertSame('{"medfee_sumamt":98.20,"name":"张三","rows":[1,"a/b"]}', $text);
        self::assertSame('98.20', Json::decode($text)['medfee_sumamt']);
    }

    public function testArithmeticIsExact(): void
    {
        self::assertSame('0.3', (string) Decimal::of('0.1')->add('0.2'));
        self::assertSame('1775.00', (string) Decimal::of('1200.50')->add('574.5'));
        self::assertSame('-1775.00', (string) Decimal::of('1775.00')->negate());
        self::assertSame('0.00', (string) Decimal::of('1.10')->sub('1.1'));
        self::assertTrue(Decimal::of('1.5')->equals('1.50'));
        self::assertFalse(Decimal::of('1.5')->equals('1.51'));
        self::assertSame(-1, Decimal::of('-2')->compare('1'));
        self::assertSame(2, Decimal::of('1.50')->scale());
    }

    public function testArithmeticWithoutBcmathIsTheSame(): void
    {
        // php -n loads no extension configuration: bcmath is absent there, the scaled-integer path runs
        $code = 'require ' . var_export(__DIR__ . '/../bootstrap.php', true) . '; use MedicalInsurance\\Sdk\\Decimal;'
            . 'echo function_exists("bcadd") ? "bcmath" : "plain", " ", Decimal::of("0.1")->add("0.2"), " ",'
            . 'Decimal::of("1200.50")->sub("1775"), " ", Decimal::of("-0.05")->add("0.05"), " ",'
            . 'Decimal::of("99999999999999.99")->add("0.01");';
        $out = shell_exec(escapeshellarg(PHP_BINARY) . ' -n -r ' . escapeshellarg($code) . ' 2>&1');
        self::assertSame('plain 0.3 -574.50 0.00 100000000000000.00', $out);
    }

    public function testNotANumberIsRefused(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Decimal::of('12,50');
    }
}
