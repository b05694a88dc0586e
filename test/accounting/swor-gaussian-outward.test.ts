/**
 * Issue 10 class 9 ("every accountant answer is an upper bound of its exact value"), the member left open by stop 16:
 * the sampled-without-replacement Gaussian's RDP (Wang, Balle, Kasiviswanathan 2019, as dp_accounting evaluates it)
 * was computed to nearest, and its forward differences of e^{c·x(x−1)} cancel massively, so the old value (the same
 * algorithm as dp_accounting's) sat below the exact value at 243 of the 420 grid points below (by up to 10⁻⁹
 * relative at σ = 100) and was 35× off at (q 0.9, σ 100, α 256). Rule (`src/accounting/_internal/swor-gaussian.proof.md`):
 * the differences are exact fixed-point intervals, every other step is directed; the answer is ≥ the exact value.
 *
 * References: `test/fixtures/accounting/swor-gaussian-mpmath.json` — rows [q, σ, α, exact RDP (25 digits), dp_accounting's value]:
 * the exact value of the same formula by mpmath 1.2.1 (forward differences at 7,000 bits from the definition
 * Σ_j (−1)^{m−j} C(m, j) e^{c j(j−1)}, the sum at 300 bits; script in the proof file), and
 * `dp_accounting.rdp.rdp_privacy_accountant._compute_rdp_sample_wor_gaussian_scalar` (numbers only, no peer code).
 * The generative test uses an independent 400-bit fixed-point evaluation of the definition (`_fixed-point.ts`).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expNegFixed, sworGaussianRdpUp } from '../../src/accounting/_internal/swor-gaussian.js';
import { DpEvents } from '../../src/accounting/dp-events.js';
import { RdpAccountant } from '../../src/accounting/rdp-accountant.js';
import { decomposeDouble } from '../../src/numeric/float-bits.js';
import * as F from './_fixed-point.js';

type Row = [q: number, sigma: number, alpha: number, exact: string, dpAccounting: string];
const GRID = (
  JSON.parse(readFileSync(new URL('../fixtures/accounting/swor-gaussian-mpmath.json', import.meta.url), 'utf8')) as { rows: Row[] }
).rows;

/** A decimal string (with an optional exponent) as an exact fraction num/den. */
function decimal(s: string): { num: bigint; den: bigint } {
  const [mant, expPart] = s.toLowerCase().split('e');
  const [int, frac = ''] = (mant as string).split('.');
  let num = BigInt((int as string) + frac);
  let den = 10n ** BigInt(frac.length);
  const e = Number(expPart ?? 0);
  if (e >= 0) num *= 10n ** BigInt(e);
  else den *= 10n ** BigInt(-e);
  return { num, den };
}
/** The exact value of a finite double as a fraction. */
function exactDouble(x: number): { num: bigint; den: bigint } {
  const { mantissa, exponent } = decomposeDouble(x);
  return exponent >= 0 ? { num: mantissa << BigInt(exponent), den: 1n } : { num: mantissa, den: 1n << BigInt(-exponent) };
}
/** x ≥ ref·(1 − 10⁻²²) (the reference's 25 digits), exactly. */
function atLeastDecimal(x: number, ref: string): boolean {
  const a = exactDouble(x);
  const b = decimal(ref);
  return a.num * b.den * 10n ** 22n >= b.num * a.den * (10n ** 22n - 1n);
}

/** The exact log A_α of the definition at 400 bits (integer α; for α > 256 only the second branch, as dp_accounting). */
function refLogA(q: number, sigma: number, alpha: number): bigint {
  const s = F.fromDouble(sigma);
  const c = F.div(F.ONE, 2n * F.mul(s, s));
  const u = (j: number) => F.exp(c * BigInt(j * (j - 1)));
  const diff = (m: number) => {
    let d = 0n;
    for (let j = 0; j <= m; j++) d += ((m - j) % 2 === 0 ? 1n : -1n) * F.binom(m, j) * u(j);
    return d;
  };
  const qf = F.fromDouble(q);
  let A = F.ONE;
  let qi = F.mul(qf, qf);
  for (let i = 2; i <= alpha; i++) {
    const loose = 2n * u(i);
    let t = loose;
    if (i === 2 || alpha <= 256) {
      const lo = diff(2 * Math.floor(i / 2));
      const hi = diff(2 * Math.ceil(i / 2));
      t = F.min(loose, 4n * F.exp((F.log(lo) + F.log(hi)) / 2n));
    }
    A += F.binom(alpha, i) * F.mul(qi, t);
    qi = F.mul(qi, qf);
  }
  return F.log(A);
}
function refRdp(q: number, sigma: number, alpha: number): bigint {
  if (Number.isInteger(alpha)) return F.div(refLogA(q, sigma, alpha), F.fromInt(alpha - 1));
  const lo = Math.floor(alpha);
  const t = F.fromDouble(alpha - lo);
  const a = lo === 1 ? 0n : refLogA(q, sigma, lo);
  return F.div(F.mul(F.ONE - t, a) + F.mul(t, refLogA(q, sigma, lo + 1)), F.fromDouble(alpha - 1));
}
const atLeast = (computed: number, ref: bigint) => computed === Number.POSITIVE_INFINITY || F.fromDouble(computed) >= ref - F.TOLERANCE;

describe('sampled-without-replacement Gaussian RDP is an upper bound of its exact value (class 9, swor-gaussian.proof.md)', () => {
  it('regression: on the 420-point grid (q, σ, α) it is ≥ the exact value (mpmath) and within 10⁻¹⁰ relative of it', () => {
    for (const [q, s, a, exact] of GRID) {
      const v = sworGaussianRdpUp(q, s, a);
      expect(atLeastDecimal(v, exact), `q=${q} σ=${s} α=${a}: ${v} < ${exact}`).toBe(true);
      expect(v, `q=${q} σ=${s} α=${a}`).toBeLessThanOrEqual(Number(exact) * (1 + 1e-10));
    }
  });

  it('regression: where dp_accounting (the old algorithm) sat below the exact value, the new value does not', () => {
    const below = GRID.filter(([, , , exact, dpa]) => !atLeastDecimal(Number(dpa), exact));
    expect(below.length).toBe(243); // the old nearest-rounded forward differences, e.g. (0.5, 100, 10): −2.2·10⁻¹⁰ relative
    for (const [q, s, a, exact] of below) expect(atLeastDecimal(sworGaussianRdpUp(q, s, a), exact), `q=${q} σ=${s} α=${a}`).toBe(true);
  });

  it('agreement: within 10⁻⁶ relative of dp_accounting wherever dp_accounting is within 10⁻⁹ of the exact value', () => {
    let compared = 0;
    for (const [q, s, a, exact, dpa] of GRID) {
      const d = Number(dpa);
      const r = Number(exact);
      if (!(Math.abs(d - r) <= 1e-9 * r)) continue;
      compared++;
      expect(Math.abs(sworGaussianRdpUp(q, s, a) - d), `q=${q} σ=${s} α=${a}`).toBeLessThanOrEqual(1e-6 * d);
    }
    expect(compared).toBeGreaterThan(350); // the rest: dp_accounting's own cancellation (σ ≥ 20 at high orders)
  });

  it('generative: ≥ the exact value (400-bit definition) over random q, σ and integer or fractional α ≤ 24 (fast-check, seed 17)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 0.95, noNaN: true }),
        fc.double({ min: 0.3, max: 8, noNaN: true }),
        fc.oneof(fc.integer({ min: 2, max: 24 }), fc.double({ min: 1.01, max: 24, noNaN: true })),
        (q, s, a) => {
          const v = sworGaussianRdpUp(q, s, a);
          const ref = refRdp(q, s, a);
          expect(atLeast(v, ref), `q=${q} σ=${s} α=${a}`).toBe(true);
          // and tight: within 10⁻⁹ relative (+ 10⁻³⁰⁰ absolute)
          expect(F.fromDouble(v) - ref <= ref / 1_000_000_000n + (F.ONE >> 300n), `q=${q} σ=${s} α=${a}`).toBe(true);
        },
      ),
      { seed: 17, numRuns: 60 },
    );
  });

  it('generative: e^{−x}·2^p is bracketed by expNegFixed within a few units (400-bit reference; fast-check, seed 18)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 300, noNaN: true }), fc.integer({ min: 64, max: 320 }), (x, p) => {
        const [lo, hi] = expNegFixed(x, p);
        const exact = F.exp(-F.fromDouble(x)); // e^{−x}·2⁴⁰⁰, error ≪ 2^{400−p}
        const scale = 1n << BigInt(400 - p);
        expect(lo * scale <= exact + F.TOLERANCE, `x=${x}`).toBe(true);
        expect(hi * scale >= exact - F.TOLERANCE, `x=${x}`).toBe(true);
        expect(hi - lo <= 4n, `x=${x} p=${p}`).toBe(true);
      }),
      { seed: 18, numRuns: 200 },
    );
  });

  it('the RDP accountant charges the same bound (replace-one), and σ = ∞, q = 0, q = 1 are exact', () => {
    const acc = new RdpAccountant({ orders: [2, 3.5, 32], adjacency: 'replaceOne' }).compose(
      DpEvents.sampledWithoutReplacement(1000, 10, DpEvents.gaussian(1.5)),
      3,
    );
    const q = 10 / 1000;
    acc.rdp.forEach((r, i) => {
      const a = [2, 3.5, 32][i] as number;
      expect(atLeast(r, 3n * refRdp(q, 1.5, a))).toBe(true);
      expect(r).toBeGreaterThanOrEqual(3 * sworGaussianRdpUp(0.01, 1.5, a));
    });
    expect(sworGaussianRdpUp(0.1, Number.POSITIVE_INFINITY, 5)).toBe(0);
    expect(sworGaussianRdpUp(0, 1, 5)).toBe(0);
    expect(sworGaussianRdpUp(1, 2, 5)).toBeGreaterThanOrEqual(5 / 8);
  });
});
