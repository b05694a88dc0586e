/**
 * Issue 10 (an audit bound computed in floating point must be a bound), review ML M4: clopperPearsonUpper used
 * betaQuantile(1 − α, …), i.e. fl(1 − α) — another α (30 % off at α = 3·10⁻¹⁶); the lower bound's bisection stopped at
 * x = 10⁻³⁰⁰. Rule (src/audit/clopper-pearson.ts): the upper bound by symmetry, 1 − betaQuantile(α, n − k, k + 1) (α itself, never fl(1 − α)),
 * with the margin on the tail 1 − q; α below MIN_CLOPPER_PEARSON_ALPHA = 10⁻²⁸⁰ refused.
 * Generative: exact BigInt coverage — P_{p = bound}[X ≤ k] ≤ α (upper) and P_{p = bound}[X ≥ k] ≤ α (lower) — over
 * random k, n ≤ 60 and α = 10^−e, e ∈ [1, 280].
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clopperPearsonLower, clopperPearsonUpper, MIN_CLOPPER_PEARSON_ALPHA } from '../../src/audit/clopper-pearson.js';

/** x = num / 2^shift exactly (x a finite double ≥ 0). */
function dyadic(x: number): { num: bigint; shift: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const [m, e] = exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
  return e >= 0 ? { num: m << BigInt(e), shift: 0n } : { num: m, shift: BigInt(-e) };
}

function binomial(n: number, j: number): bigint {
  let c = 1n;
  for (let i = 0; i < j; i++) c = (c * BigInt(n - i)) / BigInt(i + 1);
  return c;
}

/** Σ_{j ∈ js} C(n, j) p^j (1 − p)^(n − j) compared exactly with α: the ratio (as a double) and whether it is > 1. */
function tailVsAlpha(p: number, n: number, js: readonly number[], alpha: number): { above: boolean; ratio: number } {
  const { num, shift } = dyadic(p);
  const one = 1n << shift;
  let sum = 0n; // over 2^(shift·n)
  for (const j of js) sum += binomial(n, j) * num ** BigInt(j) * (one - num) ** BigInt(n - j);
  const a = dyadic(alpha);
  // sum / 2^(shift·n) vs a.num / 2^a.shift  ⇔  sum·2^a.shift vs a.num·2^(shift·n)
  const left = sum << a.shift;
  const right = a.num << (shift * BigInt(n));
  const scale = 10n ** 15n;
  return { above: left > right, ratio: Number((left * scale) / right) / 1e15 };
}

const upTo = (k: number) => Array.from({ length: k + 1 }, (_, j) => j);
const from = (k: number, n: number) => Array.from({ length: n - k + 1 }, (_, j) => k + j);

describe('Clopper–Pearson bounds meet their failure probability exactly, down to the smallest α taken (review ML M4)', () => {
  it('regression: α = 10⁻¹⁵ and 3·10⁻¹⁶ (upper), 10⁻²⁸⁰ (lower) are met; α below the minimum is INVALID_PARAMETER', () => {
    for (const alpha of [1e-15, 3e-16]) expect(tailVsAlpha(clopperPearsonUpper(3, 10, alpha), 10, upTo(3), alpha).above).toBe(false);
    expect(tailVsAlpha(clopperPearsonLower(1, 2, MIN_CLOPPER_PEARSON_ALPHA), 2, from(1, 2), MIN_CLOPPER_PEARSON_ALPHA).above).toBe(false);
    expect(() => clopperPearsonUpper(1, 2, 1e-300)).toThrow(/alpha/);
  });

  it('generative: exact coverage of both bounds over random k, n and α down to 10⁻²⁸⁰ (fast-check, seed 15)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.nat(), fc.double({ min: 1, max: 280, noNaN: true }), (n, kk, e) => {
        const k = kk % (n + 1);
        const alpha = 10 ** -e;
        if (k < n)
          expect(tailVsAlpha(clopperPearsonUpper(k, n, alpha), n, upTo(k), alpha).above, `upper k=${k} n=${n} α=${alpha}`).toBe(false);
        if (k > 0)
          expect(tailVsAlpha(clopperPearsonLower(k, n, alpha), n, from(k, n), alpha).above, `lower k=${k} n=${n} α=${alpha}`).toBe(false);
      }),
      { seed: 15, numRuns: 150 },
    );
  });
});
