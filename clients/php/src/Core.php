<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

use MedicalInsurance\Sdk\Exception\DataValidationException;
use MedicalInsurance\Sdk\Exception\FieldError;
use MedicalInsurance\Sdk\Exception\MedicalInsuranceException;
use MedicalInsurance\Sdk\Http\Request;
use MedicalInsurance\Sdk\Http\Transport;
use MedicalInsurance\Sdk\Http\TransportException;

/**
 * The request loop (Python: Core.send) and request building (Core.build_request, normalize_input): one
 * X-Request-ID for every attempt, X-Retry-Count, and the retry policy deciding after each failure.
 */
final class Core
{
    public const USER_AGENT = 'medical-insurance-sdk-php/1.0.0';

    /** @var callable(float): void */
    private $sleeper;

    public function __construct(
        public readonly Config $config,
        public readonly RetryPolicy $retry,
        private readonly Transport $transport,
        ?callable $sleeper = null,
    ) {
        $this->sleeper = $sleeper ?? static function (float $seconds): void {
            usleep((int) round($seconds * 1e6));
        };
    }

    public static function newRequestId(): string
    {
        return 'REQ' . bin2hex(random_bytes(16));
    }

    /**
     * Sends $make(attempt) until answered or the retry policy says stop.
     *
     * @param callable(int): Request $make
     * @throws MedicalInsuranceException
     */
    public function send(
        callable $make,
        Safety $safety,
        string $requestId,
        ?string $infno = null,
        ?int $maxAttempts = null,
        bool $file = false,
    ): Answer {
        $attempt = 0;
        while (true) {
            $attempt++;
            $request = $make($attempt);
            try {
                $outcome = Answers::read($this->transport->exchange($request), $requestId, $infno, $file);
                if ($outcome instanceof Answer) {
                    return $outcome;
                }
                $failure = $outcome;
            } catch (TransportException $e) {
                $failure = Answers::transportFailure($infno, $e, $requestId);
            }
            $limit = $maxAttempts ?? $this->config->maxAttempts;
            $delay = $attempt < $limit ? $this->retry->delay($safety, $failure, $attempt) : null;
            if ($delay === null) {
                throw Answers::finalError($safety, $infno, $failure, $requestId);
            }
            ($this->sleeper)($delay);
        }
    }

    /**
     * One transaction: the route of the registry, the input as JSON body (GET: query parameters).
     *
     * @param array<int, mixed> $op a row of Generated\Operations
     * @param array<string, mixed> $input
     */
    public function call(array $op, array $input, CallOptions $options): Answer
    {
        $payload = self::normalizeInput($op, $input);
        $requestId = $options->requestId ?? self::newRequestId();
        return $this->send(
            fn (int $attempt): Request => $this->buildRequest($op, $payload, $options, $requestId, $attempt),
            Safety::from($op[7]),
            $requestId,
            $op[0],
            $options->maxAttempts,
            $op[9],
        );
    }

    /**
     * @param array<int, mixed> $op
     * @param array<string, mixed> $payload
     */
    public function buildRequest(array $op, array $payload, CallOptions $o, string $requestId, int $attempt): Request
    {
        $url = $this->config->apiBaseUrl . $op[6];
        $body = null;
        $headers = $this->headers($requestId, $attempt);
        if ($op[5] === 'GET') {
            $query = http_build_query(self::queryParams($op, $payload), '', '&', PHP_QUERY_RFC3986);
            $url .= $query === '' ? '' : '?' . $query;
        } else {
            $body = Json::encode($payload === [] ? new \stdClass() : $payload);
            $headers['Content-Type'] = 'application/json; charset=utf-8';
        }
        foreach (['X-Operator' => $o->operator, 'X-Operator-Name' => $o->operatorName,
            'X-Insuplc-Admdvs' => $o->insuplcAdmdvs] as $name => $value) {
            if ($value !== null && $value !== '') {
                $headers[$name] = rawurlencode($value); // header values are Latin-1: Chinese goes percent-encoded
            }
        }
        if ($o->idempotencyKey !== null) {
            $headers['Idempotency-Key'] = $o->idempotencyKey; // as given: the gateway checks it (10002)
        }
        $headers = array_merge($headers, $o->headers);
        $timeout = $o->timeout ?? $this->config->timeout;
        return new Request($op[5], $url, $headers, $body, $timeout, $this->config->connectTimeout);
    }

    /**
     * The common headers of every request (transactions and the gateway's own endpoints).
     *
     * @return array<string, string>
     */
    public function headers(string $requestId, int $attempt): array
    {
        $headers = [
            'Accept' => 'application/json',
            'User-Agent' => self::USER_AGENT,
            'X-Request-ID' => $requestId,
            'X-Retry-Count' => (string) ($attempt - 1),
        ];
        if ($this->config->apiKey !== null) {
            $headers['X-API-Key'] = $this->config->apiKey;
        }
        if ($this->config->institutionCode !== null) {
            $headers['X-Institution-Code'] = $this->config->institutionCode;
        }
        if ($this->config->jwtToken !== null) {
            $headers['Authorization'] = 'Bearer ' . $this->config->jwtToken;
        }
        return $headers;
    }

    /**
     * The bureau input from what the caller gave: whole nodes, or a single node's flat fields (both may be
     * mixed). A transaction without a field table (one open node) may have more nodes: next to the node
     * itself, an object or a list is another node.
     *
     * @param array<int, mixed> $op
     * @param array<string, mixed> $given
     * @return array<string, mixed>
     */
    public static function normalizeInput(array $op, array $given): array
    {
        $nodes = $op[10];
        $names = array_map(static fn (array $n): string => $n[0], $nodes);
        $result = [];
        $loose = [];
        foreach ($given as $key => $value) {
            if (in_array((string) $key, $names, true)) {
                $result[$key] = $value;
            } else {
                $loose[$key] = $value;
            }
        }
        $open = count($nodes) === 1 && !$nodes[0][1] && !$nodes[0][3];
        if ($open && array_key_exists($nodes[0][0], $result)) {
            foreach ($loose as $key => $value) {
                if (is_array($value) || $value instanceof \stdClass) {
                    $result[$key] = $value;
                    unset($loose[$key]);
                }
            }
        }
        if ($loose !== []) {
            if (count($nodes) !== 1 || $nodes[0][1]) {
                $errors = [];
                foreach (array_keys($loose) as $key) {
                    $errors[] = new FieldError(30001, (string) $key, "30001 - 数据节点缺失: {$key}（不是 {$op[0]} 的输入节点）");
                }
                throw new DataValidationException(30001, null, $errors, ['infno' => $op[0]]);
            }
            $name = $nodes[0][0];
            $base = is_array($result[$name] ?? null) ? $result[$name] : [];
            $result[$name] = array_merge($base, $loose);
        }
        return $result;
    }

    /**
     * A GET's query: the single node's fields as text (objects and lists as JSON text).
     *
     * @param array<int, mixed> $op
     * @param array<string, mixed> $payload
     * @return array<string, string>
     */
    public static function queryParams(array $op, array $payload): array
    {
        $node = count($op[10]) === 1 ? ($payload[$op[10][0][0]] ?? null) : $payload;
        $params = [];
        foreach (is_array($node) ? $node : $payload as $key => $value) {
            if ($value === null) {
                continue;
            }
            if (is_array($value) || $value instanceof \stdClass) {
                $params[$key] = Json::encode($value);
            } elseif (is_bool($value)) {
                $params[$key] = $value ? 'true' : 'false';
            } else {
                $params[$key] = (string) $value;
            }
        }
        return $params;
    }
}
