<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/**
 * Settings from argument > environment (§9.2.2) > the JSON file of §9.2.1 ("medical_insurance" section) >
 * default, with the Python SDK's flat names (api_key, timeout, max_attempts …).
 *
 *     $config = Config::load('config.json', ['timeout' => 10]);
 */
final class Config
{
    public const API_PREFIX = '/api/v1/medical-insurance/';

    /** §9.2.2 environment variable → flat setting (MAX_RETRIES names attempts in total, as in Python). */
    public const ENV_VARS = [
        'MEDICAL_INSURANCE_API_URL' => 'api_base_url',
        'MEDICAL_INSURANCE_API_KEY' => 'api_key',
        'MEDICAL_INSURANCE_INSTITUTION_CODE' => 'institution_code',
        'MEDICAL_INSURANCE_JWT_TOKEN' => 'jwt_token',
        'MEDICAL_INSURANCE_TIMEOUT' => 'timeout',
        'MEDICAL_INSURANCE_MAX_RETRIES' => 'max_attempts',
        'MEDICAL_INSURANCE_CACHE_TTL' => 'cache_ttl',
    ];

    public readonly string $apiBaseUrl;
    public readonly ?string $apiKey;
    public readonly ?string $institutionCode;
    public readonly ?string $jwtToken;
    public readonly float $timeout;
    public readonly float $connectTimeout;
    public readonly int $maxAttempts;
    public readonly float $backoffFactor;
    public readonly float $maxBackoff;
    public readonly float $maxRetryAfter;

    /** @param array<string, mixed> $s flat settings */
    private function __construct(array $s)
    {
        $url = self::text($s, 'api_base_url');
        if ($url === null) {
            throw new \InvalidArgumentException('缺少网关地址：请设置 api_base_url（配置文件）或 MEDICAL_INSURANCE_API_URL');
        }
        $this->apiBaseUrl = self::withPrefix($url);
        $this->apiKey = self::text($s, 'api_key');
        $this->institutionCode = self::text($s, 'institution_code');
        $this->jwtToken = self::text($s, 'jwt_token');
        $this->timeout = self::number($s, 'timeout', 30.0);
        $this->connectTimeout = self::number($s, 'connect_timeout', 5.0);
        $this->maxAttempts = (int) self::number($s, 'max_attempts', 3);
        $this->backoffFactor = self::number($s, 'backoff_factor', 1.5);
        $this->maxBackoff = self::number($s, 'max_backoff', 30.0);
        $this->maxRetryAfter = self::number($s, 'max_retry_after', 60.0);
        if ($this->timeout <= 0 || $this->connectTimeout <= 0) {
            throw new \InvalidArgumentException('timeout 必须大于 0');
        }
        if ($this->maxAttempts < 1 || $this->maxAttempts > 10) {
            throw new \InvalidArgumentException('max_attempts 必须在 1 到 10 之间');
        }
    }

    /**
     * The file (may be null), then the environment (getenv() unless $env is given), then $overrides.
     *
     * @param array<string, mixed> $overrides
     * @param array<string, string>|null $env
     */
    public static function load(?string $configPath = null, array $overrides = [], ?array $env = null): self
    {
        $merged = $configPath !== null ? self::readFile($configPath) : [];
        $env ??= getenv();
        foreach (self::ENV_VARS as $name => $key) {
            $value = $env[$name] ?? null;
            if (is_string($value) && trim($value) !== '') {
                $merged[$key] = trim($value);
            }
        }
        foreach ($overrides as $key => $value) {
            if ($value !== null) {
                $merged[self::flatName((string) $key)] = $value;
            }
        }
        return new self($merged);
    }

    /**
     * The §9.2.1 file as flat settings: medical_insurance.*, retry.*, timeout as a number or an object.
     *
     * @return array<string, mixed>
     */
    public static function readFile(string $path): array
    {
        $text = @file_get_contents($path);
        if ($text === false) {
            throw new \InvalidArgumentException("无法读取配置文件 {$path}");
        }
        try {
            $raw = Json::decode($text);
        } catch (\JsonException $e) {
            throw new \InvalidArgumentException("配置文件 {$path} 不是 JSON: {$e->getMessage()}", 0, $e);
        }
        if (!is_array($raw)) {
            throw new \InvalidArgumentException("{$path}: 配置文件必须是 JSON 对象");
        }
        $flat = [];
        foreach (is_array($raw['medical_insurance'] ?? null) ? $raw['medical_insurance'] : [] as $key => $value) {
            if ($key === 'timeout' && is_array($value)) {
                // §11.4: {"connection": 30, "read": 60, "total": 120}
                $total = $value['read'] ?? $value['total'] ?? null;
                if ($total !== null) {
                    $flat['timeout'] = $total;
                }
                if (isset($value['connection'])) {
                    $flat['connect_timeout'] = $value['connection'];
                }
            } elseif (in_array($key, ['retry', 'cache', 'logging'], true) && is_array($value)) {
                foreach ($value as $inner => $v) {
                    $prefix = ['retry' => '', 'cache' => 'cache_', 'logging' => 'log_'][$key];
                    $flat[$prefix . $inner] = $v;
                }
            } else {
                $flat[self::flatName((string) $key)] = $value;
            }
        }
        return $flat;
    }

    /** A bare host gets the spec's API prefix; the result always ends with "/". */
    public static function withPrefix(string $value): string
    {
        $sep = strpos($value, '://');
        if ($sep !== false) {
            $rest = trim(substr($value, $sep + 3), '/');
            if (!str_contains($rest, '/')) {
                return substr($value, 0, $sep) . '://' . $rest . self::API_PREFIX;
            }
        }
        return str_ends_with($value, '/') ? $value : $value . '/';
    }

    private static function flatName(string $key): string
    {
        return ['api_url' => 'api_base_url', 'max_retries' => 'max_attempts'][$key] ?? $key;
    }

    /** @param array<string, mixed> $s */
    private static function text(array $s, string $key): ?string
    {
        $value = $s[$key] ?? null;
        return $value === null || trim((string) $value) === '' ? null : trim((string) $value);
    }

    /** @param array<string, mixed> $s */
    private static function number(array $s, string $key, float $fallback): float
    {
        $value = $s[$key] ?? null;
        if ($value === null || trim((string) $value) === '') {
            return $fallback;
        }
        if (!is_numeric($value)) {
            throw new \InvalidArgumentException("{$key} 不是数字: {$value}");
        }
        return (float) $value; // seconds and counts, never amounts
    }
}
