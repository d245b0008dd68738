<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

use MedicalInsurance\Sdk\Exception\Errors;
use MedicalInsurance\Sdk\Exception\MedicalInsuranceException;
use MedicalInsurance\Sdk\Generated\MedicalInsuranceApi;
use MedicalInsurance\Sdk\Generated\Operations;
use MedicalInsurance\Sdk\Generated\Result\BenefitCheckResult;
use MedicalInsurance\Sdk\Generated\Result\InstitutionInfo;
use MedicalInsurance\Sdk\Generated\Result\PersonInfo;
use MedicalInsurance\Sdk\Http\CurlTransport;
use MedicalInsurance\Sdk\Http\Transport;

/**
 * The PHP SDK: every transaction of the registry as a method (generated in MedicalInsuranceApi), the
 * spec's convenience calls, and the gateway's batches, tasks, files and universal query (gateway()).
 *
 *     $sdk = new MedicalInsuranceSDK('config.json');
 *     $p = $sdk->queryPersonInfo('02', '430302199001010017', '张三');
 *     echo $p->getName(), ' ', $p->getInsuranceBalance();   // 张三 1200.50 (exact text)
 */
class MedicalInsuranceSDK extends MedicalInsuranceApi
{
    /** 就诊凭证类型 02 居民身份证 = 人员证件类型 01 居民身份证(户口簿). */
    private const ID_CARD_CREDENTIAL = '02';

    public readonly Config $config;
    private readonly Core $core;
    private readonly Gateway $gateway;

    /**
     * @param string|Config|null $config a §9.2.1 JSON file (then the environment), a Config, or null
     *     (the environment only, §9.2.2)
     * @param array<string, mixed> $settings flat settings that win over file and environment: api_key,
     *     api_base_url, institution_code, timeout, max_attempts …
     * @param callable(float): void|null $sleeper how to wait between attempts (tests)
     */
    public function __construct(
        string|Config|null $config = null,
        array $settings = [],
        ?Transport $transport = null,
        ?callable $sleeper = null,
    ) {
        $this->config = $config instanceof Config ? $config : Config::load($config, $settings);
        $retry = RetryPolicy::fromConfig($this->config);
        $this->core = new Core($this->config, $retry, $transport ?? new CurlTransport(), $sleeper);
        $this->gateway = new Gateway($this->core);
    }

    /** Batches, async tasks, files and the universal query of the gateway (§3.2–§3.5). */
    public function gateway(): Gateway
    {
        return $this->gateway;
    }

    protected function invoke(
        string $infno,
        array $input,
        array|CallOptions|null $options,
        string $resultClass,
    ): Result {
        $op = self::operation($infno);
        $answer = $this->core->call($op, $input, CallOptions::of($options));
        return new $resultClass($answer);
    }

    /**
     * Any transaction by infno, interface_type or method name, with the bureau's own input.
     *
     * @param array<string, mixed> $input
     * @param array<string, mixed>|CallOptions|null $options
     */
    public function call(string $key, array $input = [], array|CallOptions|null $options = null): Result
    {
        $op = self::operation($key);
        return $this->invoke($op[0], $input, $options, $op[8]);
    }

    // ------------------------------------------------------------------------------ the spec's conveniences

    /**
     * 【1101】人员基本信息获取: the bureau input as an array, or the spec's (certType, certNo, psnName) — these
     * fill both credential pairs; 就诊凭证类型 "02" (居民身份证) is 人员证件类型 "01".
     *
     * @param array<string, mixed>|string $input
     * @param array<string, mixed>|CallOptions|string|null $options certNo when $input is certType
     */
    public function queryPersonInfo(
        array|string $input = [],
        array|CallOptions|string|null $options = null,
        ?string $psnName = null,
    ): PersonInfo {
        if (is_array($input)) {
            return parent::queryPersonInfo($input, is_string($options) ? null : $options);
        }
        $data = [
            'mdtrt_cert_type' => $input,
            'mdtrt_cert_no' => (string) $options,
            'psn_cert_type' => $input === self::ID_CARD_CREDENTIAL ? '01' : $input,
            'certno' => (string) $options,
        ];
        if ($psnName !== null && $psnName !== '') {
            $data['psn_name'] = $psnName;
        }
        return parent::queryPersonInfo(['data' => $data]);
    }

    /**
     * 【1201】医药机构信息获取: the bureau input, or just an institution code.
     *
     * @param array<string, mixed>|string $input
     */
    public function queryInstitutionInfo(
        array|string $input = [],
        array|CallOptions|null $options = null,
    ): InstitutionInfo {
        $input = is_string($input) ? ['medinsinfo' => ['fixmedins_code' => $input]] : $input;
        return parent::queryInstitutionInfo($input, $options);
    }

    /**
     * 【2001】人员待遇享受检查: the bureau input as an array, or the spec's (personNo, checkItems, fields) —
     * the bureau checks every benefit at once, so checkItems is the spec's wording and is not sent. Sent:
     * psn_no, this institution, 险种 310, 医疗类别 11 and now; $fields (bureau names) replace any of them.
     *
     * @param array<string, mixed>|string $input
     * @param array<string, mixed>|list<string>|CallOptions|null $options checkItems when $input is personNo
     * @param array<string, mixed> $fields
     */
    public function benefitCheck(
        array|string $input = [],
        array|CallOptions|null $options = null,
        array $fields = [],
    ): BenefitCheckResult {
        if (is_array($input)) {
            return parent::benefitCheck($input, $options);
        }
        $data = array_merge([
            'psn_no' => $input,
            'insutype' => '310',
            'fixmedins_code' => $this->config->institutionCode,
            'med_type' => '11',
            'begntime' => (new \DateTimeImmutable('now', new \DateTimeZone('Asia/Shanghai')))->format('Y-m-d H:i:s'),
        ], $fields);
        return parent::benefitCheck(['data' => $data]);
    }

    /**
     * 【§3.2.1】The operations as one gateway batch; waits for its end (at most 300 s).
     *
     * @param list<array<string, mixed>> $operations ['interface_type' => …, 'data' => …, 'sequence' => …]
     */
    public function batchUpload(array $operations): BatchResult
    {
        return $this->gateway->submitBatch($operations, null, true, 5, 300);
    }

    /**
     * The row of Generated\Operations for an infno, interface_type or method name.
     *
     * @return array<int, mixed>
     */
    private static function operation(string $key): array
    {
        return Operations::find($key) ?? throw Errors::forCode(20001, "不支持的接口类型: {$key}");
    }
}
