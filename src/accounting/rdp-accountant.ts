/**
 * Rényi-DP accountant (Mironov 2017; Mironov, Talwar, Zhang 2019), with the
 * same default orders and the same improved RDP → (ε, δ) conversion as Google's
 * `dp_accounting`.
 *
 * Size (about 540 lines, over the house's ~500): the accountant and the RDP curves of each event kind it prices
 * (Gaussian, Laplace, randomized response, the Poisson- and without-replacement-sampled Gaussian with its series) are kept together so that one file states every curve the
 * accountant can charge; the conversion to (ε, δ) follows dp_accounting line by line.
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import { addUp, divUp, mulDown, mulUp } from '../numeric/directed-rounding.js';
import { edgeArray, edgeNumber, edgeOptionalRecord } from '../numeric/edge.js';
import { describeParameter } from '../numeric/errors.js';
import { logAdd, logSub, logSumExp } from '../numeric/log-space.js';
import { logAbsBinomial, logErfc } from '../numeric/special.js';
import { type Adjacency, BaseAccountant, checkDeltaArg, checkEpsilonArg } from './privacy-accountant.js';

/** `dp_accounting`'s default orders: 1.1, 1.2, …, 10.9, 11, 12, …, 63, 128, 256, 512, 1024. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 53 }, (_, x) => 11 + x),
  128,
  256,
  512,
  1024,
]);

/**
 * The largest Rényi order an accountant or RDP function takes. The exact series cost O(α) per order (O(α²) for
 * sampling without replacement), so an unbounded order hung the caller (α = 10¹⁵); 4096 is four times
 * `dp_accounting`'s largest default order, and a larger order never gives a tighter (ε, δ) at any δ ≥ 1e-300.
 */
export const MAX_RDP_ORDER = 4096;
/** The most orders an accountant takes (its cost is linear in their number). */
export const MAX_RDP_ORDER_COUNT = 10_000;

/** Validates one Rényi order at the edge: a number in [1, MAX_RDP_ORDER] (1 only where `allowOne`). */
function checkOrder(alpha: unknown, name = 'alpha', allowOne = false): number {
  if (typeof alpha !== 'number' || !((allowOne ? alpha >= 1 : alpha > 1) && alpha <= MAX_RDP_ORDER)) {
    throw new DpError(
      'INVALID_PARAMETER',
      `${name} must be a number in ${allowOne ? '[1' : '(1'}, ${MAX_RDP_ORDER}], got ${describeParameter(alpha)}`,
      {
        parameter: name,
        expected: `${allowOne ? '[1' : '(1'}, ${MAX_RDP_ORDER}]`,
      },
    );
  }
  return alpha;
}

/** Validates a list of orders at the edge (an array of at most MAX_RDP_ORDER_COUNT orders, each checked). */
function checkOrders(orders: unknown): readonly number[] {
  edgeArray(orders, 'orders');
  if (orders.length > MAX_RDP_ORDER_COUNT) {
    throw new DpError('INVALID_PARAMETER', `at most ${MAX_RDP_ORDER_COUNT} RDP orders are taken, got ${orders.length}`, {
      parameter: 'orders',
    });
  }
  for (const a of Array.from(orders)) checkOrder(a, 'orders');
  return orders as readonly number[];
}

/** log A_α for integer α (Mironov–Talwar–Zhang 2019, eq. for integer orders): exact binomial expansion in log space. */
function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = Number.NEGATIVE_INFINITY;
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  let logCoef = 0; // log binom(alpha, i)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logCoef += Math.log((alpha - i + 1) / i);
    const s = logCoef + i * logq + (alpha - i) * log1mq + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/**
 * log A_α for fractional α: the two-sided binomial series of Mironov–Talwar–Zhang
 * (2019, §3.3), summed WITH the signs of the generalised binomial coefficients
 * (the exact value), and also with their absolute values (the upper bound that
 * `dp_accounting` computes); the smaller is returned, so the result is never
 * above dp_accounting's. Returns null when the series does not converge.
 */
function logAFrac(q: number, sigma: number, alpha: number): number | null {
  let pos0 = Number.NEGATIVE_INFINITY;
  let neg0 = Number.NEGATIVE_INFINITY;
  let pos1 = Number.NEGATIVE_INFINITY;
  let neg1 = Number.NEGATIVE_INFINITY;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const floorAlpha = Math.floor(alpha);
  let lastS0 = Number.NEGATIVE_INFINITY;
  let lastS1 = Number.NEGATIVE_INFINITY;
  let logCoef = 0;
  for (let i = 0; i < 20000; i++) {
    if (i > 0) logCoef += Math.log(Math.abs((alpha - i + 1) / i));
    // binom(alpha, i) has (i − 1 − floor(alpha))⁺ negative factors.
    const negatives = Math.max(0, i - 1 - floorAlpha);
    const negative = negatives % 2 === 1;
    const j = alpha - i;
    const logT0 = logCoef + i * logq + j * log1mq;
    const logT1 = logCoef + j * logq + i * log1mq;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (negative) {
      neg0 = logAdd(neg0, logS0);
      neg1 = logAdd(neg1, logS1);
    } else {
      pos0 = logAdd(pos0, logS0);
      pos1 = logAdd(pos1, logS1);
    }
    const bound = logAdd(logAdd(pos0, neg0), logAdd(pos1, neg1));
    // Past floor(α)+1 the signed terms alternate and shrink: the error of the partial sum is below the next term (< e^-30 relative).
    if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < bound - 30) {
      // Add the last terms' magnitude: the alternating tail is smaller, so this is an upper bound.
      const exact = logAdd(logSub(logAdd(pos0, pos1), logAdd(neg0, neg1)), logAdd(logS0, logS1));
      return Math.min(exact, bound);
    }
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return null;
}

/** RDP of the Poisson-subsampled Gaussian at one order. */
function subsampledGaussianRdpAt(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (!Number.isFinite(alpha) || sigma === 0) return Number.POSITIVE_INFINITY;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (Number.isInteger(alpha)) return logAInt(q, sigma, alpha) / (alpha - 1);
  const frac = logAFrac(q, sigma, alpha);
  if (frac !== null) return frac / (alpha - 1);
  // Fallback: (α−1)·D_α is convex in α, so interpolating the neighbouring integer orders bounds it.
  const lo = Math.floor(alpha);
  const hi = Math.ceil(alpha);
  const t = alpha - lo;
  const a = lo === 1 ? 0 : logAInt(q, sigma, lo);
  const b = logAInt(q, sigma, hi);
  return ((1 - t) * a + t * b) / (alpha - 1);
}

/**
 * RDP ε(α) of the Poisson-subsampled Gaussian mechanism at each order: exact at
 * integer orders; at fractional orders the exact two-sided series, never above
 * `dp_accounting`'s bound.
 * @param sampleRate q ∈ [0, 1].
 * @param noiseMultiplier σ ≥ 0 (σ = 0: ∞).
 * @param orders orders α > 1.
 * @see Mironov, Talwar, Zhang (2019), "Rényi Differential Privacy of the Sampled Gaussian Mechanism", §3.
 * @throws DpError INVALID_PARAMETER on parameters out of range.
 */
export function rdpPoissonSubsampledGaussian(sampleRate: number, noiseMultiplier: number, orders: readonly number[]): number[] {
  edgeNumber(sampleRate, 'sampleRate');
  edgeNumber(noiseMultiplier, 'noiseMultiplier');
  checkOrders(orders);
  if (!(sampleRate >= 0 && sampleRate <= 1)) {
    throw new DpError('INVALID_PARAMETER', `sampleRate must be in [0, 1], got ${describeParameter(sampleRate)}`, {
      parameter: 'sampleRate',
    });
  }
  if (!(noiseMultiplier >= 0)) {
    throw new DpError('INVALID_PARAMETER', `noiseMultiplier must be >= 0, got ${describeParameter(noiseMultiplier)}`, {
      parameter: 'noiseMultiplier',
    });
  }
  return orders.map((a) => subsampledGaussianRdpAt(sampleRate, noiseMultiplier, a));
}

/**
 * RDP of the Laplace mechanism with pure ε at order α (exact).
 * @see Mironov (2017), Proposition 6.
 */
export function laplaceRdp(epsilon: number, alpha: number): number {
  edgeNumber(epsilon, 'epsilon');
  if (Number.isNaN(epsilon) || epsilon < 0) throw new DpError('INVALID_PARAMETER', 'epsilon must be >= 0', { parameter: 'epsilon' });
  checkOrder(alpha, 'alpha', true);
  const a = alpha;
  if (a === 1) return epsilon + Math.expm1(-epsilon);
  if (!Number.isFinite(epsilon)) return Number.POSITIVE_INFINITY;
  if (a < 1.1) {
    const c = Math.expm1(epsilon * (1 - 2 * a)) / (2 * a - 1);
    const v = -c * (a - 1);
    // log1p(−v·…)/(a−1) by its series, stable as a → 1.
    let s = 0;
    let p = 1;
    for (let k = 1; k < 100; k++) {
      s += p / k;
      p *= v;
    }
    return epsilon + c * s;
  }
  return epsilon + Math.log1p(((a - 1) * Math.expm1(epsilon * (1 - 2 * a))) / (2 * a - 1)) / (a - 1);
}

function rrRdpReplaceSpecial(p: number, k: number, alpha: number): number {
  if (k === 1 || p === 1) return 0;
  if (p === 0) return Number.POSITIVE_INFINITY;
  const log1 = Math.log(k * (1 - p) + p);
  const log2 = Math.log(p);
  if (!Number.isFinite(alpha)) return Math.max(log1, -log2);
  const w = [1 / k, 1 - 1 / k];
  const b1 = logSumExp([alpha * log1, alpha * log2], w);
  const b2 = logSumExp([(1 - alpha) * log1, (1 - alpha) * log2], w);
  return Math.max(b1, b2) / (alpha - 1);
}

function rrRdpReplaceOne(p: number, k: number, alpha: number): number {
  if (k === 1 || p === 1) return 0;
  if (p === 0) return Number.POSITIVE_INFINITY;
  const log1 = Math.log(k / p - k + 1);
  if (!Number.isFinite(alpha)) return log1;
  return logSumExp([alpha * log1, -alpha * log1, 0], [p / k, 1 - p + p / k, (1 - 2 / k) * p]) / (alpha - 1);
}

/** The signed log forward differences of f at 0 (Wang, Balle, Kasiviswanathan 2019, Theorem 27). */
function forwardDiffs(f: (x: number) => number, n: number): number[] {
  const vec = new Float64Array(n + 3);
  const signs: boolean[] = new Array(n + 3).fill(true);
  const deltas: number[] = new Array(n + 2).fill(0);
  for (let i = 1; i < n + 3; i++) vec[i] = f(i - 1);
  for (let i = 0; i < n + 2; i++) {
    const m = n + 2 - i;
    for (let j = 0; j < m; j++) {
      const a = vec[j] as number;
      const b = vec[j + 1] as number;
      if (signs[j] === signs[j + 1]) {
        // log|e^b − e^a| with the sign of (e^b − e^a), flipped when both are negative
        let s: boolean;
        let mag: number;
        if (b > a) {
          s = true;
          mag = b + Math.log1p(-Math.exp(a - b));
        } else if (b < a) {
          s = false;
          mag = a + Math.log1p(-Math.exp(b - a));
        } else {
          s = true;
          mag = Number.NEGATIVE_INFINITY;
        }
        if (!signs[j + 1]) s = !s;
        signs[j] = s;
        vec[j] = mag;
      } else {
        vec[j] = logAdd(a, b);
        signs[j] = signs[j + 1] as boolean;
      }
    }
    deltas[i] = vec[0] as number;
  }
  return deltas;
}

function sworGaussianLogA(q: number, sigma: number, alpha: number): number {
  if (alpha === 1) return 0;
  const cgf = (x: number) => (x * (x + 1)) / (2 * sigma * sigma);
  const func = (x: number) => x / (2 * sigma * sigma);
  let logA = 0;
  const logF2m1 = func(2) + Math.log1p(-Math.exp(-func(2)));
  const deltas = alpha <= 256 ? forwardDiffs(cgf, alpha) : null;
  for (let i = 2; i <= alpha; i++) {
    let s: number;
    if (i === 2) {
      s = 2 * Math.log(q) + logAbsBinomial(alpha, 2) + Math.min(Math.log(4) + logF2m1, func(2) + Math.log(2));
    } else if (deltas) {
      const lo = deltas[2 * Math.floor(i / 2) - 1] as number;
      const hi = deltas[2 * Math.ceil(i / 2) - 1] as number;
      s = Math.min(Math.log(4) + 0.5 * (lo + hi), Math.log(2) + cgf(i - 1)) + i * Math.log(q) + logAbsBinomial(alpha, i);
    } else {
      s = Math.log(2) + cgf(i - 1) + i * Math.log(q) + logAbsBinomial(alpha, i);
    }
    logA = logAdd(logA, s);
  }
  return logA;
}

/**
 * RDP of the Gaussian mechanism on a sample of fixed size drawn without
 * replacement, under the replace-one relation (fractional orders by
 * interpolation of the neighbouring integer orders, valid by convexity).
 * @see Wang, Balle, Kasiviswanathan (2019), Theorem 27.
 */
export function rdpSampledWithoutReplacementGaussian(q: number, sigma: number, alpha: number): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) throw new DpError('INVALID_PARAMETER', 'q must be in [0, 1]', { parameter: 'q' });
  if (typeof sigma !== 'number' || !(sigma >= 0)) throw new DpError('INVALID_PARAMETER', 'sigma must be >= 0', { parameter: 'sigma' });
  checkOrder(alpha);
  if (q === 0) return 0;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (!Number.isFinite(alpha) || sigma === 0) return Number.POSITIVE_INFINITY;
  if (Number.isInteger(alpha)) return sworGaussianLogA(q, sigma, alpha) / (alpha - 1);
  const lo = Math.floor(alpha);
  const hi = Math.ceil(alpha);
  const t = alpha - lo;
  return ((1 - t) * sworGaussianLogA(q, sigma, lo) + t * sworGaussianLogA(q, sigma, hi)) / (alpha - 1);
}

/**
 * The smallest ε over orders for a target δ, with the improved conversion
 * ε = r + log1p(−1/α) − log(δα)/(α−1) (α > 1.01) and the KL bound for ε = 0.
 * @see Balle, Barthe, Gaboardi, Hsu, Sato (2020), Proposition 12; Canonne, Kamath, Steinke (2020), eq. 20.
 * @returns ε and the optimal order.
 */
export function rdpToEpsilon(orders: readonly number[], rdp: readonly number[], delta: number): { epsilon: number; order: number } {
  checkDeltaArg(delta);
  if (delta === 0) return rdp.every((r) => r === 0) ? { epsilon: 0, order: 0 } : { epsilon: Number.POSITIVE_INFINITY, order: 0 };
  let best = Number.POSITIVE_INFINITY;
  let bestOrder = orders[0] ?? 0;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i] as number;
    const r = rdp[i] as number;
    let eps: number;
    if (r < 0) eps = 0;
    else if (delta * delta + Math.expm1(-r) > 0) eps = 0;
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Number.POSITIVE_INFINITY;
    if (eps < best || Number.isNaN(best)) {
      best = eps;
      bestOrder = a;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}

/**
 * The smallest δ over orders for a target ε (same conversion, solved for δ; KL bound δ ≤ √(1−e^{−r})).
 * @returns δ and the optimal order.
 */
export function rdpToDelta(orders: readonly number[], rdp: readonly number[], epsilon: number): { delta: number; order: number } {
  checkEpsilonArg(epsilon);
  let best = Number.POSITIVE_INFINITY;
  let bestOrder = orders[0] ?? 0;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i] as number;
    const r = rdp[i] as number;
    let logDelta: number;
    if (r < 0 || r === 0) logDelta = Number.NEGATIVE_INFINITY;
    else logDelta = 0.5 * Math.log1p(-Math.exp(-r));
    if (a > 1.01 && r >= 0) {
      const bound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
      logDelta = Math.min(logDelta, bound);
    }
    if (logDelta < best) {
      best = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.min(Math.exp(best), 1), order: bestOrder };
}

/** Options of the RDP accountant. */
export interface RdpAccountantOptions {
  /** Orders α > 1 (default {@link DEFAULT_RDP_ORDERS}). */
  orders?: readonly number[];
  /** Neighbouring relation (default add/remove one). */
  adjacency?: Adjacency;
}

/**
 * Rényi-DP accountant. Prices Gaussian, Laplace, randomized response,
 * Poisson-subsampled Gaussian (and zCDP / discrete Gaussian inside it),
 * sampled-without-replacement Gaussian (replace-one), zCDP, discrete Gaussian,
 * (ε, δ), exponential and permute-and-flip events.
 *
 * Randomized response under add/remove is priced as replace-with-special (the
 * removed person's answer replaced by a uniform one), which is how
 * `dp_accounting` prices it under REPLACE_SPECIAL.
 * @example
 * const acc = new RdpAccountant().compose(DpEvents.poissonSampled(0.01, DpEvents.gaussian(1.1)), 1000);
 * acc.epsilon(1e-5);
 * @see Mironov (2017); Mironov, Talwar, Zhang (2019); Google dp_accounting `RdpAccountant`.
 */
export class RdpAccountant extends BaseAccountant {
  readonly method = 'rdp' as const;
  readonly orders: readonly number[];
  readonly adjacency: Adjacency;
  private readonly state: Float64Array;
  private extraDelta = 0;

  /** @throws DpError INVALID_PARAMETER when an order is not in (1, MAX_RDP_ORDER] or there are more than MAX_RDP_ORDER_COUNT. */
  constructor(options: RdpAccountantOptions = {}) {
    super();
    edgeOptionalRecord(options, 'options');
    const orders = checkOrders(options.orders ?? DEFAULT_RDP_ORDERS);
    this.orders = Object.freeze([...orders]);
    this.adjacency = options.adjacency ?? 'addOrRemoveOne';
    this.state = new Float64Array(this.orders.length);
  }

  /** A new, empty accountant with the same orders and relation. */
  fresh(): RdpAccountant {
    return new RdpAccountant({ orders: this.orders, adjacency: this.adjacency });
  }

  /** The RDP curve composed so far, one value per order. */
  get rdp(): number[] {
    return Array.from(this.state);
  }

  /** Adds count·f(α) at each order α (f also gets the order's index). */
  private add(count: number, f: (alpha: number, index: number) => number): void {
    for (let i = 0; i < this.orders.length; i++) {
      const v = f(this.orders[i] as number, i);
      // Rounded toward more loss: the product up, the running sum toward +∞ (float-sums.proof.md).
      this.state[i] = addUp(this.state[i] as number, v === 0 ? 0 : mulUp(count, v));
    }
  }

  /** σ of the single Gaussian equivalent to a nested structure of Gaussians (Mironov et al. 2019, §3), or null. */
  private effectiveSigma(e: DpEvent): number | null {
    switch (e.type) {
      case 'gaussian':
        return e.noiseMultiplier;
      case 'zcdp':
        return e.rho === 0 ? Number.POSITIVE_INFINITY : 1 / Math.sqrt(2 * e.rho);
      case 'discreteGaussian':
        return e.sigma / e.sensitivity;
      case 'composed': {
        let s = 0;
        for (const x of e.events) {
          const sig = this.effectiveSigma(x);
          if (sig === null) return null;
          s += sig === Number.POSITIVE_INFINITY ? 0 : sig ** -2;
        }
        return s === 0 ? Number.POSITIVE_INFINITY : s ** -0.5;
      }
      case 'selfComposed': {
        const sig = this.effectiveSigma(e.event);
        if (sig === null) return null;
        return e.count === 0 ? Number.POSITIVE_INFINITY : sig / Math.sqrt(e.count);
      }
      case 'noOp':
        return Number.POSITIVE_INFINITY;
      default:
        return null;
    }
  }

  protected visit(event: DpEvent, count: number, apply: boolean): string | null {
    return this.walk(event, count, apply, (e, c) => {
      switch (e.type) {
        case 'nonPrivate':
          if (apply) this.add(1, () => Number.POSITIVE_INFINITY);
          return null;
        case 'epsilonDelta':
          if (apply) {
            this.extraDelta = -Math.expm1(Math.log1p(-this.extraDelta) + c * Math.log1p(-e.delta));
            const eps = e.epsilon;
            const t3 = logAdd(0, eps);
            this.add(c, (a) => (eps * a + logAdd(0, eps * (1 - 2 * a)) - t3) / (a - 1));
          }
          return null;
        case 'gaussian':
          if (apply) {
            const s = e.noiseMultiplier;
            this.add(c, (a) => (s === 0 ? Number.POSITIVE_INFINITY : divUp(a, mulDown(2 * s, s))));
          }
          return null;
        case 'zcdp':
          if (apply) this.add(c, (a) => mulUp(e.rho, a));
          return null;
        case 'discreteGaussian':
          if (apply) {
            const rho = divUp(mulUp(e.sensitivity, e.sensitivity), mulDown(2 * e.sigma, e.sigma));
            this.add(c, (a) => mulUp(rho, a));
          }
          return null;
        case 'exponential':
          if (apply) {
            const eps = e.epsilon;
            if (eps === 0) return null;
            const r = eps / Math.expm1(eps);
            const xi = r - 1 - Math.log(r) - (eps * eps) / 8;
            this.add(c, (a) => Math.min(xi + ((eps * eps) / 8) * a, eps));
          }
          return null;
        case 'permuteAndFlip':
          if (apply) this.add(c, (a) => laplaceRdp(e.epsilon, a));
          return null;
        case 'laplace':
          if (apply) {
            const eps = e.noiseMultiplier === 0 ? Number.POSITIVE_INFINITY : 1 / e.noiseMultiplier;
            this.add(c, (a) => laplaceRdp(eps, a));
          }
          return null;
        case 'randomizedResponse':
          if (apply) {
            const f = this.adjacency === 'replaceOne' ? rrRdpReplaceOne : rrRdpReplaceSpecial;
            this.add(c, (a) => f(e.noiseParameter, e.numBuckets, a));
          }
          return null;
        case 'poissonSampled': {
          if (this.adjacency === 'replaceOne') return 'Poisson sampling needs the add/remove (or replace-special) relation';
          const sigma = this.effectiveSigma(e.event);
          if (sigma === null)
            return 'only Gaussian-like events (gaussian, zcdp, discreteGaussian and their compositions) can be Poisson-sampled';
          if (apply && sigma !== Number.POSITIVE_INFINITY) {
            const rdp = rdpPoissonSubsampledGaussian(e.sampleRate, sigma, this.orders);
            this.add(c, (_, i) => rdp[i] as number);
          }
          return null;
        }
        case 'sampledWithoutReplacement': {
          if (this.adjacency !== 'replaceOne') return 'sampling without replacement needs the replace-one relation';
          const sigma = this.effectiveSigma(e.event);
          if (sigma === null) return 'only Gaussian-like events can be sampled without replacement';
          if (apply && sigma !== Number.POSITIVE_INFINITY) {
            const q = e.sampleSize / e.sourceDatasetSize;
            this.add(c, (a) => rdpSampledWithoutReplacementGaussian(q, sigma, a));
          }
          return null;
        }
        case 'discreteLaplace':
          return 'discrete Laplace is priced by the PLD accountant';
        case 'noOp':
        case 'selfComposed':
        case 'composed':
          return null;
        default:
          return 'unknown event';
      }
    });
  }

  /** ε for δ (Balle et al. 2020 conversion), accounting for the δ of (ε, δ) events. */
  protected epsilonFor(delta: number): number {
    checkDeltaArg(delta);
    const effective = -Math.expm1(Math.log1p(-delta) - Math.log1p(-this.extraDelta));
    if (effective < 0) return this.pureBound;
    return Math.min(this.pureBound, rdpToEpsilon(this.orders, this.rdp, effective).epsilon);
  }

  /** δ for ε, accounting for the δ of (ε, δ) events. */
  protected deltaFor(epsilon: number): number {
    checkEpsilonArg(epsilon);
    if (epsilon >= this.pureBound) return 0;
    const d = rdpToDelta(this.orders, this.rdp, epsilon).delta;
    return d + this.extraDelta - d * this.extraDelta;
  }
}
