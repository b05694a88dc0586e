/**
 * The exponential mechanism for the synthesizers' selections (MST's tree
 * edges, AIM's marginals), sampled exactly, charged by its bounded-range
 * zCDP bound ε²/8 — as MST and AIM are analysed and as Private-PGM charges
 * them.
 *
 * Rule (the class it closes: a selection charged at the wrong ρ, too much or
 * too little): a selection is charged ε²/8 only when it *is* the exponential
 * mechanism — P(r) ∝ exp(ε·u_r/(2Δ)) with Δ the utilities' sensitivity — because
 * that mechanism is ε-bounded-range (Durfee & Rogers 2019) and ε-BR implies
 * ε²/8-zCDP (Cesar & Rogers 2021). Permute-and-flip
 * (`makeExponential` in tsdp/mechanisms) is ε-DP but not ε-BR: with two tied
 * candidates and one utility moved by 2Δ, the BR ratio is e^ε(2 − e^−ε) > e^ε.
 * A permute-and-flip selection must be charged ε²/2 (pure ε-DP, Bun & Steinke
 * 2016, Prop. 1.4); this module never is one.
 *
 * Sampling: rejection from the uniform proposal — draw r uniformly
 * (`sampleUniformBelow`), accept with the exact coin Bernoulli(exp(−(u* − u_r)/T)),
 * T = 2Δ/ε, repeat — returns r with probability exactly ∝ exp(−(u* − u_r)/T):
 * each try returns r with probability p_r/k, so the first success is r with
 * probability p_r/Σ_s p_s. The best candidate's coin is certain, so a try
 * succeeds with probability ≥ 1/k and the expected number of tries is ≤ k.
 * No floating-point number enters the randomness (utilities are exact dyadic
 * rationals, T is an exact rational). The number of coins drawn depends on
 * the utilities (as in every exact selection sampler); it is not constant-time.
 * @module
 * @see McSherry & Talwar (2007); Durfee & Rogers (2019), "Practical differentially private top-k selection with pay-what-you-get composition".
 * @see Cesar & Rogers (2021), "Bounding, concentrating, and truncating: unifying privacy loss composition for data analytics".
 * @see McKenna, Mullins, Sheldon, Miklau (2022), "AIM", §3 (ε²/8 per selection).
 */
import { DpError, type DpEvent } from '../core/index.js';
import { nextDown, Rational } from '../numeric/index.js';
import { type RandomSource, sampleBernoulliExp, sampleUniformBelow } from '../random/index.js';

const invalid = (parameter: string, what: string) => new DpError('INVALID_PARAMETER', `${parameter} must be ${what}`, { parameter });

/** The exact ρ = ε²/8 an ε exponential-mechanism selection costs under zCDP (bounded range). */
export function exponentialSelectionRho(epsilon: number): Rational {
  if (!(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon >= 0)) throw invalid('epsilon', 'a finite number ≥ 0');
  const e = Rational.fromNumber(epsilon);
  return e.mul(e).div(Rational.of(8n));
}

/** The largest double ε whose exponential-mechanism cost ε²/8 is at most `rho` (exact). */
export function exponentialEpsilonForRho(rho: Rational): number {
  if (!(rho instanceof Rational) || rho.isNegative()) throw invalid('rho', 'a Rational ≥ 0');
  let epsilon = Math.sqrt(8 * rho.toNumberDown());
  while (epsilon > 0 && exponentialSelectionRho(epsilon).gt(rho)) epsilon = nextDown(epsilon);
  return epsilon;
}

/** The event an ε exponential-mechanism selection records (accountants charge it ε²/8 under zCDP). */
export function exponentialSelectionEvent(epsilon: number): DpEvent {
  exponentialSelectionRho(epsilon);
  return { type: 'exponential', epsilon };
}

/**
 * Selects an index by the exponential mechanism: P(r) ∝ exp(ε·(u_r − u*)/(2Δ)).
 * @param utilities - finite utilities (higher is better); at least one.
 * @param sensitivity - Δ > 0: between neighbouring data sets no utility moves by more.
 * @param epsilon - ε > 0.
 * @param rng - the random source.
 * @returns the selected index.
 * @throws DpError INVALID_PARAMETER on an empty or non-finite utility list (naming no value), Δ or ε not > 0 and finite.
 * @privacy ε-DP and ε-bounded-range, hence ε²/8-zCDP (Cesar & Rogers 2021); charge {@link exponentialSelectionRho}.
 */
export function selectExponential(utilities: readonly number[], sensitivity: number, epsilon: number, rng: RandomSource): number {
  if (!Array.isArray(utilities) || utilities.length === 0) throw invalid('utilities', 'a non-empty array of finite numbers');
  const exact = utilities.map((u) => {
    if (typeof u !== 'number' || !Number.isFinite(u)) throw invalid('utilities', 'a non-empty array of finite numbers');
    return Rational.fromNumber(u);
  });
  if (!(typeof sensitivity === 'number' && Number.isFinite(sensitivity) && sensitivity > 0)) throw invalid('sensitivity', 'finite and > 0');
  if (!(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon > 0)) throw invalid('epsilon', 'finite and > 0');
  if (typeof rng !== 'object' || rng === null) throw invalid('rng', 'a RandomSource');
  let best = exact[0] as Rational;
  for (const u of exact) if (u.gt(best)) best = u;
  // T = 2Δ/ε exactly; the coin for r is Bernoulli(exp(−(u* − u_r)/T)).
  const temperature = Rational.fromNumber(sensitivity).mul(Rational.of(2n)).div(Rational.fromNumber(epsilon));
  for (;;) {
    const r = sampleUniformBelow(exact.length, rng);
    const gap = best.sub(exact[r] as Rational);
    if (gap.isZero() || sampleBernoulliExp(gap.div(temperature), rng)) return r;
  }
}
