/**
 * Single DFT bins, and their n-th powers, in double-double arithmetic with a proven error bound. Used by the
 * PLD's self-composition (`fft.ts` `realSelfConvolvePower`) for the few low-frequency bins where the power
 * amplifies the FFT's round-off n times (`../pld-roundoff.proof.md`, "Refined bins").
 *
 * Double-double operations are Joldes, Muller and Popescu's (ACM TOMS 44(2), 2017): `ddAdd` is
 * AccurateDWPlusDW (relative error ≤ 3u²/(1 − 4u)), `ddMul` is DWTimesDW1 (≤ 7u²), u = 2⁻⁵³, round to nearest,
 * no overflow (every value here is ≤ 2 in modulus); underflow is covered by an absolute term per operation.
 * A complex product (4 products, 2 sums) is then within 32u²·|z|·|w| (τ below, generous). Both operations are
 * defined once, on scalars, in `dd-dft-sums.ts` (`ddSumInto`, `ddProductInto`), whose loop over the input runs
 * every bin of a refinement in one pass with the same operations in the same order (bit-identical results,
 * `test/accounting/dd-dft-identical.test.ts`); the tuple forms here serve the few operations around it.
 * @module
 */

import { accumulateBins, ddProductInto, ddSumInto, STATE_STRIDE, setTwiddle, TWIDDLE_STRIDE } from './dd-dft-sums.js';

const U = 2 ** -53;
/** Relative error of one double-double complex product or sum (see the module header). */
const TAU = 32 * U * U;
/** 2π as a double-double (6.283185307179586 + 2.4492935982947064e-16: error < 10⁻³²). */
const TWO_PI_HI = 6.283185307179586;
const TWO_PI_LO = 2.4492935982947064e-16;

function split(a: number): [number, number] {
  const c = 134217729 * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** a·b = p + e exactly (Dekker). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/** A double-double: hi + lo with |lo| ≤ ulp(hi)/2. */
type DD = [number, number];

/** Scratch of the tuple forms below (one pair; nothing else holds it across a call). */
const pair = new Float64Array(2);

function ddAdd(x: DD, y: DD): DD {
  ddSumInto(pair, 0, x[0], x[1], y[0], y[1]);
  return [pair[0] as number, pair[1] as number];
}

function ddMul(x: DD, y: DD): DD {
  ddProductInto(pair, 0, x[0], x[1], y[0], y[1]);
  return [pair[0] as number, pair[1] as number];
}

function ddNeg(x: DD): DD {
  return [-x[0], -x[1]];
}

/** A complex double-double (re, im). */
type CDD = [DD, DD];

function cMul(z: CDD, w: CDD): CDD {
  return [ddAdd(ddMul(z[0], w[0]), ddNeg(ddMul(z[1], w[1]))), ddAdd(ddMul(z[0], w[1]), ddMul(z[1], w[0]))];
}

/** e^{−iθ} for θ = 2π/size (size a power of two ≥ 4), by Taylor series in double-double: error < 64u². */
function rootOfUnity(size: number): CDD {
  const theta: DD = [TWO_PI_HI / size, TWO_PI_LO / size]; // exact scaling by a power of two
  const t2 = ddMul(theta, theta);
  // cos θ = Σ (−1)^j θ^{2j}/(2j)!, sin θ = Σ (−1)^j θ^{2j+1}/(2j+1)!; θ ≤ π/2, 30 terms leave < 10⁻⁴⁰.
  let c: DD = [1, 0];
  let s: DD = theta;
  let termC: DD = [1, 0];
  let termS: DD = theta;
  for (let j = 1; j <= 30; j++) {
    termC = ddMul(termC, t2);
    termC = ddDivSmall(termC, -(2 * j - 1) * (2 * j));
    termS = ddMul(termS, t2);
    termS = ddDivSmall(termS, -(2 * j) * (2 * j + 1));
    c = ddAdd(c, termC);
    s = ddAdd(s, termS);
  }
  return [c, ddNeg(s)];
}

/** x / m for a small integer m (exact in double), to double-double accuracy. */
function ddDivSmall(x: DD, m: number): DD {
  const q1 = x[0] / m;
  const [p, e] = twoProd(q1, m);
  const r = x[0] - p - e + x[1];
  const q2 = r / m;
  const v = q1 + q2;
  return [v, q2 - (v - q1)];
}

/** z^k by binary powering (≤ 2·log₂k products). */
function cPow(z: CDD, k: number): CDD {
  let result: CDD = [
    [1, 0],
    [0, 0],
  ];
  let base = z;
  let e = k;
  while (e > 0) {
    if (e % 2 === 1) result = cMul(result, base);
    e = Math.floor(e / 2);
    if (e > 0) base = cMul(base, base);
  }
  return result;
}

const log2 = (k: number) => (k <= 1 ? 1 : Math.ceil(Math.log2(k)));

/** One refined bin: X_kⁿ rounded to double, and a bound on its error. */
export type RefinedBin = { re: number; im: number; error: number };

/**
 * The bins `ks` of the size-point DFT of x (zero-padded), X_k = Σ_j x_j e^{−2πijk/size}, each raised to the power
 * n, in double-double, rounded to double. With `shift` = s, the bins of x rotated down by s: X_k·ω^{−sk}. All
 * bins are computed in one pass over x (`dd-dft-sums.ts`); each result is the same as a pass for that bin alone.
 * @returns per bin of `ks`, in its order: [re, im] of X_kⁿ and `error`, a bound on |returned − X_kⁿ| (exact X_k of
 * the given doubles x), including the final rounding to double.
 */
export function refinedBinPowers(x: Float64Array, size: number, ks: readonly number[], n: number, shift = 0): RefinedBin[] {
  const len = Math.min(x.length, size);
  const omega = rootOfUnity(size);
  const bins = ks.length;
  const twiddles = new Float64Array(TWIDDLE_STRIDE * bins);
  const state = new Float64Array(STATE_STRIDE * bins);
  const err0s = new Float64Array(bins);
  const errTs = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    const k = ks[b] as number;
    const t = cPow(omega, k);
    setTwiddle(twiddles, b, t[0][0], t[0][1], t[1][0], t[1][1]);
    // |t̂ − t| ≤ k·64u² (error of ω, times k) + 2·log₂k·τ (the products), all ×1.01.
    errTs[b] = 1.01 * (k * 64 * U * U + 2 * log2(k) * TAU);
    // w_0 = ω^{(size − s)·k mod size} (≤ size·64u² + 2·log₂size·τ).
    const e0 = ((size - (shift % size)) * k) % size;
    const w0 = cPow(omega, e0);
    err0s[b] = 1.01 * (e0 * 64 * U * U + 2 * log2(e0) * TAU);
    state.set([w0[0][0], w0[0][1], w0[1][0], w0[1][1]], STATE_STRIDE * b);
  }
  const l1 = accumulateBins(x, len, twiddles, state, bins) * (1 + 2 ** -28);
  const out: RefinedBin[] = [];
  for (let b = 0; b < bins; b++) {
    const o = STATE_STRIDE * b;
    const sr: DD = [state[o + 4] as number, state[o + 5] as number];
    const si: DD = [state[o + 6] as number, state[o + 7] as number];
    out.push(binPower(sr, si, l1, len, err0s[b] as number, errTs[b] as number, n));
  }
  return out;
}

/** X̂ⁿ from X̂ = sr + i·si (computed from x with ‖x‖₁ ≤ l1), and its error bound (the module header's algebra). */
function binPower(sr: DD, si: DD, l1: number, len: number, err0: number, errT: number, n: number): RefinedBin {
  // |ŵ_j − w_j| ≤ j·(errT + τ)·1.01; each term adds τ·|x_j| and each sum 3u²·‖x‖₁; underflow 2⁻¹⁰⁷⁴ per operation.
  const errX = 1.1 * l1 * (err0 + (len + 1) * (errT + TAU) + 2 * TAU + len * 6 * U * U) + len * 64 * Number.MIN_VALUE;
  const mod = Math.hypot(sr[0], si[0]) * (1 + 4 * U) + Math.abs(sr[1]) + Math.abs(si[1]);
  const p = cPow([sr, si], n);
  const pr = p[0][0] + p[0][1];
  const pi = p[1][0] + p[1][1];
  // |X̂ⁿ − Xⁿ| ≤ n·errX·(|X̂| + errX)^{n−1}; the powering's products ≤ 2·log₂n·τ relative (×1.01); the rounding
  // to double ≤ 2u·|X̂ⁿ|.
  const upper = mod + errX;
  const power = Math.exp(n * Math.log(upper)) * 1.01;
  const error =
    1.05 * (n * errX * Math.exp((n - 1) * Math.log(upper)) + power * (2 * log2(n) * TAU) + 2 * U * Math.hypot(pr, pi)) +
    64 * Number.MIN_VALUE;
  return { re: pr, im: pi, error };
}
