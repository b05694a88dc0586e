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
import {
  addAbove,
  addBelow,
  divAbove,
  divBelow,
  expDown,
  expm1Down,
  expm1Up,
  expUp,
  log1pDown,
  log1pUp,
  logDown,
  mulAbove,
  mulBelow,
  sqrtUp,
} from '../numeric/directed-libm.js';
import { addUp, divUp, mulDown, mulUp } from '../numeric/directed-rounding.js';
import { edgeArray, edgeNumber, edgeOptionalRecord } from '../numeric/edge.js';
import { describeParameter } from '../numeric/errors.js';
import {
  exponentialRdpUp,
  laplaceRdpUp,
  pureEpsilonRdpUp,
  rrReplaceOneRdpUp,
  rrReplaceSpecialRdpUp,
  subsampledGaussianRdpUp,
} from './_internal/rdp-terms.js';
import { sworGaussianRdpUp } from './_internal/swor-gaussian.js';
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

/**
 * RDP ε(α) of the Poisson-subsampled Gaussian mechanism at each order, as upper bounds of the exact values
 * (float-sums.proof.md, "Terms"): the finite sum at integer orders; at fractional orders the exact two-sided series
 * with a proven remainder (or the convexity interpolation of the integer orders, whichever is smaller).
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
  return orders.map((a) => subsampledGaussianRdpUp(sampleRate, noiseMultiplier, a));
}

/**
 * RDP of the Laplace mechanism with pure ε at order α: an upper bound of the exact value, rounded outward
 * (float-sums.proof.md, "Terms").
 * @see Mironov (2017), Proposition 6.
 */
export function laplaceRdp(epsilon: number, alpha: number): number {
  edgeNumber(epsilon, 'epsilon');
  if (Number.isNaN(epsilon) || epsilon < 0) throw new DpError('INVALID_PARAMETER', 'epsilon must be >= 0', { parameter: 'epsilon' });
  checkOrder(alpha, 'alpha', true);
  return laplaceRdpUp(epsilon, alpha);
}

/**
 * RDP of the Gaussian mechanism on a sample of fixed size drawn without
 * replacement, under the replace-one relation, as an UPPER BOUND of the exact value of the bound
 * `dp_accounting` evaluates (forward differences in exact fixed-point intervals, every other step directed;
 * `_internal/swor-gaussian.proof.md`). Fractional orders by interpolation of the neighbouring integer orders
 * (valid by convexity).
 * @see Wang, Balle, Kasiviswanathan (2019), Theorems 9 and 27.
 */
export function rdpSampledWithoutReplacementGaussian(q: number, sigma: number, alpha: number): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) throw new DpError('INVALID_PARAMETER', 'q must be in [0, 1]', { parameter: 'q' });
  if (typeof sigma !== 'number' || !(sigma >= 0)) throw new DpError('INVALID_PARAMETER', 'sigma must be >= 0', { parameter: 'sigma' });
  checkOrder(alpha);
  return sworGaussianRdpUp(q, sigma, alpha);
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
    // Every step rounded toward a LARGER ε (float-sums.proof.md, "Terms"): r is already an upper bound; the
    // KL test δ² > 1 − e^{−r} is decided on a lower bound of its left side minus an upper bound of its right.
    if (r < 0) eps = 0;
    else if (addBelow(mulBelow(delta, delta), expm1Down(-r)) > 0) eps = 0;
    else if (a > 1.01) eps = addAbove(addAbove(r, log1pUp(-divBelow(1, a))), divAbove(-logDown(mulBelow(delta, a)), a - 1));
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
    // Every step rounded toward a LARGER δ (float-sums.proof.md, "Terms").
    if (r < 0 || r === 0) logDelta = Number.NEGATIVE_INFINITY;
    else logDelta = 0.5 * log1pUp(-expDown(-r));
    if (a > 1.01 && r >= 0) {
      const bound = addAbove(mulAbove(a - 1, addAbove(addAbove(r, -epsilon), log1pUp(-divBelow(1, a)))), -logDown(a));
      logDelta = Math.min(logDelta, bound);
    }
    if (logDelta < best) {
      best = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.min(expUp(best), 1), order: bestOrder };
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

  /**
   * σ of the single Gaussian equivalent to a nested structure of Gaussians (Mironov et al. 2019, §3), or null.
   * Rounded DOWN (a smaller σ costs more): Σσ⁻² up, then σ = 1/√Σ down (float-sums.proof.md, "Terms").
   */
  private effectiveSigma(e: DpEvent): number | null {
    switch (e.type) {
      case 'gaussian':
        return e.noiseMultiplier;
      case 'zcdp':
        return e.rho === 0 ? Number.POSITIVE_INFINITY : divBelow(1, sqrtUp(mulAbove(2, e.rho)));
      case 'discreteGaussian':
        return divBelow(e.sigma, e.sensitivity);
      case 'composed': {
        let s = 0;
        for (const x of e.events) {
          const sig = this.effectiveSigma(x);
          if (sig === null) return null;
          s = sig === Number.POSITIVE_INFINITY ? s : addAbove(s, divAbove(1, mulBelow(sig, sig)));
        }
        return s === 0 ? Number.POSITIVE_INFINITY : divBelow(1, sqrtUp(s));
      }
      case 'selfComposed': {
        const sig = this.effectiveSigma(e.event);
        if (sig === null) return null;
        return e.count === 0 ? Number.POSITIVE_INFINITY : divBelow(sig, sqrtUp(e.count));
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
            // δ_total = 1 − (1 − δ_total)(1 − δ)^c, rounded up (a larger δ leaves less for the RDP part).
            this.extraDelta = Math.min(1, -expm1Down(addBelow(log1pDown(-this.extraDelta), mulBelow(c, log1pDown(-e.delta)))));
            const eps = e.epsilon;
            this.add(c, (a) => pureEpsilonRdpUp(eps, a));
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
            this.add(c, (a) => exponentialRdpUp(eps, a));
          }
          return null;
        case 'permuteAndFlip':
          if (apply) this.add(c, (a) => laplaceRdpUp(e.epsilon, a));
          return null;
        case 'laplace':
          if (apply) {
            const eps = e.noiseMultiplier === 0 ? Number.POSITIVE_INFINITY : divUp(1, e.noiseMultiplier);
            this.add(c, (a) => laplaceRdpUp(eps, a));
          }
          return null;
        case 'randomizedResponse':
          if (apply) {
            const f = this.adjacency === 'replaceOne' ? rrReplaceOneRdpUp : rrReplaceSpecialRdpUp;
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
            const q = divUp(e.sampleSize, e.sourceDatasetSize); // a larger rate costs more
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
    // The δ left for the RDP part, 1 − (1 − δ)/(1 − δ_events), rounded DOWN (a smaller δ gives a larger ε).
    const effective = -expm1Up(addAbove(log1pUp(-delta), -log1pDown(-this.extraDelta)));
    if (effective < 0) return this.pureBound;
    return Math.min(this.pureBound, rdpToEpsilon(this.orders, this.rdp, effective).epsilon);
  }

  /** δ for ε, accounting for the δ of (ε, δ) events. */
  protected deltaFor(epsilon: number): number {
    checkEpsilonArg(epsilon);
    if (epsilon >= this.pureBound) return 0;
    const d = rdpToDelta(this.orders, this.rdp, epsilon).delta;
    // 1 − (1 − d)(1 − δ_events), rounded up.
    return Math.min(1, addAbove(d, addAbove(this.extraDelta, -mulBelow(d, this.extraDelta))));
  }
}
