// 演示程序：用规范 §11.3.2 的两个类调用真实的网关（方案二）与文件监控服务（方案三）。
//
//   mono Demo.exe proxy-person <凭证编号> [凭证类型]        MedicalInsuranceProxy.QueryPersonInfo
//   mono Demo.exe proxy-call <接口类型> [字段=值 …] [--idempotency-key 键]   MedicalInsuranceProxy.CallInterface
//   mono Demo.exe file-call <接口类型> [字段=值 …]          FileBasedMedicalInsurance.CallMedicalInterface
//
// 选项（方案二）：--proxy-url（或环境变量 MEDICAL_INSURANCE_PROXY_URL，默认 http://localhost:8000/api/medical-insurance）、
// --api-key（或 MEDICAL_INSURANCE_API_KEY）、--institution（或 MEDICAL_INSURANCE_INSTITUTION_CODE）；
// 选项（方案三）：--input、--output（文件监控服务的两个目录）。
// 退出码：0 成功；1 调用失败（异常信息写到标准错误）；2 用法错误。

using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace MedicalInsurance.Integration
{
    public static class Demo
    {
        private const string Usage =
            "用法: Demo.exe proxy-person <凭证编号> [凭证类型] | proxy-call <接口类型> [字段=值 …] | "
            + "file-call <接口类型> [字段=值 …]\n"
            + "选项: --proxy-url URL --api-key KEY --institution 机构编码 | --input 目录 --output 目录";

        public static int Main(string[] args)
        {
            Console.OutputEncoding = new UTF8Encoding(false);
            var options = new Dictionary<string, string>();
            var words = new List<string>();
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    if (i + 1 >= args.Length) return Fail(2, $"选项 {args[i]} 缺少值\n{Usage}");
                    options[args[i].Substring(2)] = args[++i];
                }
                else
                {
                    words.Add(args[i]);
                }
            }
            if (words.Count < 2) return Fail(2, Usage);
            try
            {
                return Run(words[0], words.GetRange(1, words.Count - 1), options).GetAwaiter().GetResult();
            }
            catch (UsageError error)
            {
                return Fail(2, $"{error.Message}\n{Usage}");
            }
            catch (Exception error)
            {
                return Fail(1, $"调用失败: {error.Message}");
            }
        }

        private static async Task<int> Run(string command, List<string> words, Dictionary<string, string> options)
        {
            switch (command)
            {
                case "proxy-person":
                {
                    var certType = words.Count > 1 ? words[1] : "02";
                    var person = await Proxy(options).QueryPersonInfo(certType, words[0]);
                    var baseInfo = person.BaseInfo;
                    Console.WriteLine($"患者信息: {baseInfo.PsnName}（人员编号 {baseInfo.PsnNo}，出生日期 {baseInfo.Brdy}）");
                    foreach (var insurance in person.InsuInfo ?? new List<InsuranceInfo>())
                    {
                        Console.WriteLine($"参保险种: {insurance.InsuType}，余额 {insurance.Balc}");
                    }
                    return 0;
                }
                case "proxy-call":
                {
                    string key; // mcs 6.8 fails on `out var` inside an async method
                    options.TryGetValue("idempotency-key", out key);
                    var data = await Proxy(options).CallInterface<object>(words[0], Fields(words), key);
                    Console.WriteLine("应答数据:");
                    Console.WriteLine(JsonSerializer.Serialize(data));
                    return 0;
                }
                case "file-call":
                {
                    var files = new FileBasedMedicalInsurance(
                        Required(options, "input", null),
                        Required(options, "output", null));
                    var result = await files.CallMedicalInterface(words[0], Fields(words));
                    Console.WriteLine("结果文件内容:");
                    Console.WriteLine(result.Trim());
                    return 0;
                }
                default:
                    throw new UsageError($"未知命令: {command}");
            }
        }

        private static MedicalInsuranceProxy Proxy(Dictionary<string, string> options)
        {
            var url = Optional(options, "proxy-url", "MEDICAL_INSURANCE_PROXY_URL")
                ?? "http://localhost:8000/api/medical-insurance";
            return new MedicalInsuranceProxy(
                url,
                Required(options, "api-key", "MEDICAL_INSURANCE_API_KEY"),
                Required(options, "institution", "MEDICAL_INSURANCE_INSTITUTION_CODE"));
        }

        /// <summary>命令行的「字段=值」（跳过第一个词：接口类型）组成交易输入。</summary>
        private static Dictionary<string, object> Fields(List<string> words)
        {
            var data = new Dictionary<string, object>();
            foreach (var word in words.GetRange(1, words.Count - 1))
            {
                var equals = word.IndexOf('=');
                if (equals <= 0) throw new UsageError($"参数须为 字段=值: {word}");
                data[word.Substring(0, equals)] = word.Substring(equals + 1);
            }
            return data;
        }

        private static string Optional(Dictionary<string, string> options, string name, string variable)
        {
            string value;
            if (options.TryGetValue(name, out value) && value.Length > 0) return value;
            value = variable == null ? null : Environment.GetEnvironmentVariable(variable);
            return string.IsNullOrEmpty(value) ? null : value;
        }

        private static string Required(Dictionary<string, string> options, string name, string variable)
        {
            var value = Optional(options, name, variable);
            if (value != null) return value;
            var hint = variable == null ? "" : $"（或环境变量 {variable}）";
            throw new UsageError($"缺少选项 --{name}{hint}");
        }

        /// <summary>命令行用错：退出码 2。</summary>
        private sealed class UsageError : Exception
        {
            public UsageError(string message)
                : base(message)
            {
            }
        }

        private static int Fail(int code, string message)
        {
            Console.Error.WriteLine(message);
            return code;
        }
    }
}
