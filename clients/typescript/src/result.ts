/**
 * The answer to one transaction: the bureau `output` as the gateway passed it on (`raw`), the call's
 * receipt (msgid, requestId, message, pagination) and, on the typed subclasses (generated/results.ts),
 * the spec's friendly names read from the registry's paths.
 *
 *   const settled = await sdk.outpatientSettle({ data: { ... } });
 *   settled.settlementId, settled.totalAmount        // friendly (Decimal for amounts)
 *   settled.get("setl_id"), settled.raw.setlinfo     // the bureau's own names
 */

import { Decimal } from "./decimal.js";
import { isRecord, type JsonRecord } from "./json.js";

export type FriendlyKind = "str" | "decimal" | "int";

export interface ResultInit<T> {
  infno: string;
  raw: T;
  msgid?: string | null;
  requestId?: string | null;
  message?: string | null;
  pagination?: JsonRecord | null;
  content?: Uint8Array | null;
  filename?: string | null;
}

export class Result<T = unknown> {
  static readonly resultType: string = "Result";
  readonly infno: string;
  readonly raw: T;
  readonly msgid: string | null;
  readonly requestId: string | null;
  readonly message: string | null;
  readonly pagination: JsonRecord | null;
  /** the file's bytes (9102 文件下载) */
  readonly content: Uint8Array | null;
  readonly filename: string | null;

  constructor(init: ResultInit<T>) {
    this.infno = init.infno;
    this.raw = init.raw;
    this.msgid = init.msgid ?? null;
    this.requestId = init.requestId ?? null;
    this.message = init.message ?? null;
    this.pagination = init.pagination ?? null;
    this.content = init.content ?? null;
    this.filename = init.filename ?? null;
  }

  /** The first value of bureau field `field` anywhere in the output (`result.get("setl_id")`). */
  get(field: string): unknown {
    return deep(this.raw, field);
  }

  /** The rows of list node `node`; without one, the answer's rows wherever they are (a page is a list). */
  rows(node?: string): JsonRecord[] {
    let source: unknown = this.raw;
    if (isRecord(source)) {
      if (node !== undefined) {
        source = source[node];
      } else {
        const lists = Object.values(source).filter(Array.isArray);
        const data = source["data"];
        source = Array.isArray(data) ? data : lists.length > 0 ? lists[0] : source;
      }
    }
    if (isRecord(source)) return [source];
    return Array.isArray(source) ? source.filter(isRecord) : [];
  }
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

function* walk(node: unknown): Generator<JsonRecord> {
  if (isRecord(node)) {
    yield node;
    for (const value of Object.values(node)) yield* walk(value);
  } else if (Array.isArray(node)) {
    for (const item of node) yield* walk(item);
  }
}

/** The first scalar value of `field` anywhere (depth first, in document order). */
export function deep(raw: unknown, field: string): unknown {
  for (const mapping of walk(raw)) {
    const value = mapping[field];
    if (present(value) && !isRecord(value) && !Array.isArray(value)) return value;
  }
  return undefined;
}

function asRows(value: unknown): unknown[] {
  if (isRecord(value)) return [value];
  return Array.isArray(value) ? value : [];
}

/** One path of registry/results.py: "node.field", "node[].field", "*.field" (not the "@receipt" form). */
export function pathValue(raw: unknown, path: string): unknown {
  if (path.startsWith("*.")) return deep(raw, path.slice(2));
  const parts = path.split(".");
  let node: unknown = raw;
  for (const [index, part] of parts.entries()) {
    if (part.endsWith("[]")) {
      const rows = asRows(isRecord(node) ? node[part.slice(0, -2)] : undefined);
      const rest = parts.slice(index + 1).join(".");
      for (const row of rows) {
        const value = pathValue(row, rest);
        if (present(value)) return value;
      }
      return undefined;
    }
    node = isRecord(node) ? node[part] : undefined;
  }
  return node;
}

/** The friendly value: the first path that finds one, typed by `kind` (amounts always Decimal). */
export function pick(raw: unknown, kind: FriendlyKind, paths: readonly string[], receipt: Record<string, unknown>): unknown {
  for (const path of paths) {
    const value = path.startsWith("@") ? receipt[path.slice(1)] : pathValue(raw, path);
    if (!present(value)) continue;
    if (kind === "decimal") {
      if (value instanceof Decimal) return value;
      if (typeof value === "number" || typeof value === "string") {
        try {
          return Decimal.from(value);
        } catch {
          return undefined;
        }
      }
      return undefined;
    }
    if (kind === "int") return value instanceof Decimal ? value.toNumber() : Number(value);
    return value instanceof Decimal ? value.toString() : String(value);
  }
  return undefined;
}
