<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Tests\Unit;

use MedicalInsurance\Sdk\Config;
use MedicalInsurance\Sdk\Exception\AuthenticationException;
use MedicalInsurance\Sdk\Exception\BureauRefusalException;
use MedicalInsurance\Sdk\Exception\BusinessException;
use MedicalInsurance\Sdk\Exception\DataValidationException;
use MedicalInsurance\Sdk\Exception\MedicalInsuranceException;
use MedicalInsurance\Sdk\Exception\OutcomeUnknownException;
use MedicalInsurance\Sdk\Exception\SystemException;
use MedicalInsurance\Sdk\Generated\Result\PersonInfo;
use MedicalInsurance\Sdk\Generated\Result\SettlementResult;
use MedicalInsurance\Sdk\Http\Reply;
use MedicalInsurance\Sdk\Http\TransportException;
use MedicalInsurance\Sdk\MedicalInsuranceSDK;
use PHPUnit\Framework\TestCase;

/** The request loop, request building and answer mapping, against a fake transport. */
final class CoreTest extends TestCase
{
    /** @var list<float> */
    private array $slept = [];

    private function sdk(FakeTransport $transport): MedicalInsuranceSDK
    {
        $config = Config::load(null, [
            'api_base_url' => 'http://gw.test',
            'api_key' => 'mik_test',
            'institution_code' => 'H43028110001',
            'backoff_factor' => 0.01,
        ], []);
        return new MedicalInsuranceSDK($config, [], $transport, function (float $s): void {
            $this->slept[] = $s;
        });
    }

    private static function ok(array $data): Reply
    {
        return FakeTransport::json(200, ['success' => true, 'data' => $data, 'request_id' => 'R1', 'msgid' => 'M1']);
    }

    private static function settle(): array
    {
        return ['data' => ['psn_no' => 'P1', 'mdtrt_id' => 'V1', 'medfee_sumamt' => '10.00']];
    }

    public function testRequestCarriesRouteHeadersAndJsonBody(): void
    {
        $t = new FakeTransport([self::ok(['baseinfo' => ['psn_no' => 'P1', 'psn_name' => '张三'],
            'insuinfo' => [['balc' => '1200.50', 'insutype' => '310']]])]);
        $p = $this->sdk($t)->queryPersonInfo('02', '430302199001010017', '张三');
        self::assertInstanceOf(PersonInfo::class, $p);
        $r = $t->requests[0];
        self::assertSame('POST', $r->method);
        self::assertSame('http://gw.test/api/v1/medical-insurance/basic/person-info', $r->url);
        self::assertSame('mik_test', $r->header('X-API-Key'));
        self::assertSame('H43028110001', $r->header('X-Institution-Code'));
        self::assertSame('0', $r->header('X-Retry-Count'));
        self::assertSame('application/json; charset=utf-8', $r->header('Content-Type'));
        self::assertStringStartsWith('REQ', (string) $r->header('X-Request-ID'));
        $body = json_decode((string) $r->body, true);
        self::assertSame(['mdtrt_cert_type' => '02', 'mdtrt_cert_no' => '430302199001010017', 'psn_cert_type' => '01',
            'certno' => '430302199001010017', 'psn_name' => '张三'], $body['data']);
        self::assertSame('张三', $p->getName());
        self::assertSame('1200.50', $p->getInsuranceBalance());
        self::assertSame('M1', $p->getMsgid());
    }

    public function testFlatFieldsBecomeTheSingleNode(): void
    {
        $t = new FakeTransport([self::ok([])]);
        $this->sdk($t)->outpatientSettle(['psn_no' => 'P1', 'medfee_sumamt' => \MedicalInsurance\Sdk\Decimal::of('1775.00')]);
        self::assertSame('{"data":{"psn_no":"P1","medfee_sumamt":1775.00}}', $t->requests[0]->body);
    }

    public function testUnknownNodeOfAManyNodeTransactionIs30001(): void
    {
        try {
            $this->sdk(new FakeTransport([]))->outpatientVisitUpload(['mdtrt_id' => 'V1']);
            self::fail('no exception');
        } catch (DataValidationException $e) {
            self::assertSame(30001, $e->getCode());
            self::assertSame(['mdtrt_id'], $e->getFields());
        }
    }

    public function testLostQueryIsAskedAgainWithTheSameRequestId(): void
    {
        $t = new FakeTransport([new TransportException('timeout', false), self::ok(['baseinfo' => ['psn_name' => '李娜']])]);
        $p = $this->sdk($t)->queryPersonInfo(['data' => ['mdtrt_cert_type' => '02']]);
        self::assertSame('李娜', $p->getName());
        self::assertCount(2, $t->requests);
        self::assertSame($t->requests[0]->header('X-Request-ID'), $t->requests[1]->header('X-Request-ID'));
        self::assertSame('1', $t->requests[1]->header('X-Retry-Count'));
        self::assertCount(1, $this->slept);
    }

    public function testLostMoneyCallIsNeverSentAgainAndIsAnUnknownOutcome(): void
    {
        $t = new FakeTransport([new TransportException('timeout', false), self::ok([])]);
        try {
            $this->sdk($t)->outpatientSettle(self::settle());
            self::fail('no exception');
        } catch (OutcomeUnknownException $e) {
            self::assertFalse($e->isRetry());
            self::assertSame('unknown', $e->getOutcome());
            self::assertStringContainsString('结果未知', $e->getMessage());
        }
        self::assertCount(1, $t->requests);
    }

    public function testMoneyCallNeverLeftIsSentAgain(): void
    {
        $t = new FakeTransport([new TransportException('refused', true), self::ok(['setlinfo' => ['medfee_sumamt' => '10.00']])]);
        $s = $this->sdk($t)->outpatientSettle(self::settle());
        self::assertInstanceOf(SettlementResult::class, $s);
        self::assertSame('10.00', $s->getTotalAmount());
        self::assertCount(2, $t->requests);
    }

    public function testRetryable5xxIsNotRepeatedForMoneyButForQueries(): void
    {
        $bureau = FakeTransport::json(502, ['success' => false, 'error_code' => 20006, 'message' => '医保中心异常']);
        $t = new FakeTransport([$bureau]);
        try {
            $this->sdk($t)->outpatientSettle(self::settle());
            self::fail('no exception');
        } catch (MedicalInsuranceException $e) {
            self::assertSame(20006, $e->getCode());
            self::assertTrue($e->isRetry(), 'the table says retryable; the SDK still does not repeat a money call');
        }
        self::assertCount(1, $t->requests);
        $t = new FakeTransport([$bureau, self::ok([])]);
        $this->sdk($t)->queryPersonInfo(['data' => []]);
        self::assertCount(2, $t->requests);
    }

    public function test429IsWaitedOutForAWrite(): void
    {
        $limited = FakeTransport::json(429, ['success' => false, 'error_code' => 10004], ['retry-after' => '2']);
        $t = new FakeTransport([$limited, self::ok(['data' => ['mdtrt_id' => 'V9']])]);
        $r = $this->sdk($t)->outpatientRegister(['psn_no' => 'P1'], ['idempotency_key' => 'K1']);
        self::assertSame('V9', $r->getRegisterId());
        self::assertSame([2.0], $this->slept);
        self::assertSame('K1', $t->requests[1]->header('Idempotency-Key'));
    }

    public function testGatewayOutcomeUnknownAnswerIsNeverRetryable(): void
    {
        $t = new FakeTransport([FakeTransport::json(504, ['success' => false, 'error_code' => 20005, 'message' => '结果未知',
            'error' => ['retry' => true], 'data' => ['msgid' => 'H4302811000120250714093000123', 'outcome' => 'unknown']])]);
        try {
            $this->sdk($t)->outpatientSettle(self::settle());
            self::fail('no exception');
        } catch (OutcomeUnknownException $e) {
            self::assertFalse($e->isRetry());
            self::assertSame('H4302811000120250714093000123', $e->getMsgid());
            self::assertSame(504, $e->getHttpStatus());
        }
    }

    public function testErrorClassesFollowTheTable(): void
    {
        $cases = [
            [401, ['success' => false, 'error_code' => 10007, 'message' => 'API密钥无效'], AuthenticationException::class],
            [409, ['success' => false, 'error_code' => 50009, 'message' => '已撤销', 'data' => ['infcode' => -2]],
                BureauRefusalException::class],
            [500, ['success' => false, 'error_code' => 60010], SystemException::class],
        ];
        foreach ($cases as [$status, $body, $class]) {
            try {
                $this->sdk(new FakeTransport([FakeTransport::json($status, $body)]))->outpatientRegister([]);
                self::fail('no exception');
            } catch (MedicalInsuranceException $e) {
                self::assertInstanceOf($class, $e);
                self::assertSame($status, $e->getHttpStatus());
            }
        }
        $t = new FakeTransport([FakeTransport::json(422, ['success' => false, 'error_code' => 30002, 'message' => 'x',
            'data' => ['errors' => [['code' => 30002, 'field' => 'data.insutype', 'message' => '30002 - 必填字段缺失: data.insutype']]]])]);
        try {
            $this->sdk($t)->outpatientRegister([]);
        } catch (DataValidationException $e) {
            self::assertSame(['data.insutype'], $e->getFields());
            self::assertSame('30002 - 必填字段缺失: data.insutype', $e->getMessage());
        }
        self::assertInstanceOf(BusinessException::class, new BureauRefusalException(50009));
    }

    public function testProxyPageOnAWriteIsAnUnknownOutcome(): void
    {
        $t = new FakeTransport([new Reply(502, ['content-type' => 'text/html'], '<html>Bad Gateway</html>')]);
        $this->expectException(OutcomeUnknownException::class);
        $this->sdk($t)->outpatientRegister(['psn_no' => 'P1']);
    }

    public function testGetSendsTheNodeAsQueryParameters(): void
    {
        $t = new FakeTransport([self::ok([])]);
        $this->sdk($t)->queryRemoteOrders(['data' => ['psn_no' => 'P 1', 'page' => 2]]);
        $r = $t->requests[0];
        self::assertSame('GET', $r->method);
        self::assertNull($r->body);
        self::assertStringEndsWith('?psn_no=P%201&page=2', $r->url);
    }

    public function testConfigPrecedenceArgumentEnvFileDefault(): void
    {
        $file = tempnam(sys_get_temp_dir(), 'mi') ?: self::fail('tempnam');
        file_put_contents($file, json_encode(['medical_insurance' => ['api_base_url' => 'http://file.test',
            'api_key' => 'file', 'institution_code' => 'H1', 'timeout' => ['connection' => 3, 'read' => 40],
            'retry' => ['max_attempts' => 5, 'backoff_factor' => 2]]]));
        $c = Config::load($file, ['api_key' => 'arg'], ['MEDICAL_INSURANCE_API_KEY' => 'env',
            'MEDICAL_INSURANCE_INSTITUTION_CODE' => 'H2', 'MEDICAL_INSURANCE_MAX_RETRIES' => '']);
        unlink($file);
        self::assertSame('http://file.test/api/v1/medical-insurance/', $c->apiBaseUrl);
        self::assertSame('arg', $c->apiKey);
        self::assertSame('H2', $c->institutionCode);
        self::assertSame(40.0, $c->timeout);
        self::assertSame(3.0, $c->connectTimeout);
        self::assertSame(5, $c->maxAttempts);
        self::assertSame(2.0, $c->backoffFactor);
        self::assertSame(60.0, $c->maxRetryAfter);
        $this->expectException(\InvalidArgumentException::class);
        Config::load(null, [], []);
    }

    public function testEveryGeneratedMethodRoutesToItsTransaction(): void
    {
        $count = 0;
        foreach (\MedicalInsurance\Sdk\Generated\Operations::ROWS as $row) {
            self::assertTrue(method_exists(MedicalInsuranceSDK::class, $row[4]), $row[4]);
            self::assertTrue(is_subclass_of($row[8], \MedicalInsurance\Sdk\Result::class) || $row[8] === \MedicalInsurance\Sdk\Result::class);
            $count++;
        }
        self::assertSame(206, $count);
    }
}
