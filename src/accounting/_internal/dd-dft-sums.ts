/**
 * The hot loop of `dd-dft.ts`: for a batch of DFT bins at once, S_b = Σ_j x_j·w_{b,j} and w_{b,j+1} = w_{b,j}·t_b
 * in double-double, every operation written out on scalars (no object per operation; stop 17 measured 5 s of
 * garbage collection in a 40-row DP-SGD fit from the `{h, l}` pairs the old loop returned).
 *
 * The arithmetic is exactly `dd-dft.ts`'s, operand for operand and in the same order, so the results are
 * bit-identical (IEEE-754 double, round to nearest; JavaScript has no fused multiply-add to change a rounding):
 * - the product x_j·w is DWTimesDW1 (Joldes–Muller–Popescu 2017) with x_j's low part 0: p = x_j·w_h and
 *   cl = a_h·b_h − p + a_h·b_l + a_l·b_h + a_l·b_l + (x_j·w_l + 0·w_h) from Dekker's splits (a of x_j, b of w_h);
 * - the sum S + m is AccurateDWPlusDW;
 * - w·t is four DWTimesDW1 products (a = w_re·t_re, b = w_im·t_im, c = w_re·t_im, d = w_im·t_re) and two
 *   AccurateDWPlusDW sums (re = a + (−b), im = c + d).
 * The error analysis is the module header's of `dd-dft.ts` and `../pld-roundoff.proof.md` ("Refined bins"); nothing
 * here changes it. Only splits that are the same wherever they are computed are hoisted: x_j's (shared by every
 * bin), t_b's (once per bin) and w's (once per step, for its three uses).
 *
 * Why a batch: the recurrence w ← w·t is a chain of dependent floating-point operations (≈ 70 cycles a step);
 * several bins in one pass let the processor overlap their chains (≈ 2× per bin, measured at 4 or more bins).
 * `test/accounting/dd-dft-identical.test.ts` checks bit-identity against a plain tuple implementation.
 * @module
 */

/** Dekker's split constant 2²⁷ + 1. */
const SPLITTER = 134217729;

/** Stride of one bin in `twiddles`: t_re (hi, lo), t_im (hi, lo), then Dekker's split of t_re.hi and t_im.hi. */
export const TWIDDLE_STRIDE = 8;
/** Stride of one bin in `state`: w_re (hi, lo), w_im (hi, lo), S_re (hi, lo), S_im (hi, lo). */
export const STATE_STRIDE = 8;

/**
 * Writes t's Dekker splits into `twiddles` at bin b, after its four parts (t_re.hi, t_re.lo, t_im.hi, t_im.lo).
 */
export function setTwiddle(twiddles: Float64Array, b: number, trh: number, trl: number, tih: number, til: number): void {
  const o = TWIDDLE_STRIDE * b;
  twiddles[o] = trh;
  twiddles[o + 1] = trl;
  twiddles[o + 2] = tih;
  twiddles[o + 3] = til;
  let c = SPLITTER * trh;
  const trA = c - (c - trh);
  twiddles[o + 4] = trA;
  twiddles[o + 5] = trh - trA;
  c = SPLITTER * tih;
  const tiA = c - (c - tih);
  twiddles[o + 6] = tiA;
  twiddles[o + 7] = tih - tiA;
}

/**
 * Runs j = 0 … len − 1 for `bins` bins: S_b += x_j·w_b (skipped when x_j = 0), then w_b ← w_b·t_b. `state` holds
 * each bin's w (its start on entry) and S (0 on entry), and is updated in place.
 * @returns ‖x[0, len)‖₁, summed in order over the non-zero entries (not rounded up: the caller does that).
 */
export function accumulateBins(x: Float64Array, len: number, twiddles: Float64Array, state: Float64Array, bins: number): number {
  let l1 = 0;
  for (let j = 0; j < len; j++) {
    const xj = x[j] as number;
    const nonZero = xj !== 0;
    let xA = 0;
    let xB = 0;
    if (nonZero) {
      l1 += Math.abs(xj);
      const c = SPLITTER * xj;
      xA = c - (c - xj);
      xB = xj - xA;
    }
    for (let b = 0; b < bins; b++) {
      const o = STATE_STRIDE * b;
      const wrh = state[o] as number;
      const wrl = state[o + 1] as number;
      const wih = state[o + 2] as number;
      const wil = state[o + 3] as number;
      let c = SPLITTER * wrh;
      const wrA = c - (c - wrh);
      const wrB = wrh - wrA;
      c = SPLITTER * wih;
      const wiA = c - (c - wih);
      const wiB = wih - wiA;
      if (nonZero) {
        addProduct(state, o + 4, xj, xA, xB, wrh, wrl, wrA, wrB);
        addProduct(state, o + 6, xj, xA, xB, wih, wil, wiA, wiB);
      }
      const to = TWIDDLE_STRIDE * b;
      const trh = twiddles[to] as number;
      const trl = twiddles[to + 1] as number;
      const tih = twiddles[to + 2] as number;
      const til = twiddles[to + 3] as number;
      const trA = twiddles[to + 4] as number;
      const trB = twiddles[to + 5] as number;
      const tiA = twiddles[to + 6] as number;
      const tiB = twiddles[to + 7] as number;
      // a = w_re·t_re, b = w_im·t_im, c = w_re·t_im, d = w_im·t_re (DWTimesDW1 each).
      let p = wrh * trh;
      let cl = wrA * trA - p + wrA * trB + wrB * trA + wrB * trB + (wrh * trl + wrl * trh);
      const ah = p + cl;
      const al = cl - (ah - p);
      p = wih * tih;
      cl = wiA * tiA - p + wiA * tiB + wiB * tiA + wiB * tiB + (wih * til + wil * tih);
      const bh = p + cl;
      const bl = cl - (bh - p);
      p = wrh * tih;
      cl = wrA * tiA - p + wrA * tiB + wrB * tiA + wrB * tiB + (wrh * til + wrl * tih);
      const ch = p + cl;
      const cLow = cl - (ch - p);
      p = wih * trh;
      cl = wiA * trA - p + wiA * trB + wiB * trA + wiB * trB + (wih * trl + wil * trh);
      const dh = p + cl;
      const dl = cl - (dh - p);
      // w_re = a + (−b), w_im = c + d (AccurateDWPlusDW each).
      ddSumInto(state, o, ah, al, -bh, -bl);
      ddSumInto(state, o + 2, ch, cLow, dh, dl);
    }
  }
  return l1;
}

/**
 * state[at, at + 1] += x·(wh + wl): DWTimesDW1 with x's low part 0 (a, b: Dekker's splits of x and wh), then
 * AccurateDWPlusDW. Small and monomorphic, so V8 inlines it (checked: no allocation, no call in the profile).
 */
function addProduct(
  state: Float64Array,
  at: number,
  x: number,
  xA: number,
  xB: number,
  wh: number,
  wl: number,
  wA: number,
  wB: number,
): void {
  const p = x * wh;
  const cl = xA * wA - p + xA * wB + xB * wA + xB * wB + (x * wl + 0 * wh);
  const mh = p + cl;
  ddSumInto(state, at, state[at] as number, state[at + 1] as number, mh, cl - (mh - p));
}

/**
 * out[at], out[at + 1] = (xh + xl)·(yh + yl) by DWTimesDW1 (relative error ≤ 7u²), Dekker's product inlined. The
 * one definition of the product: `dd-dft.ts`'s tuple form calls it; the loop above writes it out with its splits
 * hoisted (the same operations).
 */
export function ddProductInto(out: Float64Array, at: number, xh: number, xl: number, yh: number, yl: number): void {
  const p = xh * yh;
  let c = SPLITTER * xh;
  const ah = c - (c - xh);
  const al = xh - ah;
  c = SPLITTER * yh;
  const bh = c - (c - yh);
  const bl = yh - bh;
  const cl = ah * bh - p + ah * bl + al * bh + al * bl + (xh * yl + xl * yh);
  const v = p + cl;
  out[at] = v;
  out[at + 1] = cl - (v - p);
}

/**
 * out[at], out[at + 1] = (xh + xl) + (yh + yl) by AccurateDWPlusDW (relative error ≤ 3u²/(1 − 4u)). The one
 * definition of the sum, used by the loop above and by `dd-dft.ts`'s tuple form.
 */
export function ddSumInto(state: Float64Array, at: number, xh: number, xl: number, yh: number, yl: number): void {
  let sh = xh + yh;
  let bb = sh - xh;
  let sl = xh - (sh - bb) + (yh - bb);
  const th = xl + yl;
  bb = th - xl;
  const tl = xl - (th - bb) + (yl - bb);
  sl += th;
  let v = sh + sl;
  sl -= v - sh;
  sh = v;
  sl += tl;
  v = sh + sl;
  state[at] = v;
  state[at + 1] = sl - (v - sh);
}
