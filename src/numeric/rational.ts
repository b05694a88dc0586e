/**
 * Exact rational numbers over BigInt, for samplers whose parameters must be
 * exact and for budgets that must add up exactly.
 * @module
 */
import { edgeString } from './edge.js';
import { DpError } from './errors.js';
import { decomposeDouble, nextDown, nextUp } from './float-bits.js';

function refuse(message: string, parameter: string): never {
  throw new DpError('INVALID_PARAMETER', message, { parameter });
}

function integer(x: unknown, parameter: string): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  return refuse(`Rational.of needs a bigint or a safe integer for ${parameter}`, parameter);
}

function rational(x: unknown, parameter: string): Rational {
  if (!(x instanceof Rational)) refuse(`${parameter} must be a Rational`, parameter);
  return x;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

const TWO_53 = 2n ** 53n;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : (n < 0n ? -n : n).toString(2).length;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * S7 edge line of the instance methods: the other operand must be a Rational. Total on every value
 * (a Proxy whose prototype trap throws is refused, not propagated).
 */
function operand(o: unknown): void {
  let ok = false;
  try {
    ok = o instanceof Rational;
  } catch {
    ok = false;
  }
  if (!ok) refuse('the other operand must be a Rational', 'o');
}

/**
 * An exact rational `num / den` in lowest terms with `den > 0`.
 *
 * Run-time brand (review S19, issue 10 class 12 "a hand-made value reaches a charge"): only this module's own
 * constructor makes a Rational — every instance carries the private brand `#made` and is frozen, and
 * `x instanceof Rational` is the brand check (`static [Symbol.hasInstance]`: `#made in x` and the prototype is
 * `Rational.prototype`, total, no Proxy trap runs; the constructor refuses a subclass, and a frozen instance's
 * prototype cannot be changed). So an object made with `Object.create(Rational.prototype, …)` is not a Rational, and a genuine one cannot
 * be rewritten (e.g. `den = -1n`, which every "≥ 0" edge check — `isNegative()` reads `num` only — would have
 * accepted). Every `instanceof Rational` edge check in the library (exact-loss.ts, budget-filter.ts, ledger.ts,
 * budget-split.ts, random/_internal/validate.ts, mechanisms/_internal/params.ts, synth/selection.ts) is therefore a
 * brand check; the invariant `den > 0`, lowest terms, holds for every value that passes one.
 * Tests: test/core/rational-brand.test.ts (regression + generative forgeries), test/review/forged-rational-charge.test.ts.
 * @example
 * Rational.of(1n, 11n).mul(Rational.of(11n)).equals(Rational.ONE); // true
 */
export class Rational {
  static readonly ZERO = new Rational(0n, 1n);
  static readonly ONE = new Rational(1n, 1n);

  /** Numerator (sign carried here). */
  readonly num: bigint;
  /** Denominator, always > 0. */
  readonly den: bigint;
  readonly #made = true;

  private constructor(num: bigint, den: bigint) {
    // No subclass (a subclass could override isNegative/compare and still carry the brand): refused at its super().
    if (new.target !== Rational) refuse('Rational cannot be subclassed', 'Rational');
    this.num = num;
    this.den = den;
    Object.freeze(this);
  }

  /**
   * The brand check behind `x instanceof Rational`: true only for a value made by this class (see the class doc).
   * @param x - any value.
   * @returns whether `x` is a genuine Rational.
   * @example
   * Object.create(Rational.prototype) instanceof Rational; // false
   */
  static [Symbol.hasInstance](x: unknown): x is Rational {
    return typeof x === 'object' && x !== null && #made in x && Object.getPrototypeOf(x) === Rational.prototype;
  }

  /** `num / den`, reduced. Throws DpError INVALID_PARAMETER when den = 0 or a part is not an integer. */
  static of(num: bigint | number, den: bigint | number = 1n): Rational {
    let n = integer(num, 'num');
    let d = integer(den, 'den');
    if (d === 0n) refuse('Rational with zero denominator', 'den');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d);
    return g > 1n ? new Rational(n / g, d / g) : new Rational(n, d);
  }

  /** The exact value of a finite double (a dyadic rational). */
  static fromNumber(x: number): Rational {
    if (typeof x !== 'number' || !Number.isFinite(x)) refuse('Rational.fromNumber needs a finite number', 'x');
    const { mantissa, exponent } = decomposeDouble(x);
    return exponent >= 0 ? Rational.of(mantissa << BigInt(exponent)) : Rational.of(mantissa, 1n << BigInt(-exponent));
  }

  /**
   * The simplest rational (smallest denominator) that the double `x` is the
   * nearest double to — the number the user most likely wrote: `1/11` for
   * `1 / 11`, `1/10` for `0.1`. It differs from the double by less than half
   * an ulp (relative 2⁻⁵³). Used where the intended value matters more than
   * the representation, e.g. so that eleven spends of `1/11` fit a budget of 1.
   */
  static fromNumberIntended(x: number): Rational {
    if (typeof x !== 'number' || !Number.isFinite(x)) refuse('Rational.fromNumberIntended needs a finite number', 'x');
    if (x === 0) return Rational.ZERO;
    if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) return Rational.of(BigInt(x));
    const exact = Rational.fromNumber(Math.abs(x));
    // The largest double has no finite neighbour above: it stands for itself.
    if (!Number.isFinite(nextUp(Math.abs(x)))) return x < 0 ? exact.neg() : exact;
    const halfUp = Rational.fromNumber(nextUp(Math.abs(x)))
      .sub(exact)
      .div(Rational.of(2n));
    const halfDown = exact.sub(Rational.fromNumber(nextDown(Math.abs(x)))).div(Rational.of(2n));
    let r = simplestBetween(exact.sub(halfDown), exact.add(halfUp));
    if (r.toNumber() !== Math.abs(x)) r = exact;
    return x < 0 ? r.neg() : r;
  }

  /**
   * Parses `"3"`, `"-2.5"`, `"1e-6"` or `"1/11"` exactly.
   * @throws DpError INVALID_PARAMETER on anything else.
   */
  static parse(text: string): Rational {
    edgeString(text, 'text');
    const s = text.trim();
    const frac = /^([+-]?\d+)\s*\/\s*(\d+)$/.exec(s);
    if (frac) return Rational.of(BigInt(frac[1] as string), BigInt(frac[2] as string));
    const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
    if (!dec || (dec[2] === '' && (dec[3] ?? '') === '')) refuse('not a decimal number or a fraction', 'text');
    const digits = `${dec[2]}${dec[3] ?? ''}` || '0';
    const exp = Number(dec[4] ?? '0') - (dec[3] ?? '').length;
    if (Math.abs(exp) > 10_000) refuse('exponent too large (|e| > 10000)', 'text');
    const sign = dec[1] === '-' ? -1n : 1n;
    const n = sign * BigInt(digits);
    return exp >= 0 ? Rational.of(n * 10n ** BigInt(exp)) : Rational.of(n, 10n ** BigInt(-exp));
  }

  add(o: Rational): Rational {
    operand(o);
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Rational): Rational {
    operand(o);
    return Rational.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Rational): Rational {
    operand(o);
    return Rational.of(this.num * o.num, this.den * o.den);
  }
  /** Throws DpError INVALID_PARAMETER on division by zero. */
  div(o: Rational): Rational {
    operand(o);
    if (o.num === 0n) refuse('Rational division by zero', 'divisor');
    return Rational.of(this.num * o.den, this.den * o.num);
  }
  neg(): Rational {
    return new Rational(-this.num, this.den);
  }
  abs(): Rational {
    return this.num < 0n ? this.neg() : this;
  }
  /** -1, 0 or 1. */
  cmp(o: Rational): number {
    operand(o);
    const l = this.num * o.den;
    const r = o.num * this.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  equals(o: Rational): boolean {
    operand(o);
    return this.num === o.num && this.den === o.den;
  }
  lt(o: Rational): boolean {
    return this.cmp(o) < 0;
  }
  le(o: Rational): boolean {
    return this.cmp(o) <= 0;
  }
  gt(o: Rational): boolean {
    return this.cmp(o) > 0;
  }
  ge(o: Rational): boolean {
    return this.cmp(o) >= 0;
  }
  isZero(): boolean {
    return this.num === 0n;
  }
  isNegative(): boolean {
    return this.num < 0n;
  }
  isInteger(): boolean {
    return this.den === 1n;
  }
  /** ⌊this⌋ as a BigInt. */
  floor(): bigint {
    return floorDiv(this.num, this.den);
  }
  /** ⌈this⌉ as a BigInt. */
  ceil(): bigint {
    return -floorDiv(-this.num, this.den);
  }
  static min(a: Rational, b: Rational): Rational {
    return rational(a, 'a').le(rational(b, 'b')) ? a : b;
  }
  static max(a: Rational, b: Rational): Rational {
    return rational(a, 'a').ge(rational(b, 'b')) ? a : b;
  }

  /** The nearest double (ties to even). */
  toNumber(): number {
    if (this.num === 0n) return 0;
    const neg = this.num < 0n;
    const n = neg ? -this.num : this.num;
    // Fast path (both exact as doubles, one correctly rounded division): compared by magnitude, not by bitLength's
    // base-2 string (the server's profile: ~4 % of its event loop). n < 2⁵³ ⇔ bitLength(n) ≤ 53.
    if (n < TWO_53 && this.den < TWO_53) {
      const q = Number(n) / Number(this.den);
      return neg ? -q : q;
    }
    // Keep ≥ 55 significant bits plus a sticky bit so Number() rounds once, correctly.
    const shift = 56 - (bitLength(n) - bitLength(this.den));
    const scaledNum = shift >= 0 ? n << BigInt(shift) : n;
    const scaledDen = shift >= 0 ? this.den : this.den << BigInt(-shift);
    let q = scaledNum / scaledDen;
    if (q * scaledDen !== scaledNum) q |= 1n;
    let value = Number(q);
    // Scale by 2^-shift in two steps to stay in range.
    let s = -shift;
    while (s > 1000) {
      value *= 2 ** 1000;
      s -= 1000;
    }
    while (s < -1000) {
      value *= 2 ** -1000;
      s += 1000;
    }
    value *= 2 ** s;
    return neg ? -value : value;
  }
  /** The smallest double ≥ this. */
  toNumberUp(): number {
    const x = this.toNumber();
    if (!Number.isFinite(x)) return x;
    return Rational.fromNumber(x).lt(this) ? nextUp(x) : x;
  }
  /** The largest double ≤ this. */
  toNumberDown(): number {
    const x = this.toNumber();
    if (!Number.isFinite(x)) return x;
    return Rational.fromNumber(x).gt(this) ? nextDown(x) : x;
  }
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** The simplest rational in the closed interval [lo, hi], 0 < lo ≤ hi. */
function simplestBetween(lo: Rational, hi: Rational): Rational {
  const fl = lo.floor();
  if (Rational.of(fl).equals(lo)) return lo;
  const c = fl + 1n;
  if (Rational.of(c).le(hi)) return Rational.of(c);
  const base = Rational.of(fl);
  const inner = simplestBetween(Rational.ONE.div(hi.sub(base)), Rational.ONE.div(lo.sub(base)));
  return base.add(Rational.ONE.div(inner));
}
