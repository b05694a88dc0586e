/**
 * Gaussian differential privacy (μ-GDP, Dong, Roth & Su 2022) for engineers: the exact duality
 * between μ-GDP and (ε, δ)-DP, and the central-limit-theorem (CLT) accountant of subsampled Gaussian
 * mechanisms used by TF Privacy (`gdp_accountant.compute_mu_poisson` / `compute_mu_uniform`) and Opacus
 * (`GaussianAccountant`, `accountants/analysis/gdp.py`).
 *
 * **The CLT accountant is an approximation, not a bound.** T steps of a Gaussian mechanism (noise
 * multiplier σ) on a sample of rate q are asymptotically μ-GDP with
 *   Poisson sampling:  μ = q·√T·√(e^{1/σ²} − 1)                      (DRS 2022, Corollary 5.4),
 *   uniform sampling:  μ = √2·q·√T·√(e^{1/σ²}Φ(1.5/σ) + 3Φ(−0.5/σ) − 2) (Bu, Dong, Long, Su 2020, Thm 5),
 * as T → ∞ with q√T fixed. For finite T it can under-state the privacy loss — by a large factor when q
 * is not small or σ is small (Gopi, Lee, Wutschitz 2021, Fig. 1). Use it to compare with papers and
 * with Opacus/TF Privacy; charge budgets with the PLD or RDP accountant (`PldAccountant`), which bound.
 * Every CLT result here carries `approximation: 'central-limit-theorem'` so that it cannot be mistaken
 * for a guarantee.
 *
 * The duality itself is exact: a μ-GDP mechanism is (ε, δ(ε))-DP with
 *   δ(ε) = Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2)   (DRS 2022, Corollary 2.13),
 * the privacy profile of a Gaussian mechanism with Δ/σ = μ, so it is computed by the one Gaussian
 * profile of tsdp (`analyticGaussianDelta` / `analyticGaussianEpsilon`, rounded toward more privacy).
 * @module
 */
import { DpError } from '../core/errors.js';
import { analyticGaussianDelta, analyticGaussianEpsilon } from '../mechanisms/analytic-gaussian.js';
import { describeParameter } from '../numeric/errors.js';
import { normalCdf } from '../numeric/special.js';
import { countUpTo, nonNegativeFiniteNumber, openUnit, positiveFinite, rate } from './_internal/argument-checks.js';

/** A homogeneous run of a subsampled Gaussian mechanism (as DP-SGD): the same σ and q at every step. */
export interface GdpCltOptions {
  /** The noise multiplier σ > 0 (noise standard deviation over the L2 sensitivity). */
  readonly noiseMultiplier: number;
  /** The sampling rate q in (0, 1] (batch size / data set size). */
  readonly sampleRate: number;
  /** The number of steps T (an integer ≥ 0). */
  readonly steps: number;
}

/** How each batch is drawn: every record independently with probability q, or a fixed-size batch uniformly. */
export type GdpSampling = 'poisson' | 'uniform';

/** An (ε, δ) estimate of the CLT accountant — labelled as the approximation it is. */
export interface GdpCltEstimate {
  /** Always 'central-limit-theorem': an asymptotic estimate, not a privacy guarantee. */
  readonly approximation: 'central-limit-theorem';
  /** The sampling scheme the estimate assumes. */
  readonly sampling: GdpSampling;
  /** The approximate μ of the whole run. */
  readonly mu: number;
  /** The ε the approximate μ gives at `delta` (+∞ when μ is +∞). */
  readonly epsilon: number;
  /** The δ asked for. */
  readonly delta: number;
}

/** Largest number of steps accepted (2⁴⁰; far beyond any training run). */
const MAX_STEPS = 2 ** 40;

function readOptions(options: GdpCltOptions): GdpCltOptions {
  return {
    noiseMultiplier: positiveFinite(options?.noiseMultiplier, 'noiseMultiplier'),
    sampleRate: rate(options?.sampleRate, 'sampleRate'),
    steps: countUpTo(options?.steps, MAX_STEPS, 'steps'),
  };
}

function muPoisson({ noiseMultiplier: s, sampleRate: q, steps }: GdpCltOptions): number {
  if (steps === 0) return 0; // not 0·∞ = NaN when e^{1/σ²} overflows
  return q * Math.sqrt(steps) * Math.sqrt(Math.expm1(1 / (s * s)));
}

function muUniform({ noiseMultiplier: s, sampleRate: q, steps }: GdpCltOptions): number {
  if (steps === 0) return 0;
  const inner = Math.exp(1 / (s * s)) * normalCdf(1.5 / s) + 3 * normalCdf(-0.5 / s) - 2;
  return Math.SQRT2 * q * Math.sqrt(steps) * Math.sqrt(Math.max(0, inner));
}

/**
 * The CLT approximation of μ for T Poisson-subsampled Gaussian steps: μ = q·√T·√(e^{1/σ²} − 1).
 * **An approximation, not a bound** (see the module header).
 * @param options - noiseMultiplier σ > 0, sampleRate q ∈ (0, 1], steps T ≥ 0.
 * @returns the approximate μ (+∞ when e^{1/σ²} overflows).
 * @throws DpError INVALID_PARAMETER on a bad option.
 * @privacy none guaranteed: the run is only asymptotically μ-GDP (T → ∞, q√T fixed).
 * @see Dong, Roth, Su (2022), "Gaussian Differential Privacy", JRSS-B, Corollary 5.4; TF Privacy
 *   `gdp_accountant.compute_mu_poisson`; Opacus v1.4.0 `accountants/analysis/gdp.compute_mu_poisson`.
 * @example
 * gdpMuPoissonClt({ noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 14040 }); // ≈ 0.57313 (Opacus: 0.5731322165898937)
 */
export function gdpMuPoissonClt(options: GdpCltOptions): number {
  return muPoisson(readOptions(options));
}

/**
 * The CLT approximation of μ for T uniformly subsampled (fixed batch size) Gaussian steps.
 * **An approximation, not a bound** (see the module header).
 * @param options - noiseMultiplier σ > 0, sampleRate q ∈ (0, 1], steps T ≥ 0.
 * @returns the approximate μ = √2·q·√T·√(e^{1/σ²}Φ(1.5/σ) + 3Φ(−0.5/σ) − 2).
 * @throws DpError INVALID_PARAMETER on a bad option.
 * @privacy none guaranteed: the run is only asymptotically μ-GDP.
 * @see Bu, Dong, Long, Su (2020), "Deep Learning with Gaussian Differential Privacy", Harvard Data Science
 *   Review, Theorem 5; TF Privacy `gdp_accountant.compute_mu_uniform`; Opacus v1.4.0 `compute_mu_uniform`.
 * @example
 * gdpMuUniformClt({ noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 14040 }); // ≈ 0.73681 (Opacus: 0.7368112052140371)
 */
export function gdpMuUniformClt(options: GdpCltOptions): number {
  return muUniform(readOptions(options));
}

/**
 * The CLT estimate of (ε, δ) for a subsampled Gaussian run: μ by {@link gdpMuPoissonClt} or
 * {@link gdpMuUniformClt}, then ε = {@link gdpEpsilon}(μ, δ). **An approximation, not a bound.**
 * @param options - the run (σ, q, T), the target `delta` in (0, 1) and the `sampling` scheme (default 'poisson').
 * @returns the estimate, labelled `approximation: 'central-limit-theorem'`.
 * @throws DpError INVALID_PARAMETER on a bad option.
 * @privacy none guaranteed; for a guarantee price `DpEvents.poissonSampled(q, DpEvents.gaussian(σ))` × T
 *   with the PLD accountant.
 * @see Bu, Dong, Long, Su (2020); Dong, Roth, Su (2022), Corollary 2.13; Opacus v1.4.0
 *   `compute_eps_poisson` / `compute_eps_uniform`.
 * @example
 * gdpEpsilonClt({ noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 14040, delta: 1e-5 }).epsilon; // ≈ 2.3222 (Opacus compute_eps_poisson: 2.3222268073411)
 */
export function gdpEpsilonClt(options: GdpCltOptions & { readonly delta: number; readonly sampling?: GdpSampling }): GdpCltEstimate {
  const run = readOptions(options);
  const delta = openUnit(options.delta, 'delta');
  const sampling = options.sampling ?? 'poisson';
  let mu: number;
  if (sampling === 'poisson') mu = muPoisson(run);
  else if (sampling === 'uniform') mu = muUniform(run);
  else return refuseSampling(sampling);
  const epsilon = Number.isFinite(mu) ? analyticGaussianEpsilon(1, delta, mu) : Number.POSITIVE_INFINITY;
  return { approximation: 'central-limit-theorem', sampling, mu, epsilon, delta };
}

function refuseSampling(sampling: unknown): never {
  throw new DpError('INVALID_PARAMETER', `sampling must be 'poisson' or 'uniform', got ${describeParameter(sampling)}`, {
    parameter: 'sampling',
    expected: "'poisson' | 'uniform'",
  });
}

/**
 * δ(ε) of a μ-GDP mechanism (exact duality; rounded up as the Gaussian profile).
 * @param mu - μ ≥ 0 (0 gives δ = 0).
 * @param epsilon - ε ≥ 0.
 * @returns δ = Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2).
 * @throws DpError INVALID_PARAMETER on a non-finite or negative argument.
 * @privacy μ-GDP ⇒ (ε, δ(ε))-DP for every ε ≥ 0, and this is tight (the Gaussian trade-off curve).
 * @see Dong, Roth, Su (2022), Corollary 2.13; Opacus v1.4.0 `gdp.delta_eps_mu`.
 * @example
 * gdpDelta(1, 1); // ≈ 0.126937 (= analyticGaussianDelta(1, 1, 1))
 */
export function gdpDelta(mu: number, epsilon: number): number {
  nonNegativeFiniteNumber(mu, 'mu');
  nonNegativeFiniteNumber(epsilon, 'epsilon');
  return analyticGaussianDelta(1, epsilon, mu);
}

/**
 * The smallest ε (from above, to 2⁻⁴⁰ relative) with μ-GDP ⇒ (ε, δ)-DP (exact duality).
 * @param mu - μ ≥ 0 (0 gives ε = 0).
 * @param delta - δ in (0, 1).
 * @returns ε ≥ 0 with `gdpDelta(mu, ε) <= delta`.
 * @throws DpError INVALID_PARAMETER on a non-finite or out-of-range argument.
 * @privacy μ-GDP ⇒ (ε, δ)-DP for the ε returned.
 * @see Dong, Roth, Su (2022), Corollary 2.13; Opacus v1.4.0 `gdp.eps_from_mu`.
 * @example
 * gdpEpsilon(0.5, 1e-5); // ≈ 1.99309
 */
export function gdpEpsilon(mu: number, delta: number): number {
  nonNegativeFiniteNumber(mu, 'mu');
  openUnit(delta, 'delta');
  return analyticGaussianEpsilon(1, delta, mu);
}
