<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Tests\Unit;

use MedicalInsurance\Sdk\Http\Reply;
use MedicalInsurance\Sdk\Http\Request;
use MedicalInsurance\Sdk\Http\Transport;
use MedicalInsurance\Sdk\Http\TransportException;

/** Answers queued replies (or throws queued transport failures) and records every request. */
final class FakeTransport implements Transport
{
    /** @var list<Request> */
    public array $requests = [];

    /** @param list<Reply|TransportException> $queue */
    public function __construct(private array $queue)
    {
    }

    /** @param array<string, mixed> $body */
    public static function json(int $status, array $body, array $headers = []): Reply
    {
        return new Reply($status, $headers + ['content-type' => 'application/json'], json_encode($body, JSON_UNESCAPED_UNICODE));
    }

    public function exchange(Request $request): Reply
    {
        $this->requests[] = $request;
        $next = array_shift($this->queue) ?? throw new \LogicException('no reply queued');
        if ($next instanceof TransportException) {
            throw $next;
        }
        return $next;
    }
}
