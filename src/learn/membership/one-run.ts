/**
 * Privacy auditing with one training run (Steinke, Nasr, Jagielski 2023).
 * m canaries are each included in the training data independently with
 * probability ½ (Sᵢ ∈ {in, out}); after ONE run, every canary gets a score
 * (higher = "in"); the auditor guesses "in" for the k₊ highest, "out" for
 * the k₋ lowest and abstains on the rest. If training is (ε, δ)-DP, the
 * number V of correct guesses among the r = k₊ + k₋ made satisfies
 * (their Theorem 3.1 with the δ term of their Proposition 5.2 / Algorithm 2)
 *   P[V ≥ v] ≤ β + 2mδ·α,
 *   β = P[Binomial(r, q) ≥ v],  q = e^ε/(1 + e^ε),
 *   α = max_{1≤i≤v} P[v − i ≤ Binomial(r, q) < v] / i.
 * The ε lower bound at confidence 1 − p is the largest ε whose p-value is
 * below p (found by bisection: the p-value grows with ε). The guess counts
 * are fixed in advance (a small list, Bonferroni-corrected), never tuned on
 * the scores.
 * @module
 */
import { DpError } from '../../core/index.js';
import { MAX_BINOMIAL_K } from '../../numeric/special.js';
import { defaultRandomSource, type RandomSource } from '../../random/index.js';
import { checkRandomSource } from '../_internal/validate.js';
import { uniformUnit } from '../init.js';

/**
 * ln C(r, k) for k = 0..r in one pass: the running sum Σ_{j<k} ln((r − j)/(j + 1)), added in the same order as
 * `logAbsBinomial(r, k)` adds it, so each entry is bit-identical to that call (O(r) in all instead of O(r²)).
 */
function logBinomialRow(r: number): Float64Array {
  const row = new Float64Array(r + 1);
  let s = 0;
  for (let j = 0; j < r; j++) {
    s += Math.log(Math.abs((r - j) / (j + 1)));
    row[j + 1] = s;
  }
  return row;
}

/** P[Binomial(r, q) = k], with ln C(r, k) read from `logC` (= logBinomialRow(r)). */
function binomialPmf(logC: Float64Array, r: number, k: number, q: number): number {
  if (k < 0 || k > r) return 0;
  if (q <= 0) return k === 0 ? 1 : 0;
  if (q >= 1) return k === r ? 1 : 0;
  return Math.exp((logC[k] as number) + k * Math.log(q) + (r - k) * Math.log1p(-q));
}

/**
 * The p-value of v correct guesses out of r among m canaries under (ε, δ)-DP.
 * @param m - canaries.
 * @param r - guesses made.
 * @param v - correct guesses.
 * @param epsilon - ε ≥ 0 of the null hypothesis.
 * @param delta - δ ∈ [0, 1].
 * @returns an upper bound on P[V ≥ v] for any (ε, δ)-DP algorithm (capped at 1).
 * @throws DpError INVALID_PARAMETER unless 0 ≤ v ≤ r ≤ m are integers, r ≤ MAX_BINOMIAL_K, ε ≥ 0, δ ∈ [0, 1].
 * @privacy not a release.
 * Cost: O(r) (one row of ln C(r, k)), bit-identical to summing each ln C(r, k) on its own (test/audit/one-run-pvalue.test.ts).
 * @see Steinke, Nasr, Jagielski, "Privacy Auditing with One (1) Training Run", NeurIPS 2023, Thm. 3.1 and Alg. 2.
 * @example
 * oneRunPValue(1000, 100, 100, 1, 0); // ≈ (e/(1+e))^100 ≈ 2e-14
 */
export function oneRunPValue(m: number, r: number, v: number, epsilon: number, delta: number): number {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(r) && Number.isSafeInteger(v) && 0 <= v && v <= r && r <= m)) {
    throw new DpError('INVALID_PARAMETER', 'need integers 0 ≤ v ≤ r ≤ m', { parameter: 'v' });
  }
  if (!(epsilon >= 0 && Number.isFinite(epsilon)))
    throw new DpError('INVALID_PARAMETER', 'epsilon must be finite and ≥ 0', { parameter: 'epsilon' });
  if (!(delta >= 0 && delta <= 1)) throw new DpError('INVALID_PARAMETER', 'delta must be in [0, 1]', { parameter: 'delta' });
  if (r > MAX_BINOMIAL_K) throw new DpError('INVALID_PARAMETER', `r must be at most ${MAX_BINOMIAL_K}`, { parameter: 'r' });
  const q = 1 / (1 + Math.exp(-epsilon));
  const logC = logBinomialRow(r);
  let beta = 0;
  for (let k = v; k <= r; k++) beta += binomialPmf(logC, r, k, q);
  let alpha = 0;
  let below = 0;
  for (let i = 1; i <= v; i++) {
    below += binomialPmf(logC, r, v - i, q);
    alpha = Math.max(alpha, below / i);
  }
  // Rounding: the pmf sums carry relative error ~r·1e-15; widen so that the bound stays an upper bound.
  return Math.min(1, (beta + alpha * delta * 2 * m) * (1 + 1e-9) + 1e-300);
}

/**
 * The ε lower bound of a one-run audit: the largest ε whose p-value is ≤ 1 − confidence.
 * @param m - canaries.
 * @param r - guesses.
 * @param v - correct guesses.
 * @param options - `delta` (default 0) and `confidence` (default 0.95).
 * @returns ε ≥ 0 (0 when even ε = 0 is not refuted).
 * @throws DpError INVALID_PARAMETER as oneRunPValue, or a confidence outside (0, 1).
 * @privacy not a release.
 * @example
 * oneRunEpsilonLowerBound(1000, 100, 100); // ≈ 3.5
 */
export function oneRunEpsilonLowerBound(m: number, r: number, v: number, options: { delta?: number; confidence?: number } = {}): number {
  const delta = options.delta ?? 0;
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1))
    throw new DpError('INVALID_PARAMETER', 'confidence must be in (0, 1)', { parameter: 'confidence' });
  const p = 1 - confidence;
  if (oneRunPValue(m, r, v, 0, delta) > p) return 0;
  let lo = 0;
  let hi = 1;
  while (oneRunPValue(m, r, v, hi, delta) <= p && hi < 1e3) hi *= 2;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (oneRunPValue(m, r, v, mid, delta) <= p) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** What a one-run audit reports. */
export interface OneRunAuditResult {
  /** The ε refuted at `confidence` (the best over the fixed guess counts, Bonferroni-corrected). */
  readonly epsilonLowerBound: number;
  readonly confidence: number;
  readonly delta: number;
  /** Canaries, and how many were included. */
  readonly canaries: number;
  readonly included: number;
  /** The guess count that gave the bound, and how many of those guesses were right. */
  readonly guesses: number;
  readonly correct: number;
  /** The claimed ε, when given, and whether the bound stays at or below it. */
  readonly claimedEpsilon?: number;
  readonly consistent?: boolean;
}

/** Options of {@link oneRunAudit}. */
export interface OneRunAuditOptions {
  /** m, the number of canaries (≥ 2). */
  readonly canaries: number;
  /**
   * Trains ONCE with canary i included iff included[i], and returns one score per canary
   * (higher = more likely included, e.g. −loss).
   */
  readonly train: (included: Uint8Array) => Promise<ArrayLike<number>> | ArrayLike<number>;
  /** δ of the claim (default 0). */
  readonly delta?: number;
  /** Default 0.95. */
  readonly confidence?: number;
  /** The claimed ε, to compare against. */
  readonly claimedEpsilon?: number;
  /** Guess counts r to try, as fractions of m (default [0.02, 0.05, 0.1, 0.2]); half "in", half "out". */
  readonly guessFractions?: readonly number[];
  /** Randomness of the inclusion draws (default: the CSPRNG). */
  readonly rng?: RandomSource;
}

/**
 * Runs a one-run audit: draws the inclusions, trains once through `train`, guesses, and bounds ε.
 * @param options - the canaries, the training callback and the claim.
 * @returns the ε lower bound and the counts.
 * @throws DpError INVALID_PARAMETER on bad options or a score list of the wrong length.
 * @privacy an audit of a training algorithm; it releases nothing about real data.
 * @see Steinke, Nasr, Jagielski (2023), §3 and Alg. 1.
 * @example
 * const r = await oneRunAudit({ canaries: 1000, train: (inc) => scoresOf(trainWith(inc)), claimedEpsilon: 1 });
 */
export async function oneRunAudit(options: OneRunAuditOptions): Promise<OneRunAuditResult> {
  if (typeof options !== 'object' || options === null)
    throw new DpError('INVALID_PARAMETER', 'options must be an object', { parameter: 'options' });
  const m = options.canaries;
  if (!(Number.isSafeInteger(m) && m >= 2))
    throw new DpError('INVALID_PARAMETER', 'canaries must be an integer ≥ 2', { parameter: 'canaries' });
  if (typeof options.train !== 'function') throw new DpError('INVALID_PARAMETER', 'train must be a function', { parameter: 'train' });
  const rng = options.rng ?? defaultRandomSource();
  checkRandomSource(rng, 'rng');
  const fractions = options.guessFractions ?? [0.02, 0.05, 0.1, 0.2];
  if (!Array.isArray(fractions) || fractions.length === 0 || !fractions.every((f) => f > 0 && f <= 1)) {
    throw new DpError('INVALID_PARAMETER', 'guessFractions must be fractions in (0, 1]', { parameter: 'guessFractions' });
  }
  const delta = options.delta ?? 0;
  const confidence = options.confidence ?? 0.95;
  const included = new Uint8Array(m);
  for (let i = 0; i < m; i++) included[i] = uniformUnit(rng) < 0.5 ? 1 : 0;
  const raw = await options.train(included);
  if (raw === null || typeof raw !== 'object' || raw.length !== m) {
    throw new DpError('INVALID_PARAMETER', `train must return ${m} scores`, { parameter: 'train' });
  }
  const scores = Float64Array.from(raw, (v) => (Number.isNaN(v) ? 0 : v));
  // Ties are broken by a random order drawn now (never by index, which the inclusion draw could correlate with).
  const tieBreak = Float64Array.from({ length: m }, () => uniformUnit(rng));
  const order = Array.from({ length: m }, (_, i) => i).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number) || (tieBreak[b] as number) - (tieBreak[a] as number),
  );
  // Bonferroni over the fixed guess counts.
  const perTest = 1 - (1 - confidence) / fractions.length;
  let best = { epsilon: 0, guesses: 0, correct: 0 };
  for (const f of fractions) {
    const half = Math.max(1, Math.floor((f * m) / 2));
    let correct = 0;
    for (let j = 0; j < half; j++) correct += included[order[j] as number] === 1 ? 1 : 0;
    for (let j = m - half; j < m; j++) correct += included[order[j] as number] === 0 ? 1 : 0;
    const r = 2 * half;
    const epsilon = oneRunEpsilonLowerBound(m, r, correct, { delta, confidence: perTest });
    if (epsilon > best.epsilon || best.guesses === 0) best = { epsilon, guesses: r, correct };
  }
  const inCount = included.reduce((s, v) => s + v, 0);
  const result: OneRunAuditResult = {
    epsilonLowerBound: best.epsilon,
    confidence,
    delta,
    canaries: m,
    included: inCount,
    guesses: best.guesses,
    correct: best.correct,
  };
  return options.claimedEpsilon === undefined
    ? result
    : { ...result, claimedEpsilon: options.claimedEpsilon, consistent: best.epsilon <= options.claimedEpsilon };
}
