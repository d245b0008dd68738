/**
 * JSON without binary floating point: a number with a fraction or an exponent (or an integer past 2^53)
 * is read as a Decimal, and a Decimal is written as the bare number it is.
 *
 *   parse('{"balc": 1500.00, "age": 36}')   // { balc: Decimal(1500.00), age: 36 }
 *   stringify({ pric: Decimal.from("12.50") }) // '{"pric":12.50}'
 */

import { Decimal } from "./decimal.js";

export type JsonRecord = Record<string, unknown>;

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Reader {
  index = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new SyntaxError(`JSON: ${what} at position ${this.index}`);
  }

  skip(): void {
    while (this.index < this.text.length && WHITESPACE.has(this.text[this.index]!)) this.index++;
  }

  value(depth: number): unknown {
    if (depth > 512) this.fail("nesting too deep");
    this.skip();
    const char = this.text[this.index];
    if (char === "{") return this.object(depth);
    if (char === "[") return this.array(depth);
    if (char === '"') return this.string();
    if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) return this.number();
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.index)) {
        this.index += word.length;
        return value;
      }
    }
    return this.fail(char === undefined ? "unexpected end" : `unexpected ${JSON.stringify(char)}`);
  }

  object(depth: number): JsonRecord {
    const result: JsonRecord = {};
    this.index++;
    this.skip();
    if (this.text[this.index] === "}") {
      this.index++;
      return result;
    }
    for (;;) {
      this.skip();
      if (this.text[this.index] !== '"') this.fail("expected a key");
      const key = this.string();
      this.skip();
      if (this.text[this.index++] !== ":") this.fail("expected ':'");
      // defineProperty: a "__proto__" key is data, never the prototype
      Object.defineProperty(result, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.skip();
      const next = this.text[this.index++];
      if (next === "}") return result;
      if (next !== ",") this.fail("expected ',' or '}'");
    }
  }

  array(depth: number): unknown[] {
    const result: unknown[] = [];
    this.index++;
    this.skip();
    if (this.text[this.index] === "]") {
      this.index++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      this.skip();
      const next = this.text[this.index++];
      if (next === "]") return result;
      if (next !== ",") this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    let out = "";
    this.index++;
    for (;;) {
      const end = this.text.indexOf('"', this.index);
      const slash = this.text.indexOf("\\", this.index);
      if (end < 0) this.fail("unterminated string");
      if (slash < 0 || slash > end) {
        out += this.text.slice(this.index, end);
        this.index = end + 1;
        return out;
      }
      out += this.text.slice(this.index, slash);
      const code = this.text[slash + 1];
      if (code === "u") {
        const hex = this.text.slice(slash + 2, slash + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("bad \\u escape");
        out += String.fromCharCode(parseInt(hex, 16));
        this.index = slash + 6;
      } else {
        const plain = code === undefined ? undefined : ESCAPES[code];
        if (plain === undefined) this.fail("bad escape");
        out += plain;
        this.index = slash + 2;
      }
    }
  }

  number(): number | Decimal {
    NUMBER.lastIndex = this.index;
    const match = NUMBER.exec(this.text);
    if (!match) return this.fail("bad number");
    this.index += match[0].length;
    const text = match[0];
    if (/[.eE]/.test(text)) return Decimal.parse(text);
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : Decimal.parse(text);
  }
}

/** Parse JSON text; fractional numbers become Decimal.  A SyntaxError for anything that is not JSON. */
export function parse(text: string): unknown {
  const reader = new Reader(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const value = reader.value(0);
  reader.skip();
  if (reader.index !== reader.text.length) reader.fail("trailing characters");
  return value;
}

/** Write JSON; a Decimal (and a bigint) as the exact number, undefined members left out. */
export function stringify(value: unknown): string {
  if (value instanceof Decimal) return value.toString();
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === "function" ? "null" : stringify(v))).join(",")}]`;
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === "function") return stringify(withJson.toJSON());
  const parts: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || typeof member === "function") continue;
    parts.push(`${JSON.stringify(key)}:${stringify(member)}`);
  }
  return `{${parts.join(",")}}`;
}

/** A plain JSON object (not an array, not a Decimal). */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Decimal);
}
