<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/**
 * The answer to one transaction: the bureau output as the gateway passed it on (getRaw(); amounts as exact
 * decimal text), plus the spec's friendly names the generated subclasses declare in FIELDS. A path there is
 * "node.field", "node[].field" (first row that has it), "*.field" (anywhere) or "@msgid" / "@request_id".
 */
class Result
{
    /** @var array<string, list<string>> friendly name => [kind (str/decimal/int), path, path …] */
    public const FIELDS = [];

    /** @var array<string, string|int> */
    protected array $friendly = [];

    public function __construct(protected readonly Answer $answer)
    {
        foreach (static::FIELDS as $name => $row) {
            $kind = array_shift($row);
            foreach ($row as $path) {
                $value = $this->pick($path);
                if ($value !== null) {
                    $this->friendly[$name] = self::convert($kind, $value);
                    break;
                }
            }
        }
    }

    public function getInfno(): ?string
    {
        return $this->answer->infno;
    }

    /** The bureau output exactly as the gateway passed it on (fractional numbers as exact text). */
    public function getRaw(): mixed
    {
        return $this->answer->data;
    }

    public function getMsgid(): ?string
    {
        return $this->answer->msgid;
    }

    public function getRequestId(): ?string
    {
        return $this->answer->requestId;
    }

    public function getMessage(): ?string
    {
        return $this->answer->message;
    }

    /** @return array<string, mixed>|null §1.4 pagination of a paged answer */
    public function getPagination(): ?array
    {
        return $this->answer->pagination;
    }

    public function getStatus(): ?string
    {
        return 'success';
    }

    /** A downloaded file's bytes (9102), else null. */
    public function getContent(): ?string
    {
        return $this->answer->content;
    }

    public function getFilename(): ?string
    {
        return $this->answer->filename;
    }

    /** @return array<string, string|int> the friendly values found in this answer */
    public function getFriendly(): array
    {
        return $this->friendly;
    }

    /** The first value of bureau field $field anywhere in the output: get('setl_id'). */
    public function get(string $field): mixed
    {
        return self::deep($this->answer->data, $field);
    }

    /** get() as an exact Decimal (amounts), or null. */
    public function getDecimal(string $field): ?Decimal
    {
        $value = $this->get($field);
        return $value === null ? null : Decimal::of(is_int($value) ? $value : (string) $value);
    }

    /**
     * The rows of list node $node (a single object counts as one row); without $node the answer's rows
     * wherever they are: a bare list, "data", or the first list node.
     *
     * @return list<array<string, mixed>>
     */
    public function rows(?string $node = null): array
    {
        $data = $this->answer->data;
        if ($node !== null) {
            return self::asRows(is_array($data) ? ($data[$node] ?? null) : null);
        }
        if (is_array($data) && !array_is_list($data)) {
            $lists = array_filter($data, static fn ($v): bool => is_array($v) && array_is_list($v) && $v !== []);
            $data = isset($data['data']) && is_array($data['data']) && array_is_list($data['data'])
                ? $data['data'] : (reset($lists) ?: $data);
        }
        return self::asRows($data);
    }

    private function pick(string $path): mixed
    {
        $value = match ($path) {
            '@msgid' => $this->answer->msgid,
            '@request_id' => $this->answer->requestId,
            default => str_starts_with($path, '@') ? null : self::path($this->answer->data, $path),
        };
        return $value === '' || is_array($value) ? null : $value;
    }

    private static function path(mixed $raw, string $path): mixed
    {
        if (str_starts_with($path, '*.')) {
            return self::deep($raw, substr($path, 2));
        }
        $node = $raw;
        $parts = explode('.', $path);
        foreach ($parts as $i => $part) {
            if (str_ends_with($part, '[]')) {
                $list = is_array($node) ? ($node[substr($part, 0, -2)] ?? null) : null;
                $rest = implode('.', array_slice($parts, $i + 1));
                foreach (self::asRows($list) as $row) {
                    $value = self::path($row, $rest);
                    if ($value !== null && $value !== '') {
                        return $value;
                    }
                }
                return null;
            }
            $node = is_array($node) ? ($node[$part] ?? null) : null;
        }
        return $node;
    }

    private static function deep(mixed $node, string $field): mixed
    {
        if (!is_array($node)) {
            return null;
        }
        $value = array_is_list($node) ? null : ($node[$field] ?? null);
        if ($value !== null && $value !== '' && !is_array($value)) {
            return $value;
        }
        foreach ($node as $child) {
            $found = self::deep($child, $field);
            if ($found !== null) {
                return $found;
            }
        }
        return null;
    }

    /** @return list<array<string, mixed>> */
    public static function asRows(mixed $value): array
    {
        if (!is_array($value)) {
            return [];
        }
        if (!array_is_list($value)) {
            return [$value];
        }
        return array_values(array_filter($value, 'is_array'));
    }

    /** A value of the answer as the friendly kind says: amounts stay exact text, never a float. */
    private static function convert(string $kind, mixed $value): string|int
    {
        return match ($kind) {
            'decimal' => is_numeric($value) ? (string) Decimal::of(is_int($value) ? $value : (string) $value)
                : (string) $value,
            'int' => (int) $value,
            default => is_bool($value) ? ($value ? 'true' : 'false') : (string) $value,
        };
    }
}
