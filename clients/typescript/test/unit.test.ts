/** Unit tests of the hand-written core: decimals, lossless JSON, config, retry policy, the request loop. */

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import {
  BureauRefusalError,
  BureauError,
  BusinessError,
  DataValidationError,
  Decimal,
  MedicalInsuranceException,
  MedicalInsuranceSDK,
  OutcomeUnknownError,
  OutcomeUnknownException,
  PermissionDeniedError,
  RetryPolicy,
  exceptionFor,
  gatewayError,
  loadConfig,
  normalizeInput,
  operation,
  parseJson,
  stringifyJson,
  type Failure,
} from "../src/index.js";

const SETTINGS = { maxAttempts: 3, backoffFactor: 1.5, maxBackoff: 30, maxRetryAfter: 60 };
const policy = new RetryPolicy(SETTINGS, () => 1); // jitter at its top: the delay is the full backoff

function failure(kind: Failure["kind"], code: number, status?: number, retryAfter?: number): Failure {
  return { kind, error: exceptionFor(code), status: status ?? null, retryAfter: retryAfter ?? null };
}

describe("Decimal", () => {
  it("parses and prints exactly, keeping the scale", () => {
    assert.equal(Decimal.parse("1500.00").toString(), "1500.00");
    assert.equal(Decimal.parse("-0.05").toString(), "-0.05");
    assert.equal(Decimal.parse("1E+2").toString(), "100");
    assert.equal(Decimal.parse("1.5e-3").toString(), "0.0015");
    assert.throws(() => Decimal.parse("12,50"), RangeError);
    assert.throws(() => Decimal.parse("."), RangeError);
  });

  it("adds without binary floating point", () => {
    assert.equal(Decimal.from("0.1").plus("0.2").toString(), "0.3");
    assert.notEqual(0.1 + 0.2, 0.3); // what the type exists for
    assert.ok(Decimal.from("1775.00").equals(Decimal.from("150.60").plus("1624.40")));
    assert.equal(Decimal.from("2680.50").minus("1624.40").toString(), "1056.10");
    assert.equal(Decimal.from("12.50").times(2).toString(), "25.00");
    assert.equal(Decimal.from("1.50").compare("1.5"), 0);
    assert.equal(Decimal.from("1.49").compare("1.5"), -1);
  });

  it("rounds half away from zero", () => {
    assert.equal(Decimal.from("2.345").toFixed(2), "2.35");
    assert.equal(Decimal.from("-2.345").toFixed(2), "-2.35");
    assert.equal(Decimal.from("2.344").toFixed(2), "2.34");
    assert.equal(Decimal.from("7").toFixed(2), "7.00");
  });
});

describe("lossless JSON", () => {
  it("reads fractions as Decimal and keeps integers as numbers", () => {
    const value = parseJson('{"balc": 1500.00, "age": 36, "big": 12345678901234567890, "e": 1e2, "s": "a\\u4e2d\\n"}') as Record<string, unknown>;
    assert.ok(value["balc"] instanceof Decimal);
    assert.equal(String(value["balc"]), "1500.00");
    assert.equal(value["age"], 36);
    assert.equal(String(value["big"]), "12345678901234567890");
    assert.equal(String(value["e"]), "100");
    assert.equal(value["s"], "a中\n");
  });

  it("keeps 0.1 + 0.2 and many decimals exact through a round trip", () => {
    const text = '{"a":[0.10,0.20,12.345678901234567890],"b":null,"c":true}';
    assert.equal(stringifyJson(parseJson(text)), text);
  });

  it("writes Decimal as a bare number and leaves undefined out", () => {
    assert.equal(stringifyJson({ pric: Decimal.from("12.50"), x: undefined, n: [1, "2"] }), '{"pric":12.50,"n":[1,"2"]}');
  });

  it("refuses what is not JSON, and a __proto__ key stays data", () => {
    assert.throws(() => parseJson("{'a': 1}"), SyntaxError);
    assert.throws(() => parseJson('{"a": 1} x'), SyntaxError);
    assert.throws(() => parseJson("[1,]"), SyntaxError);
    const value = parseJson('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
    assert.deepEqual(Object.keys(value), ["__proto__"]);
  });
});

describe("configuration", () => {
  const dir = mkdtempSync(join(tmpdir(), "mi-sdk-"));
  const file = join(dir, "config.json");
  writeFileSync(
    file,
    JSON.stringify({
      medical_insurance: { api_base_url: "http://file.example:8000", api_key: "file-key", institution_code: "HFILE", timeout: 30, retry: { max_attempts: 4, backoff_factor: 2 } },
      medical_bureau: { ak: "ignored" },
    }),
  );

  it("reads the spec's file; a bare host gets the API prefix", () => {
    const config = loadConfig({ configPath: file, env: {} });
    assert.equal(config.apiBaseUrl, "http://file.example:8000/api/v1/medical-insurance/");
    assert.equal(config.apiKey, "file-key");
    assert.equal(config.retry.maxAttempts, 4);
    assert.equal(config.retry.backoffFactor, 2);
  });

  it("argument > environment > file > default", () => {
    const env = { MEDICAL_INSURANCE_API_KEY: "env-key", MEDICAL_INSURANCE_TIMEOUT: "12", MEDICAL_INSURANCE_MAX_RETRIES: "2", MEDICAL_INSURANCE_INSTITUTION_CODE: "" };
    const config = loadConfig({ configPath: file, env, timeout: 5 });
    assert.equal(config.apiKey, "env-key");
    assert.equal(config.timeout, 5);
    assert.equal(config.retry.maxAttempts, 2);
    assert.equal(config.institutionCode, "HFILE"); // an empty variable counts as unset
    assert.equal(config.retry.maxBackoff, 30);
  });

  it("refuses a missing gateway URL and nonsense numbers", () => {
    assert.throws(() => loadConfig({ env: {} }), /MEDICAL_INSURANCE_API_URL/);
    assert.throws(() => loadConfig({ env: { MEDICAL_INSURANCE_API_URL: "http://x/", MEDICAL_INSURANCE_MAX_RETRIES: "99" } }), RangeError);
  });
});

describe("retry policy (sdk/_retry.py)", () => {
  it("a lost answer: a query is asked again, a write or money call never", () => {
    assert.equal(policy.delay("query", failure("lost", 20005), 1), 1.5);
    assert.equal(policy.delay("write", failure("lost", 20005), 1), null);
    assert.equal(policy.delay("money", failure("lost", 20005), 1), null);
  });

  it("never sent (connection refused): every safety class may send again", () => {
    for (const safety of ["query", "write", "money"] as const) assert.equal(policy.delay(safety, failure("not_sent", 60005), 1), 1.5);
  });

  it("429 waits as asked for every class, but not longer than maxRetryAfter", () => {
    assert.equal(policy.delay("money", failure("answered", 10004, 429, 7), 1), 7);
    assert.equal(policy.delay("money", failure("answered", 10004, 429), 1), 60); // the table's retry_after
    assert.equal(policy.delay("query", failure("answered", 10004, 429, 600), 1), null);
  });

  it("a retryable 5xx only for a query; validation and business refusals never", () => {
    assert.equal(policy.delay("query", failure("answered", 20006, 502), 1), 1.5);
    assert.equal(policy.delay("money", failure("answered", 20006, 502), 1), null);
    assert.equal(policy.delay("query", failure("answered", 20004, 502), 1), null); // 20004 is not retryable
    assert.equal(policy.delay("query", failure("answered", 30002, 422), 1), null);
    assert.equal(policy.delay("query", failure("answered", 50008, 409), 1), null);
  });

  it("stops at maxAttempts and backs off exponentially up to maxBackoff", () => {
    assert.equal(policy.delay("query", failure("lost", 20005), 2), 3);
    assert.equal(policy.delay("query", failure("lost", 20005), 3), null);
    const long = new RetryPolicy({ ...SETTINGS, maxAttempts: 10 }, () => 0);
    assert.equal(long.delay("query", failure("lost", 20005), 9), 15); // 30 capped, jittered to half
  });
});

describe("answers → exceptions", () => {
  it("an unknown money outcome is OutcomeUnknownError with retry false, even if the gateway said retry", () => {
    const body = { success: false, error_code: 20005, message: "结果未知", error: { code: 20005, retry: true }, data: { msgid: "M1", outcome: "unknown" } };
    const error = gatewayError("2207", body, 504, "REQ1");
    assert.ok(error instanceof OutcomeUnknownError && error instanceof OutcomeUnknownException);
    assert.equal(error.retry, false);
    assert.equal(error.msgid, "M1");
    assert.equal((error as OutcomeUnknownError).outcome, "unknown");
  });

  it("a bureau refusal is a BusinessError and a BureauError; 403 is PermissionDeniedError", () => {
    const refusal = gatewayError("2207", { error_code: 50008, message: "重复结算", error: { infcode: -2 } }, 409, "R");
    assert.ok(refusal instanceof BureauRefusalError && refusal instanceof BusinessError && refusal instanceof BureauError);
    assert.equal(refusal.retry, false);
    assert.ok(!(exceptionFor(20006) instanceof BureauRefusalError));
    assert.ok(gatewayError(null, { error_code: 10009 }, 403, "R") instanceof PermissionDeniedError);
  });

  it("422 keeps every field problem", () => {
    const body = { error_code: 30002, message: "必填字段缺失", data: { errors: [{ code: 30002, field: "data.psn_no", message: "x" }, { code: 30002, field: "data.insutype", message: "y" }] } };
    const error = gatewayError("2201", body, 422, "R") as DataValidationError;
    assert.ok(error instanceof DataValidationError);
    assert.deepEqual(error.errors.map((e) => e.field), ["data.psn_no", "data.insutype"]);
  });
});

describe("input normalisation", () => {
  it("flat fields of a single object node go into that node; unknown nodes are refused", () => {
    assert.deepEqual(normalizeInput(operation("1101"), { mdtrt_cert_type: "02" }), { data: { mdtrt_cert_type: "02" } });
    assert.deepEqual(normalizeInput(operation("2203"), { mdtrtinfo: { a: 1 }, diseinfo: [] }), { mdtrtinfo: { a: 1 }, diseinfo: [] });
    assert.throws(() => normalizeInput(operation("2203"), { mdtrt_id: "x" }), DataValidationError);
  });
});

/** A fetch that answers from a script and counts the requests it saw. */
function scripted(...answers: (() => Response)[]): { fetch: typeof fetch; seen: Request[] } {
  const seen: Request[] = [];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push(new Request(url, init));
    const next = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    return next();
  }) as typeof fetch;
  return { fetch: fetchFn, seen };
}

const lost = (): Response => {
  throw new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
};
const refused = (): Response => {
  throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
};
const ok = (): Response => new Response('{"success":true,"data":{"setlinfo":{"setl_id":"S1","medfee_sumamt":10.00}}}', { headers: { "content-type": "application/json" } });

function sdkWith(fetchFn: typeof fetch): MedicalInsuranceSDK {
  return new MedicalInsuranceSDK({ env: { MEDICAL_INSURANCE_API_URL: "http://gateway.test/" }, apiKey: "k", fetch: fetchFn, sleep: async () => {} });
}

describe("the request loop", () => {
  it("a money call whose answer was lost is sent once and is an OutcomeUnknownError", async () => {
    const { fetch, seen } = scripted(lost, ok);
    await assert.rejects(sdkWith(fetch).outpatientSettle({ data: { psn_no: "P" } as never }), (e: unknown) => e instanceof OutcomeUnknownError && e.retry === false);
    assert.equal(seen.length, 1);
  });

  it("a query whose answer was lost is asked again with the same X-Request-ID", async () => {
    const { fetch, seen } = scripted(lost, ok);
    const result = await sdkWith(fetch).call("1101", { mdtrt_cert_type: "02" });
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.headers.get("x-request-id"), seen[1]!.headers.get("x-request-id"));
    assert.deepEqual([seen[0]!.headers.get("x-retry-count"), seen[1]!.headers.get("x-retry-count")], ["0", "1"]);
    assert.equal(result.infno, "1101");
  });

  it("a money call that never left (connection refused) is sent again, and its amounts are exact", async () => {
    const { fetch, seen } = scripted(refused, ok);
    const settled = await sdkWith(fetch).outpatientSettle({ data: { psn_no: "P", medfee_sumamt: Decimal.from("10.00") } as never });
    assert.equal(seen.length, 2);
    assert.equal(await seen[1]!.text(), '{"data":{"psn_no":"P","medfee_sumamt":10.00}}');
    assert.equal(settled.totalAmount?.toString(), "10.00");
    assert.equal(settled.settlementId, "S1");
  });

  it("a write answered by a proxy's 502 page is an unknown outcome, not sent again", async () => {
    const page = (): Response => new Response("<html>Bad Gateway</html>", { status: 502, headers: { "content-type": "text/html" } });
    const { fetch, seen } = scripted(page, ok);
    await assert.rejects(sdkWith(fetch).call("2201", { psn_no: "P" }), OutcomeUnknownError);
    assert.equal(seen.length, 1);
  });

  it("an error answer carries code, message, retry and the request id", async () => {
    const body = '{"success":false,"error_code":10009,"message":"权限不足: 角色 data_analyst 无权调用","error":{"code":10009,"retry":false}}';
    const { fetch } = scripted(() => new Response(body, { status: 403, headers: { "content-type": "application/json" } }));
    await assert.rejects(sdkWith(fetch).call("2201", {}), (e: unknown) => {
      assert.ok(e instanceof PermissionDeniedError && e instanceof MedicalInsuranceException);
      assert.equal(e.code, 10009);
      assert.equal(e.httpStatus, 403);
      assert.match(e.message, /权限不足/);
      assert.match(e.requestId ?? "", /^REQ/);
      return true;
    });
  });
});
