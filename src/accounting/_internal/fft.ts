/**
 * In-place iterative radix-2 FFT on split real/imaginary Float64Arrays, with
 * cached twiddle tables (computed directly with cos/sin for each index, not by
 * recurrence, so the error stays ~1e-16 relative to the largest value).
 *
 * The two convolutions return, besides the values, a PROVEN bound on the ℓ2 norm of their round-off
 * (`errorL2`: ‖computed − exact‖₂ over the returned entries, exact = the convolution of the inputs as given).
 * The bound is computed per frequency bin from the computed spectrum; the derivation and its assumptions
 * (fdlibm's < 1 ulp for sin, cos, exp, log, atan2) are in `../pld-roundoff.proof.md`.
 * @module
 */

import { type RefinedBin, refinedBinPowers } from './dd-dft.js';

/** The unit round-off 2⁻⁵³. */
const U = 2 ** -53;
/**
 * The relative error one butterfly stage adds (Higham, Accuracy and Stability, §24.1: η = μ + γ₄(√2 + μ)),
 * with μ ≤ 16u the error of a twiddle factor (its angle −2πk/N is rounded once, ≤ 2π·u, cos/sin < 1 ulp):
 * η ≤ 16u + 4.01u·1.42 < 22u, taken as 24u.
 */
const ETA = 24 * U;
/** Work budget (input points × refined bins) of the double-double refinement per self-composition. */
const REFINE_WORK = 1 << 23;

/** Slack on a bound computed in floating point (its own rounding is far below 1 %). */
const BOUND_SLACK = 1.05;

/** A convolution's values and a bound on the ℓ2 norm of their round-off. */
export type BoundedValues = { values: Float64Array; errorL2: number };

type Tables = { cos: Float64Array; sin: Float64Array; rev: Uint32Array; bits: number };

const twiddleCache = new Map<number, Tables>();

function tables(n: number): Tables {
  let t = twiddleCache.get(n);
  if (t) return t;
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    const a = (-2 * Math.PI * i) / n;
    cos[i] = Math.cos(a);
    sin[i] = Math.sin(a);
  }
  const rev = new Uint32Array(n);
  let bits = 0;
  while (1 << bits < n) bits++;
  for (let i = 0; i < n; i++) {
    let r = 0;
    let x = i;
    for (let b = 0; b < bits; b++) {
      r = (r << 1) | (x & 1);
      x >>= 1;
    }
    rev[i] = r;
  }
  t = { cos, sin, rev, bits };
  if (twiddleCache.size > 8) twiddleCache.clear();
  twiddleCache.set(n, t);
  return t;
}

/**
 * Forward (inverse = false) or inverse (unnormalised: the caller divides by n)
 * discrete Fourier transform of (re, im), in place. n must be a power of two.
 */
export function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  if (n <= 1) return;
  const { cos, sin, rev, bits } = tables(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i] as number;
    if (j > i) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  const sign = inverse ? -1 : 1;
  let size = 2;
  if (bits % 2 === 1) {
    // One radix-2 stage (twiddle 1) so that the rest pairs up.
    for (let a = 0; a < n; a += 2) {
      const br = re[a + 1] as number;
      const bi = im[a + 1] as number;
      const ar = re[a] as number;
      const ai = im[a] as number;
      re[a + 1] = ar - br;
      im[a + 1] = ai - bi;
      re[a] = ar + br;
      im[a] = ai + bi;
    }
    size = 4;
  }
  // Radix-2² passes: each fuses the radix-2 stages of spans size/2 and size·2.
  for (let m = size; m * 2 <= n; m *= 4) {
    const span = m * 2; // the larger stage's block size
    const q = m / 2; // quarter of the block
    const step1 = n / m; // twiddle stride for the stage of size m
    const step2 = n / span; // twiddle stride for the stage of size 2m
    for (let start = 0; start < n; start += span) {
      for (let k = 0; k < q; k++) {
        const w1r = cos[k * step1] as number;
        const w1i = sign * (sin[k * step1] as number);
        const w2r = cos[k * step2] as number;
        const w2i = sign * (sin[k * step2] as number);
        // w3 = w2 · W_4 (−i forward, +i inverse)
        const w3r = sign * w2i;
        const w3i = -sign * w2r;
        const i0 = start + k;
        const i1 = i0 + q;
        const i2 = i1 + q;
        const i3 = i2 + q;
        const x0r = re[i0] as number;
        const x0i = im[i0] as number;
        const x1r = re[i1] as number;
        const x1i = im[i1] as number;
        const x2r = re[i2] as number;
        const x2i = im[i2] as number;
        const x3r = re[i3] as number;
        const x3i = im[i3] as number;
        // stage of size m on (i0,i1) and (i2,i3)
        let tr = x1r * w1r - x1i * w1i;
        let ti = x1r * w1i + x1i * w1r;
        const a0r = x0r + tr;
        const a0i = x0i + ti;
        const a1r = x0r - tr;
        const a1i = x0i - ti;
        tr = x3r * w1r - x3i * w1i;
        ti = x3r * w1i + x3i * w1r;
        const a2r = x2r + tr;
        const a2i = x2i + ti;
        const a3r = x2r - tr;
        const a3i = x2i - ti;
        // stage of size 2m on (i0,i2) with w2 and (i1,i3) with w3
        tr = a2r * w2r - a2i * w2i;
        ti = a2r * w2i + a2i * w2r;
        re[i0] = a0r + tr;
        im[i0] = a0i + ti;
        re[i2] = a0r - tr;
        im[i2] = a0i - ti;
        tr = a3r * w3r - a3i * w3i;
        ti = a3r * w3i + a3i * w3r;
        re[i1] = a1r + tr;
        im[i1] = a1i + ti;
        re[i3] = a1r - tr;
        im[i3] = a1i - ti;
      }
    }
  }
}

/** Σ|v|, ‖v‖₂ of a vector. */
function norms(v: Float64Array): [number, number] {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < v.length; i++) {
    const x = Math.abs(v[i] as number);
    s1 += x;
    s2 += x * x;
  }
  // Summation error (≤ len·u relative) covered by the slack of the caller's factor (len ≤ 2²⁴: < 2⁻²⁹).
  return [s1 * (1 + 2 ** -28), Math.sqrt(s2) * (1 + 2 ** -28)];
}

/**
 * Linear convolution of two real sequences by FFT (directly when short), with a bound on its round-off
 * (pld-roundoff.proof.md, "One convolution").
 */
export function convolveReal(a: Float64Array, b: Float64Array): BoundedValues {
  const outLen = a.length + b.length - 1;
  if (a.length === 1 || b.length === 1) {
    const [x, v] = a.length === 1 ? [a[0] as number, b] : [b[0] as number, a];
    const out = new Float64Array(outLen);
    for (let i = 0; i < outLen; i++) out[i] = x * (v[i] as number);
    // One rounding per entry: |error| ≤ u·|x·v_i|, plus 2⁻¹⁰⁷⁴ per entry for an underflow.
    return { values: out, errorL2: BOUND_SLACK * (U * Math.abs(x) * norms(v)[1] + Math.sqrt(outLen) * Number.MIN_VALUE) };
  }
  if (a.length * b.length <= 4096) {
    const out = new Float64Array(outLen);
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as number;
      if (x === 0) continue;
      for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] as number) + x * (b[j] as number);
    }
    // Entry i sums ≤ a.length products: |error| ≤ γ_{len+1}·(|a|∗|b|)_i, and ‖|a|∗|b|‖₂ ≤ ‖a‖₁‖b‖₂ (Young).
    const g = ((a.length + 1) * U) / (1 - (a.length + 1) * U);
    return { values: out, errorL2: BOUND_SLACK * (g * norms(a)[0] * norms(b)[1] + Math.sqrt(outLen) * Number.MIN_VALUE) };
  }
  let n = 1;
  let bits = 0;
  while (n < outLen) {
    n <<= 1;
    bits++;
  }
  // Pack a in the real part and b in the imaginary part: one forward transform for both.
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(a);
  im.set(b);
  fft(re, im, false);
  // Every bin of the computed A and B is within eInf of the exact one (per-bin bound of a radix-2 FFT by the
  // ℓ1 norm of the input, plus the split): eInf ≤ (log₂n + 2)·η·(‖a‖₁ + ‖b‖₁).
  const eInf = BOUND_SLACK * (bits + 2) * ETA * (norms(a)[0] + norms(b)[0]);
  let d2 = 0;
  let p2 = 0;
  // A[k] = (Z[k] + conj Z[n−k]) / 2, B[k] = (Z[k] − conj Z[n−k]) / 2i; product A·B.
  const pr = new Float64Array(n);
  const pi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const m = (n - k) & (n - 1);
    const zr = re[k] as number;
    const zi = im[k] as number;
    const cr = re[m] as number;
    const ci = -(im[m] as number);
    const ar = 0.5 * (zr + cr);
    const ai = 0.5 * (zi + ci);
    // (z − c)/(2i) = (zi − ci)/2 − i (zr − cr)/2
    const br = 0.5 * (zi - ci);
    const bi = -0.5 * (zr - cr);
    const qr = ar * br - ai * bi;
    const qi = ar * bi + ai * br;
    pr[k] = qr;
    pi[k] = qi;
    // |Ã·B̃ computed − A·B| ≤ eInf·(|Ã| + |B̃| + eInf) + 4u·|Ã||B̃| (a complex product: γ₂·√2 < 4u).
    const am = Math.hypot(ar, ai);
    const bm = Math.hypot(br, bi);
    const d = eInf * (am + bm + eInf) + 4 * U * am * bm;
    d2 += d * d;
    p2 += qr * qr + qi * qi;
  }
  fft(pr, pi, true);
  const out = new Float64Array(outLen);
  for (let i = 0; i < outLen; i++) out[i] = (pr[i] as number) / n;
  // Inverse transform (unnormalised, then /n, exact): ‖error‖₂ ≤ (‖δP‖₂ + ε₂·‖P̃‖₂)/√n with ε₂ = (log₂n + 1)·η.
  const eps2 = (bits + 1) * ETA;
  const errorL2 = (BOUND_SLACK * (Math.sqrt(d2) * (1 + eps2) + eps2 * Math.sqrt(p2))) / Math.sqrt(n) + Math.sqrt(outLen) * Number.MIN_VALUE;
  return { values: out, errorL2 };
}

let scratchBuffers: Float64Array[] = [];

/** Four reusable work arrays (h, h, h + 1, h + 1 long); the first two are zeroed. */
function scratch(h: number): [Float64Array, Float64Array, Float64Array, Float64Array] {
  // Only moderate sizes are kept (≤ 2 MiB per array); larger ones are allocated per call.
  if (h > 1 << 18) return [new Float64Array(h), new Float64Array(h), new Float64Array(h + 1), new Float64Array(h + 1)];
  if (scratchBuffers.length !== 4 || (scratchBuffers[0] as Float64Array).length !== h) {
    scratchBuffers = [new Float64Array(h), new Float64Array(h), new Float64Array(h + 1), new Float64Array(h + 1)];
  } else {
    (scratchBuffers[0] as Float64Array).fill(0);
    (scratchBuffers[1] as Float64Array).fill(0);
  }
  return scratchBuffers as [Float64Array, Float64Array, Float64Array, Float64Array];
}

const realTwiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

/** cos and sin of −2πk/size for k ≤ size/2. */
function realTwiddles(size: number): { cos: Float64Array; sin: Float64Array } {
  let t = realTwiddleCache.get(size);
  if (t) return t;
  const h = size >> 1;
  const cos = new Float64Array(h + 1);
  const sin = new Float64Array(h + 1);
  for (let k = 0; k <= h; k++) {
    const a = (-2 * Math.PI * k) / size;
    cos[k] = Math.cos(a);
    sin[k] = Math.sin(a);
  }
  t = { cos, sin };
  if (realTwiddleCache.size > 8) realTwiddleCache.clear();
  realTwiddleCache.set(size, t);
  return t;
}

/**
 * The refinement's choice: the candidates (in increasing order) whose bound exceeds `floor`, largest bound
 * first (ties in candidate order), at most `count` of them. The same bins, in the same order, as sorting every
 * candidate by decreasing bound (a stable sort) and taking the prefix above `floor` — without sorting the tens
 * of thousands that are not above it. A bound that is NaN is never above `floor` (`>` is false).
 */
function largestAbove(candidates: readonly number[], dk: Float64Array, floor: number, count: number): number[] {
  const above = candidates.filter((k) => (dk[k] as number) > floor);
  above.sort((i, j) => (dk[j] as number) - (dk[i] as number));
  return above.slice(0, count);
}

/**
 * The n-fold circular self-convolution of a real sequence x (zero-padded to
 * `size`, a power of two ≥ 4): a real FFT (one complex FFT of size/2 and a
 * split), each bin raised to the power n (bins whose modulus² is below
 * `r2Min` underflow to 0), and the inverse real FFT; returns the circular
 * result at offsets start … start + length − 1, with a bound on the ℓ2 norm of
 * its round-off against the exact circular self-convolution of x
 * (pld-roundoff.proof.md, "Self-composition").
 */
export function realSelfConvolvePower(x: Float64Array, size: number, n: number, r2Min: number, start = 0, length = size): BoundedValues {
  const h = size >> 1;
  let bits = 0;
  while (1 << bits < size) bits++;
  const tw = realTwiddles(size);
  const [re, im, pr, pi] = scratch(h);
  const len = Math.min(x.length, size);
  // The largest entry (the spike a subsampled mechanism puts near loss 0) is rotated to index 0 and left out of the
  // transform: its DFT is the constant c, added exactly per bin, so the FFT's error scales with the REST's ℓ1
  // norm (pld-roundoff.proof.md, "The spike"). The output is rotated back by n·j0.
  let j0 = 0;
  for (let i = 1; i < len; i++) if ((x[i] as number) > (x[j0] as number)) j0 = i;
  const spike = x[j0] as number;
  const mask = size - 1;
  for (let i = 0; i < len; i++) {
    if (i === j0) continue;
    const m = (i - j0) & mask;
    if (m & 1) im[m >> 1] = x[i] as number;
    else re[m >> 1] = x[i] as number;
  }
  fft(re, im, false);
  // Per-bin error of the forward real transform of the rest: the half-size FFT (log₂h stages, δZ) and the split
  // (|δE|² + |δO|² ≤ max|δZ|², so |δE| + |δO| ≤ √2·max|δZ|, then a stage of its own): eInf ≤ (√2·log₂size + 2)·η·‖rest‖₁, plus the rounding of c + R̃_k (≤ u·|X̃_k|
  // ≤ 2u·‖x‖₁).
  const l1x = norms(x.subarray(0, len))[0];
  const eInf = BOUND_SLACK * ((Math.SQRT2 * bits + 2) * ETA * Math.max(0, l1x - Math.abs(spike)) * (1 + 2 ** -40) + 2 * U * l1x);
  // Relative error of one bin raised to the n-th power by exp(n/2·log r²), n·atan2, cos, sin (fdlibm < 1 ulp;
  // n·|log r²| ≤ 1500 above r2Min): ρ ≤ (11n + 2300)·u.
  const rho = (11 * n + 2300) * U;
  // Per-bin bound on |P̃_k − X_kⁿ|, and the bins where the n-fold amplification of the FFT's error dominates.
  const dk = new Float64Array(h + 1);
  const candidates: number[] = [];
  let p2 = 0;
  const dropBound = Math.exp(n * Math.log(Math.sqrt(r2Min) + eInf)) * 1.01;
  // Twiddles e^{−2πik/size} for k ≤ size/2.
  for (let k = 0; k <= h; k++) {
    const kk = k === h ? 0 : k;
    const mm = (h - k) & (h - 1);
    const zr = re[kk] as number;
    const zi = im[kk] as number;
    const cr = re[mm] as number;
    const ci = -(im[mm] as number);
    const er = 0.5 * (zr + cr);
    const ei = 0.5 * (zi + ci);
    // O = (Z − conj Z')/(2i)
    const orr = 0.5 * (zi - ci);
    const oi = -0.5 * (zr - cr);
    const wr = tw.cos[k] as number;
    const wi = tw.sin[k] as number;
    const xr = er + (wr * orr - wi * oi) + spike;
    const xi = ei + (wr * oi + wi * orr);
    const r2 = xr * xr + xi * xi;
    // Bins 1 … h−1 stand for two bins of the full transform (k and size − k, conjugates).
    const weight = k === 0 || k === h ? 1 : 2;
    if (r2 < r2Min || r2 === 0) {
      pr[k] = 0;
      pi[k] = 0;
      // The dropped value itself, |X|ⁿ ≤ (|X̃| + eInf)ⁿ ≤ (√r2Min + eInf)ⁿ.
      dk[k] = dropBound;
      if (dropBound > 1e-300) candidates.push(k);
      continue;
    }
    const a = Math.sqrt(r2);
    const mag = Math.exp(0.5 * n * Math.log(r2));
    const ang = n * Math.atan2(xi, xr);
    pr[k] = mag * Math.cos(ang);
    pi[k] = mag * Math.sin(ang);
    // |X̃ⁿ − Xⁿ| ≤ n·eInf·(|X̃| + 2·eInf)^{n−1} (mean value theorem, |X| ≤ |X̃| + eInf); when (n − 1)·2eInf/|X̃| ≤
    // 2⁻¹⁰, (|X̃| + 2eInf)^{n−1} ≤ |X̃|^{n−1}·e^{2⁻¹⁰} ≤ 1.002·(mag/|X̃|)·(1 + ρ), without a logarithm.
    const ratio = (2 * eInf * (n - 1)) / a;
    const spread =
      ratio <= 2 ** -10 ? n * eInf * (mag / a) * 1.002 * (1 + rho) : n * eInf * Math.exp((n - 1) * Math.log(a + 2 * eInf)) * 1.01;
    dk[k] = spread + rho * mag;
    if (spread > 8 * U * mag + 1e-300) candidates.push(k);
    p2 += weight * mag * mag;
  }
  // Refined bins (pld-roundoff.proof.md, "Refined bins"): the largest bounds recomputed directly in
  // double-double, as many as REFINE_WORK / len allows (the rest keep their FFT bound: sound, looser).
  if (candidates.length > 0 && n > 1) {
    // What refinement cannot lower: the inverse transform's share and the bins that are not candidates. A
    // candidate whose bound is below a tenth of that, spread over the candidates, is not worth its cost.
    const isCandidate = new Uint8Array(h + 1);
    for (const k of candidates) isCandidate[k] = 1;
    let rest2 = 0;
    for (let k = 0; k <= h; k++) if (isCandidate[k] === 0) rest2 += (k === 0 || k === h ? 1 : 2) * (dk[k] as number) ** 2;
    const floor = (0.1 * (Math.sqrt(rest2) + (bits + 2) * ETA * Math.sqrt(p2))) / Math.sqrt(2 * candidates.length);
    const count = Math.min(candidates.length, Math.max(16, Math.floor(REFINE_WORK / Math.max(1, len))));
    const chosen = largestAbove(candidates, dk, floor, count);
    const refined = refinedBinPowers(x.subarray(0, len), size, chosen, n, j0);
    for (let c = 0; c < chosen.length; c++) {
      const k = chosen[c] as number;
      const r = refined[c] as RefinedBin;
      if (!(r.error < (dk[k] as number))) continue;
      pr[k] = r.re;
      pi[k] = r.im;
      dk[k] = r.error;
      p2 += (k === 0 || k === h ? 1 : 2) * (r.re * r.re + r.im * r.im);
    }
  }
  let d2 = 0;
  for (let k = 0; k <= h; k++) {
    const d = dk[k] as number;
    d2 += (k === 0 || k === h ? 1 : 2) * d * d;
  }
  // Back: Z'_k = E_k + i·O_k, E_k = (P_k + conj P_{h−k})/2, O_k = e^{+2πik/size}(P_k − conj P_{h−k})/2.
  for (let k = 0; k < h; k++) {
    const ar = pr[k] as number;
    const ai = pi[k] as number;
    const br = pr[h - k] as number;
    const bi = -(pi[h - k] as number);
    const er = 0.5 * (ar + br);
    const ei = 0.5 * (ai + bi);
    const dr = 0.5 * (ar - br);
    const di = 0.5 * (ai - bi);
    if (dr === 0 && di === 0) {
      re[k] = er;
      im[k] = ei;
      continue;
    }
    const wr = tw.cos[k] as number;
    const wi = -(tw.sin[k] as number);
    const orr = dr * wr - di * wi;
    const oi = dr * wi + di * wr;
    re[k] = er - oi;
    im[k] = ei + orr;
  }
  fft(re, im, true);
  // Read the circular result at offsets start … start + length − 1 (mod size).
  const out = new Float64Array(length);
  const scale = 1 / h;
  // The rotated input's n-fold convolution is the original's moved down by n·j0 (mod size).
  const back = (start - (((n % size) * j0) % size) + size) & mask;
  for (let i = 0; i < length; i++) {
    const j = (i + back) & mask;
    out[i] = ((j & 1 ? im[j >> 1] : re[j >> 1]) as number) * scale;
  }
  // Inverse (merge stage + log₂h stages, scaling exact): ‖error‖₂ ≤ 2·(‖δP‖₂·(1 + ε₂) + ε₂·‖P̃‖₂)/√size with
  // ε₂ = (log₂size + 2)·η; the factor 2 covers the merge's conjugate pairing (a real-linear map of norm ≤ √2).
  const eps2 = (bits + 2) * ETA;
  const errorL2 =
    (2 * BOUND_SLACK * (Math.sqrt(d2) * (1 + eps2) + eps2 * Math.sqrt(p2))) / Math.sqrt(size) + Math.sqrt(length) * Number.MIN_VALUE;
  return { values: out, errorL2 };
}
