/** What the live tests share: the harness's variables, SDK instances per role, the sandbox's admin API. */

import { Decimal, MedicalInsuranceSDK, parseJson, type SDKOptions } from "../src/index.js";

export const ENV = process.env;

export function variable(name: string): string {
  const value = ENV[name];
  if (!value) throw new Error(`${name} is not set: run this suite through clients/harness.py`);
  return value;
}

export const LIVE = Boolean(ENV["MEDICAL_INSURANCE_API_URL"]);
export const HOSPITAL = ENV["MEDICAL_INSURANCE_INSTITUTION_CODE"] ?? "H43028110001";
export const PHARMACY = ENV["MEDICAL_INSURANCE_PHARMACY_CODE"] ?? "P43028110002";

/** The hospital operator's SDK from the environment (spec §9.2.2), settings overridable. */
export function hospital(options: SDKOptions = {}): MedicalInsuranceSDK {
  return new MedicalInsuranceSDK({ env: ENV, ...options });
}

export function pharmacy(): MedicalInsuranceSDK {
  return hospital({ apiKey: variable("MEDICAL_INSURANCE_PHARMACY_API_KEY"), institutionCode: PHARMACY });
}

export function analyst(): MedicalInsuranceSDK {
  return hospital({ apiKey: variable("MEDICAL_INSURANCE_ANALYST_API_KEY") });
}

/** The sandbox's admin API (/sandbox/admin/…) with the admin key. */
export async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${variable("MEDICAL_INSURANCE_GATEWAY_ROOT")}sandbox/admin/${path}`, {
    method,
    headers: {
      "X-API-Key": variable("MEDICAL_INSURANCE_ADMIN_API_KEY"),
      "X-Institution-Code": HOSPITAL,
      "Content-Type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`sandbox admin ${method} ${path}: HTTP ${response.status} ${text}`);
  return text ? parseJson(text) : null;
}

export interface SandboxPerson {
  psn_no: string;
  certno: string;
  psn_name: string;
  insutype: string;
  balc: Decimal;
}

/** A seeded person by name, with the account balance the sandbox keeps (exact). */
export async function person(name: string): Promise<SandboxPerson> {
  const persons = (await admin("GET", "persons")) as SandboxPerson[];
  const found = persons.find((p) => p.psn_name === name);
  if (!found) throw new Error(`no sandbox person ${name}`);
  return { ...found, balc: Decimal.from(found.balc) };
}

let serial = 0;
/** A number unique to this run (门诊号, 明细流水号 …). */
export function unique(prefix: string): string {
  serial += 1;
  return `${prefix}${Date.now().toString().slice(-8)}${String(serial).padStart(3, "0")}`;
}
