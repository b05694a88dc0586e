/**
 * Conv2d's operands kept resident in WebAssembly memory between the layer's
 * calls (issue 12, the CNN): each Conv2d that runs the SIMD kernels owns one
 * instance of the module (`newWasmKernelInstance`, its own linear memory, which
 * nothing else writes and which is freed with the layer). Its binary32 input
 * (rounded once, in forward), its binary32 output gradient Δ (rounded once, in
 * backward) and its materialised per-example gradients (written by the norm
 * pass) stay there until the clipped sum reads them: no second rounding and copy
 * of x and Δ in the norm pass, no copy of the gradients out to JavaScript, and
 * the clipped sum Σ_i c_i g_i runs in SIMD (`addScaledRows32`).
 *
 * What the kernels compute is what conv-ops.ts's shared path computes (same
 * kernels, same binary32 roundings: `demote` rounds to nearest-even as
 * Math.fround), so conv-ops.ts's precision argument holds unchanged: the norm of
 * each example is summed in binary64 over exactly the binary32 values stored in
 * region G, and the clipped sum reads those same stored values (nothing writes G
 * between the two calls: only this layer's own forward, backward and norm pass
 * write this memory, and each of them marks G stale).
 *
 * Layout: a pure function of the batch size and the shape (regions X, D, G, …
 * from the module's heap base), recomputed when the batch size changes; a
 * forward with a new size rewrites everything the later calls read. A call
 * whose prerequisites are missing (another batch, a step run with the
 * reference kernels, memory that cannot grow) returns false and the layer takes
 * the shared path from its JavaScript arrays.
 * @module
 */
import type { ConvShape } from './conv-ops.js';
import { newWasmKernelInstance, type WasmKernels } from './wasm/wasm-kernels.js';

/** Byte offsets of the regions for one batch size (f32 regions unless named f64). */
interface Regions {
  batch: number;
  x: number;
  d: number;
  g: number;
  out: number;
  w: number;
  b: number;
  col: number;
  tmp: number;
  wp: number;
  stage: number; // f64 staging for operands copied in
  norms: number; // f64
  scales: number; // f64
  gw: number; // f64
  gb: number; // f64
  pack: number;
}

function up8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** @internal One Conv2d's resident kernel instance and the validity of what it holds. */
export class ConvResident {
  private readonly k: WasmKernels;
  private regions: Regions | null = null;
  private hasInput = false;
  private hasDelta = false;
  private hasGrads = false;
  private pendingDelta: Float64Array | null = null; // Δ of a backward that needed no input gradient, not yet rounded in

  private constructor(k: WasmKernels) {
    this.k = k;
  }

  /** A fresh instance, or null where the SIMD module is unavailable. */
  static create(): ConvResident | null {
    const k = newWasmKernelInstance();
    return k ? new ConvResident(k) : null;
  }

  /** True when the last norm pass left the per-example gradients in G for `batch` examples. */
  gradsReady(batch: number): boolean {
    return this.hasGrads && this.regions?.batch === batch;
  }

  /** Forgets everything held (the layer took the shared path). */
  invalidate(): void {
    this.hasInput = false;
    this.hasDelta = false;
    this.hasGrads = false;
    this.pendingDelta = null;
  }

  private layout(g: ConvShape, batch: number): Regions | null {
    if (this.regions?.batch === batch) return this.regions;
    const T = g.oh * g.ow;
    const K = g.C * g.k * g.k;
    const inSize = g.C * g.H * g.W;
    const outSize = g.outC * T;
    const width = g.outC * K + g.outC;
    const half = (n: number): number => Math.ceil(n / 2); // binary32 values, in doubles
    const big = batch * Math.max(inSize, outSize);
    let at: number[];
    try {
      at = this.k.alloc(
        half(batch * inSize),
        half(batch * outSize),
        half(batch * width),
        half(big),
        half(g.outC * K),
        half(g.outC),
        half(T * K),
        half(T * g.outC),
        half(Math.max(K * up8(g.outC), g.outC * up8(K))),
        big,
        batch,
        batch,
        g.outC * K,
        g.outC,
      );
    } catch {
      this.regions = null;
      return null; // memory could not grow
    }
    const [x, d, gr, out, w, b, col, tmp, wp, stage, norms, scales, gw, gb, pack] = at as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    this.regions = { batch, x, d, g: gr, out, w, b, col, tmp, wp, stage, norms, scales, gw, gb, pack };
    this.invalidate();
    return this.regions;
  }

  /** Copies a binary64 array into the staging region and rounds it to binary32 at `dst`. */
  private roundIn(r: Regions, src: Float64Array, dst: number): void {
    this.k.view().set(src, r.stage / 8);
    this.k.exports.demote(r.stage, dst, src.length);
  }

  private weightsIn(r: Regions, w: Float64Array, b: Float64Array | null): void {
    const buf = this.k.exports.memory.buffer;
    new Float32Array(buf, r.w, w.length).set(w);
    if (b) new Float32Array(buf, r.b, b.length).set(b);
  }

  private args(g: ConvShape): [number, number, number, number, number, number, number, number, number] {
    return [g.C, g.H, g.W, g.k, g.s, g.p, g.oh, g.ow, g.outC];
  }

  /** out (batch × outC·T) = the convolution of x; keeps x's binary32 rounding. False: not run. */
  forward(g: ConvShape, x: Float64Array, w: Float64Array, b: Float64Array, out: Float64Array, batch: number): boolean {
    const r = this.layout(g, batch);
    if (!r) return false;
    this.invalidate();
    this.roundIn(r, x, r.x);
    this.weightsIn(r, w, b);
    this.k.exports.convForward(r.x, r.w, r.b, r.out, r.col, r.tmp, r.wp, r.pack, batch, ...this.args(g));
    out.set(new Float32Array(this.k.exports.memory.buffer, r.out, out.length));
    this.hasInput = true;
    return true;
  }

  /** Keeps Δ's binary32 rounding and, when dx is given, writes the input gradient. False: not run. */
  backward(g: ConvShape, dy: Float64Array, w: Float64Array, dx: Float64Array | null, batch: number): boolean {
    const r = this.regions;
    if (!r || r.batch !== batch || !this.hasInput) return false;
    this.hasDelta = false;
    this.hasGrads = false;
    this.pendingDelta = null;
    if (dx) {
      this.roundIn(r, dy, r.d);
      this.hasDelta = true;
      this.weightsIn(r, w, null);
      this.k.exports.convInputGrad(r.d, r.w, r.out, r.col, r.wp, r.pack, batch, ...this.args(g));
      dx.set(new Float32Array(this.k.exports.memory.buffer, r.out, dx.length));
    } else this.pendingDelta = dy; // rounded in by the norm pass, if one comes (a non-private step has none)
    return true;
  }

  /** norms[i] = ‖g_i‖² over the binary32 per-example gradients it leaves in G. False: not run (x or Δ missing). */
  exampleGrads(g: ConvShape, norms: Float64Array, batch: number): boolean {
    const r = this.regions;
    if (!r || r.batch !== batch || !this.hasInput) return false;
    if (!this.hasDelta && this.pendingDelta) {
      this.roundIn(r, this.pendingDelta, r.d);
      this.pendingDelta = null;
      this.hasDelta = true;
    }
    if (!this.hasDelta) return false;
    this.hasGrads = false;
    this.k.exports.convExampleGrads(r.x, r.d, r.g, r.norms, r.col, r.pack, batch, ...this.args(g));
    norms.set(new Float64Array(this.k.exports.memory.buffer, r.norms, batch));
    this.hasGrads = true;
    return true;
  }

  /**
   * gw += Σ_i s_i·(stored g_i's weight part), gb likewise, over the rows with s_i ≠ 0, from the
   * gradients the last norm pass left in G (the caller checked {@link gradsReady}).
   */
  accumulate(g: ConvShape, scales: Float64Array, gw: Float64Array, gb: Float64Array, batch: number): void {
    const r = this.regions;
    if (!r || !this.gradsReady(batch)) throw new Error('internal: no resident per-example gradients');
    const K = g.C * g.k * g.k;
    const wn = g.outC * K;
    const view = this.k.view();
    view.set(scales, r.scales / 8);
    view.set(gw, r.gw / 8);
    view.set(gb, r.gb / 8);
    const e = this.k.exports;
    e.addScaledRows32(r.g, wn + g.outC, r.scales, batch, 0, wn, r.gw);
    e.addScaledRows32(r.g, wn + g.outC, r.scales, batch, wn, g.outC, r.gb);
    const after = this.k.view();
    gw.set(after.subarray(r.gw / 8, r.gw / 8 + wn));
    gb.set(after.subarray(r.gb / 8, r.gb / 8 + g.outC));
  }
}
