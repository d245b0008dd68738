<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/** A finished gateway batch (§3.2): every operation in order of sequence. */
final class BatchResult
{
    /** @param list<BatchItem> $items */
    public function __construct(
        public readonly string $batchId,
        public readonly string $status,
        public readonly array $items,
    ) {
    }

    public function getTotalCount(): int
    {
        return count($this->items);
    }

    public function getSuccessCount(): int
    {
        return count(array_filter($this->items, static fn (BatchItem $i): bool => $i->isSuccess()));
    }

    public function getFailedCount(): int
    {
        return $this->getTotalCount() - $this->getSuccessCount();
    }
}
