// Hand-written: the client's settings from arguments, environment variables (spec §9.2.2) and the JSON file of
// spec §9.2.1 ("medical_insurance" section), in that order of precedence: argument > env > file > default.
//
//   var config = SdkConfig.Load("config.json");                                  // file, then env on top
//   var config = SdkConfig.Load(null, env, new Dictionary<string, object> { { "api_key", "mik_…" } });
//
// The names are the Python SDK's (sdk/_config.py): the environment's MEDICAL_INSURANCE_MAX_RETRIES is, as
// there, the number of attempts in total (the spec pairs it with retry.max_attempts = 3).  An empty
// environment variable counts as unset.  The C# client always talks to a gateway: it has no in-process mode,
// so api_base_url is required; the medical_bureau section (AK/SK) is the gateway's business and is ignored.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace MedicalInsurance.Sdk
{
    public sealed class SdkConfig
    {
        public string ApiBaseUrl { get; set; }
        public string ApiKey { get; set; }
        public string InstitutionCode { get; set; }
        /// <summary>Sent as <c>Authorization: Bearer …</c> (spec §1.2, optional).</summary>
        public string JwtToken { get; set; }
        /// <summary>Seconds for one whole answer.</summary>
        public double Timeout { get; set; } = 30;
        public double ConnectTimeout { get; set; } = 5;
        /// <summary>Attempts in total, the first one included (1–10).</summary>
        public int MaxAttempts { get; set; } = 3;
        /// <summary>First wait in seconds; doubles per attempt, jittered to half–full.</summary>
        public double BackoffFactor { get; set; } = 1.5;
        public double MaxBackoff { get; set; } = 30;
        /// <summary>A Retry-After longer than this is not slept through inside a call: the error goes to the caller.</summary>
        public double MaxRetryAfter { get; set; } = 60;
        public bool CacheEnabled { get; set; } = true;
        public double CacheTtl { get; set; } = 300;
        public string LogLevel { get; set; } = "INFO";
        public string LogFile { get; set; }

        /// <summary>Environment variable → flat setting name (spec §9.2.2).</summary>
        public static readonly IReadOnlyDictionary<string, string> EnvVars = new Dictionary<string, string>
        {
            { "MEDICAL_INSURANCE_API_URL", "api_base_url" },
            { "MEDICAL_INSURANCE_API_KEY", "api_key" },
            { "MEDICAL_INSURANCE_INSTITUTION_CODE", "institution_code" },
            { "MEDICAL_INSURANCE_JWT_TOKEN", "jwt_token" },
            { "MEDICAL_INSURANCE_TIMEOUT", "timeout" },
            { "MEDICAL_INSURANCE_MAX_RETRIES", "max_attempts" },
            { "MEDICAL_INSURANCE_CACHE_TTL", "cache_ttl" },
        };

        /// <summary>
        /// The file (when given), then the environment (the process's unless <paramref name="env"/> is given),
        /// then <paramref name="overrides"/> (flat names: api_base_url, api_key, institution_code, jwt_token,
        /// timeout, connect_timeout, max_attempts, backoff_factor, max_backoff, max_retry_after, cache_enabled,
        /// cache_ttl, log_level, log_file); a null override counts as not given.
        /// </summary>
        public static SdkConfig Load(string configPath = null, IDictionary<string, string> env = null,
            IDictionary<string, object> overrides = null)
        {
            var config = new SdkConfig();
            if (configPath != null) config.ApplyFile(configPath);
            if (env == null)
            {
                env = new Dictionary<string, string>();
                foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
                    env[(string)entry.Key] = (string)entry.Value;
            }
            foreach (var pair in EnvVars)
            {
                string value;
                if (env.TryGetValue(pair.Key, out value) && !string.IsNullOrWhiteSpace(value)) config.Set(pair.Value, value);
            }
            if (overrides != null)
                foreach (var pair in overrides)
                    if (pair.Value != null) config.Set(pair.Key, pair.Value);
            config.ApiBaseUrl = WithPrefix(config.ApiBaseUrl);
            config.Check();
            return config;
        }

        /// <summary>A copy with some flat settings changed.</summary>
        public SdkConfig With(IDictionary<string, object> overrides)
        {
            var copy = (SdkConfig)MemberwiseClone();
            foreach (var pair in overrides)
                if (pair.Value != null) copy.Set(pair.Key, pair.Value);
            copy.ApiBaseUrl = WithPrefix(copy.ApiBaseUrl);
            copy.Check();
            return copy;
        }

        private void ApplyFile(string path)
        {
            var root = Json.Parse(File.ReadAllText(path, Encoding.UTF8)) as IDictionary<string, object>;
            if (root == null) throw Invalid(path + ": 配置文件必须是 JSON 对象");
            object sectionValue;
            root.TryGetValue("medical_insurance", out sectionValue);
            var section = sectionValue as IDictionary<string, object>;
            if (section == null) return;
            foreach (var pair in section)
            {
                var nested = pair.Value as IDictionary<string, object>;
                if (pair.Key == "timeout" && nested != null)
                {
                    // §11.4 writes the timeout as {"connection": 30, "read": 60, "total": 120}
                    object part;
                    if (nested.TryGetValue("read", out part) || nested.TryGetValue("total", out part)) Set("timeout", part);
                    if (nested.TryGetValue("connection", out part)) Set("connect_timeout", part);
                    continue;
                }
                switch (pair.Key)
                {
                    case "retry":
                    case "cache":
                    case "logging":
                        if (nested == null) throw Invalid(path + ": " + pair.Key + " 应为对象");
                        foreach (var inner in nested) Set(pair.Key + "." + inner.Key, inner.Value);
                        break;
                    case "medical_bureau":
                    case "bureau":
                    case "in_process":
                        break;  // the gateway's settings, not a client's
                    default:
                        Set(pair.Key, pair.Value);
                        break;
                }
            }
        }

        private void Set(string name, object value)
        {
            switch (name)
            {
                case "api_base_url": case "api_url": ApiBaseUrl = Text(value); break;
                case "api_key": ApiKey = Text(value); break;
                case "institution_code": InstitutionCode = Text(value); break;
                case "jwt_token": JwtToken = Text(value); break;
                case "timeout": Timeout = Number(name, value); break;
                case "connect_timeout": ConnectTimeout = Number(name, value); break;
                case "max_attempts": case "max_retries": case "retry.max_attempts": MaxAttempts = (int)Number(name, value); break;
                case "backoff_factor": case "retry.backoff_factor": BackoffFactor = Number(name, value); break;
                case "max_backoff": case "retry.max_backoff": MaxBackoff = Number(name, value); break;
                case "max_retry_after": case "retry.max_retry_after": MaxRetryAfter = Number(name, value); break;
                case "cache_enabled": case "cache.enabled": CacheEnabled = Flag(name, value); break;
                case "cache_ttl": case "cache.ttl": CacheTtl = Number(name, value); break;
                case "log_level": case "logging.level": LogLevel = Text(value) ?? "INFO"; break;
                case "log_file": case "logging.file": LogFile = Text(value); break;
                default: throw Invalid("未知的 SDK 配置项 " + name);
            }
        }

        private void Check()
        {
            if (Timeout <= 0 || ConnectTimeout <= 0) throw Invalid("timeout 必须大于 0");
            if (MaxAttempts < 1 || MaxAttempts > 10) throw Invalid("max_attempts 应在 1 到 10 之间");
            if (BackoffFactor < 0 || MaxBackoff < 0 || MaxRetryAfter < 0 || CacheTtl < 0) throw Invalid("重试与缓存的时间不能为负");
        }

        /// <summary>A bare host gets the spec's API prefix; the result always ends with "/".</summary>
        public static string WithPrefix(string url)
        {
            if (string.IsNullOrWhiteSpace(url)) return null;
            url = url.Trim();
            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0 && url.Substring(scheme + 3).Trim('/').IndexOf('/') < 0)
                return url.TrimEnd('/') + Registry.ApiPrefix;
            return url.EndsWith("/", StringComparison.Ordinal) ? url : url + "/";
        }

        private static string Text(object value)
        {
            string text = Json.ToText(value);
            return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        }

        private static double Number(string name, object value)
        {
            decimal? number = Json.ToDecimal(value);
            if (number == null) throw Invalid(name + " 应为数字: " + value);
            return (double)number.Value;
        }

        private static bool Flag(string name, object value)
        {
            if (value is bool b) return b;
            string text = (Json.ToText(value) ?? "").Trim().ToLowerInvariant();
            if (text == "true" || text == "1" || text == "yes") return true;
            if (text == "false" || text == "0" || text == "no") return false;
            throw Invalid(name + " 应为 true/false: " + value);
        }

        private static MedicalInsuranceException Invalid(string message)
        {
            return MedicalInsuranceException.For(10002, "SDK 配置错误: " + message);
        }
    }
}
