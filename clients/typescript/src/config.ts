/**
 * Configuration: arguments > environment (spec §9.2.2) > the JSON file of §9.2.1 > defaults.
 *
 *   loadConfig({ configPath: "config.json", timeout: 10 })
 *   loadConfig({ env: { MEDICAL_INSURANCE_API_KEY: "k", ... } })     // tests pass the environment
 *
 * The file's "medical_insurance" section is read (api_base_url, api_key, institution_code, jwt_token,
 * timeout — a number or {connection, read, total}, of which read (else total) —, retry{max_attempts, backoff_factor,
 * max_backoff, max_retry_after}); "medical_bureau" belongs to the gateway and is ignored here.  An empty
 * environment variable counts as unset.  MEDICAL_INSURANCE_MAX_RETRIES is attempts in total, as the file's
 * retry.max_attempts (the spec pairs the two with the same value).
 */

import { readFileSync } from "node:fs";

import { API_PREFIX } from "./generated/operations.js";

export interface RetrySettings {
  /** attempts in total, the first one included (1–10) */
  maxAttempts: number;
  /** first wait in seconds; doubles per attempt, jittered to 50–100 % */
  backoffFactor: number;
  maxBackoff: number;
  /** a Retry-After longer than this (seconds) is not slept through: the error goes to the caller */
  maxRetryAfter: number;
}

export interface SDKConfig {
  apiBaseUrl: string;
  apiKey: string | null;
  institutionCode: string | null;
  jwtToken: string | null;
  /** seconds for a whole answer (fetch has no separate connect timeout: connect_timeout is not read) */
  timeout: number;
  retry: RetrySettings;
}

/** What the constructor takes; every setting optional (flat names, as the Python SDK's arguments). */
export interface SDKSettings {
  configPath?: string;
  env?: Record<string, string | undefined>;
  apiBaseUrl?: string;
  apiKey?: string;
  institutionCode?: string;
  jwtToken?: string;
  timeout?: number;
  maxAttempts?: number;
  backoffFactor?: number;
  maxBackoff?: number;
  maxRetryAfter?: number;
}

type Flat = Omit<SDKSettings, "configPath" | "env">;

export const DEFAULTS = {
  timeout: 30,
  maxAttempts: 3,
  backoffFactor: 1.5,
  maxBackoff: 30,
  maxRetryAfter: 60,
} as const;

export const ENV_VARS: Readonly<Record<string, keyof Flat>> = {
  MEDICAL_INSURANCE_API_URL: "apiBaseUrl",
  MEDICAL_INSURANCE_API_KEY: "apiKey",
  MEDICAL_INSURANCE_INSTITUTION_CODE: "institutionCode",
  MEDICAL_INSURANCE_JWT_TOKEN: "jwtToken",
  MEDICAL_INSURANCE_TIMEOUT: "timeout",
  MEDICAL_INSURANCE_MAX_RETRIES: "maxAttempts",
};

const NUMERIC = new Set<keyof Flat>(["timeout", "maxAttempts", "backoffFactor", "maxBackoff", "maxRetryAfter"]);

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The file's settings in flat form. */
export function readConfigFile(path: string): Flat {
  const raw: unknown = JSON.parse(readFileSync(path, "utf-8"));
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new TypeError(`${path}: the configuration file must hold a JSON object`);
  }
  const section = record((raw as Record<string, unknown>)["medical_insurance"]);
  const retry = record(section["retry"]);
  const flat: Record<string, unknown> = {
    apiBaseUrl: section["api_base_url"] ?? section["api_url"],
    apiKey: section["api_key"],
    institutionCode: section["institution_code"],
    jwtToken: section["jwt_token"],
    maxAttempts: retry["max_attempts"],
    backoffFactor: retry["backoff_factor"],
    maxBackoff: retry["max_backoff"],
    maxRetryAfter: retry["max_retry_after"],
  };
  const timeout = section["timeout"];
  if (typeof timeout === "object" && timeout !== null) {
    // §11.4 writes {"connection": 30, "read": 60, "total": 120}
    const parts = record(timeout);
    flat["timeout"] = parts["read"] ?? parts["total"];
  } else {
    flat["timeout"] = timeout;
  }
  return flat as Flat;
}

function overlay(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    if (typeof value === "string" && value.trim() === "") continue;
    target[key] = value;
  }
}

function number(settings: Record<string, unknown>, name: keyof Flat, fallback: number, min: number, max = Infinity): number {
  const raw = settings[name];
  const value = raw === undefined ? fallback : typeof raw === "string" ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`SDK setting ${name}: ${JSON.stringify(raw)} is not a number in [${min}, ${max}]`);
  }
  return value;
}

/** A bare host gets the spec's API prefix; the result always ends with "/". */
export function normalizeBaseUrl(value: string): string {
  const url = value.trim();
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)\/*$/i.exec(url);
  if (match) return `${match[1]}://${match[2]}${API_PREFIX}`;
  return url.endsWith("/") ? url : `${url}/`;
}

/** The configuration from file, environment and arguments (argument > environment > file > default). */
export function loadConfig(settings: SDKSettings = {}): SDKConfig {
  const merged: Record<string, unknown> = {};
  if (settings.configPath) overlay(merged, readConfigFile(settings.configPath) as Record<string, unknown>);
  const env = settings.env ?? process.env;
  const fromEnv: Record<string, unknown> = {};
  for (const [variable, name] of Object.entries(ENV_VARS)) fromEnv[name] = env[variable];
  overlay(merged, fromEnv);
  const { configPath: _path, env: _env, ...args } = settings;
  overlay(merged, args as Record<string, unknown>);
  for (const name of NUMERIC) if (typeof merged[name] === "string") merged[name] = Number(merged[name]);
  const base = merged["apiBaseUrl"];
  if (typeof base !== "string") {
    throw new RangeError("未配置网关地址: 请设置 api_base_url（配置文件）、MEDICAL_INSURANCE_API_URL 或 apiBaseUrl 参数");
  }
  const text = (name: string): string | null => (typeof merged[name] === "string" ? (merged[name] as string).trim() : null);
  return {
    apiBaseUrl: normalizeBaseUrl(base),
    apiKey: text("apiKey"),
    institutionCode: text("institutionCode"),
    jwtToken: text("jwtToken"),
    timeout: number(merged, "timeout", DEFAULTS.timeout, 0.001),
    retry: {
      maxAttempts: Math.trunc(number(merged, "maxAttempts", DEFAULTS.maxAttempts, 1, 10)),
      backoffFactor: number(merged, "backoffFactor", DEFAULTS.backoffFactor, 0),
      maxBackoff: number(merged, "maxBackoff", DEFAULTS.maxBackoff, 0),
      maxRetryAfter: number(merged, "maxRetryAfter", DEFAULTS.maxRetryAfter, 0),
    },
  };
}
