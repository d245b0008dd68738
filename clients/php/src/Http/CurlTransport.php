<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Http;

/** ext-curl, HTTP/1.1, one handle reused (keep-alive). */
final class CurlTransport implements Transport
{
    // curl errors raised before any byte can have reached the gateway
    private const NOT_SENT = [
        CURLE_UNSUPPORTED_PROTOCOL,
        CURLE_URL_MALFORMAT,
        CURLE_COULDNT_RESOLVE_PROXY,
        CURLE_COULDNT_RESOLVE_HOST,
        CURLE_COULDNT_CONNECT,
    ];

    private ?\CurlHandle $handle = null;

    public function exchange(Request $request): Reply
    {
        $this->handle ??= curl_init() ?: throw new TransportException('curl_init 失败', true);
        $h = $this->handle;
        curl_reset($h);
        $headers = [];
        foreach ($request->headers as $name => $value) {
            $headers[] = $name . ': ' . $value;
        }
        $headers[] = 'Expect:'; // no 100-continue round trip
        $answerHeaders = [];
        curl_setopt_array($h, [
            CURLOPT_URL => $request->url,
            CURLOPT_CUSTOMREQUEST => $request->method,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTP_VERSION => CURL_HTTP_VERSION_1_1,
            CURLOPT_TIMEOUT_MS => (int) ceil($request->timeout * 1000),
            CURLOPT_CONNECTTIMEOUT_MS => (int) ceil(min($request->connectTimeout, $request->timeout) * 1000),
            CURLOPT_HEADERFUNCTION => static function ($handle, string $line) use (&$answerHeaders): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $answerHeaders[strtolower(trim($parts[0]))] = trim($parts[1]);
                }
                return strlen($line);
            },
        ]);
        if ($request->body !== null) {
            curl_setopt($h, CURLOPT_POSTFIELDS, $request->body);
        } elseif ($request->method === 'GET') {
            curl_setopt($h, CURLOPT_HTTPGET, true);
        }
        $body = curl_exec($h);
        if ($body === false || !is_string($body)) {
            $errno = curl_errno($h);
            $connectTimeout = $errno === CURLE_OPERATION_TIMEDOUT
                && (float) curl_getinfo($h, CURLINFO_CONNECT_TIME) === 0.0;
            $notSent = in_array($errno, self::NOT_SENT, true) || $connectTimeout;
            throw new TransportException("curl {$errno}: " . curl_error($h), $notSent);
        }
        return new Reply((int) curl_getinfo($h, CURLINFO_RESPONSE_CODE), $answerHeaders, $body);
    }
}
