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

function nearestDouble(x: Rational): number {
  const W = 160;
  const [lo, hi] = expNegInterval(x, W, 64);
  // The interval is ~2^−150 wide around a value ≥ 2^−45: its midpoint rounds correctly
  // except in astronomically rare ties; the error bound above allows 2^−52 anyway.
  return Rational.of(lo + hi, 1n << BigInt(W + 1)).toNumber();
}

let A = new Float64Array(0); // exp(−i), i = 0..31, filled on first use
let B = new Float64Array(0); // exp(−j/64), j = 0..63

function ensureTables(): void {
  const a = new Float64Array(32);
  const b = new Float64Array(64);
  for (let i = 0; i < 32; i++) a[i] = nearestDouble(Rational.of(BigInt(i)));
  for (let j = 0; j < 64; j++) b[j] = nearestDouble(Rational.of(BigInt(j), 64n));
  A = a;
  B = b;
}

const C2 = 1 / 2;
const C3 = 1 / 6;
const C4 = 1 / 24;
const C5 = 1 / 120;
const C6 = 1 / 720;

/** exp(−y) for a double y in [0, 31), relative error < 2^−48 (see above). */
export function expNegApprox(y: number): number {
  if (A.length === 0) ensureTables();
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
