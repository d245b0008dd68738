<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Tests\Unit;

use MedicalInsurance\Sdk\Exception\Errors;
use MedicalInsurance\Sdk\Failure;
use MedicalInsurance\Sdk\RetryPolicy;
use MedicalInsurance\Sdk\Safety;
use PHPUnit\Framework\TestCase;

/** The retry decisions of sdk/_retry.py, for each safety class. */
final class RetryPolicyTest extends TestCase
{
    private function policy(): RetryPolicy
    {
        return new RetryPolicy(3, 1.0, 30.0, 60.0, static fn (): float => 1.0);
    }

    private static function answered(int $code, int $status, ?float $after = null): Failure
    {
        return new Failure(Failure::ANSWERED, Errors::forCode($code), $status, $after);
    }

    public function testNotSentIsRetriedForEveryKindOfCall(): void
    {
        $failure = new Failure(Failure::NOT_SENT, Errors::forCode(60005));
        foreach (Safety::cases() as $safety) {
            self::assertSame(1.0, $this->policy()->delay($safety, $failure, 1), $safety->value);
        }
    }

    public function testLostAnswerIsRetriedOnlyForQueries(): void
    {
        $lost = new Failure(Failure::LOST, Errors::forCode(20005));
        self::assertNotNull($this->policy()->delay(Safety::Query, $lost, 1));
        self::assertNull($this->policy()->delay(Safety::Write, $lost, 1));
        self::assertNull($this->policy()->delay(Safety::Money, $lost, 1));
    }

    public function testRetryable5xxOnlyForQueries(): void
    {
        $bureau = self::answered(20006, 502);
        self::assertTrue($bureau->error->retry);
        self::assertNotNull($this->policy()->delay(Safety::Query, $bureau, 1));
        self::assertNull($this->policy()->delay(Safety::Write, $bureau, 1));
        self::assertNull($this->policy()->delay(Safety::Money, $bureau, 1));
    }

    public function test429WaitsAsAskedForEveryKindButNotTooLong(): void
    {
        foreach (Safety::cases() as $safety) {
            self::assertSame(7.0, $this->policy()->delay($safety, self::answered(10004, 429, 7.0), 1));
            self::assertNull($this->policy()->delay($safety, self::answered(10004, 429, 61.0), 1));
        }
    }

    public function testRefusalsAreNeverRetried(): void
    {
        foreach ([[30002, 422], [10009, 403], [10007, 401], [50009, 409]] as [$code, $status]) {
            self::assertNull($this->policy()->delay(Safety::Query, self::answered($code, $status), 1), (string) $code);
        }
    }

    public function testAttemptsAreCappedAndDuplicateMessageOnlyOnce(): void
    {
        $lost = new Failure(Failure::LOST, Errors::forCode(20005));
        self::assertNotNull($this->policy()->delay(Safety::Query, $lost, 2));
        self::assertNull($this->policy()->delay(Safety::Query, $lost, 3));
        $duplicate = self::answered(20007, 500);
        self::assertSame(1, $duplicate->error->maxRetry);
        self::assertSame(2, $this->policy()->maxAttempts($duplicate));
    }

    public function testBackoffDoublesWithJitterAndCap(): void
    {
        $half = new RetryPolicy(5, 1.5, 4.0, 60.0, static fn (): float => 0.0);
        self::assertSame(0.75, $half->backoff(1));
        self::assertSame(1.5, $half->backoff(2));
        self::assertSame(2.0, $half->backoff(4));
    }
}
