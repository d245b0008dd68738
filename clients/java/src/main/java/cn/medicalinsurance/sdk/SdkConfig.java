package cn.medicalinsurance.sdk;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings from argument > environment (§9.2.2) > the JSON file of §9.2.1 ("medical_insurance" section) >
 * default, with the Python SDK's flat names ({@code api_key}, {@code timeout}, {@code max_attempts} …).
 *
 * <pre>SdkConfig config = SdkConfig.load("config.json", Map.of("timeout", 10));</pre>
 */
public final class SdkConfig {
    /** The spec's API prefix, added to a bare host. */
    public static final String API_PREFIX = "/api/v1/medical-insurance/";

    /** §9.2.2 environment variable → flat setting (MAX_RETRIES names attempts in total, as in Python). */
    static final Map<String, String> ENV_VARS = Map.of(
            "MEDICAL_INSURANCE_API_URL", "api_base_url",
            "MEDICAL_INSURANCE_API_KEY", "api_key",
            "MEDICAL_INSURANCE_INSTITUTION_CODE", "institution_code",
            "MEDICAL_INSURANCE_JWT_TOKEN", "jwt_token",
            "MEDICAL_INSURANCE_TIMEOUT", "timeout",
            "MEDICAL_INSURANCE_MAX_RETRIES", "max_attempts",
            "MEDICAL_INSURANCE_CACHE_TTL", "cache_ttl");

    public final String apiBaseUrl;
    public final String apiKey;
    public final String institutionCode;
    public final String jwtToken;
    public final double timeout;
    public final double connectTimeout;
    public final int maxAttempts;
    public final double backoffFactor;
    public final double maxBackoff;
    public final double maxRetryAfter;

    private SdkConfig(Map<String, Object> s) {
        apiBaseUrl = withPrefix(text(s, "api_base_url"));
        apiKey = text(s, "api_key");
        institutionCode = text(s, "institution_code");
        jwtToken = text(s, "jwt_token");
        timeout = number(s, "timeout", 30.0);
        connectTimeout = number(s, "connect_timeout", 5.0);
        maxAttempts = (int) number(s, "max_attempts", 3);
        backoffFactor = number(s, "backoff_factor", 1.5);
        maxBackoff = number(s, "max_backoff", 30.0);
        maxRetryAfter = number(s, "max_retry_after", 60.0);
        if (apiBaseUrl == null) {
            throw new IllegalArgumentException("缺少网关地址：请设置 api_base_url（配置文件）或 MEDICAL_INSURANCE_API_URL");
        }
        if (!(timeout > 0) || !(connectTimeout > 0)) {
            throw new IllegalArgumentException("timeout 必须大于 0");
        }
        if (maxAttempts < 1 || maxAttempts > 10) {
            throw new IllegalArgumentException("max_attempts 必须在 1 到 10 之间");
        }
    }

    /** File (may be null), then the process environment, then {@code overrides}. */
    public static SdkConfig load(String configPath, Map<String, ?> overrides) {
        return load(configPath, System.getenv(), overrides);
    }

    public static SdkConfig load(String configPath) {
        return load(configPath, System.getenv(), Map.of());
    }

    /** As {@link #load(String, Map)} with the environment given explicitly (tests). */
    public static SdkConfig load(String configPath, Map<String, String> env, Map<String, ?> overrides) {
        Map<String, Object> merged = new LinkedHashMap<>();
        if (configPath != null) {
            merged.putAll(readFile(Path.of(configPath)));
        }
        ENV_VARS.forEach((name, key) -> {
            String value = env.get(name);
            if (value != null && !value.trim().isEmpty()) {
                merged.put(key, value.trim());
            }
        });
        if (overrides != null) {
            overrides.forEach((key, value) -> {
                if (value != null) {
                    merged.put(flatName(key), value);
                }
            });
        }
        return new SdkConfig(merged);
    }

    /** The §9.2.1 file as flat settings: medical_insurance.*, retry.*, timeout as a number or an object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readFile(Path path) {
        Object raw;
        try {
            raw = Json.parse(new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("无法读取配置文件 " + path + ": " + e.getMessage(), e);
        }
        if (!(raw instanceof Map)) {
            throw new IllegalArgumentException(path + ": 配置文件必须是 JSON 对象");
        }
        Object section = ((Map<String, Object>) raw).get("medical_insurance");
        Map<String, Object> flat = new LinkedHashMap<>();
        if (!(section instanceof Map)) {
            return flat;
        }
        ((Map<String, Object>) section).forEach((key, value) -> {
            if ("timeout".equals(key) && value instanceof Map) {
                Map<String, Object> parts = (Map<String, Object>) value; // §11.4: {connection, read, total}
                Object total = parts.get("read") != null ? parts.get("read") : parts.get("total");
                if (total != null) {
                    flat.put("timeout", total);
                }
                if (parts.get("connection") != null) {
                    flat.put("connect_timeout", parts.get("connection"));
                }
            } else if (("retry".equals(key) || "cache".equals(key) || "logging".equals(key)) && value instanceof Map) {
                ((Map<String, Object>) value).forEach((inner, v) -> flat.put(nested(key, inner), v));
            } else {
                flat.put(flatName(key), value);
            }
        });
        return flat;
    }

    private static String nested(String section, String key) {
        if ("retry".equals(section)) {
            return key; // max_attempts, backoff_factor, max_backoff, max_retry_after
        }
        return ("cache".equals(section) ? "cache_" : "log_") + key;
    }

    private static String flatName(String key) {
        return "api_url".equals(key) ? "api_base_url" : "max_retries".equals(key) ? "max_attempts" : key;
    }

    private static String text(Map<String, Object> s, String key) {
        Object value = s.get(key);
        return value == null || value.toString().trim().isEmpty() ? null : value.toString().trim();
    }

    private static double number(Map<String, Object> s, String key, double fallback) {
        Object value = s.get(key);
        if (value == null || value.toString().trim().isEmpty()) {
            return fallback;
        }
        try {
            return new BigDecimal(value.toString().trim()).doubleValue(); // seconds and counts, never amounts
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " 不是数字: " + value, e);
        }
    }

    /** A bare host gets the spec's API prefix; the result always ends with "/". */
    static String withPrefix(String value) {
        if (value == null) {
            return null;
        }
        int sep = value.indexOf("://");
        if (sep >= 0) {
            String rest = value.substring(sep + 3);
            String stripped = rest.replaceAll("^/+|/+$", "");
            if (!stripped.contains("/")) {
                return value.substring(0, sep) + "://" + stripped + API_PREFIX;
            }
        }
        return value.endsWith("/") ? value : value + "/";
    }
}
