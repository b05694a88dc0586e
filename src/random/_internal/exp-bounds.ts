/**
 * Rigorous bounds on exp(−x): an exact BigInt interval evaluation for rational
 * x at any precision, and a fast double-precision approximation whose error
 * bound is proven below from IEEE-754 correct rounding alone (no trust in
 * Math.exp). Together they let samplers decide Bernoulli(exp(−x)) from one
 * 32-bit word almost always and exactly always.
 * @module
 */
import { Rational } from '../../numeric/rational.js';

function bitLen(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * exp(−f)·2^P for rational f = a/b in [0, 1] as an interval [lo, hi] of
 * integers (units 2^−P). Terms T_k = ⌊T_{k−1}·a/(b·k)⌋ under-estimate
 * t_k = f^k/k!·2^P by at most k (each floor loses < 1 and earlier errors are
 * multiplied by f/k ≤ 1); the series alternates with non-increasing terms, so
 * stopping at the first T_K = 0 leaves a tail ≤ t_K ≤ K. Hence
 * |Σ(−1)^k T_k − exp(−f)·2^P| ≤ K(K+1)/2 + K ≤ K² + 1.
 */
function expNegSmall(a: bigint, b: bigint, P: number): [bigint, bigint] {
  const one = 1n << BigInt(P);
  let term = one;
  let sum = one;
  let k = 0n;
  for (;;) {
    k += 1n;
    term = (term * a) / (b * k);
    if (term === 0n) break;
    sum += k % 2n === 1n ? -term : term;
  }
  const err = k * k + 1n;
  return [sum - err, sum + err];
}

/** Interval product in units 2^−P (inputs and outputs ≥ 0 after clamping). */
function mulInterval(x: [bigint, bigint], y: [bigint, bigint], P: number): [bigint, bigint] {
  const s = BigInt(P);
  const lo0 = x[0] < 0n ? 0n : x[0];
  const lo1 = y[0] < 0n ? 0n : y[0];
  const lo = (lo0 * lo1) >> s;
  const hiProd = x[1] * y[1];
  const hi = (hiProd >> s) + ((hiProd & ((1n << s) - 1n)) === 0n ? 0n : 1n);
  return [lo, hi];
}

const LN2_UPPER = 0.6931471805599454; // > ln 2

/**
 * Integers lo ≤ exp(−x)·2^W ≤ hi for a rational x ≥ 0, computed with `guard`
 * extra bits; hi − lo shrinks as guard grows.
 */
export function expNegInterval(x: Rational, W: number, guard = 40): [bigint, bigint] {
  if (x.num === 0n) {
    const v = 1n << BigInt(W);
    return [v, v];
  }
  const n = x.floor();
  // exp(−x) ≤ exp(−n) < 2^(−W−1) once n ≥ (W + 1)·ln 2: the expansion is 0.
  if (Number(n) >= (W + 1) * LN2_UPPER + 1) return [0n, 1n];
  const nNum = Number(n);
  const P = W + guard + 2 * bitLen(BigInt(W + guard)) + bitLen(BigInt(nNum + 1)) + 8;
  const f = x.sub(Rational.of(n));
  let acc = expNegSmall(f.num, f.den, P);
  if (nNum > 0) {
    let base = expNegSmall(1n, 1n, P);
    let e = nNum;
    let pow: [bigint, bigint] = [1n << BigInt(P), 1n << BigInt(P)];
    while (e > 0) {
      if (e & 1) pow = mulInterval(pow, base, P);
      e >>= 1;
      if (e > 0) base = mulInterval(base, base, P);
    }
    acc = mulInterval(acc, pow, P);
  }
  const shift = BigInt(P - W);
  const lo = acc[0] < 0n ? 0n : acc[0] >> shift;
  const hi = (acc[1] >> shift) + 1n;
  return [lo, hi];
}

/**
 * ⌊exp(−x)·2^W⌋ exactly, for rational x > 0 (exp(−x) is then irrational,
 * Lindemann–Weierstrass, so the refinement below always terminates).
 */
export function floorExpNegBits(x: Rational, W: number): bigint {
  for (let guard = 40; ; guard *= 2) {
    const [lo, hi] = expNegInterval(x, W, guard);
    if (hi - lo <= 1n) return lo;
    if (guard > 1 << 20) throw new Error('floorExpNegBits did not converge');
  }
}

// ---------------------------------------------------------------------------
// Fast double approximation with a proven error bound.
//
// expNegApprox(y) for y in [0, 31): i = ⌊y⌋, r = y − i (exact: Sterbenz, since
// i ≤ y < 2i for i ≥ 1), j = ⌊64r⌋, s = r − j/64 (exact, same argument), so
// exp(−y) = A[i]·B[j]·exp(−s) with s in [0, 1/64). The degree-6 Taylor
// polynomial of exp(−s) is off by at most s⁷/7! < 2^−54; its Horner evaluation
// (12 correctly rounded operations on values within [0.98, 1]) adds < 2^−49.4
// relative; A and B are correctly rounded (< 2^−53 each) and two products add
// 2·2^−53. Total relative error < 2^−48.5, proven with IEEE-754 correct
// rounding alone. Callers use a margin of 2^−38.
// ---------------------------------------------------------------------------

/**
 * The double nearest exp(−x) (the rounding of a 2^−150-wide exact interval's midpoint), for rational x ≥ 0: how the
 * tables A and B below are defined.
 */
export function nearestDouble(x: Rational): number {
  const W = 160;
  const [lo, hi] = expNegInterval(x, W, 64);
  // The interval is ~2^−150 wide around a value ≥ 2^−45: its midpoint rounds correctly
  // except in astronomically rare ties; the error bound above allows 2^−52 anyway.
  return Rational.of(lo + hi, 1n << BigInt(W + 1)).toNumber();
}

/**
 * The tables, as literals: A[i] = nearestDouble(i), i = 0..31, and B[j] = nearestDouble(j/64), j = 0..63 — written out
 * (each the shortest decimal that reads back as that double, exactly) instead of computed with BigInt arithmetic on
 * the first draw, which cost ≈ 18 ms of CPU in every process that releases anything (issue 11, stop 26). Rule: every
 * entry is bit for bit the value `nearestDouble` gives, so every decision below is the one the computed tables made;
 * test/random/exp-tables.test.ts recomputes all 96 and compares them with Object.is.
 */
const A = Float64Array.from([
  1, 0.36787944117144233, 0.1353352832366127, 0.049787068367863944, 0.01831563888873418, 0.006737946999085467, 0.0024787521766663585,
  0.0009118819655545162, 0.00033546262790251185, 0.00012340980408667956, 0.000045399929762484854, 0.00001670170079024566,
  0.00000614421235332821, 0.0000022603294069810542, 8.315287191035679e-7, 3.059023205018258e-7, 1.1253517471925912e-7, 4.139937718785167e-8,
  1.522997974471263e-8, 5.602796437537268e-9, 2.061153622438558e-9, 7.582560427911907e-10, 2.7894680928689246e-10, 1.026187963170189e-10,
  3.775134544279098e-11, 1.3887943864964021e-11, 5.109089028063325e-12, 1.8795288165390832e-12, 6.914400106940203e-13,
  2.543665647376923e-13, 9.357622968840175e-14, 3.442477108469977e-14,
]);
/** exp(−j/64), j = 0..63: see A above. */
const B = Float64Array.from([
  1, 0.9844964370054085, 0.9692332344763441, 0.9542066659691884, 0.9394130628134758, 0.9248488132162048, 0.9105103613800342,
  0.8963942066351505, 0.8824969025845955, 0.8688150562628432, 0.8553453273074225, 0.8420844271433824, 0.8290291181804004,
  0.8161762130223398, 0.8035225736890608, 0.791065110850296, 0.7788007830714049, 0.76672659607082, 0.7548396019890073, 0.7431368986687583,
  0.7316156289466418, 0.7202729799554398, 0.7091061824373984, 0.6981125100681258, 0.6872892787909722, 0.676633846161729, 0.6661436107034878,
  0.6558160112715016, 0.645648526427892, 0.635638673826052, 0.6257840096045911, 0.6160821277906783, 0.6065306597126334, 0.5971272734216274,
  0.5878696731223465, 0.5787555986124843, 0.569782824730923, 0.5609491608144708, 0.5522524501630204, 0.5436905695130004, 0.5352614285189903,
  0.5269629692433709, 0.5187931656538893, 0.5107500231290107, 0.5028315779709409, 0.4950358969261986, 0.4873610767136191,
  0.4798052435596775, 0.4723665527410147, 0.4650431881340563, 0.45783336177161427, 0.4507353134063624, 0.44374731008107987,
  0.4368676457055573, 0.43009464064006225, 0.4234266412852628, 0.4168620196785084, 0.41039917309637, 0.4040365236633421,
  0.39777251796661167, 0.391605626676799, 0.3855343441745787, 0.3795571881830896, 0.373672699406043,
]);

/** Copies of the tables (A, then B), for the test that recomputes them; the tables themselves are not exported. */
export function expTables(): readonly [readonly number[], readonly number[]] {
  return [Array.from(A), Array.from(B)];
}

const C2 = 1 / 2;
const C3 = 1 / 6;
const C4 = 1 / 24;
const C5 = 1 / 120;
const C6 = 1 / 720;

/** exp(−y) for a double y in [0, 31), relative error < 2^−48 (see above). */
export function expNegApprox(y: number): number {
  const i = Math.floor(y);
  const r = y - i;
  const j = Math.floor(r * 64);
  const s = r - j / 64;
  const poly = 1 - s * (1 - s * (C2 - s * (C3 - s * (C4 - s * (C5 - s * C6)))));
  return (A[i] as number) * (B[j] as number) * poly;
}

const TWO_32 = 4_294_967_296;
const MARGIN_LO = 1 - 2 ** -38;
const MARGIN_HI = 1 + 2 ** -38;
/** An absolute margin of 2^−38, in units of 2^−32. */
const ABS_MARGIN_32 = 2 ** -6;

/**
 * Decides Bernoulli(exp(−x)) from the first 32-bit word `w` of a uniform
 * U in [0, 1) when the floating-point bounds allow: 1 (U < exp(−x) for every
 * continuation of w), 0 (U > exp(−x)), or −1 (undecided: use
 * {@link bernoulliExpFromWord}).
 *
 * Contract: `xd` approximates the exact x ≥ 0 with |xd − x| ≤ max(2^−42, 2^−45·x).
 * Then for x ≤ 31, exp(−x)/exp(−xd) lies within 1 ± 2^−40.9.
 *
 * First a table bracket over bins of width 1/64 (settles all but ~1.6% of
 * draws). Then, for xd < 1: the alternating Taylor series gives
 * S₅(xd) ≤ exp(−xd) ≤ S₄(xd) (partial sums through x⁵/5! and x⁴/4!); their
 * Horner evaluations on values in [0, 1] err by < 2^−49 absolute, and
 * exp(−x) differs from exp(−xd) by < 2^−40.9 absolute, all inside the absolute
 * margin of 2^−38. The bracket is at most x⁵/120 wide, so the full path below
 * is needed for < 1% of draws. Full path: expNegApprox (relative error
 * < 2^−48) with a relative margin of 2^−38. For xd ≥ 30, x > 29.99 and
 * exp(−x) < 2^−43.
 */
export function decideBernoulliExp(xd: number, w: number): number {
  if (xd < 30) {
    // Table bracket: with k = ⌊64·xd⌋, the exact x lies in [k/64 − err, (k+1)/64 + err]
    // (err from the contract, < 2^−40.9 relative to exp(−x) as above), so
    // exp(−(k+1)/64)·(1 − 2^−40) ≤ exp(−x) ≤ exp(−k/64)·(1 + 2^−40); the tables hold
    // expNegApprox(j/64)·2³² (error < 2^−48) shrunk/grown by the 2^−38 margin.
    if (binLow.length === 0) ensureBins();
    const k = Math.floor(Math.max(xd, 0) * BINS_PER_UNIT);
    if (w + 1 <= (binLow[k + 1] as number)) return 1;
    if (w >= (binHigh[k] as number)) return 0;
  }
  return decideBernoulliExpFine(xd, w);
}

const BINS_PER_UNIT = 64;
let binLow = new Float64Array(0);
let binHigh = new Float64Array(0);

function ensureBins(): void {
  const n = 30 * BINS_PER_UNIT + 2;
  const low = new Float64Array(n);
  const high = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const p = expNegApprox(j / BINS_PER_UNIT) * TWO_32;
    low[j] = p * MARGIN_LO;
    high[j] = p * MARGIN_HI;
  }
  binLow = low;
  binHigh = high;
}

/** The finer decision (Taylor brackets, then expNegApprox) for draws the table bracket leaves open. */
function decideBernoulliExpFine(xd: number, w: number): number {
  if (xd < 1) {
    const x = Math.max(xd, 0);
    const upper = 1 - x * (1 - x * (C2 - x * (C3 - x * C4)));
    const lower = upper - x * x * x * x * x * C5;
    if (w + 1 <= lower * TWO_32 - ABS_MARGIN_32) return 1;
    if (w >= upper * TWO_32 + ABS_MARGIN_32) return 0;
  }
  if (xd >= 30) return w >= 1 ? 0 : -1;
  const p = expNegApprox(xd) * TWO_32;
  if (w + 1 <= p * MARGIN_LO) return 1;
  if (w >= p * MARGIN_HI) return 0;
  return -1;
}
