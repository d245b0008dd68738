<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Http;

/** Performs one HTTP exchange; the seam unit tests replace. */
interface Transport
{
    /** @throws TransportException when no HTTP answer came */
    public function exchange(Request $request): Reply;
}
