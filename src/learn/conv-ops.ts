/**
 * Batch-level kernels of Conv2d and pooling: the WebAssembly SIMD kernels
 * (`wasm/assembly/kernels.as`: im2col, col2im, the multiply and the pooling
 * loops all inside the module, one call per batch) when they are in use, and
 * plain-TypeScript reference versions otherwise — the test oracle
 * (test/learn/conv-ops.test.ts compares them).
 *
 * Layout: an example is C×H×W (channel-major); its patch matrix P (T×K, T =
 * oh·ow positions, K = C·k·k) is built per example in scratch and never stored
 * per batch; outputs and output gradients Δ are outC×T per example
 * (channel-major, PyTorch's NCHW), so no transpose is needed on either side.
 * Per-example gradients g_i = (Δ_i·P_i, Σ_t Δ_i[·, t]), outC·K + outC values.
 * Callers validate shapes (the layer owns them); lengths are checked here.
 *
 * **Precision (what may be binary32, and why).** In wasm the forward, the input
 * gradient and the materialised per-example gradients run in binary32 (f32x4:
 * four lanes instead of two; they were most of a CNN step and ran at the f64x2
 * roof): operands are rounded to binary32 on the way in, results widened exactly
 * on the way out; the arrays stay Float64Array. That is safe for privacy because
 * (1) every value is still computed from one example and the public weights
 * (no example mixes into another's gradient), and (2) clipping needs the norm of
 * exactly the vector that is summed: convExampleGrads returns each norm summed in
 * binary64 over exactly the binary32 values it stores (each square exact), and
 * the clipped sum is then a binary64 weighted sum of those same stored values
 * (Conv2d.accumulateScaledGradients). The ghost route computes its norm and its
 * sum separately (convGhostNorms, convScaledGradSum), so both stay binary64 (and
 * Conv2d refuses that route, review-learn L1). The clip margin grows with the
 * public count of squares, outC·K + outC (`squaredNormRoundings`,
 * ghost-clipping.proof.md "The float margin"). Accuracy: |wasm − reference| ≤ (n + 2)·2⁻²⁴·Σ|a||b| (tested).
 * Subnormal binary32 operands (< 2⁻¹²⁶) would slow the multiply; the loss
 * gradients below 2⁻¹²⁶ are flushed at the source (losses.ts).
 *
 * **The kernels are chosen from public values only (review ML M19, one class with M18).** Which
 * kernels run is the backend's choice (wasm or reference), never whether the shared arena can grow
 * for THIS batch, whose size is private: when it cannot, the wasm kernel runs the examples (planes
 * for pooling) in consecutive blocks (backend.ts runWasmBlocks) — every kernel here computes an
 * example from that example and the public weights alone, and convScaledGradSum adds the examples
 * one by one, in order, onto the sums it is given, so a blocked run writes the same bits as one
 * call. Before, such a batch ran the binary64 reference kernel, and adding one example (contributing
 * 0 itself) could move the others' clipped sum by 10⁵·C (test/review/ml-conv-binary32-route.test.ts;
 * generative: test/learn/route-public.test.ts). The one refusal left — one example that does not
 * fit — depends on the shape only and is raised by the trainer's public pass (public-pass.ts).
 * @module
 */
import { checkLength } from './_internal/shape.js';
import { binary32, runWasm, runWasmBlocks } from './backend.js';
import type { FloatArray } from './kernels.js';
import type { ConvShapeArgs } from './wasm/wasm-kernels.js';

/** @internal A convolution's geometry. */
export interface ConvShape {
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly k: number;
  readonly s: number;
  readonly p: number;
  readonly oh: number;
  readonly ow: number;
  readonly outC: number;
}

function args(g: ConvShape): ConvShapeArgs {
  return [g.C, g.H, g.W, g.k, g.s, g.p, g.oh, g.ow, g.outC];
}

/** n rounded up to a multiple of 8 (the width of the binary32 kernels' packed panels). */
function up8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function sizes(g: ConvShape): { T: number; K: number; inSize: number; outSize: number; grad: number } {
  const T = g.oh * g.ow;
  const K = g.C * g.k * g.k;
  return { T, K, inSize: g.C * g.H * g.W, outSize: g.outC * T, grad: g.outC * K + g.outC };
}

/**
 * @internal Calls visit(t, j, pixel) for every output position t and patch column j
 * = (c·k + ky)·k + kx whose input pixel (an index into one C×H×W example) lies inside
 * the image; padding taps are skipped. The definition of the convolution's geometry,
 * shared by the reference kernels and Conv2d's oracle.
 */
export function forEachTap(g: ConvShape, visit: (t: number, j: number, pixel: number) => void): void {
  const { C, H, W, k, s, p, oh, ow } = g;
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let c = 0; c < C; c++)
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const iy = oy * s - p + ky;
            const ix = ox * s - p + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) visit(oy * ow + ox, (c * k + ky) * k + kx, (c * H + iy) * W + ix);
          }
}

/** Reference im2col of example `i` of x into col (T×K). */
function im2col(g: ConvShape, x: FloatArray, i: number, col: Float64Array): void {
  const K = g.C * g.k * g.k;
  const base = i * g.C * g.H * g.W;
  col.fill(0);
  forEachTap(g, (t, j, pixel) => {
    col[t * K + j] = x[base + pixel] as number;
  });
}

/** Reference g_i (outC·K + outC) of example i from Δ (outC×T per example) and its patches. */
function exampleGradient(g: ConvShape, x: FloatArray, dy: FloatArray, i: number, col: Float64Array, out: FloatArray, at: number): void {
  const { T, K, outSize } = sizes(g);
  im2col(g, x, i, col);
  for (let o = 0; o < g.outC; o++) {
    const d = i * outSize + o * T;
    for (let j = 0; j < K; j++) {
      let acc = 0;
      for (let t = 0; t < T; t++) acc += (dy[d + t] as number) * (col[t * K + j] as number);
      out[at + o * K + j] = acc;
    }
    let b = 0;
    for (let t = 0; t < T; t++) b += dy[d + t] as number;
    out[at + g.outC * K + o] = b;
  }
}

/**
 * @internal out (batch × outC·T) = the convolution of x (batch × C·H·W) with w (outC×K) plus b.
 */
export function convForward(g: ConvShape, x: FloatArray, w: FloatArray, b: FloatArray, out: Float64Array, batch: number): void {
  const { T, K, inSize, outSize } = sizes(g);
  checkLength(x, batch * inSize, 'input');
  checkLength(out, batch * outSize, 'out');
  const run = (at: number, n: number): boolean =>
    runWasm(
      [x.subarray(at * inSize, (at + n) * inSize), w, b, n * outSize, T * K, T * g.outC, K * up8(g.outC)].map(binary32),
      [[3, out.subarray(at * outSize, (at + n) * outSize)]],
      (e, [px, pw, pb, po, pc, pt, pp], pack) =>
        e.convForward(
          px as number,
          pw as number,
          pb as number,
          po as number,
          pc as number,
          pt as number,
          pp as number,
          pack,
          n,
          ...args(g),
          0, // patches not kept (conv-resident.ts keeps them)
        ),
    );
  if (runWasmBlocks(batch, run)) return;
  const col = new Float64Array(T * K);
  for (let i = 0; i < batch; i++) {
    im2col(g, x, i, col);
    for (let o = 0; o < g.outC; o++)
      for (let t = 0; t < T; t++) {
        let acc = 0;
        for (let j = 0; j < K; j++) acc += (w[o * K + j] as number) * (col[t * K + j] as number);
        out[i * outSize + o * T + t] = acc + (b[o] as number);
      }
  }
}

/** @internal dx (batch × C·H·W) = the input gradient for output gradients dy (batch × outC·T). */
export function convInputGrad(g: ConvShape, dy: FloatArray, w: FloatArray, dx: Float64Array, batch: number): void {
  const { T, K, inSize, outSize } = sizes(g);
  checkLength(dy, batch * outSize, 'outputGrad');
  checkLength(dx, batch * inSize, 'inputGrad');
  const run = (at: number, n: number): boolean =>
    runWasm(
      [dy.subarray(at * outSize, (at + n) * outSize), w, n * inSize, T * K, g.outC * up8(K)].map(binary32),
      [[2, dx.subarray(at * inSize, (at + n) * inSize)]],
      (e, [pg, pw, pd, pc, pp], pack) =>
        e.convInputGrad(pg as number, pw as number, pd as number, pc as number, pp as number, pack, n, ...args(g)),
    );
  if (runWasmBlocks(batch, run)) return;
  dx.fill(0);
  for (let i = 0; i < batch; i++)
    forEachTap(g, (t, j, pixel) => {
      let acc = 0;
      for (let o = 0; o < g.outC; o++) acc += (dy[i * outSize + o * T + t] as number) * (w[o * K + j] as number);
      dx[i * inSize + pixel] = (dx[i * inSize + pixel] as number) + acc;
    });
}

/**
 * @internal grads (batch × (outC·K + outC)) = each example's gradient, materialised, and norms[i] = ‖grads_i‖²
 * over exactly the values stored in `grads`: a Float32Array holds the wasm kernel's binary32 values as they are
 * (no widening copy; the reference kernel's values are rounded once on store and the norm reads them back), a
 * Float64Array holds them widened exactly.
 */
export function convExampleGrads(g: ConvShape, x: FloatArray, dy: FloatArray, grads: FloatArray, norms: Float64Array, batch: number): void {
  const { T, K, grad, inSize, outSize } = sizes(g);
  checkLength(grads, batch * grad, 'grads');
  checkLength(norms, batch, 'norms');
  const run = (at: number, n: number): boolean =>
    runWasm(
      [
        binary32(x.subarray(at * inSize, (at + n) * inSize)),
        binary32(dy.subarray(at * outSize, (at + n) * outSize)),
        binary32(n * grad),
        n,
        binary32(T * K),
      ],
      [
        [2, grads.subarray(at * grad, (at + n) * grad)],
        [3, norms.subarray(at, at + n)],
      ],
      (e, [px, pg, pr, pn, pc], pack) =>
        e.convExampleGrads(px as number, pg as number, pr as number, pn as number, pc as number, pack, n, ...args(g), 0),
    );
  if (runWasmBlocks(batch, run)) return;
  const col = new Float64Array(T * K);
  for (let i = 0; i < batch; i++) {
    exampleGradient(g, x, dy, i, col, grads, i * grad);
    let sq = 0;
    for (let j = i * grad; j < (i + 1) * grad; j++) sq += (grads[j] as number) ** 2;
    norms[i] = sq;
  }
}

/**
 * @internal gw (outC·K) += Σ_i s_i (Δ_i·P_i) and gb (outC) += Σ_i s_i Σ_t Δ_i[·, t] over the
 * examples with s_i ≠ 0 (a dropped example is skipped, never multiplied by 0).
 */
export function convScaledGradSum(
  g: ConvShape,
  x: FloatArray,
  dy: FloatArray,
  scales: FloatArray,
  gw: Float64Array,
  gb: Float64Array,
  batch: number,
): void {
  const { T, K, grad, inSize, outSize } = sizes(g);
  checkLength(scales, batch, 'scales');
  // The kernel adds the examples one by one, in order, onto gw and gb as given: a block carries the sum on.
  const run = (at: number, n: number): boolean =>
    runWasm(
      [
        x.subarray(at * inSize, (at + n) * inSize),
        dy.subarray(at * outSize, (at + n) * outSize),
        scales.subarray(at, at + n),
        gw,
        gb,
        T * K,
        T,
      ],
      [
        [3, gw],
        [4, gb],
      ],
      (e, [px, pg, ps, pw, pb, pc, pr], pack) =>
        e.convScaledGradSum(
          px as number,
          pg as number,
          ps as number,
          pw as number,
          pb as number,
          pc as number,
          pr as number,
          pack,
          n,
          ...args(g),
        ),
    );
  if (runWasmBlocks(batch, run)) return;
  const col = new Float64Array(T * K);
  const one = new Float64Array(grad);
  const wn = g.outC * K;
  for (let i = 0; i < batch; i++) {
    const si = scales[i] as number;
    if (si === 0) continue;
    exampleGradient(g, x, dy, i, col, one, 0);
    for (let j = 0; j < wn; j++) gw[j] = (gw[j] as number) + si * (one[j] as number);
    for (let o = 0; o < g.outC; o++) gb[o] = (gb[o] as number) + si * (one[wn + o] as number);
  }
}

/** @internal out[i] = ‖g_i‖² by ghost norms: ⟨P_iP_iᵀ, Δ_iᵀΔ_i⟩ + ‖Σ_t Δ_i[·, t]‖² (T×T Gram matrices, no outC×K gradient). */
export function convGhostNorms(g: ConvShape, x: FloatArray, dy: FloatArray, out: Float64Array, batch: number): void {
  const { T, K, inSize, outSize } = sizes(g);
  checkLength(out, batch, 'out');
  const run = (at: number, n: number): boolean =>
    runWasm(
      [x.subarray(at * inSize, (at + n) * inSize), dy.subarray(at * outSize, (at + n) * outSize), n, T * K, T * T, T * T],
      [[2, out.subarray(at, at + n)]],
      (e, [px, pg, po, pc, p1, p2], pack) =>
        e.convGhostNorms(px as number, pg as number, po as number, pc as number, p1 as number, p2 as number, pack, n, ...args(g)),
    );
  if (runWasmBlocks(batch, run)) return;
  const col = new Float64Array(T * K);
  for (let i = 0; i < batch; i++) {
    im2col(g, x, i, col);
    const d = i * outSize;
    let acc = 0;
    for (let t = 0; t < T; t++)
      for (let u = 0; u < T; u++) {
        let pp = 0;
        for (let j = 0; j < K; j++) pp += (col[t * K + j] as number) * (col[u * K + j] as number);
        let dd = 0;
        for (let o = 0; o < g.outC; o++) dd += (dy[d + o * T + t] as number) * (dy[d + o * T + u] as number);
        acc += pp * dd;
      }
    for (let o = 0; o < g.outC; o++) {
      let b = 0;
      for (let t = 0; t < T; t++) b += dy[d + o * T + t] as number;
      acc += b * b;
    }
    out[i] = acc;
  }
}

/** @internal A pooling geometry: `rows` planes H×W (batch·channels), k×k windows, stride s. */
export interface PoolShape {
  readonly rows: number;
  readonly H: number;
  readonly W: number;
  readonly k: number;
  readonly s: number;
  readonly oh: number;
  readonly ow: number;
}

/**
 * @internal Max (writes the flat input index of each window's maximum — the first on ties, a
 * NaN wins like PyTorch — into arg) or average pooling of x into out.
 */
export function poolForward(g: PoolShape, max: boolean, x: FloatArray, out: Float64Array, arg: Float64Array): void {
  const { rows, H, W, k, s, oh, ow } = g;
  checkLength(x, rows * H * W, 'input');
  checkLength(out, rows * oh * ow, 'out');
  if (max) checkLength(arg, out.length, 'arg');
  // Planes are independent; a block's arg indices are relative to its first plane and shifted back here.
  const plane = H * W;
  const outs = oh * ow;
  const run = (at: number, n: number): boolean => {
    const argBlock = arg.subarray(at * outs, (at + n) * outs);
    const done = runWasm(
      [x.subarray(at * plane, (at + n) * plane), n * outs, max ? n * outs : 0],
      max
        ? [
            [1, out.subarray(at * outs, (at + n) * outs)],
            [2, argBlock],
          ]
        : [[1, out.subarray(at * outs, (at + n) * outs)]],
      (e, [px, po, pa]) => e.poolForward(px as number, po as number, pa as number, n, H, W, k, s, oh, ow, max ? 0 : 1),
    );
    if (done && max && at > 0) for (let j = 0; j < argBlock.length; j++) argBlock[j] = (argBlock[j] as number) + at * plane;
    return done;
  };
  if (runWasmBlocks(rows, run)) return;
  let o = 0;
  for (let r = 0; r < rows; r++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let best = Number.NaN;
        let at = -1;
        let sum = 0;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const src = (r * H + oy * s + ky) * W + ox * s + kx;
            const v = x[src] as number;
            sum += v;
            if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
              best = v;
              at = src;
            }
          }
        if (max) {
          out[o] = best;
          arg[o] = at;
        } else out[o] = sum / (k * k);
        o++;
      }
}

/** @internal dx = the input gradient of poolForward for output gradients g (max: routed through arg). */
export function poolBackward(g: PoolShape, max: boolean, dy: FloatArray, arg: Float64Array, dx: Float64Array): void {
  const { rows, H, W, k, s, oh, ow } = g;
  checkLength(dy, rows * oh * ow, 'outputGrad');
  checkLength(dx, rows * H * W, 'inputGrad');
  const plane = H * W;
  const outs = oh * ow;
  const run = (at: number, n: number): boolean => {
    let argBlock: Float64Array | number = 0;
    if (max) {
      argBlock = arg.subarray(at * outs, (at + n) * outs);
      if (at > 0) argBlock = argBlock.map((v) => v - at * plane); // relative to the block's first plane
    }
    return runWasm(
      [dy.subarray(at * outs, (at + n) * outs), argBlock, n * plane],
      [[2, dx.subarray(at * plane, (at + n) * plane)]],
      (e, [pg, pa, pd]) => e.poolBackward(pg as number, pa as number, pd as number, n, H, W, k, s, oh, ow, max ? 0 : 1),
    );
  };
  if (runWasmBlocks(rows, run)) return;
  dx.fill(0);
  const share = 1 / (k * k);
  let o = 0;
  for (let r = 0; r < rows; r++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const v = dy[o] as number;
        if (max) {
          const at = arg[o] as number;
          dx[at] = (dx[at] as number) + v;
        } else {
          const d = v * share;
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const at = (r * H + oy * s + ky) * W + ox * s + kx;
              dx[at] = (dx[at] as number) + d;
            }
        }
        o++;
      }
}
