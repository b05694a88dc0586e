/**
 * The RDP of the Gaussian mechanism on a sample of fixed size drawn WITHOUT replacement (replace-one), as an UPPER
 * BOUND of the exact value of the bound of Wang, Balle, Kasiviswanathan (2019, Theorems 9 and 27) that
 * `dp_accounting` evaluates (issue 10 class 9; rule and proof: `swor-gaussian.proof.md`):
 *
 *   A_α = 1 + Σ_{i=2}^{α} q^i·C(α, i)·min(4·√(Δ^{2⌊i/2⌋}·Δ^{2⌈i/2⌉}), 2·e^{c·i(i−1)}),   c = 1/(2σ²),
 *
 * where Δ^m = Σ_j (−1)^{m−j}·C(m, j)·e^{c·j(j−1)} is the m-th forward difference at 0 of e^{c·x(x−1)} (for α > 256,
 * as `dp_accounting`, only the second branch is used for i ≥ 3), and the RDP is log A_α/(α − 1); fractional orders
 * interpolate log A linearly between the neighbouring integer orders (convexity).
 *
 * The forward differences cancel massively (for σ = 5, Δ^{256} is 2⁻⁷⁰⁰ of its largest part), so they are computed
 * exactly on fixed-point intervals: Δ^m/e^{c·m(m−1)} = Σ_j (−1)^{m−j}·C(m, j)·e^{−c(m−j)(m+j−1)} with every
 * e^{−c·k} bracketed in P-bit integers (BigInt) and the alternating sum taken on interval ends. Everything else is
 * double arithmetic rounded toward the larger A (`numeric/directed-libm.ts`). The exact value is increasing in c and
 * q, so c is taken at its upper end. The table of differences depends on σ only and is kept for the last σ asked.
 * @internal
 */
import { addAbove, divAbove, logAddUp, logDown, logUp, mulAbove, mulBelow } from '../../numeric/directed-libm.js';
import { decomposeDouble } from '../../numeric/float-bits.js';

/** dp_accounting's largest order with the forward differences (larger orders use Theorem 9's branch only). */
export const SWOR_TIGHT_MAX_ORDER = 256;
/** The most bits of the fixed-point differences (beyond it the interval's upper end is still used, only looser). */
const MAX_BITS = 4096;

const LN2_UP = logUp(2);
const LN2_DOWN = logDown(2);

/** Number of bits of a positive bigint. */
function bitLength(v: bigint): number {
  return v.toString(2).length;
}

/** Upper bound of log(v·2^{−p}) for a bigint v ≥ 1. */
function logFixedUp(v: bigint, p: number): number {
  const b = bitLength(v);
  const k = Math.max(0, b - 53);
  const top = Number((v >> BigInt(k)) + (k > 0 ? 1n : 0n)); // ≤ 2⁵³: exact; ≥ v·2^{−k}
  const e = k - p;
  return addAbove(logUp(top), e >= 0 ? mulAbove(e, LN2_UP) : mulAbove(e, LN2_DOWN));
}

/** Lower bound of log(v·2^{−p}) for a bigint v ≥ 1. */
function logFixedDown(v: bigint, p: number): number {
  const b = bitLength(v);
  const k = Math.max(0, b - 53);
  const top = Number(v >> BigInt(k)); // ≤ v·2^{−k}
  const e = k - p;
  return -addAbove(-logDown(top), e >= 0 ? -mulBelow(e, LN2_DOWN) : -mulBelow(e, LN2_UP));
}

/**
 * e^{−x}·2^p bracketed by integers [lo, hi] (x ≥ 0 a double): e^{−x} = (e^{−x/2^s})^{2^s} with x/2^s ≤ 2⁻¹², the
 * Taylor series of e^{−y} (alternating, terms decreasing: its partial sums bracket it) and s squarings, each rounded
 * outward, at p + s + 64 working bits.
 */
export function expNegFixed(x: number, p: number): [bigint, bigint] {
  const one = 1n << BigInt(p);
  if (x === 0) return [one, one];
  if (x > p) return [0n, 1n]; // e^{−x} < 2^{−p}
  const s = Math.max(0, Math.ceil(Math.log2(x)) + 12);
  const w = p + s + 64;
  const W = BigInt(w);
  const ONE = 1n << W;
  // y = x/2^s as a fixed-point interval [yLo, yHi] (exact when x·2^{w−s} is an integer).
  const { mantissa, exponent } = decomposeDouble(x);
  const shift = exponent - s + w;
  const yLo = shift >= 0 ? mantissa << BigInt(shift) : mantissa >> BigInt(-shift);
  const yHi = shift >= 0 ? yLo : yLo + 1n;
  // Terms y^k/k! bracketed (tLo from yLo rounded down, tHi from yHi rounded up) until tHi ≤ 1 unit.
  const tLo: bigint[] = [ONE];
  const tHi: bigint[] = [ONE];
  for (let k = 1; (tHi[k - 1] as bigint) > 1n || k < 3; k++) {
    tLo.push(((tLo[k - 1] as bigint) * yLo) / (ONE * BigInt(k)));
    tHi.push(((tHi[k - 1] as bigint) * yHi) / (ONE * BigInt(k)) + 1n);
  }
  // Partial sums of Σ(−1)^k y^k/k! (y < 1: terms decrease) bracket e^{−y}: ending on an odd k is below, on an even
  // k above. Below: positive terms low, negative terms high (and at y_hi ≥ y); above: the reverse (at y_lo ≤ y).
  const last = tHi.length - 1;
  const kOdd = last % 2 === 1 ? last : last - 1;
  const kEven = last % 2 === 0 ? last : last - 1;
  let lower = 0n;
  let upper = 0n;
  for (let k = 0; k <= kOdd; k++) lower += k % 2 === 0 ? (tLo[k] as bigint) : -(tHi[k] as bigint);
  for (let k = 0; k <= kEven; k++) upper += k % 2 === 0 ? (tHi[k] as bigint) : -(tLo[k] as bigint);
  if (lower < 0n) lower = 0n;
  if (upper > ONE) upper = ONE;
  for (let i = 0; i < s; i++) {
    lower = (lower * lower) >> W;
    upper = ((upper * upper) >> W) + 1n;
  }
  const drop = BigInt(w - p);
  const lo = lower >> drop;
  let hi = (upper >> drop) + 1n;
  if (hi > one) hi = one;
  return [lo, hi];
}

/** Upper (and, where positive, lower) bounds of log Δ^m for the even m ≤ maxM, for one c. */
interface DiffTable {
  readonly c: number;
  readonly maxM: number;
  /** logUp[m/2]: ≥ log Δ^m. */
  readonly logUp: Float64Array;
  /** logDown[m/2]: ≤ log Δ^m (−∞ where the interval reaches 0). */
  readonly logDown: Float64Array;
}

/** Bits of cancellation expected in Δ^m (for choosing the precision only; correctness never depends on it). */
function cancellationBits(c: number, m: number): number {
  if (2 * c * (m - 1) >= Math.log(3 * m)) return 2; // the last term dominates: F_m ≥ 1/2
  // Δ^m ≥ c^{m/2}·m!/(m/2)! (one term of its series with nonnegative terms), and e^{c·m(m−1)} is its largest part.
  let logLower = (m / 2) * Math.log(c);
  for (let k = m / 2 + 1; k <= m; k++) logLower += Math.log(k);
  return Math.max(0, (c * m * (m - 1) - logLower) / Math.LN2) + 8;
}

/** The forward differences' bounds for c and the even orders up to maxM (exact fixed-point intervals). */
export function forwardDifferenceTable(c: number, maxM: number): DiffTable {
  let need = 0;
  for (let m = 2; m <= maxM; m += 2) need = Math.max(need, cancellationBits(c, m) + m);
  const p = Math.min(MAX_BITS, Math.ceil(need) + 96);
  const P = BigInt(p);
  const up = new Float64Array(maxM / 2 + 1);
  const down = new Float64Array(maxM / 2 + 1);
  up[0] = 0;
  down[0] = 0;
  // t_k = e^{−2ck} = t_1^k, bracketed.
  const t1 = expNegFixed(2 * c, p);
  const tLo: bigint[] = [1n << P];
  const tHi: bigint[] = [1n << P];
  for (let k = 1; k < maxM; k++) {
    tLo.push(((tLo[k - 1] as bigint) * t1[0]) >> P);
    tHi.push((((tHi[k - 1] as bigint) * t1[1]) >> P) + 1n);
  }
  for (let m = 2; m <= maxM; m += 2) {
    // F_m = Σ_j (−1)^{m−j} C(m, j) w_j, w_m = 1, w_{j−1} = w_j·t_{j−1} (w_j = e^{−c(m−j)(m+j−1)}).
    let wLo = 1n << P;
    let wHi = 1n << P;
    let coef = 1n;
    let sumLo = wLo;
    let sumHi = wHi;
    for (let j = m; j >= 1; j--) {
      if (wHi <= 1n) {
        // Every remaining w is ≤ this one (t ≤ 1) and Σ C(m, j) ≤ 2^m: the rest lies in ±2^m units.
        sumLo -= 1n << BigInt(m);
        sumHi += 1n << BigInt(m);
        break;
      }
      wLo = (wLo * (tLo[j - 1] as bigint)) >> P;
      wHi = ((wHi * (tHi[j - 1] as bigint)) >> P) + 1n;
      coef = (coef * BigInt(j)) / BigInt(m - j + 1); // C(m, j − 1), exact
      if ((m - j + 1) % 2 === 1) {
        sumLo -= coef * wHi;
        sumHi -= coef * wLo;
      } else {
        sumLo += coef * wLo;
        sumHi += coef * wHi;
      }
    }
    const base = mulAbove(c, m * (m - 1)); // ≥ c·m(m−1): m(m−1) < 2⁵³ exact
    up[m / 2] = sumHi <= 0n ? Number.NEGATIVE_INFINITY : addAbove(base, logFixedUp(sumHi, p));
    down[m / 2] = sumLo <= 0n ? Number.NEGATIVE_INFINITY : -addAbove(-mulBelow(c, m * (m - 1)), -logFixedDown(sumLo, p));
  }
  return { c, maxM, logUp: up, logDown: down };
}

let cached: DiffTable | undefined;
/** The table for c up to maxM, reusing the last one when it covers the request. */
function table(c: number, maxM: number): DiffTable {
  if (cached === undefined || cached.c !== c || cached.maxM < maxM) cached = forwardDifferenceTable(c, maxM);
  return cached;
}

/** Upper bound of log A_α at an integer order α ≥ 2 (c an upper bound of 1/(2σ²), q > 0). */
function logAUp(q: number, c: number, alpha: number): number {
  const logq = logUp(q);
  const ln4 = 2 * LN2_UP;
  const diffs = table(c, alpha <= SWOR_TIGHT_MAX_ORDER ? 2 * Math.ceil(alpha / 2) : 2);
  let logA = 0;
  let logCoef = 0; // ≥ log C(α, i)
  for (let i = 1; i <= alpha; i++) {
    logCoef = addAbove(logCoef, logUp(divAbove(alpha - i + 1, i)));
    if (i === 1) continue;
    // i(i−1) < 2⁵³ exact.
    let t = addAbove(LN2_UP, mulAbove(c, i * (i - 1)));
    if (alpha <= SWOR_TIGHT_MAX_ORDER || i === 2) {
      const lo = diffs.logUp[Math.floor(i / 2)] as number;
      const hi = diffs.logUp[Math.ceil(i / 2)] as number;
      const tight = addAbove(ln4, mulAbove(0.5, addAbove(lo, hi))); // ½ exact scaling; kept directed for subnormals
      t = Math.min(t, tight);
    }
    logA = logAddUp(logA, addAbove(addAbove(t, mulAbove(i, logq)), logCoef));
  }
  return logA;
}

/**
 * Upper bound of the sampled-without-replacement Gaussian's RDP at order α > 1 (q = sample size/data-set size,
 * already rounded up; σ the noise multiplier), as `dp_accounting` defines it (Wang, Balle, Kasiviswanathan 2019,
 * Theorem 27 up to order 256, Theorem 9 above; fractional orders by linear interpolation of log A).
 */
export function sworGaussianRdpUp(q: number, sigma: number, alpha: number): number {
  if (q === 0 || sigma === Number.POSITIVE_INFINITY) return 0;
  if (!Number.isFinite(alpha) || sigma === 0) return Number.POSITIVE_INFINITY;
  const s2 = mulBelow(sigma, sigma);
  if (s2 === 0) return Number.POSITIVE_INFINITY;
  if (q === 1) return divAbove(alpha, 2 * s2);
  const c = divAbove(0.5, s2); // ≥ 1/(2σ²)
  if (!Number.isFinite(c)) return Number.POSITIVE_INFINITY;
  if (c === 0) return 0; // σ = ∞
  if (Number.isInteger(alpha)) return Math.max(0, divAbove(logAUp(q, c, alpha), alpha - 1));
  const lo = Math.floor(alpha);
  const t = alpha - lo; // exact
  const atLo = lo === 1 ? 0 : logAUp(q, c, lo);
  const atHi = logAUp(q, c, lo + 1);
  const interpolated = addAbove(mulAbove(addAbove(1, -t), atLo), mulAbove(t, atHi));
  return Math.max(0, divAbove(interpolated, alpha - 1));
}
