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
 * Sampling: rejection from the uniform proposal, run for a FIXED number of rounds (review S16, DESIGN "sampling
 * time must not depend on secret data"). Each round draws r uniformly (`sampleUniformBelow`, public k) and a coin
 * Bernoulli(exp(−(u* − u_r)/T)), T = 2Δ/ε; the first round whose coin succeeds gives the output — which is
 * exactly P(r) ∝ exp(−(u* − u_r)/T) (each round returns r with probability p_r/k, so the first success is r with
 * probability p_r/Σ_s p_s). Every one of N = 40·k rounds is run, whether or not an earlier one succeeded, and every
 * coin draws the same two 32-bit words: V ∈ [U, U+1)/2⁶⁴ is compared with exp(−x) through bounds computed before
 * the rounds (`expNegBounds`, a fixed-point series with a fixed number of terms and multiplications, for every
 * candidate). So the words drawn and the work done are functions of k only, except on two events: (a) no round
 * succeeds — probability ≤ (1 − 1/k)^N ≤ e^−40, since the best candidate's coin is certain — after which rounds go on
 * until one succeeds (still exact); (b) U falls within the bounds' width of p_r — probability ≤ 2⁻⁶² per coin — after
 * which V is refined 64 bits at a time against tighter bounds until it is decided (still exact). The output is the
 * exact exponential mechanism; the timing and the number of words drawn differ between any two utility vectors
 * only on those events, probability ≤ e^−40 + N·2⁻⁶² per selection (the timing channel's δ; its ε is 0).
 * No floating-point number enters the randomness (utilities are exact dyadic rationals, T is an exact rational).
 * @module
 * @see McSherry & Talwar (2007); Durfee & Rogers (2019), "Practical differentially private top-k selection with pay-what-you-get composition".
 * @see Cesar & Rogers (2021), "Bounding, concentrating, and truncating: unifying privacy loss composition for data analytics".
 * @see McKenna, Mullins, Sheldon, Miklau (2022), "AIM", §3 (ε²/8 per selection).
 */
import { DpError, type DpEvent, traceNoise } from '../core/index.js';
import { nextDown, Rational } from '../numeric/index.js';
import { type RandomSource, sampleUniformBelow } from '../random/index.js';

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
  // T = 2Δ/ε exactly; the coin for r is Bernoulli(exp(−(u* − u_r)/T)), decided on a 64-bit uniform against bounds.
  const temperature = Rational.fromNumber(sensitivity).mul(Rational.of(2n)).div(Rational.fromNumber(epsilon));
  const exponents = exact.map((u) => best.sub(u).div(temperature));
  // Each candidate's 64-bit bounds as 32-bit halves (numbers: a round does no BigInt work).
  const halves = exponents.map((x) => {
    const [lo, hi] = expNegBounds(x, COIN_BITS);
    return [Number(lo >> 32n), Number(lo & 0xffffffffn), Number(hi >> 32n), Number(hi & 0xffffffffn)] as const;
  });
  const k = exact.length;
  // Trace rule (review M12; SECURITY §9; issue 14 "each measurement recorded as a DpEvent and by the trace hook"):
  // every primitive that draws randomness for a release traces itself, so a grey-box audit sees the selections as it
  // sees the Gaussians. One record per selection, hence one per `exponential` DpEvent the run records: the private
  // utilities (value: the best one; extra: all of them), the declared sensitivity Δ and the temperature T = 2Δ/ε.
  traceNoise({
    primitive: 'exponential-mechanism',
    value: best.toNumber(),
    sensitivity,
    scale: temperature.toNumber(),
    extra: { epsilon, candidates: k, utilities: [...utilities] },
  });
  const rounds = ROUNDS_PER_CANDIDATE * k;
  /** One round: a uniform candidate and its coin on V ∈ [U, U+1)/2⁶⁴, U = (w1, w2). */
  const round = (): number => {
    const r = sampleUniformBelow(k, rng);
    const w1 = rng.nextUint32();
    const w2 = rng.nextUint32();
    const [loH, loL, hiH, hiL] = halves[r] as readonly [number, number, number, number];
    if (w1 < loH || (w1 === loH && w2 < loL)) return r; // U < lo: V < exp(−x)
    if (w1 > hiH || (w1 === hiH && w2 >= hiL)) return -1; // U ≥ hi: V ≥ exp(−x)
    const u = (BigInt(w1) << 32n) | BigInt(w2);
    return refineCoin(u, exponents[r] as Rational, rng) ? r : -1; // event (b)
  };
  let chosen = -1;
  for (let i = 0; i < rounds; i++) {
    // Every round runs; only the first success counts (work independent of the utilities).
    const r = round();
    if (chosen < 0) chosen = r;
  }
  // (a): probability ≤ (1 − 1/k)^N ≤ e^−40 — go on until a round succeeds (the exact rejection sampler's tail).
  while (chosen < 0) chosen = round();
  return chosen;
}

/** Rounds per candidate: no round succeeds with probability ≤ (1 − 1/k)^(40k) ≤ e^−40. */
const ROUNDS_PER_CANDIDATE = 40;
/** Bits of the uniform each coin draws (two 32-bit words). */
const COIN_BITS = 64;

/**
 * Decides [V < exp(−x)] exactly when V's first 64 bits `u` fall within the 64-bit bounds (event (b) of the module
 * header): V is extended by 64 bits at a time and compared with bounds 64 bits tighter, until decided.
 */
function refineCoin(u: bigint, x: Rational, rng: RandomSource): boolean {
  let bits = COIN_BITS;
  let v = u;
  for (;;) {
    bits += 64;
    v = (v << 64n) | (BigInt(rng.nextUint32()) << 32n) | BigInt(rng.nextUint32());
    const [lo, hi] = expNegBounds(x, bits);
    if (v + 1n <= lo) return true;
    if (v >= hi) return false;
  }
}

/** Cached series lengths: the least M with log2((M+1)!) ≥ W + 2, per working precision W. */
const seriesTerms = new Map<number, number>();
function termsFor(w: number): number {
  let m = seriesTerms.get(w);
  if (m === undefined) {
    let log = 0;
    m = 0;
    while (log < w + 2) {
      m++;
      log += Math.log2(m + 1);
    }
    seriesTerms.set(w, m);
  }
  return m;
}

/** ⌊e^(−a/b)·2^w⌋ ± err for 0 ≤ a/b ≤ 1, by M terms of the Taylor series (every term computed, M fixed by w). */
function expNegSeries(a: bigint, b: bigint, w: number): bigint {
  const m = termsFor(w);
  const one = 1n << BigInt(w);
  let term = one;
  let sum = one;
  for (let j = 1; j <= m; j++) {
    term = (term * a) / (b * BigInt(j));
    sum += j % 2 === 1 ? -term : term;
  }
  return sum;
}

/**
 * Bounds on exp(−x)·2^bits for a rational x ≥ 0: integers lo ≤ exp(−x)·2^bits ≤ hi, hi − lo ≤ 2 (0 ≤ lo, hi ≤ 2^bits).
 * The work is the same for every x of a given precision (a fixed number of series terms and of multiplications).
 * @internal exported for tests.
 */
export function expNegBounds(x: Rational, bits: number): readonly [bigint, bigint] {
  const full = 1n << BigInt(bits);
  const w = bits + 40; // working precision: ≥ 2^40 ulps of slack for the rounding errors below
  const one = 1n << BigInt(w);
  const m = BigInt(termsFor(w));
  const slack = 2n * m + 4n; // rounding and truncation error of one series value, in ulps of 2^−w
  const maxN = bits + 2; // e^−(bits+2) < 2^−bits
  const n = x.floor();
  const fracNum = x.num - n * x.den;
  // e^−f and e^−1 as intervals, then e^−1 raised to n by exactly maxN multiplications (by 1 past n).
  const f = expNegSeries(fracNum, x.den, w);
  const e1 = expNegSeries(1n, 1n, w);
  let lo = f - slack < 0n ? 0n : f - slack;
  let hi = f + slack > one ? one : f + slack;
  const e1lo = e1 - slack;
  const e1hi = e1 + slack;
  const big = n > BigInt(maxN);
  for (let i = 0n; i < BigInt(maxN); i++) {
    const use = i < n;
    lo = (lo * (use ? e1lo : one)) >> BigInt(w);
    hi = (hi * (use ? e1hi : one) + one - 1n) >> BigInt(w);
  }
  if (x.isZero()) return [full, full]; // after the same work (a tied best candidate is no shortcut)
  if (big) return [0n, 1n];
  const shift = BigInt(w - bits);
  const rlo = lo >> shift;
  const rhi = (hi + (1n << shift) - 1n) >> shift;
  return [rlo, rhi > full ? full : rhi];
}
