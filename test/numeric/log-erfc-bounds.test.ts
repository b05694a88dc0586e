/**
 * Issue 10 class 9 (answers are upper bounds), the member left open by stop 16: the RDP accountant's fractional-order
 * series relied on a MEASURED margin of `logErfc` (20× the worst error on 20,000 points). `logErfcBounds` returns
 * PROVEN bounds (`src/numeric/log-erfc-bounds.proof.md`); the accountant uses them.
 *
 * References: `fixtures/log-erfc-mpmath.json` (mpmath 1.2.1 at 200 bits; 1,500 of the proof's 100,000 generative
 * points plus the extreme and boundary points, which the fixture names) and, for the generative test, an independent
 * 400-bit fixed-point evaluation of erf's power series with π by Machin's formula.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decomposeDouble } from '../../src/numeric/float-bits.js';
import { LOG_ERFC_CONSTANT_LITERALS, LOG_ERFC_SPLIT, logErfcBounds } from '../../src/numeric/log-erfc-bounds.js';
import * as F from '../accounting/_fixed-point.js';

const ROWS = (
  JSON.parse(readFileSync(new URL('./fixtures/log-erfc-mpmath.json', import.meta.url), 'utf8')) as { rows: [x: string, logErfc: string][] }
).rows;

/** A decimal string (with an optional exponent) as an exact fraction num/den (den > 0). */
function decimal(s: string): { num: bigint; den: bigint } {
  const [mant, expPart] = s.toLowerCase().split('e');
  const neg = (mant as string).startsWith('-');
  const [int, frac = ''] = (mant as string).replace('-', '').split('.');
  let num = BigInt((int as string) + frac);
  let den = 10n ** BigInt(frac.length);
  const e = Number(expPart ?? 0);
  if (e >= 0) num *= 10n ** BigInt(e);
  else den *= 10n ** BigInt(-e);
  return { num: neg ? -num : num, den };
}
/** Compares a double (±∞ allowed) with a decimal: sign of x − ref, with the reference's 30 digits as slack (10⁻²⁸ relative). */
function leq(x: number, ref: string): boolean {
  if (x === Number.NEGATIVE_INFINITY) return true;
  if (x === Number.POSITIVE_INFINITY) return false;
  const { mantissa, exponent } = decomposeDouble(x);
  const r = decimal(ref);
  const a = exponent >= 0 ? { num: mantissa << BigInt(exponent), den: 1n } : { num: mantissa, den: 1n << BigInt(-exponent) };
  const slack = (r.num < 0n ? -r.num : r.num) * a.den; // |ref|·10⁻²⁸ in the common denominator, ×10²⁸
  return a.num * r.den * 10n ** 28n <= r.num * a.den * 10n ** 28n + slack;
}
function geq(x: number, ref: string): boolean {
  const neg = ref.startsWith('-') ? ref.slice(1) : `-${ref}`;
  return leq(-x, neg);
}

// ---- 400-bit reference: log erfc(x) = log(1 ∓ erf|x|), erf(x) = (2/√π)·e^{−x²}·Σ 2ⁿx^{2n+1}/(2n+1)!! ----
function atanInv(k: bigint): bigint {
  let sum = 0n;
  let power = F.ONE / k;
  for (let n = 0n; power !== 0n; n++) {
    sum += (n % 2n === 0n ? 1n : -1n) * (power / (2n * n + 1n));
    power /= k * k;
  }
  return sum;
}
const PI = 16n * atanInv(5n) - 4n * atanInv(239n);
function isqrt(v: bigint): bigint {
  let x = BigInt(Math.floor(Math.sqrt(Number(v >> 800n)))) << 400n;
  for (let i = 0; i < 200; i++) {
    const y = (x + v / x) >> 1n;
    if (y === x || y === x + 1n) break;
    x = y;
  }
  while (x * x > v) x--;
  return x;
}
const SQRT_PI = isqrt(PI << F.P);
function refLogErfc(x: number): bigint {
  const y = F.fromDouble(Math.abs(x));
  const y2 = F.mul(y, y);
  let b = y;
  let sum = y;
  for (let n = 1n; b !== 0n; n++) {
    b = F.mul(b, 2n * y2) / (2n * n + 1n);
    sum += b;
  }
  const erf = F.div(F.mul(2n * F.exp(-y2), sum), SQRT_PI);
  return F.log(x >= 0 ? F.ONE - erf : F.ONE + erf);
}

describe('logErfcBounds: proven bounds of log erfc (class 9, log-erfc-bounds.proof.md)', () => {
  it('regression: brackets mpmath at 1,518 points, the extreme tails and the split points included, and is tight', () => {
    expect(ROWS.length).toBe(1518);
    for (const [xs, ref] of ROWS) {
      const x = Number(xs);
      const [lo, hi] = logErfcBounds(x);
      expect(leq(lo, ref), `x = ${xs}: lo ${lo} > ${ref}`).toBe(true);
      expect(geq(hi, ref), `x = ${xs}: hi ${hi} < ${ref}`).toBe(true);
      if (Number.isFinite(lo)) expect(hi - lo, `x = ${xs}`).toBeLessThanOrEqual(2e-12 * Math.max(1, Math.abs(lo)));
    }
  });

  it('regression: the values the old measured margin was taken at (mpmath, 200 bits) are inside the bounds', () => {
    const table: [number, string][] = [
      [-30, '0.693147180559945309417232121458'],
      [0, '0'],
      [0.46875, '-0.678482185614396098989881830995'],
      [1, '-1.84960550993324824857601750950'],
      [LOG_ERFC_SPLIT, '-5.36494126461663757446764850365'],
      [4, '-17.9877783121030065030004207508'],
      [46.899516582489014, '-2203.98525517074721275080461841'],
    ];
    for (const [x, ref] of table) {
      const [lo, hi] = logErfcBounds(x);
      expect(leq(lo, ref) && geq(hi, ref), `x = ${x}`).toBe(true);
    }
  });

  it('the constants 2/√π, 1/√π and log √π are the nearest doubles (within half an ulp; 400-bit π by Machin)', () => {
    const halfUlp = (v: number) => F.fromDouble(v) >> 53n; // ≥ half an ulp for v ∈ [0.5, 2)
    const c = LOG_ERFC_CONSTANT_LITERALS;
    const twoOverSqrtPi = F.div(2n * F.ONE, SQRT_PI);
    const oneOverSqrtPi = F.div(F.ONE, SQRT_PI);
    const logSqrtPi = F.log(SQRT_PI);
    for (const [v, ref] of [
      [c.twoOverSqrtPi, twoOverSqrtPi],
      [c.oneOverSqrtPi, oneOverSqrtPi],
      [c.logSqrtPi, logSqrtPi],
    ] as [number, bigint][]) {
      const d = F.fromDouble(v) - ref;
      expect((d < 0n ? -d : d) <= halfUlp(v), `${v}`).toBe(true);
    }
  });

  it('generative: brackets a 400-bit reference over random x in [−6, 6] (fast-check, seed 21)', () => {
    fc.assert(
      fc.property(fc.double({ min: -6, max: 6, noNaN: true }), (x) => {
        const [lo, hi] = logErfcBounds(x);
        const ref = refLogErfc(x);
        expect(F.fromDouble(lo) <= ref + F.TOLERANCE, `x = ${x}: lo`).toBe(true);
        expect(F.fromDouble(hi) >= ref - F.TOLERANCE, `x = ${x}: hi`).toBe(true);
      }),
      { seed: 21, numRuns: 400 },
    );
  });

  it('generative: over every double, the bounds are ordered, never NaN, hi finite, and lo ≤ hi(y) for y ≤ x (decreasing) (fast-check, seed 22)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), (a, b) => {
        const [x, y] = a <= b ? [b, a] : [a, b]; // y ≤ x
        const [lo, hi] = logErfcBounds(x);
        expect(Number.isNaN(lo) || Number.isNaN(hi)).toBe(false);
        expect(lo).toBeLessThanOrEqual(hi);
        expect(Number.isFinite(hi)).toBe(true);
        expect(hi).toBeLessThanOrEqual(Math.LN2 + 1e-15);
        expect(lo).toBeLessThanOrEqual(logErfcBounds(y)[1]);
      }),
      { seed: 22, numRuns: 2000 },
    );
  });
});
