<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Tests\Live;

use MedicalInsurance\Sdk\Config;
use MedicalInsurance\Sdk\Decimal;
use MedicalInsurance\Sdk\Exception\AuthenticationException;
use MedicalInsurance\Sdk\Exception\BureauRefusalException;
use MedicalInsurance\Sdk\Exception\BusinessException;
use MedicalInsurance\Sdk\Exception\DataValidationException;
use MedicalInsurance\Sdk\Exception\MedicalInsuranceException;
use MedicalInsurance\Sdk\Exception\OutcomeUnknownException;
use MedicalInsurance\Sdk\Exception\PermissionDeniedException;
use MedicalInsurance\Sdk\Generated\Result\PersonInfo;
use MedicalInsurance\Sdk\Generated\Result\SettlementResult;
use MedicalInsurance\Sdk\MedicalInsuranceSDK;
use PHPUnit\Framework\TestCase;

/** Against the live gateway clients/harness.py starts: the flows, errors, faults, batch, tasks, files. */
final class LiveTest extends TestCase
{
    // seed persons of the sandbox (GET /sandbox/admin/persons): psn_no, certno, name
    private const ZHANG_SAN = ['43000030281000128715', '430302199001010017', '张三'];
    private const LI_NA = ['43000030281000129728', '430304198805170049', '李娜'];
    private const WANG_JIANGUO = ['43000030281000130741', '430302197509230054', '王建国'];
    private const LIU_FANG = ['43000030281000131754', '430321199211020087', '刘芳'];
    private const NOBODY = ['43000030281099999999', '430302190001010000', '无此人'];

    private const CONSULT = '001102000010000-110200001';
    private const AMOXICILLIN = 'XJ01CAA040A001010100001';
    private const ALBUMIN = 'XB05AAA010B002010100013';
    private const VITAMINS = 'XA11JAF000A001010100015';
    private const IBUPROFEN = 'XM01AEB040E001010100011';
    private const ASPIRIN = 'XB01ACA056A001010100002';

    protected function setUp(): void
    {
        if ((string) getenv('MEDICAL_INSURANCE_API_URL') === '' || (string) getenv('MEDICAL_INSURANCE_ADMIN_API_KEY') === '') {
            self::markTestSkipped('no live gateway: run through clients/harness.py');
        }
    }

    private static function sdk(string $keyVar = 'MEDICAL_INSURANCE_API_KEY', string $codeVar = 'MEDICAL_INSURANCE_INSTITUTION_CODE', ?string $key = null): MedicalInsuranceSDK
    {
        return new MedicalInsuranceSDK(null, [
            'api_key' => $key ?? getenv($keyVar),
            'institution_code' => getenv($codeVar),
            'timeout' => 60,
        ]);
    }

    public function testQueryPersonInfoGivesAnExactBalance(): void
    {
        [$psnNo, $certno, $name] = self::ZHANG_SAN;
        $p = self::sdk()->queryPersonInfo('02', $certno, $name);
        self::assertInstanceOf(PersonInfo::class, $p);
        self::assertSame('张三', $p->getName());
        self::assertSame($psnNo, $p->getPersonNo());
        self::assertMatchesRegularExpression('/^\d+\.\d{2}$/', (string) $p->getInsuranceBalance());
        self::assertSame($p->getInsuranceBalance(), $p->getRaw()['insuinfo'][0]['balc'], 'raw balc as sent');
        self::assertNotNull($p->getMsgid());
    }

    public function testOutpatientFlowAmountsExactlyAsTheFundSplitAnswered(): void
    {
        $sdk = self::sdk();
        [$psnNo, $certno] = self::LI_NA;
        $before = $sdk->queryPersonInfo('02', $certno)->getInsuranceBalance();
        $visit = self::openVisit($sdk, self::LI_NA);
        $pre = $sdk->outpatientPreSettle(self::preSettle(self::LI_NA, $visit));
        $settled = $sdk->outpatientSettle(self::settle(self::LI_NA, $visit, $pre));
        self::assertSame('1775.00', $settled->getTotalAmount());
        foreach (['medfee_sumamt', 'fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay'] as $field) {
            self::assertSame((string) $pre->getDecimal($field), (string) $settled->getDecimal($field), "2207 {$field} as 2206 answered");
        }
        $sum = Decimal::of($settled->getInsuranceAmount())->add($settled->getAccountAmount())->add($settled->getCashAmount());
        self::assertTrue($sum->equals($settled->getTotalAmount()), "total = fund + account + cash: {$sum}");
        $personal = Decimal::of($settled->getAccountAmount())->add($settled->getCashAmount());
        self::assertTrue($personal->equals($settled->getPersonalAmount()), 'personal = account + cash');
        $after = $sdk->queryPersonInfo('02', $certno)->getInsuranceBalance();
        self::assertTrue(Decimal::of($before)->sub($settled->getAccountAmount())->equals($after), 'balance after 2207');
        $cancel = ['setl_id' => $settled->getSettlementId(), 'mdtrt_id' => $visit, 'psn_no' => $psnNo];
        $cancelled = $sdk->outpatientSettleCancel($cancel);
        self::assertTrue(Decimal::of($settled->getTotalAmount())->negate()->equals($cancelled->getTotalAmount()), '2208 reverses');
        self::assertSame($before, $sdk->queryPersonInfo('02', $certno)->getInsuranceBalance(), 'balance restored');
        try {
            $sdk->outpatientSettleCancel($cancel);
            self::fail('a cancelled settlement was cancelled again');
        } catch (BureauRefusalException $e) {
            self::assertInstanceOf(BusinessException::class, $e);
            self::assertSame(409, $e->getHttpStatus());
            self::assertSame(50009, $e->getCode());
            self::assertFalse($e->isRetry());
            self::assertStringContainsString('撤销', $e->getMessage());
        }
    }

    public function testPharmacyFlowWithThePharmacyKey(): void
    {
        $sdk = self::sdk('MEDICAL_INSURANCE_PHARMACY_API_KEY', 'MEDICAL_INSURANCE_PHARMACY_CODE');
        $purchase = self::purchase(self::LIU_FANG);
        $pre = $sdk->pharmacyPreSettle($purchase);
        $settled = $sdk->pharmacySettle($purchase);
        self::assertInstanceOf(SettlementResult::class, $settled);
        self::assertSame('98.20', $settled->getTotalAmount());
        self::assertSame($pre->getInsuranceAmount(), $settled->getInsuranceAmount());
        self::assertSame($pre->getAccountAmount(), $settled->getAccountAmount());
        $sum = Decimal::of($settled->getInsuranceAmount())->add($settled->getAccountAmount())->add($settled->getCashAmount());
        self::assertTrue($sum->equals($settled->getTotalAmount()), "total = fund + account + cash: {$sum}");
        $cancelled = $sdk->pharmacySettleCancel(['data' => ['setl_id' => $settled->getSettlementId(),
            'mdtrt_id' => $settled->getVisitId(), 'psn_no' => self::LIU_FANG[0]]]);
        self::assertTrue(Decimal::of($settled->getTotalAmount())->negate()->equals($cancelled->getTotalAmount()));
    }

    public function testErrorClasses401And403And422(): void
    {
        try {
            self::sdk(key: 'mik_wrong_key')->queryPersonInfo('02', self::ZHANG_SAN[1]);
            self::fail('401 expected');
        } catch (AuthenticationException $e) {
            self::assertSame(401, $e->getHttpStatus());
            self::assertSame(1, intdiv($e->getCode(), 10000));
            self::assertFalse($e->isRetry());
        }
        try {
            self::sdk('MEDICAL_INSURANCE_ANALYST_API_KEY')->outpatientRegister(self::register(self::ZHANG_SAN));
            self::fail('403 expected');
        } catch (PermissionDeniedException $e) {
            self::assertSame(403, $e->getHttpStatus());
            self::assertSame(10009, $e->getCode());
        }
        try {
            self::sdk()->outpatientRegister(['psn_no' => self::ZHANG_SAN[0]]);
            self::fail('422 expected');
        } catch (DataValidationException $e) {
            self::assertSame(422, $e->getHttpStatus());
            $fields = $e->getFields();
            self::assertContains('data.insutype', $fields);
            self::assertContains('data.mdtrt_cert_no', $fields);
            self::assertGreaterThanOrEqual(5, count($fields));
        }
    }

    public function testIdempotencyKeyDoesAWriteOnce(): void
    {
        $sdk = self::sdk();
        $request = self::register(self::ZHANG_SAN);
        $key = 'PHP-SUITE-' . bin2hex(random_bytes(6));
        $first = $sdk->outpatientRegister($request, ['idempotency_key' => $key]);
        $again = $sdk->outpatientRegister($request, ['idempotency_key' => $key]);
        self::assertSame($first->getRegisterId(), $again->getRegisterId());
        self::assertNotSame($first->getRegisterId(), $sdk->outpatientRegister(self::register(self::ZHANG_SAN))->getRegisterId());
    }

    public function testLostAnswerToASettlementIsAnUnknownOutcome(): void
    {
        $sdk = self::sdk();
        $visit = self::openVisit($sdk, self::WANG_JIANGUO);
        $pre = $sdk->outpatientPreSettle(self::preSettle(self::WANG_JIANGUO, $visit));
        self::admin('PUT', 'sandbox/admin/faults', ['rules' => [['kind' => 'timeout_after', 'scope' => '2207', 'count' => 1]]]);
        try {
            $sdk->outpatientSettle(self::settle(self::WANG_JIANGUO, $visit, $pre), ['timeout' => 120]);
            self::fail('the lost answer was not reported');
        } catch (OutcomeUnknownException $e) {
            self::assertFalse($e->isRetry());
            self::assertNotEmpty($e->getMsgid());
            self::assertContains($e->getOutcome(), ['unknown', 'reversed']);
            self::assertStringContainsString((string) $e->getMsgid(), $e->getMessage(), 'the message names the msgid');
        } finally {
            self::admin('DELETE', 'sandbox/admin/faults');
        }
    }

    public function testBatchWithAFailedOperation(): void
    {
        $sdk = self::sdk();
        $ops = [
            ['interface_type' => 'person_info', 'data' => self::personQuery(self::ZHANG_SAN), 'sequence' => 1],
            ['interface_type' => '1101', 'data' => self::personQuery(self::LI_NA), 'sequence' => 2],
            ['interface_type' => 'person_info', 'data' => self::personQuery(self::NOBODY), 'sequence' => 3],
        ];
        $result = $sdk->gateway()->submitBatch($ops, null, false, 2, 120);
        self::assertSame(3, $result->getTotalCount());
        self::assertSame(2, $result->getSuccessCount());
        $first = $result->items[0]->result;
        self::assertInstanceOf(PersonInfo::class, $first);
        self::assertSame('张三', $first->getName());
        $failed = $result->items[2];
        self::assertFalse($failed->isSuccess());
        self::assertInstanceOf(MedicalInsuranceException::class, $failed->exception);
        self::assertSame(5, intdiv($failed->exception->getCode(), 10000));
        self::assertSame(2, $sdk->batchUpload(array_slice($ops, 0, 2))->getSuccessCount());
    }

    public function testAsyncTask(): void
    {
        $gateway = self::sdk()->gateway();
        $task = $gateway->createTask('transaction', ['interface_type' => 'person_info', 'data' => self::personQuery(self::ZHANG_SAN)]);
        self::assertNotEmpty($task['task_id']);
        $done = $gateway->waitTask((string) $task['task_id'], 60);
        self::assertSame('completed', $done['status']);
        self::assertStringContainsString(self::ZHANG_SAN[0], json_encode($done['result'], JSON_UNESCAPED_UNICODE));
    }

    public function testFilesAndUniversalQuery(): void
    {
        $gateway = self::sdk()->gateway();
        $info = $gateway->uploadFile("fee,1.50\n", 'fees.csv');
        self::assertSame("fee,1.50\n", $gateway->downloadFile((string) $info['file_id']));
        $log = $gateway->universalQuery('call_log', ['interface_type' => ['person_info']], 1, 5);
        self::assertIsArray($log->data);
        self::assertNotEmpty($log->data);
    }

    public function testTheCompleteExampleRunsFromAConfigFile(): void
    {
        $dir = sys_get_temp_dir() . '/mi-php-' . bin2hex(random_bytes(4));
        mkdir($dir);
        $config = $dir . '/config.json';
        file_put_contents($config, json_encode(['medical_insurance' => [
            'api_base_url' => getenv('MEDICAL_INSURANCE_API_URL'),
            'api_key' => getenv('MEDICAL_INSURANCE_API_KEY'),
            'institution_code' => getenv('MEDICAL_INSURANCE_INSTITUTION_CODE'),
            'timeout' => 60,
            'retry' => ['max_attempts' => 3, 'backoff_factor' => 1.5],
        ]], JSON_UNESCAPED_SLASHES));
        $script = escapeshellarg(__DIR__ . '/../../examples/complete_example.php');
        // the file alone configures the example
        $command = 'env -u MEDICAL_INSURANCE_API_URL -u MEDICAL_INSURANCE_API_KEY ' . escapeshellarg(PHP_BINARY)
            . " {$script} " . escapeshellarg($config) . ' 2>&1';
        exec($command, $lines, $code);
        unlink($config);
        rmdir($dir);
        $text = implode("\n", $lines);
        fwrite(STDERR, preg_replace('/^/m', '        | ', $text) . "\n");
        self::assertSame(0, $code, 'the example failed');
        foreach (['患者信息: 张三', '机构信息:', '挂号成功:', '门诊结算完成:', '患者3:', '批量操作: 2/2 成功'] as $expected) {
            self::assertStringContainsString($expected, $text);
        }
    }

    // ------------------------------------------------------------------------------------------- flows

    /** @param array{0: string, 1: string, 2: string} $p */
    private static function personQuery(array $p): array
    {
        return ['data' => ['mdtrt_cert_type' => '02', 'mdtrt_cert_no' => $p[1], 'psn_cert_type' => '01']];
    }

    private static function register(array $p): array
    {
        return ['data' => [
            'psn_no' => $p[0], 'insutype' => '310', 'begntime' => '2025-07-14 09:30:00', 'mdtrt_cert_type' => '02',
            'mdtrt_cert_no' => $p[1], 'ipt_otp_no' => 'MZ' . random_int(10000000, 99999999), 'atddr_no' => 'D430302000101',
            'dr_name' => '李医生', 'dept_code' => 'NK01', 'dept_name' => '普通内科', 'caty' => 'A03',
        ]];
    }

    /** 2201 → 2203 → 2204 (the basket of the sandbox's outpatient tests); answers the mdtrt_id. */
    private static function openVisit(MedicalInsuranceSDK $sdk, array $p): string
    {
        $registered = $sdk->outpatientRegister(self::register($p));
        $visit = (string) $registered->getRegisterId();
        self::assertSame($visit, $registered->getMdtrtId());
        $sdk->outpatientVisitUpload([
            'mdtrtinfo' => ['mdtrt_id' => $visit, 'psn_no' => $p[0], 'med_type' => '11',
                'begntime' => '2025-07-14 09:30:00', 'main_cond_dscr' => '发热咳嗽三天'],
            'diseinfo' => [['diag_type' => '1', 'diag_srt_no' => 1, 'diag_code' => 'J06.900', 'diag_name' => '急性上呼吸道感染',
                'diag_dept' => '普通内科', 'dise_dor_no' => 'D430302000101', 'dise_dor_name' => '李医生',
                'diag_time' => '2025-07-14 09:40:00', 'vali_flag' => '1']],
        ]);
        $rows = [];
        foreach ([['F1', self::CONSULT, '1', '10.00'], ['F2', self::AMOXICILLIN, '2', '12.50'],
            ['F3', self::ALBUMIN, '4', '420.00'], ['F4', self::VITAMINS, '1', '60.00']] as [$sn, $code, $cnt, $pric]) {
            $amount = Decimal::of('0');
            for ($i = 0; $i < (int) $cnt; $i++) {
                $amount = $amount->add($pric);
            }
            $rows[] = ['feedetl_sn' => $sn, 'mdtrt_id' => $visit, 'psn_no' => $p[0], 'chrg_bchno' => 'B001', 'rx_circ_flag' => '0',
                'fee_ocur_time' => '2025-07-14 09:45:00', 'med_list_codg' => $code, 'medins_list_codg' => 'H' . substr($code, 0, 10),
                'det_item_fee_sumamt' => $amount, 'cnt' => Decimal::of($cnt), 'pric' => Decimal::of($pric),
                'bilg_dept_codg' => 'NK01', 'bilg_dept_name' => '普通内科', 'bilg_dr_codg' => 'D430302000101',
                'bilg_dr_name' => '李医生', 'hosp_appr_flag' => '1'];
        }
        self::assertCount(4, $sdk->outpatientExpenseUpload(['feedetail' => $rows])->rows('result'));
        return $visit;
    }

    private static function preSettle(array $p, string $visit): array
    {
        return ['psn_no' => $p[0], 'mdtrt_cert_type' => '02', 'mdtrt_cert_no' => $p[1], 'med_type' => '11',
            'medfee_sumamt' => Decimal::of('1775.00'), 'psn_setlway' => '01', 'mdtrt_id' => $visit, 'chrg_bchno' => 'B001',
            'insutype' => '310', 'acct_used_flag' => '1'];
    }

    private static function settle(array $p, string $visit, SettlementResult $pre): array
    {
        return ['data' => ['psn_no' => $p[0], 'mdtrt_cert_type' => '02', 'mdtrt_cert_no' => $p[1], 'med_type' => '11',
            'medfee_sumamt' => Decimal::of($pre->getTotalAmount()), 'psn_setlway' => '01', 'mdtrt_id' => $visit,
            'chrg_bchno' => 'B001', 'insutype' => '310', 'acct_used_flag' => '1',
            'fulamt_ownpay_amt' => $pre->getDecimal('fulamt_ownpay_amt'), 'overlmt_selfpay' => $pre->getDecimal('overlmt_selfpay'),
            'preselfpay_amt' => $pre->getDecimal('preselfpay_amt'), 'inscp_scp_amt' => $pre->getDecimal('inscp_scp_amt')]];
    }

    private static function purchase(array $p): array
    {
        $items = [];
        foreach ([['P1', self::IBUPROFEN, '2', '11.20', '22.40'], ['P2', self::ASPIRIN, '1', '15.80', '15.80'],
            ['P3', self::VITAMINS, '1', '60.00', '60.00']] as [$sn, $code, $cnt, $pric, $sum]) {
            $items[] = ['feedetl_sn' => $sn, 'med_list_codg' => $code, 'medins_list_codg' => 'P' . $sn, 'cnt' => Decimal::of($cnt),
                'pric' => Decimal::of($pric), 'det_item_fee_sumamt' => Decimal::of($sum), 'fee_ocur_time' => '2025-07-14 09:30:00'];
        }
        return [
            'druginfo' => ['psn_no' => $p[0], 'mdtrt_cert_type' => '02', 'mdtrt_cert_no' => $p[1], 'insutype' => '310',
                'med_type' => '41', 'medfee_sumamt' => Decimal::of('98.20'), 'acct_used_flag' => '1',
                'begntime' => '2025-07-14 09:30:00'],
            'drugdetail' => $items,
        ];
    }

    /** The sandbox's admin API (faults) with the admin key. */
    private static function admin(string $method, string $path, ?array $body = null): void
    {
        $h = curl_init(getenv('MEDICAL_INSURANCE_GATEWAY_ROOT') . $path);
        curl_setopt_array($h, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['X-API-Key: ' . getenv('MEDICAL_INSURANCE_ADMIN_API_KEY'),
                'X-Institution-Code: ' . getenv('MEDICAL_INSURANCE_INSTITUTION_CODE'), 'Content-Type: application/json'],
        ]);
        if ($body !== null) {
            curl_setopt($h, CURLOPT_POSTFIELDS, json_encode($body));
        }
        $answer = curl_exec($h);
        $status = curl_getinfo($h, CURLINFO_RESPONSE_CODE);
        self::assertLessThan(300, $status, "{$method} {$path}: {$status} {$answer}");
    }
}
