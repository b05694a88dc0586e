/**
 * A discretised privacy-loss distribution: probabilities on the grid
 * {(lower + i)·Δ}, plus a mass at +∞. Composition by FFT with pessimistic tail
 * truncation (the truncated right tail goes to +∞, the left tail onto the
 * smallest kept loss); self-composition by raising the spectrum to a power
 * over a window bounded by a Chernoff bound (Koskela et al.; Google's PLD notes).
 *
 * Every PMF carries `roundoff`, a proven bound on the ℓ2 distance between its stored probabilities and a
 * non-negative vector that, with the mass at +∞, dominates the true PLD; δ(ε) and ε(δ) add it over the tail
 * (Cauchy–Schwarz), so FFT round-off can only raise them (rule: `../pld-roundoff.proof.md`).
 * @module
 */
import { logAdd } from '../../numeric/log-space.js';
import { minimizeUnimodal } from '../../numeric/minimize.js';
import { convolveReal, realSelfConvolvePower } from './fft.js';

/** Slack on a round-off bound computed in floating point (its own rounding is far below 1 %). */
const ROUNDOFF_SLACK = 1.01;

/** The default tail mass that composition may truncate (`dp_accounting`'s 1e-15). */
export const DEFAULT_TAIL_MASS_TRUNCATION = 1e-15;

/**
 * The largest left-tail mass (below the FFT window) that self-composition may
 * let wrap around when that halves the FFT size. Wrapped mass lands on higher
 * losses (pessimistic) or in the unused gap; the latter is booked in δ when the
 * window holds only positive losses.
 */
const RELAXED_LOWER_TAIL = 1e-10;

/**
 * The most grid points a PMF may hold. A PMF (or a composition, or a self-composition window) that
 * would need more is put on a coarser grid, Δ·2^k, with every loss rounded UP to the coarser grid
 * (pessimistic: δ(ε) can only grow, see pld-accountant.proof.md). This keeps memory and FFT sizes
 * bounded for any parameters (σ → 0, n → 10⁶, huge ε) instead of failing with a RangeError or a NaN.
 */
export const MAX_GRID_POINTS = 1 << 23;

/**
 * The most grid points of the PMF of ONE mechanism (connect-the-dots or privacy buckets): 2²⁰, far above
 * what ordinary parameters need (σ = 0.3 needs about 8·10⁵), so that σ → 0 costs seconds, not minutes.
 */
export const MAX_MECHANISM_POINTS = 1 << 20;

/** The smallest power-of-two multiple Δ·2^k of `base` on which [lowerLoss, upperLoss] spans at most `maxPoints` points (∞ when none). */
export function gridStepFor(base: number, lowerLoss: number, upperLoss: number, maxPoints = MAX_MECHANISM_POINTS): number {
  const span = upperLoss - lowerLoss;
  if (!Number.isFinite(span)) return Number.POSITIVE_INFINITY;
  let step = base;
  while (span / step + 3 > maxPoints) {
    step *= 2;
    if (!Number.isFinite(step)) return Number.POSITIVE_INFINITY;
  }
  return step;
}

/** ⌈k / m⌉ for an integer k and a power of two m, never below k/m (float division by 2^j is exact). */
function ceilDiv(k: number, m: number): number {
  return Math.ceil(k / m);
}

/** A dense PLD probability mass function. */
export class PldPmf {
  constructor(
    /** Grid step Δ. */
    readonly discretization: number,
    /** Index of the first grid point (loss = lower·Δ). */
    readonly lower: number,
    /** Probabilities on the grid. */
    readonly probs: Float64Array,
    /** Mass at +∞ (counts fully in δ); clamped to [0, 1] (FFT noise can make a tail sum slightly negative). */
    infinityMass: number,
    /**
     * A bound on ‖probs − p‖₂ for a non-negative p that, with the mass at +∞, dominates the true PLD (0 for a
     * PMF built directly from a mechanism; FFT round-off for a composition). Non-finite or negative: +∞.
     */
    roundoff = 0,
  ) {
    this.roundoff = roundoff >= 0 ? roundoff : Number.POSITIVE_INFINITY;
    let inf = Number.isNaN(infinityMass) ? 1 : Math.min(1, Math.max(0, infinityMass));
    // Mass missing from the PMF (underflow, overflow, NaN, or rounding) goes to +∞: δ can only grow. Every
    // deficit is booked (pld-roundoff.proof.md, "Missing mass"): the positive entries are summed with
    // Neumaier's compensation (error ≤ 2u·Σp + O(len·u²)), and a deficit found is booked with that margin.
    let total = 0;
    let comp = 0;
    for (let i = 0; i < probs.length; i++) {
      const p = probs[i] as number;
      if (p > 0) {
        const t = total + p;
        comp += total >= p ? total - t + p : p - t + total;
        total = t;
      } else if (Number.isNaN(p)) probs[i] = 0;
    }
    total += comp;
    // A PMF with round-off (an FFT output) is within `roundoff` of the exact convolution of its inputs, whose
    // mass, with the +∞ mass computed from the inputs', is complete by construction: its computed deficit is
    // round-off, already bounded; only the +∞ mass's own rounding (a few ulps) is added.
    const deficit = 1 - inf - total;
    if (this.roundoff > 0) inf = Math.min(1, inf + 8 * 2 ** -53);
    else if (deficit > 0) inf = Math.min(1, inf + deficit + 4 * 2 ** -53 * total);
    this.infinityMass = inf;
  }

  /** Mass at +∞ (counts fully in δ). */
  readonly infinityMass: number;

  /** Bound on the ℓ2 round-off of `probs` (see the constructor). */
  readonly roundoff: number;

  /** The point mass at loss 0 (the identity for composition). */
  static identity(discretization: number): PldPmf {
    return new PldPmf(discretization, 0, Float64Array.of(1), 0);
  }

  /** True for the point mass at loss 0 with nothing at +∞. */
  isIdentity(): boolean {
    return this.probs.length === 1 && this.lower === 0 && this.probs[0] === 1 && this.infinityMass === 0;
  }

  /** All mass at +∞: δ(ε) = 1 for every ε (the sound answer when the losses cannot be represented). */
  static nonPrivate(discretization: number): PldPmf {
    return new PldPmf(discretization, 0, Float64Array.of(0), 1);
  }

  /**
   * Builds a PMF from a sparse map index → probability (index k stands for the loss k·Δ). When the
   * indices span more than MAX_GRID_POINTS, the grid is coarsened by a power of two (indices rounded up).
   */
  static fromMap(discretization: number, map: Map<number, number>, infinityMass: number): PldPmf {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let inf = infinityMass;
    for (const [k, v] of map) {
      if (k === Number.POSITIVE_INFINITY) inf += v;
      else if (k === Number.NEGATIVE_INFINITY) continue;
      else {
        if (k < lo) lo = k;
        if (k > hi) hi = k;
      }
    }
    if (lo === Number.POSITIVE_INFINITY) return new PldPmf(discretization, 0, Float64Array.of(0), Math.min(1, inf));
    const step = gridStepFor(discretization, lo * discretization, hi * discretization);
    if (!Number.isFinite(step)) return PldPmf.nonPrivate(discretization);
    const m = step / discretization;
    const nlo = ceilDiv(lo, m);
    const probs = new Float64Array(ceilDiv(hi, m) - nlo + 1);
    for (const [k, v] of map) {
      if (!Number.isFinite(k)) continue;
      const j = ceilDiv(k, m) - nlo;
      probs[j] = (probs[j] as number) + v;
    }
    return new PldPmf(step, nlo, probs, Math.min(1, inf));
  }

  /** The same distribution on the grid of step Δ·factor (factor a power of two), losses rounded up. */
  coarsen(factor: number): PldPmf {
    if (factor === 1) return this;
    const lo = ceilDiv(this.lower, factor);
    const hi = ceilDiv(this.lower + this.probs.length - 1, factor);
    const probs = new Float64Array(hi - lo + 1);
    for (let i = 0; i < this.probs.length; i++) {
      const j = ceilDiv(this.lower + i, factor) - lo;
      probs[j] = (probs[j] as number) + (this.probs[i] as number);
    }
    // Each coarse entry sums ≤ factor fine ones: its error ≤ √factor·(their ℓ2) (Cauchy–Schwarz).
    return new PldPmf(this.discretization * factor, lo, probs, this.infinityMass, this.roundoff * Math.sqrt(factor) * ROUNDOFF_SLACK);
  }

  /** Coarsens (by powers of two) until at most MAX_GRID_POINTS points remain. */
  fitGrid(): PldPmf {
    let p: PldPmf = this;
    while (p.probs.length > MAX_GRID_POINTS) p = p.coarsen(2);
    return p;
  }

  /** Composition: the distribution of the sum of the two losses, truncated pessimistically. */
  compose(other: PldPmf, tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION): PldPmf {
    if (this.isIdentity())
      return truncateTails(
        other.discretization,
        other.lower,
        other.probs,
        other.infinityMass,
        tailMassTruncation,
        other.roundoff,
      ).fitGrid();
    // Two grids Δ·2^a and Δ·2^b: the finer is coarsened to the coarser (losses rounded up).
    const step = Math.max(this.discretization, other.discretization);
    const x = this.coarsen(step / this.discretization);
    const y = other.coarsen(step / other.discretization);
    const inf = x.infinityMass + y.infinityMass - x.infinityMass * y.infinityMass;
    if (inf >= 1) return PldPmf.nonPrivate(step);
    const { values: probs, errorL2 } = convolveReal(x.probs, y.probs);
    // Inputs off by e_x, e_y (ℓ2): x̃∗ỹ − x∗y = e_x∗ỹ + x∗e_y, so ‖·‖₂ ≤ ‖e_x‖₂‖ỹ‖₁ + ‖x‖₁‖e_y‖₂ (Young), with
    // ‖x‖₁ ≤ ‖x̃‖₁ + √len·‖e_x‖₂.
    const inherited =
      x.roundoff === 0 && y.roundoff === 0
        ? 0
        : x.roundoff * l1(y.probs) + (l1(x.probs) + Math.sqrt(x.probs.length) * x.roundoff) * y.roundoff;
    return truncateTails(step, x.lower + y.lower, probs, inf, tailMassTruncation, (errorL2 + inherited) * ROUNDOFF_SLACK).fitGrid();
  }

  /** The `n`-fold composition with itself: one FFT, the spectrum to the n-th power, one inverse FFT. */
  selfCompose(n: number, tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION): PldPmf {
    return selfComposePair(this, null, n, tailMassTruncation)[0];
  }

  /**
   * δ(ε) = P[L = ∞] + Σ_{ℓ > ε} (1 − e^{ε−ℓ}) P[L = ℓ] (the hockey-stick divergence), plus the round-off bound
   * `roundoff`·‖w‖₂ over the weights w = 1 − e^{ε−ℓ} of the tail (Cauchy–Schwarz; negative entries read as 0,
   * which only raises the sum).
   */
  deltaForEpsilon(epsilon: number): number {
    let delta = this.infinityMass;
    let w2 = 0;
    const d = this.discretization;
    for (let i = this.probs.length - 1; i >= 0; i--) {
      const loss = (this.lower + i) * d;
      if (loss <= epsilon) break;
      const w = -Math.expm1(epsilon - loss);
      w2 += w * w;
      const p = this.probs[i] as number;
      if (p > 0) delta += w * p;
    }
    if (this.roundoff > 0) delta += this.roundoff * Math.sqrt(w2) * ROUNDOFF_SLACK;
    return Math.min(1, Math.max(0, delta));
  }

  /**
   * The smallest ε ≥ 0 with δ(ε) ≤ delta (∞ when the mass at ∞ exceeds delta). With U(ε) the mass
   * above ε (∞ included) and L(ε) = Σ_{ℓ>ε} p·e^{−ℓ}, δ(ε) = U − e^ε·L, so ε = log(U − δ) − log L on
   * the segment where it lands; L is kept as a logarithm (losses beyond ±745 underflow e^{−ℓ}).
   */
  epsilonForDelta(delta: number): number {
    if (this.infinityMass > delta) return Number.POSITIVE_INFINITY;
    // The round-off term: roundoff·√k for the k grid points above ε (≥ roundoff·‖w‖₂, as w ≤ 1), a
    // non-increasing step function of ε, so δ(ε) stays non-increasing and the segment formula holds.
    const r = this.roundoff * ROUNDOFF_SLACK;
    let upper = this.infinityMass;
    let logLower = Number.NEGATIVE_INFINITY;
    let k = 0;
    let cap = Number.POSITIVE_INFINITY;
    const d = this.discretization;
    for (let i = this.probs.length - 1; i >= 0; i--) {
      const loss = (this.lower + i) * d;
      const u = upper + r * Math.sqrt(k);
      // On [loss, next loss) δ(ε) is u − e^ε·L: with L = 0 and u > δ the answer is the next grid loss (there
      // the previous, smaller, count applied and was ≤ δ).
      if (u > delta && logLower === Number.NEGATIVE_INFINITY) return Math.max(0, loss + d);
      if (u > delta && Math.log(u - delta) - logLower >= loss) {
        // The round-off term steps down at the next grid loss, where δ(ε) ≤ δ already held.
        cap = loss + d;
        break;
      }
      k++;
      const p = this.probs[i] as number;
      if (!(p > 0)) continue;
      upper += p;
      logLower = logAdd(logLower, Math.log(p) - loss);
    }
    const u = upper + r * Math.sqrt(k);
    if (!(u > delta)) return 0;
    if (logLower === Number.NEGATIVE_INFINITY) return Math.max(0, this.lower * d);
    return Math.max(0, Math.min(cap, Math.log(u - delta) - logLower));
  }
}

/**
 * Self-composes the REMOVE and ADD PMFs n times: per direction, a real FFT
 * over a window chosen by a Chernoff bound (at most `tail` mass outside it,
 * which is added to +∞), the spectrum to the n-th power, the inverse FFT.
 */
export function selfComposePair(a: PldPmf, b: PldPmf | null, n: number, tail = DEFAULT_TAIL_MASS_TRUNCATION): [PldPmf, PldPmf | null] {
  if (n === 1) return [a, b];
  return [selfComposeOne(a, n, tail), b ? selfComposeOne(b, n, tail) : null];
}

function selfComposeOne(input: PldPmf, n: number, tail: number): PldPmf {
  if (input.infinityMass >= 1) return PldPmf.nonPrivate(input.discretization);
  // A window too wide for MAX_GRID_POINTS is computed on a coarser grid (losses rounded up first).
  let x = input.fitGrid();
  for (;;) {
    const r = selfComposeWindowed(x, n, tail);
    if (r !== null) return r;
    x = x.coarsen(2);
  }
}

/** The self-composition on x's own grid, or null when its window exceeds MAX_GRID_POINTS. */
function selfComposeWindowed(input: PldPmf, n: number, tail: number): PldPmf | null {
  // Move the far left tail (mass ≤ tail/(10n)) onto the first kept loss. Raising losses only
  // raises δ(ε) (pessimistic, as dp_accounting's truncation); it keeps rare large negative losses
  // from loosening the Chernoff window.
  const a = cutLeftTail(input, tail / (10 * n));
  const relax = tail < RELAXED_LOWER_TAIL;
  let [lo0, hi, lowers] = selfConvolveBounds(
    a.probs,
    n,
    tail,
    relax ? [tail, RELAXED_LOWER_TAIL] : [tail],
    Math.sqrt(a.probs.length) * a.roundoff,
  );
  // A Chernoff window that came out empty or non-finite (degenerate PMFs) falls back to the full support.
  if (!(Number.isSafeInteger(lo0) && Number.isSafeInteger(hi) && lo0 <= hi && lowers.every((l) => Number.isSafeInteger(l) && l <= hi))) {
    lo0 = 0;
    hi = (a.probs.length - 1) * n;
    lowers = lowers.map(() => 0);
  }
  let lo = lo0;
  const sizeFor = (len: number) => {
    let size = 4;
    while (size < Math.max(len, a.probs.length)) size <<= 1;
    return size;
  };
  let size = sizeFor(hi - lo + 1);
  let bookedLower = 0;
  if (relax) {
    const lo2 = lowers[1] ?? lo0;
    if (sizeFor(hi - lo2 + 1) < size) {
      lo = lo2;
      size = sizeFor(hi - lo + 1);
      // Mass below the window is ≤ RELAXED_LOWER_TAIL/2; it can only be dropped at losses ≥ the window's lowest.
      if ((a.lower * n + lo) * a.discretization > 0) bookedLower = RELAXED_LOWER_TAIL / 2;
    }
  }
  const outLen = hi - lo + 1;
  if (size > 2 * MAX_GRID_POINTS || outLen > MAX_GRID_POINTS || !Number.isSafeInteger(Math.abs(a.lower * n) + size)) {
    if (a.probs.length <= 1) return PldPmf.nonPrivate(a.discretization);
    return null;
  }
  // Bins whose modulus to the n-th power underflows are zero.
  const { values: res, errorL2 } = realSelfConvolvePower(a.probs, size, n, Math.exp(-1500 / n), lo, outLen);
  const inf = Math.min(1, tail + bookedLower - Math.expm1(n * Math.log1p(-a.infinityMass)));
  return new PldPmf(a.discretization, a.lower * n + lo, res, inf, (errorL2 + inheritedRoundoff(a, n, size)) * ROUNDOFF_SLACK);
}

/**
 * The input's own round-off carried through the n-fold self-convolution and its fold onto `size` points:
 * p̃^{∗n} − p^{∗n} = Σ_j p̃^{∗j} ∗ (p̃ − p) ∗ p^{∗(n−1−j)}, so ‖·‖₂ ≤ n·S^{n−1}·e with S ≥ ‖p̃‖₁, ‖p‖₁ (Young);
 * folding m blocks of `size` onto one multiplies ℓ2 by at most √m.
 */
function inheritedRoundoff(a: PldPmf, n: number, size: number): number {
  if (a.roundoff === 0) return 0;
  const len = a.probs.length;
  const s = l1(a.probs) + Math.sqrt(len) * a.roundoff;
  const folds = Math.ceil(((len - 1) * n + 1) / size);
  return n * Math.exp((n - 1) * Math.log(s)) * a.roundoff * Math.sqrt(folds);
}

/** Σ|p| (with a margin for the sum's own rounding). */
function l1(p: Float64Array): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] as number);
  return s * (1 + 2 ** -28);
}

/** Moves the longest prefix of mass ≤ `mass` onto the next point (pessimistic). */
function cutLeftTail(p: PldPmf, mass: number): PldPmf {
  let s = 0;
  let c = 0;
  const len = p.probs.length;
  const r = p.roundoff * ROUNDOFF_SLACK;
  while (c < len - 1 && s + (p.probs[c] as number) + r * Math.sqrt(c + 1) <= mass) {
    s += p.probs[c] as number;
    c++;
  }
  if (c === 0) return p;
  const probs = p.probs.slice(c);
  // The true mass of the c merged entries is ≤ s + √c·roundoff, all added to the first kept loss (as truncateTails).
  probs[0] = (probs[0] as number) + s + r * Math.sqrt(c);
  return new PldPmf(p.discretization, p.lower + c, probs, p.infinityMass, p.roundoff);
}

/**
 * Keeps the largest middle window whose left and right tails each hold at most
 * tail/2; the left tail is added to the first kept point, the right tail to +∞.
 */
export function truncateTails(discretization: number, lower: number, probs: Float64Array, inf: number, tail: number, roundoff = 0): PldPmf {
  if (tail === 0) return new PldPmf(discretization, lower, probs, inf, roundoff);
  const half = tail / 2;
  // A tail of k entries is cut only while its computed mass plus its possible round-off √k·roundoff stays ≤ half.
  const r = roundoff * ROUNDOFF_SLACK;
  let left = probs.length;
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    s += probs[i] as number;
    if (s + r * Math.sqrt(i + 1) > half) {
      left = i;
      break;
    }
  }
  let rightCount = probs.length;
  s = 0;
  for (let i = probs.length - 1; i >= 0; i--) {
    s += probs[i] as number;
    if (s + r * Math.sqrt(probs.length - i) > half) {
      rightCount = probs.length - 1 - i;
      break;
    }
  }
  let right = Math.max(probs.length - rightCount, left + 1);
  if (right > probs.length) right = probs.length;
  let leftMass = 0;
  for (let i = 0; i < left; i++) leftMass += probs[i] as number;
  let rightMass = 0;
  for (let i = right; i < probs.length; i++) rightMass += Math.max(0, probs[i] as number);
  const first = Math.min(left, right - 1);
  const kept = probs.slice(first, right);
  // Round-off (pld-roundoff.proof.md, "Propagation"): the true mass of the `first` merged entries is at most
  // their computed sum + √first·roundoff; that much is added at the first kept loss (extra mass there is
  // pessimistic), so the kept entry's error stays its own and `roundoff` does not grow. The right tail's true
  // mass, at most its positive computed mass + √count·roundoff, goes to +∞.
  kept[0] = (kept[0] as number) + leftMass + r * Math.sqrt(first);
  const rightBound = r * Math.sqrt(probs.length - right);
  return new PldPmf(discretization, lower + first, kept, inf + rightMass + rightBound, roundoff);
}

/** log Σ_i p_i e^{λ·i}, computed without overflow. */
function logMgf(probs: Float64Array, lambda: number, slack: number): number {
  const len = probs.length;
  const c = lambda > 0 ? len - 1 : 0;
  // e^{λ(i − c)} ≤ 1 for every i: accumulate the powers multiplicatively.
  const r = Math.exp(lambda);
  let w = Math.exp(-lambda * c);
  let s = 0;
  // Tiny negative entries (FFT noise) are harmless here: the sum is dominated by real mass.
  for (let i = 0; i < len; i++) {
    s += (probs[i] as number) * w;
    w *= r;
  }
  // The true PMF differs by a vector of ℓ2 ≤ roundoff: with weights ≤ 1 its MGF term is ≤ √len·roundoff.
  s += slack;
  return s > 0 ? lambda * c + Math.log(s) : Number.NaN;
}

/**
 * min over λ of (n·log MGF(λ) + log(2/tail))/λ on one side (sign ±1), by
 * golden-section search on log|λ| around the Gaussian-approximation optimum
 * λ₀ = √(2·log(2/tail)/(n·Var)) (the objective is unimodal; any λ is valid).
 */
function chernoff(probs: Float64Array, n: number, logTwoOverTail: number, sign: 1 | -1, variance: number, slack: number): number {
  const len = probs.length;
  const g = (u: number) => {
    const lambda = sign * Math.exp(u);
    return (n * logMgf(probs, lambda, slack) + logTwoOverTail) / lambda;
  };
  const cap = Math.log(700 / len);
  const guess = variance > 0 ? Math.log(Math.sqrt((2 * logTwoOverTail) / (n * variance))) : cap - 5;
  const lo = Math.min(guess - 3.5, cap - 1);
  const hi = Math.min(guess + 3.5, cap);
  // Minimise sign·g: the upper bound is a minimum over λ > 0, the lower bound a maximum over λ < 0.
  // Tolerance 0: exactly 14 golden-section steps.
  return sign * minimizeUnimodal((u) => sign * g(u), lo, hi, 0, 14);
}

/**
 * [lower, upper] offsets outside which the n-fold convolution has at most
 * `tail` mass: P[S ≥ t] ≤ e^{−λt}·MGF(λ)^n at the best λ on each side (Chernoff).
 */
function selfConvolveBounds(
  probs: Float64Array,
  n: number,
  tail: number,
  lowerTails: readonly number[] = [tail],
  slack = 0,
): [number, number, number[]] {
  const len = probs.length;
  let upper = (len - 1) * n;
  if (tail === 0 || len === 1) return [0, upper, lowerTails.map(() => 0)];
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < len; i++) {
    const p = probs[i] as number;
    if (p > 0) {
      m0 += p;
      m1 += p * i;
      m2 += p * i * i;
    }
  }
  const mean = m1 / m0;
  const variance = Math.max(0, m2 / m0 - mean * mean);
  const up = chernoff(probs, n, Math.log(2 / tail), 1, variance, slack);
  if (Number.isFinite(up)) upper = Math.min(upper, Math.ceil(up));
  const lowers = lowerTails.map((t) => {
    const down = chernoff(probs, n, Math.log(2 / t), -1, variance, slack);
    return Number.isFinite(down) ? Math.max(0, Math.floor(down)) : 0;
  });
  return [lowers[0] ?? 0, upper, lowers];
}
