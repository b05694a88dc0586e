/**
 * Review ML (reviewml, 2026-12-06), finding M4 — a stated confidence that is not met (the audit's class-3 analogue:
 * a bound computed in floating point that is not a bound). Low severity: the failure probability is exceeded by a
 * relative 5 % at α = 10⁻¹⁵ and 30 % at α = 3·10⁻¹⁶ (absolute excess ≤ 10⁻¹⁶), and the lower bound's is exceeded ×10¹⁰
 * at α = 10⁻³¹⁰ — nobody asks for those α, but the functions accept every α ∈ (0, 1) and promise "P[p > bound] ≤ α".
 * Owner: trust (src/audit/clopper-pearson.ts; used by the membership audits' ε lower bounds, src/learn/membership).
 *
 * Where: `clopperPearsonUpper(k, n, α)` = betaQuantile(1 − α, k + 1, n − k)·(1 + 10⁻⁹). `1 − α` is rounded to a
 * double, so for small α the quantile is the one of α' = 1 − fl(1 − α) ≠ α (relative error ≈ 2⁻⁵³/α: 10⁻⁴ at
 * α = 10⁻¹², 0.11 at 3·10⁻¹⁶), far beyond the 10⁻⁹ safety factor. `clopperPearsonLower` bisects x only down to
 * 10⁻³⁰⁰, so a true lower bound below that (α < 10⁻³⁰⁰) is returned as ≈ 10⁻³⁰⁰, too high. Checked here exactly:
 * P_{p = bound}[X ≤ k] (resp. [X ≥ k]) computed in BigInt rationals from the returned double, against α.
 *
 * Rule: compute the upper bound by symmetry, 1 − betaQuantile(α, n − k, k + 1) (no 1 − α), with the margin applied
 * to the tail probability; refuse α below what the quantile can resolve (or extend the bisection range); exact
 * (BigInt) coverage tests over a grid of (k, n, α) down to α = 10⁻³⁰⁰.
 */
import { describe, expect, it } from 'vitest';
import { clopperPearsonLower, clopperPearsonUpper } from '../../src/audit/clopper-pearson.js';

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

describe('review ML M4: Clopper–Pearson bounds at small α are not bounds', () => {
  it('control (holds): at α = 10⁻⁶ both bounds meet their failure probability exactly', () => {
    expect(tailVsAlpha(clopperPearsonUpper(3, 10, 1e-6), 10, upTo(3), 1e-6).above).toBe(false);
    expect(tailVsAlpha(clopperPearsonLower(3, 10, 1e-6), 10, from(3, 10), 1e-6).above).toBe(false);
    expect(tailVsAlpha(clopperPearsonUpper(50, 100, 1e-9), 100, upTo(50), 1e-9).above).toBe(false);
  });

  // M4 fixed by trust (the small tail solved at α itself, by symmetry); was: P[X ≤ 3 | p = upper bound] ≈ 1.05·α at α = 10⁻¹⁵ and ≈ 1.3·α at α = 3·10⁻¹⁶.
  it('the upper bound meets its failure probability at α = 10⁻¹⁵ and 3·10⁻¹⁶', () => {
    for (const alpha of [1e-15, 3e-16]) expect(tailVsAlpha(clopperPearsonUpper(3, 10, alpha), 10, upTo(3), alpha).above).toBe(false);
  });

  // M4 fixed by trust: α below MIN_CLOPPER_PEARSON_ALPHA (1e-280) is refused (the quantile would leave the normal
  // doubles); at the smallest α taken the lower bound meets its failure probability.
  it('the lower bound at α = 10⁻³¹⁰ is refused (INVALID_PARAMETER), and meets its failure probability at α = 10⁻²⁸⁰', () => {
    expect(() => clopperPearsonLower(1, 2, 1e-310)).toThrow(/alpha/);
    expect(tailVsAlpha(clopperPearsonLower(1, 2, 1e-280), 2, from(1, 2), 1e-280).above).toBe(false);
  });
});
