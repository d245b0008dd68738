/**
 * Exact decimal numbers for amounts: a BigInt coefficient and a scale, never binary floating point.
 *
 *   const total = Decimal.from("1775.00");
 *   total.equals(fund.plus(cash).plus(account));   // exact
 *   total.toString();                              // "1775.00" (the scale is kept)
 */

const PATTERN = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** What a caller may give for an amount: a Decimal, a decimal string, or an integer. */
export type DecimalInput = Decimal | string | bigint | number;

export class Decimal {
  /** value = coefficient × 10^-scale */
  readonly coefficient: bigint;
  readonly scale: number;

  private constructor(coefficient: bigint, scale: number) {
    this.coefficient = coefficient;
    this.scale = scale;
  }

  /** Parse decimal text exactly ("12.50", "-3", "1E+2"); anything else is a RangeError. */
  static parse(text: string): Decimal {
    const match = PATTERN.exec(text.trim());
    if (!match || (!match[2] && !match[3])) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
    const [, sign, whole = "", fraction = "", exponent = "0"] = match;
    let coefficient = BigInt((whole + fraction) || "0");
    let scale = fraction.length - Number(exponent);
    if (scale < 0) {
      coefficient *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new Decimal(sign === "-" ? -coefficient : coefficient, scale);
  }

  /**
   * A Decimal from a string, bigint, Decimal or number.  A number with a fraction is taken by its shortest
   * text (12.5 → "12.5"), the value a person typed; prefer strings for amounts computed elsewhere.
   */
  static from(value: DecimalInput): Decimal {
    if (value instanceof Decimal) return value;
    if (typeof value === "bigint") return new Decimal(value, 0);
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
      return Decimal.parse(String(value));
    }
    return Decimal.parse(value);
  }

  static isDecimal(value: unknown): value is Decimal {
    return value instanceof Decimal;
  }

  private rescaled(scale: number): bigint {
    return this.coefficient * 10n ** BigInt(scale - this.scale);
  }

  plus(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    const scale = Math.max(this.scale, o.scale);
    return new Decimal(this.rescaled(scale) + o.rescaled(scale), scale);
  }

  minus(other: DecimalInput): Decimal {
    return this.plus(Decimal.from(other).negated());
  }

  times(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    return new Decimal(this.coefficient * o.coefficient, this.scale + o.scale);
  }

  negated(): Decimal {
    return new Decimal(-this.coefficient, this.scale);
  }

  /** -1, 0 or 1; 1.50 and 1.5 compare equal. */
  compare(other: DecimalInput): number {
    const o = Decimal.from(other);
    const scale = Math.max(this.scale, o.scale);
    const a = this.rescaled(scale);
    const b = o.rescaled(scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** The same value (the scale may differ: 1.50 equals 1.5). */
  equals(other: DecimalInput): boolean {
    return this.compare(other) === 0;
  }

  isZero(): boolean {
    return this.coefficient === 0n;
  }

  /** Rounded half away from zero to `digits` places (the usual rule for 元/角/分). */
  round(digits: number): Decimal {
    if (digits >= this.scale) return new Decimal(this.rescaled(digits), digits);
    const divisor = 10n ** BigInt(this.scale - digits);
    const negative = this.coefficient < 0n;
    const magnitude = negative ? -this.coefficient : this.coefficient;
    let quotient = magnitude / divisor;
    if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
    return new Decimal(negative ? -quotient : quotient, digits);
  }

  toFixed(digits: number): string {
    return this.round(digits).toString();
  }

  /** The exact text, scale kept: "1500.00". */
  toString(): string {
    const negative = this.coefficient < 0n;
    const digits = (negative ? -this.coefficient : this.coefficient).toString();
    let text = digits;
    if (this.scale > 0) {
      const padded = digits.padStart(this.scale + 1, "0");
      text = `${padded.slice(0, -this.scale)}.${padded.slice(-this.scale)}`;
    }
    return negative ? `-${text}` : text;
  }

  /** JSON.stringify writes the exact text as a string (this package's own writer writes a number). */
  toJSON(): string {
    return this.toString();
  }

  /** Lossy on purpose and by name only: for display arithmetic, never for amounts sent anywhere. */
  toNumber(): number {
    return Number(this.toString());
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Decimal(${this.toString()})`;
  }
}
