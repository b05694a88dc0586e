/**
 * Privacy-loss distributions of additive-noise mechanisms (Laplace, Gaussian,
 * discrete Laplace, discrete Gaussian; optionally Poisson-subsampled) for the
 * ADD and REMOVE adjacencies, discretised pessimistically: connect-the-dots
 * for continuous noise (Doroshenko, Ghazi, Kamath, Kumar, Manurangsi 2022,
 * Algorithm 1), privacy buckets rounding losses up for discrete noise.
 * The formulas follow Google's PLD notes ("Privacy Loss Distributions", the
 * supplementary material of `dp_accounting`).
 * @module
 */

import { logAdd } from '../../numeric/log-space.js';
import { logNormalCdf, normalCdf, normalQuantile } from '../../numeric/special.js';
import { gridStepFor, PldPmf } from './pld-pmf.js';

/** Which direction of neighbouring datasets. */
export type Adjacency = 'add' | 'remove';

/** The noise distribution μ (symmetric) of an additive mechanism, with privacy loss for REMOVE without subsampling. */
interface Noise {
  cdf(x: number): number;
  logCdf(x: number): number;
  /** ln(μ(x + s)/μ(x)). */
  lossRemove(x: number): number;
  /** The largest x with lossRemove(x) ≥ loss. */
  inverseLossRemove(loss: number): number;
}

/** log(a·e^b + c) (a, c real; the result must be defined). */
export function logATimesExpBPlusC(a: number, b: number, c: number): number {
  if (a === 0) return Math.log(c);
  if (a < 0) {
    // log(c − |a|e^b)
    const lc = Math.log(c);
    const lb = Math.log(-a) + b;
    return lc + Math.log1p(-Math.exp(lb - lc));
  }
  if (b === 0) return Math.log(a + c);
  const d = b + Math.log(a);
  if (c === 0) return d;
  if (c < 0) return d + Math.log1p(-Math.exp(Math.log(-c) - d));
  return logAdd(d, Math.log(c));
}

function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** An additive noise mechanism with sensitivity s, subsampling rate q and an adjacency. */
class AdditiveMechanism {
  constructor(
    readonly noise: Noise,
    readonly sensitivity: number,
    readonly q: number,
    readonly adjacency: Adjacency,
  ) {}

  muUpperCdf(x: number): number {
    const { noise, q, sensitivity: s } = this;
    if (this.adjacency === 'add') return noise.cdf(x);
    if (q === 1) return noise.cdf(x + s);
    return (1 - q) * noise.cdf(x) + q * noise.cdf(x + s);
  }

  muLowerLogCdf(x: number): number {
    const { noise, q, sensitivity: s } = this;
    if (this.adjacency === 'remove') return noise.logCdf(x);
    if (q === 1) return noise.logCdf(x - s);
    return logAdd(Math.log1p(-q) + noise.logCdf(x), Math.log(q) + noise.logCdf(x - s));
  }

  private lossRemoveSub(x: number): number {
    const l = this.noise.lossRemove(x);
    if (this.q === 1) return l;
    return logATimesExpBPlusC(this.q, l, 1 - this.q);
  }

  privacyLoss(x: number): number {
    return this.adjacency === 'add' ? -this.lossRemoveSub(-x) : this.lossRemoveSub(x);
  }

  inversePrivacyLoss(loss: number): number {
    const { noise, q, sensitivity: s } = this;
    if (this.adjacency === 'add') {
      const invAdd = (l: number) => s + noise.inverseLossRemove(l);
      if (q === 1) return invAdd(loss);
      const cap = -Math.log1p(-q);
      if (isClose(loss, cap)) return invAdd(Number.POSITIVE_INFINITY);
      return invAdd(-logATimesExpBPlusC(1 / q, -loss, 1 - 1 / q));
    }
    if (q === 1) return noise.inverseLossRemove(loss);
    const floor = Math.log1p(-q);
    if (isClose(loss, floor)) return noise.inverseLossRemove(Number.NEGATIVE_INFINITY);
    return noise.inverseLossRemove(logATimesExpBPlusC(1 / q, loss, 1 - 1 / q));
  }

  /** The hockey-stick divergence δ(ε) of the (non-discretised) mechanism. */
  deltaForEpsilon(epsilon: number): number {
    const q = this.q;
    if (q < 1) {
      if (this.adjacency === 'add' && !(epsilon < -Math.log1p(-q))) return 0;
      if (this.adjacency === 'remove' && !(epsilon > Math.log1p(-q))) return Math.min(1, Math.max(0, -Math.expm1(epsilon)));
    }
    const x = this.inversePrivacyLoss(epsilon);
    const d = this.muUpperCdf(x) - Math.exp(epsilon + this.muLowerLogCdf(x));
    return Math.min(1, Math.max(0, d));
  }
}

/** Connect-the-dots on the contiguous grid [lo, hi]·Δ (the fixed-gap form, numerically stable). */
function connectDotsFixedGap(discretization: number, lo: number, hi: number, deltas: Float64Array): PldPmf {
  const n = hi - lo + 1;
  // δ(ε) is non-increasing in ε and in [0, 1]: a value that is not (NaN from a failed evaluation, or
  // float noise) is replaced by the nearest sound one — the previous δ, or 1 for the first.
  if (!((deltas[0] as number) <= 1)) deltas[0] = 1;
  for (let i = 1; i < n; i++) if (!((deltas[i] as number) <= (deltas[i - 1] as number))) deltas[i] = deltas[i - 1] as number;
  if (n === 1) return new PldPmf(discretization, lo, Float64Array.of(1 - (deltas[0] as number)), deltas[0] as number);
  // p_i = (δ_{i+1} − δ_i)/(e^Δ − 1) − (δ_i − δ_{i−1})·e^Δ/(e^Δ − 1), with both factors formed so
  // that they stay finite for a large (coarsened) Δ: 1/(e^Δ − 1) → 0 and e^Δ/(e^Δ − 1) = 1/(1 − e^{−Δ}) → 1.
  const a = 1 / Math.expm1(discretization);
  const b = -1 / Math.expm1(-discretization);
  const probs = new Float64Array(n);
  probs[0] = 1 - (deltas[0] as number) + ((deltas[1] as number) - (deltas[0] as number)) * a;
  for (let i = 1; i < n - 1; i++) {
    const dNext = (deltas[i + 1] as number) - (deltas[i] as number);
    const dPrev = (deltas[i] as number) - (deltas[i - 1] as number);
    probs[i] = dNext * a - dPrev * b;
  }
  probs[n - 1] = ((deltas[n - 2] as number) - (deltas[n - 1] as number)) * b;
  for (let i = 0; i < n; i++) if (!((probs[i] as number) > 0)) probs[i] = 0;
  return new PldPmf(discretization, lo, probs, deltas[n - 1] as number);
}

/** Connect-the-dots PMF of a continuous mechanism between its loss bounds. */
function connectDotsContinuous(
  deltaForEpsilon: (epsilon: number) => number,
  epsilonLower: number,
  epsilonUpper: number,
  discretization: number,
): PldPmf {
  // A grid too fine for MAX_GRID_POINTS becomes Δ·2^k (connect-the-dots is pessimistic on any grid);
  // losses that cannot be represented at all (σ → 0) make the PLD non-private: δ = 1, sound.
  const step = gridStepFor(discretization, Math.min(epsilonLower, epsilonUpper), epsilonUpper);
  if (!Number.isFinite(step) || !Number.isFinite(epsilonLower)) return PldPmf.nonPrivate(discretization);
  const hi = Math.ceil(epsilonUpper / step);
  const lo = Math.min(Math.floor(epsilonLower / step), hi);
  const deltas = new Float64Array(hi - lo + 1);
  for (let i = lo; i <= hi; i++) deltas[i - lo] = deltaForEpsilon(i * step);
  return connectDotsFixedGap(step, lo, hi, deltas);
}

/** Privacy buckets for a discrete mechanism: each integer outcome's loss rounded up to the grid. */
function bucketsDiscrete(m: AdditiveMechanism, lowerX: number, upperX: number, tail: Map<number, number>, discretization: number): PldPmf {
  const map = new Map<number, number>();
  let inf = 0;
  const add = (loss: number, p: number) => {
    if (loss === Number.POSITIVE_INFINITY) {
      inf += p;
      return;
    }
    if (loss === Number.NEGATIVE_INFINITY || p === 0) return;
    const k = Math.ceil(loss / discretization);
    map.set(k, (map.get(k) ?? 0) + p);
  };
  for (const [loss, p] of tail) add(loss, p);
  let prev = m.muUpperCdf(Math.ceil(lowerX) - 1);
  for (let x = Math.ceil(lowerX); x <= Math.floor(upperX); x++) {
    const c = m.muUpperCdf(x);
    add(m.privacyLoss(x), c - prev);
    prev = c;
  }
  return PldPmf.fromMap(discretization, map, inf);
}

/** Gaussian noise N(0, σ²). */
function gaussianNoise(sigma: number, sensitivity: number): Noise {
  return {
    cdf: (x) => normalCdf(x / sigma),
    logCdf: (x) => logNormalCdf(x / sigma),
    lossRemove: (x) => (sensitivity * (-0.5 * sensitivity - x)) / (sigma * sigma),
    inverseLossRemove: (l) => -0.5 * sensitivity - (l * sigma * sigma) / sensitivity,
  };
}

/** Laplace noise with scale b. */
function laplaceNoise(b: number, sensitivity: number): Noise {
  return {
    cdf: (x) => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b)),
    logCdf: (x) => (x < 0 ? Math.log(0.5) + x / b : Math.log1p(-0.5 * Math.exp(-x / b))),
    lossRemove: (x) => (Math.abs(x) - Math.abs(x + sensitivity)) / b,
    inverseLossRemove: (l) => {
      const t = l * b;
      if (t > sensitivity) return Number.NEGATIVE_INFINITY;
      if (t <= -sensitivity) return Number.POSITIVE_INFINITY;
      return 0.5 * (-sensitivity - t);
    },
  };
}

/** Discrete Laplace P(k) ∝ e^{−a|k|}. */
function discreteLaplaceNoise(a: number, sensitivity: number): Noise {
  const logNorm = -Math.log1p(Math.exp(-a)); // log 1/(1+e^{-a})
  return {
    cdf: (x) => {
      const k = Math.floor(x);
      if (k === Number.NEGATIVE_INFINITY) return 0;
      if (k === Number.POSITIVE_INFINITY) return 1;
      return k < 0 ? Math.exp(a * k + logNorm) : 1 - Math.exp(-a * (k + 1) + logNorm);
    },
    logCdf: (x) => {
      const k = Math.floor(x);
      if (k === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
      if (k === Number.POSITIVE_INFINITY) return 0;
      return k < 0 ? a * k + logNorm : Math.log1p(-Math.exp(-a * (k + 1) + logNorm));
    },
    lossRemove: (x) => (Math.abs(x) - Math.abs(x + sensitivity)) * a,
    inverseLossRemove: (l) => {
      const t = l / a;
      if (t > sensitivity) return Number.NEGATIVE_INFINITY;
      if (t <= -sensitivity) return Number.POSITIVE_INFINITY;
      return Math.floor(0.5 * (-sensitivity - t));
    },
  };
}

/** Discrete Gaussian P(k) ∝ e^{−k²/2σ²}, truncated to |k| ≤ T = ⌈11.6σ⌉ (mass outside < 1e-30). */
function discreteGaussianNoise(sigma: number, sensitivity: number): Noise & { truncation: number } {
  const T = Math.ceil(11.6 * sigma);
  // log cdf array over x = −T−1 … T (index x + T + 1); the first entry is log 0.
  const n = 2 * T + 2;
  const logCdf = new Float64Array(n);
  logCdf[0] = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < n; i++) {
    const x = i - T - 1;
    logCdf[i] = logAdd(logCdf[i - 1] as number, (-0.5 * x * x) / (sigma * sigma));
  }
  const total = logCdf[n - 1] as number;
  for (let i = 0; i < n; i++) logCdf[i] = (logCdf[i] as number) - total;
  const index = (x: number) => Math.floor(Math.min(Math.max(x, -T - 1), T)) + T + 1;
  return {
    truncation: T,
    cdf: (x) => Math.exp(logCdf[index(x)] as number),
    logCdf: (x) => logCdf[index(x)] as number,
    lossRemove: (x) => {
      if (x > T - sensitivity) return Number.NEGATIVE_INFINITY;
      if (x < -T) return Number.POSITIVE_INFINITY;
      return (sensitivity * (-0.5 * sensitivity - x)) / (sigma * sigma);
    },
    inverseLossRemove: (l) => {
      if (l === Number.NEGATIVE_INFINITY) return T - sensitivity;
      const v = -0.5 * sensitivity - (l * sigma * sigma) / sensitivity;
      return Math.floor(Math.min(Math.max(v, -T - 1), T - sensitivity));
    },
  };
}

/**
 * The hockey-stick divergence of the (subsampled) Gaussian mechanism in closed
 * form: REMOVE δ = q·Φ((x+s)/σ) − (e^ε − 1 + q)·Φ(x/σ) at x = −s/2 − σ²/s·log((e^ε − 1 + q)/q);
 * ADD δ = (1 − e^ε(1−q))·Φ(x/σ) − e^ε q·Φ((x−s)/σ) at the ADD inverse loss.
 */
export function gaussianDelta(sigma: number, s: number, q: number, adjacency: Adjacency, epsilon: number): number {
  const v = (sigma * sigma) / s;
  let d: number;
  // e^ε·Φ(·) is formed as exp(ε + log Φ(·)): for ε > 709 e^ε alone overflows and ∞·0 is NaN.
  if (q === 1) {
    const x = -0.5 * s - epsilon * v;
    d = normalCdf((x + s) / sigma) - Math.exp(epsilon + logNormalCdf(x / sigma));
  } else if (adjacency === 'remove') {
    if (!(epsilon > Math.log1p(-q))) return Math.min(1, Math.max(0, -Math.expm1(epsilon)));
    // log c = log(e^ε − 1 + q), without overflow for large ε.
    const logC = epsilon > 30 ? epsilon + Math.log1p((q - 1) * Math.exp(-epsilon)) : Math.log(Math.expm1(epsilon) + q);
    const x = -0.5 * s - (logC - Math.log(q)) * v;
    d = q * normalCdf((x + s) / sigma) - Math.exp(logC + logNormalCdf(x / sigma));
  } else {
    if (!(epsilon < -Math.log1p(-q))) return 0;
    const c = Math.expm1(-epsilon) + q; // e^{−ε} − (1 − q)
    const lossNoSub = -(Math.log(c) - Math.log(q));
    const x = s - 0.5 * s - lossNoSub * v;
    const e = Math.exp(epsilon);
    d = (1 - e * (1 - q)) * normalCdf(x / sigma) - e * q * normalCdf((x - s) / sigma);
  }
  return Number.isNaN(d) ? 1 : Math.min(1, Math.max(0, d));
}

/** The ε range of the Gaussian connect-the-dots grid for one adjacency (noise mass below e^{-50} goes to +∞). */
function gaussianEpsilonRange(sigma: number, sensitivity: number, q: number, adjacency: Adjacency): [number, number] {
  const m = new AdditiveMechanism(gaussianNoise(sigma, sensitivity), sensitivity, q, adjacency);
  let lowerX = sigma * normalQuantile(0.5 * Math.exp(-50));
  let upperX = -lowerX;
  if (adjacency === 'add') upperX += sensitivity;
  else lowerX -= sensitivity;
  return [m.privacyLoss(upperX), m.privacyLoss(lowerX)];
}

/** Gaussian PLD (connect-the-dots) for one adjacency. */
export function gaussianPmf(sigma: number, sensitivity: number, q: number, adjacency: Adjacency, discretization: number): PldPmf {
  const [lower, upper] = gaussianEpsilonRange(sigma, sensitivity, q, adjacency);
  return connectDotsContinuous((e) => gaussianDelta(sigma, sensitivity, q, adjacency, e), lower, upper, discretization);
}

/**
 * Both adjacencies of the subsampled Gaussian. The ADD pair is the REMOVE pair
 * swapped (after reflecting x → −x), so δ_add(ε) = 1 − e^ε + e^ε·δ_remove(−ε)
 * (the hockey-stick identity H_{1/γ}(Q‖P) = (H_γ(P‖Q) − 1 + γ)/γ); the REMOVE
 * divergences on the grid serve both directions.
 */
export function gaussianPmfPair(sigma: number, sensitivity: number, q: number, discretization: number): [PldPmf, PldPmf] {
  const [rLower, rUpper] = gaussianEpsilonRange(sigma, sensitivity, q, 'remove');
  const [aLower, aUpper] = gaussianEpsilonRange(sigma, sensitivity, q, 'add');
  const step = gridStepFor(discretization, Math.min(rLower, -aUpper), Math.max(rUpper, -aLower));
  if (![rLower, rUpper, aLower, aUpper, step].every(Number.isFinite)) {
    return [PldPmf.nonPrivate(discretization), PldPmf.nonPrivate(discretization)];
  }
  return gaussianPmfPairOn(sigma, sensitivity, q, step, rLower, rUpper, aLower, aUpper);
}

function gaussianPmfPairOn(
  sigma: number,
  sensitivity: number,
  q: number,
  discretization: number,
  rLower: number,
  rUpper: number,
  aLower: number,
  aUpper: number,
): [PldPmf, PldPmf] {
  const rLo = Math.floor(rLower / discretization);
  const rHi = Math.ceil(rUpper / discretization);
  const aLo = Math.floor(aLower / discretization);
  const aHi = Math.ceil(aUpper / discretization);
  // δ_remove on the union of the REMOVE grid and the mirrored ADD grid.
  const lo = Math.min(rLo, -aHi);
  const hi = Math.max(rHi, -aLo);
  const removeDeltas = new Float64Array(hi - lo + 1);
  for (let i = lo; i <= hi; i++) removeDeltas[i - lo] = gaussianDelta(sigma, sensitivity, q, 'remove', i * discretization);
  const remove = connectDotsFixedGap(discretization, rLo, rHi, removeDeltas.slice(rLo - lo, rHi - lo + 1));
  const addDeltas = new Float64Array(aHi - aLo + 1);
  for (let i = aLo; i <= aHi; i++) {
    const eps = i * discretization;
    const d = -Math.expm1(eps) + Math.exp(eps) * (removeDeltas[-i - lo] as number);
    addDeltas[i - aLo] = Math.min(1, Math.max(0, d));
  }
  return [remove, connectDotsFixedGap(discretization, aLo, aHi, addDeltas)];
}

/** Laplace PLD (connect-the-dots) for one adjacency. */
export function laplacePmf(b: number, sensitivity: number, q: number, adjacency: Adjacency, discretization: number): PldPmf {
  const m = new AdditiveMechanism(laplaceNoise(b, sensitivity), sensitivity, q, adjacency);
  const maxEps = sensitivity / b;
  let upper: number;
  let lower: number;
  if (q === 1) {
    upper = maxEps;
    lower = -maxEps;
  } else if (adjacency === 'add') {
    upper = -Math.log(1 - q + q * Math.exp(-maxEps));
    lower = -Math.log(1 - q + q * Math.exp(maxEps));
  } else {
    upper = Math.log(1 - q + q * Math.exp(maxEps));
    lower = Math.log(1 - q + q * Math.exp(-maxEps));
  }
  return connectDotsContinuous((e) => m.deltaForEpsilon(e), lower, upper, discretization);
}

/** Discrete Laplace PLD (privacy buckets) for one adjacency; `a` is the decay rate 1/scale. */
export function discreteLaplacePmf(a: number, sensitivity: number, q: number, adjacency: Adjacency, discretization: number): PldPmf {
  const m = new AdditiveMechanism(discreteLaplaceNoise(a, sensitivity), sensitivity, q, adjacency);
  const [lowerX, upperX] = adjacency === 'add' ? [1, sensitivity - 1] : [1 - sensitivity, -1];
  const tail = new Map<number, number>();
  const l1 = m.privacyLoss(lowerX - 1);
  const l2 = m.privacyLoss(upperX + 1);
  tail.set(l1, m.muUpperCdf(lowerX - 1));
  // As a dictionary keyed by loss (the second entry replaces the first when they coincide).
  tail.set(l2, 1 - m.muUpperCdf(upperX));
  return bucketsDiscrete(m, lowerX, upperX, tail, discretization);
}

/** Discrete Gaussian PLD (privacy buckets) for one adjacency. */
export function discreteGaussianPmf(sigma: number, sensitivity: number, q: number, adjacency: Adjacency, discretization: number): PldPmf {
  const noise = discreteGaussianNoise(sigma, sensitivity);
  const T = noise.truncation;
  const m = new AdditiveMechanism(noise, sensitivity, q, adjacency);
  let lowerX: number;
  let upperX: number;
  if (adjacency === 'add') {
    upperX = T;
    lowerX = q === 1 ? sensitivity - T : -T;
  } else {
    lowerX = -T;
    upperX = q === 1 ? T - sensitivity : T;
  }
  const tail = new Map<number, number>([[Number.POSITIVE_INFINITY, m.muUpperCdf(lowerX - 1)]]);
  return bucketsDiscrete(m, lowerX, upperX, tail, discretization);
}

/** PLD of two finite distributions given as log-probabilities (outcomes only in `upper` go to +∞). */
export function pmfFromTwoDistributions(logLower: number[], logUpper: number[], discretization: number): PldPmf {
  const map = new Map<number, number>();
  let inf = 0;
  for (let i = 0; i < logUpper.length; i++) {
    const lu = logUpper[i] as number;
    const ll = logLower[i] as number;
    if (lu === Number.NEGATIVE_INFINITY) continue;
    if (ll === Number.NEGATIVE_INFINITY) {
      inf += Math.exp(lu);
      continue;
    }
    const k = Math.ceil((lu - ll) / discretization);
    map.set(k, (map.get(k) ?? 0) + Math.exp(lu));
  }
  return PldPmf.fromMap(discretization, map, inf);
}

/** The (ε, δ) PLD: losses ±ε with the mass of the optimal (ε, δ) test, δ at +∞. */
export function epsilonDeltaPmf(epsilon: number, delta: number, discretization: number): PldPmf {
  const map = new Map<number, number>();
  const hi = Math.ceil(epsilon / discretization);
  const lo = Math.ceil(-epsilon / discretization);
  map.set(hi, (1 - delta) / (1 + Math.exp(-epsilon)));
  map.set(lo, (map.get(lo) ?? 0) + (1 - delta) / (1 + Math.exp(epsilon)));
  return PldPmf.fromMap(discretization, map, delta);
}
