/**
 * In-place iterative radix-2 FFT on split real/imaginary Float64Arrays, with
 * cached twiddle tables (computed directly with cos/sin for each index, not by
 * recurrence, so the error stays ~1e-16 relative to the largest value).
 * @module
 */

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

/** Linear convolution of two real sequences by FFT. */
export function convolveReal(a: Float64Array, b: Float64Array): Float64Array {
  const outLen = a.length + b.length - 1;
  if (a.length === 1 || b.length === 1) {
    const [x, v] = a.length === 1 ? [a[0] as number, b] : [b[0] as number, a];
    const out = new Float64Array(outLen);
    for (let i = 0; i < outLen; i++) out[i] = x * (v[i] as number);
    return out;
  }
  if (a.length * b.length <= 4096) {
    const out = new Float64Array(outLen);
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as number;
      if (x === 0) continue;
      for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] as number) + x * (b[j] as number);
    }
    return out;
  }
  let n = 1;
  while (n < outLen) n <<= 1;
  // Pack a in the real part and b in the imaginary part: one forward transform for both.
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(a);
  im.set(b);
  fft(re, im, false);
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
    pr[k] = ar * br - ai * bi;
    pi[k] = ar * bi + ai * br;
  }
  fft(pr, pi, true);
  const out = new Float64Array(outLen);
  for (let i = 0; i < outLen; i++) out[i] = (pr[i] as number) / n;
  return out;
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
 * The n-fold circular self-convolution of a real sequence x (zero-padded to
 * `size`, a power of two ≥ 4): a real FFT (one complex FFT of size/2 and a
 * split), each bin raised to the power n (bins whose modulus² is below
 * `r2Min` underflow to 0), and the inverse real FFT; returns the circular
 * result at offsets start … start + length − 1.
 */
export function realSelfConvolvePower(x: Float64Array, size: number, n: number, r2Min: number, start = 0, length = size): Float64Array {
  const h = size >> 1;
  const tw = realTwiddles(size);
  const [re, im, pr, pi] = scratch(h);
  const len = Math.min(x.length, size);
  for (let i = 0; i < len; i++) {
    if (i & 1) im[i >> 1] = x[i] as number;
    else re[i >> 1] = x[i] as number;
  }
  fft(re, im, false);
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
    const xr = er + (wr * orr - wi * oi);
    const xi = ei + (wr * oi + wi * orr);
    const r2 = xr * xr + xi * xi;
    if (r2 < r2Min || r2 === 0) {
      pr[k] = 0;
      pi[k] = 0;
      continue;
    }
    const mag = Math.exp(0.5 * n * Math.log(r2));
    const ang = n * Math.atan2(xi, xr);
    pr[k] = mag * Math.cos(ang);
    pi[k] = mag * Math.sin(ang);
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
  const mask = size - 1;
  for (let i = 0; i < length; i++) {
    const j = (i + start) & mask;
    out[i] = ((j & 1 ? im[j >> 1] : re[j >> 1]) as number) * scale;
  }
  return out;
}
