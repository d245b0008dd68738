// 规范 §11.3.2 方案二「HIS系统调用代理服务」的 C# 类，尽量保持规范原文；
// 每处改动都以「// 与规范不同：…」标出。代理服务就是网关的 POST /api/medical-insurance/<接口类型>，
// 应答是网关的通用响应格式（§1.3）。ApiResponse<T>、PersonInfo 等规范用到却没有定义的类型在文件后半部分。

// 与规范不同：规范的代码片段省略了 using 与命名空间，这里补上才能编译。
using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Tasks;

namespace MedicalInsurance.Integration
{
    // HIS系统中的调用代码
    public class MedicalInsuranceProxy
    {
        private readonly HttpClient _httpClient;
        private readonly string _proxyUrl = "http://localhost:8080/api/medical-insurance";

        // 与规范不同：网关对每次调用都要认证，构造函数接收代理地址（如 http://网关:8000/api/medical-insurance）、
        // API Key 与机构编码，并设置请求头 X-API-Key 与 X-Institution-Code（两者都必需）。
        public MedicalInsuranceProxy(string proxyUrl, string apiKey, string institutionCode)
        {
            _proxyUrl = proxyUrl.TrimEnd('/');
            _httpClient = new HttpClient();
            _httpClient.DefaultRequestHeaders.Add("X-API-Key", apiKey);
            _httpClient.DefaultRequestHeaders.Add("X-Institution-Code", institutionCode);
        }

        public async Task<PersonInfo> QueryPersonInfo(string certType, string certNo)
        {
            // 与规范不同：规范写的 cert_type / cert_no 不是医保局 1101 的字段，网关会以 30002（必填字段缺失）拒绝。
            // 这里改用 1101 的真实输入：certType 是就诊凭证类型 mdtrt_cert_type（"02" 居民身份证，
            // "01" 医保电子凭证，"03" 社会保障卡），certNo 是凭证编号 mdtrt_cert_no；人员证件类型
            // psn_cert_type 固定为 "01"（居民身份证）。
            var requestData = new
            {
                mdtrt_cert_type = certType,
                mdtrt_cert_no = certNo,
                psn_cert_type = "01"
            };

            // 与规范不同：发送与读取应答移到下面的通用方法 CallInterface，以便调用任一交易。
            return await CallInterface<PersonInfo>("person_info", requestData);
        }

        // 与规范不同：新增的通用方法，正文即规范 QueryPersonInfo 的后半部分；interfaceType 可以是
        // interface_type（如 outpatient_register）、交易编号（如 2201）或 SDK 方法名。
        // idempotencyKey（可选，写入/资金类交易强烈建议）：HIS 自己的业务单号，如挂号单号。超时或网络中断后
        // 用同一键再调用一次，网关返回第一次的结果，不会在医保局重复办理。
        public async Task<T> CallInterface<T>(string interfaceType, object requestData, string idempotencyKey = null)
        {
            HttpResponseMessage response;
            if (idempotencyKey == null)
            {
                response = await _httpClient.PostAsJsonAsync(
                    $"{_proxyUrl}/{interfaceType}",
                    requestData
                );
            }
            else
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"{_proxyUrl}/{interfaceType}")
                {
                    Content = new StringContent(JsonSerializer.Serialize(requestData), Encoding.UTF8, "application/json")
                };
                request.Headers.Add("Idempotency-Key", idempotencyKey);
                response = await _httpClient.SendAsync(request);
            }

            if (response.IsSuccessStatusCode)
            {
                var result = await response.Content.ReadFromJsonAsync<ApiResponse<T>>();
                return result.Data;
            }

            // 与规范不同：规范只抛出「医保接口调用失败」；这里附上网关应答中的错误码与说明，便于排查。
            throw new Exception($"医保接口调用失败: {await Describe(response)}");
        }

        private static async Task<string> Describe(HttpResponseMessage response)
        {
            var status = $"HTTP {(int)response.StatusCode}";
            try
            {
                var answer = await response.Content.ReadFromJsonAsync<ApiResponse<object>>();
                if (answer != null && answer.ErrorCode.HasValue)
                {
                    return $"{answer.ErrorCode} {answer.Message}（{status}）";
                }
            }
            catch (Exception)
            {
                // 不是网关的 JSON 应答（如反向代理的错误页）：只报状态码
            }
            return status;
        }
    }

    /// <summary>网关的通用响应格式（规范 §1.3）。规范使用而未定义此类型。</summary>
    public class ApiResponse<T>
    {
        public bool Success { get; set; }

        public T Data { get; set; }

        public string Message { get; set; }

        public ApiError Error { get; set; }

        [JsonPropertyName("error_code")]
        public int? ErrorCode { get; set; }

        public string Timestamp { get; set; }

        [JsonPropertyName("request_id")]
        public string RequestId { get; set; }

        public string Version { get; set; }

        [JsonPropertyName("interface_info")]
        public InterfaceInfo InterfaceInfo { get; set; }
    }

    /// <summary>失败应答的 error 节点。</summary>
    public class ApiError
    {
        public int Code { get; set; }

        public string Message { get; set; }

        public bool Retry { get; set; }
    }

    /// <summary>应答的 interface_info：本次调用的交易。</summary>
    public class InterfaceInfo
    {
        [JsonPropertyName("interface_type")]
        public string InterfaceType { get; set; }

        public string Infno { get; set; }

        public string Category { get; set; }

        public string Msgid { get; set; }
    }

    /// <summary>1101 人员基本信息获取的输出（应答的 data）。规范使用而未定义此类型。</summary>
    public class PersonInfo
    {
        [JsonPropertyName("baseinfo")]
        public PersonBaseInfo BaseInfo { get; set; }

        [JsonPropertyName("insuinfo")]
        public List<InsuranceInfo> InsuInfo { get; set; }

        [JsonPropertyName("idetinfo")]
        public List<IdentityInfo> IdetInfo { get; set; }
    }

    /// <summary>baseinfo：人员基本信息。日期是医保局的 "yyyy-MM-dd" 文本。</summary>
    public class PersonBaseInfo
    {
        [JsonPropertyName("psn_no")]
        public string PsnNo { get; set; }

        [JsonPropertyName("psn_cert_type")]
        public string PsnCertType { get; set; }

        [JsonPropertyName("certno")]
        public string CertNo { get; set; }

        [JsonPropertyName("psn_name")]
        public string PsnName { get; set; }

        [JsonPropertyName("gend")]
        public string Gend { get; set; }

        [JsonPropertyName("naty")]
        public string Naty { get; set; }

        [JsonPropertyName("brdy")]
        public string Brdy { get; set; }

        [JsonPropertyName("age")]
        public decimal? Age { get; set; }

        [JsonPropertyName("poolarea")]
        public string PoolArea { get; set; }

        [JsonPropertyName("emp_name")]
        public string EmpName { get; set; }

        [JsonPropertyName("tel")]
        public string Tel { get; set; }

        [JsonPropertyName("expContent")]
        public string ExpContent { get; set; }
    }

    /// <summary>insuinfo[]：参保信息，每个险种一条。</summary>
    public class InsuranceInfo
    {
        [JsonPropertyName("balc")]
        public decimal? Balc { get; set; }

        [JsonPropertyName("insutype")]
        public string InsuType { get; set; }

        [JsonPropertyName("psn_type")]
        public string PsnType { get; set; }

        [JsonPropertyName("psn_insu_stas")]
        public string PsnInsuStas { get; set; }

        [JsonPropertyName("psn_insu_date")]
        public string PsnInsuDate { get; set; }

        [JsonPropertyName("paus_insu_date")]
        public string PausInsuDate { get; set; }

        [JsonPropertyName("cvlserv_flag")]
        public string CvlservFlag { get; set; }

        [JsonPropertyName("insuplc_admdvs")]
        public string InsuplcAdmdvs { get; set; }

        [JsonPropertyName("emp_name")]
        public string EmpName { get; set; }
    }

    /// <summary>idetinfo[]：人员身份信息。</summary>
    public class IdentityInfo
    {
        [JsonPropertyName("psn_idet_type")]
        public string PsnIdetType { get; set; }

        [JsonPropertyName("psn_type_lv")]
        public string PsnTypeLv { get; set; }

        [JsonPropertyName("memo")]
        public string Memo { get; set; }

        [JsonPropertyName("begntime")]
        public string BeginTime { get; set; }

        [JsonPropertyName("endtime")]
        public string EndTime { get; set; }
    }
}
