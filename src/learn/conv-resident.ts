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
 * Where the module's products read the patches straight from the (padded) image (kernels.as, convDirect: both
 * MNIST convolutions), nothing is kept. Otherwise the forward keeps each example's patch matrix, packed as the
 * per-example gradient's product reads it (region pat, where `convKeepsPatches` allows: one panel each way, k a
 * multiple of 4), and the norm pass
 * reads it there instead of building it a second time from x — the same values (both are im2colPacked32's
 * copy of the same stored x), so the same bits; the forward's product reads that packed layout as its A
 * operand (`gemm32PackedA`: the same products summed in the same order as gemm32 on im2col32's matrix).
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
import type { FloatArray } from './kernels.js';
import { binary32Doubles as half, type Regions, ResidentInstance, up8 } from './resident-instance.js';

/**
 * The regions for one batch size, binary32 unless named f64: x, d, g, out, w, b, col, tmp, wp; stage (f64: staging
 * for operands copied in), norms, scales, gw, gb (f64).
 */
type ConvRegions = Regions<
  'x' | 'd' | 'g' | 'out' | 'w' | 'b' | 'col' | 'tmp' | 'wp' | 'pat' | 'stage' | 'norms' | 'scales' | 'gw' | 'gb'
> & {
  batch: number;
  /** The forward keeps each example's patches packed in pat (`convKeepsPatches`), read again by the norm pass. */
  keepsPatches: boolean;
};

let keepPatches = true;

/**
 * @internal Whether the forward keeps the packed patches for the norm pass (bench/learn/binary32-ab.ts compares the
 * two; both compute the same bits).
 */
export function setConvPatchesKept(on: boolean): void {
  keepPatches = on === true;
}

/** @internal One Conv2d's resident kernel instance and the validity of what it holds. */
export class ConvResident {
  private regions: ConvRegions | null = null;
  private hasInput = false;
  private hasDelta = false;
  private hasGrads = false;
  private hasPatches = false; // the last forward left the packed patches of its x in pat
  private pendingDelta: Float64Array | null = null; // Δ of a backward that needed no input gradient, not yet rounded in

  private constructor(private readonly m: ResidentInstance) {}

  /** A fresh instance, or null where the SIMD module is unavailable. */
  static create(): ConvResident | null {
    const m = ResidentInstance.create();
    return m ? new ConvResident(m) : null;
  }

  /** True when the last norm pass left the per-example gradients in G for `batch` examples. */
  gradsReady(batch: number): boolean {
    return this.hasGrads && this.regions?.batch === batch;
  }

  /** Forgets everything held (the layer took the shared path). */
  invalidate(): void {
    this.hasInput = false;
    this.hasPatches = false;
    this.hasDelta = false;
    this.hasGrads = false;
    this.pendingDelta = null;
  }

  private layout(g: ConvShape, batch: number): ConvRegions | null {
    if (this.regions?.batch === batch) return this.regions;
    const T = g.oh * g.ow;
    const K = g.C * g.k * g.k;
    const inSize = g.C * g.H * g.W;
    const outSize = g.outC * T;
    const width = g.outC * K + g.outC;
    const big = batch * Math.max(inSize, outSize);
    const keepsPatches = this.m.exports.convKeepsPatches(g.C, g.k, g.oh, g.ow, g.H, g.W, g.p) === 1;
    const regions = this.m.layout({
      x: half(batch * inSize),
      d: half(batch * outSize),
      g: half(batch * width),
      out: half(big),
      w: half(g.outC * K),
      b: half(g.outC),
      col: half(T * K),
      tmp: half(T * g.outC),
      wp: half(Math.max(K * up8(g.outC), g.outC * up8(K))),
      pat: keepsPatches ? half(batch * T * K) : 0,
      stage: big,
      norms: batch,
      scales: batch,
      gw: g.outC * K,
      gb: g.outC,
    });
    if (!regions) {
      this.regions = null;
      return null; // memory could not grow
    }
    this.regions = { ...regions, batch, keepsPatches };
    this.invalidate();
    return this.regions;
  }

  /** Copies a binary64 array into the staging region and rounds it to binary32 at `dst`. */
  private roundIn(r: ConvRegions, src: Float64Array, dst: number): void {
    this.m.roundIn(src, r.stage, dst);
  }

  private weightsIn(r: ConvRegions, w: Float64Array, b: Float64Array | null): void {
    this.m.f32(r.w, w.length).set(w);
    if (b) this.m.f32(r.b, b.length).set(b);
  }

  private args(g: ConvShape): [number, number, number, number, number, number, number, number, number] {
    return [g.C, g.H, g.W, g.k, g.s, g.p, g.oh, g.ow, g.outC];
  }

  /**
   * Runs the convolution of x (binary64, rounded to binary32 on the way in, or binary32 values copied as they are —
   * the same binary32 operand either way) and keeps x's binary32 rounding; the output stays in the instance
   * ({@link output}). False: not run.
   */
  forward(g: ConvShape, x: FloatArray, w: Float64Array, b: Float64Array, batch: number): boolean {
    const r = this.layout(g, batch);
    if (!r) return false;
    this.invalidate();
    if (x instanceof Float64Array) this.roundIn(r, x, r.x);
    else this.m.f32(r.x, x.length).set(x);
    this.weightsIn(r, w, b);
    const pat = r.keepsPatches && keepPatches ? r.pat : 0;
    this.m.exports.convForward(r.x, r.w, r.b, r.out, r.col, r.tmp, r.wp, r.pack, batch, ...this.args(g), pat);
    this.hasInput = true;
    this.hasPatches = pat !== 0;
    return true;
  }

  /** The binary32 values of the last forward's output, or of the last backward's input gradient (a view; `length` values). */
  output(length: number): Float32Array {
    const r = this.regions;
    if (!r) throw new Error('internal: no resident regions');
    return this.m.f32(r.out, length);
  }

  /** out = the binary32 input the last forward kept, widened (exactly). */
  inputValues(out: Float64Array): void {
    const r = this.regions;
    if (!(r && this.hasInput)) throw new Error('internal: no resident input');
    out.set(this.m.f32(r.x, out.length));
  }

  /** out = the binary32 output gradient Δ the last backward kept, widened (exactly). */
  deltaValues(out: Float64Array): void {
    const r = this.regions;
    if (!(r && this.hasDelta)) throw new Error('internal: no resident output gradient');
    out.set(this.m.f32(r.d, out.length));
  }

  /**
   * Keeps Δ's binary32 rounding (binary32 values copied as they are) and, when needInputGrad, leaves the input
   * gradient in the instance ({@link output}). A binary64 Δ with no input gradient is rounded in by the norm pass,
   * if one comes (a non-private step has none). False: not run.
   */
  backward(g: ConvShape, dy: FloatArray, w: Float64Array, needInputGrad: boolean, batch: number): boolean {
    const r = this.regions;
    if (!r || r.batch !== batch || !this.hasInput) return false;
    this.hasDelta = false;
    this.hasGrads = false;
    this.pendingDelta = null;
    if (dy instanceof Float32Array) {
      this.m.f32(r.d, dy.length).set(dy);
      this.hasDelta = true;
    } else if (needInputGrad) {
      this.roundIn(r, dy, r.d);
      this.hasDelta = true;
    } else this.pendingDelta = dy;
    if (needInputGrad) {
      this.weightsIn(r, w, null);
      this.m.exports.convInputGrad(r.d, r.w, r.out, r.col, r.wp, r.pack, batch, ...this.args(g));
    }
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
    // The patches in pat were written by the forward that wrote x (hasInput): the same values im2colPacked32 gives.
    const pat = this.hasPatches ? r.pat : 0;
    this.m.exports.convExampleGrads(r.x, r.d, r.g, r.norms, r.col, r.pack, batch, ...this.args(g), pat);
    this.m.copyOut(r.norms, norms.subarray(0, batch));
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
    const { m } = this;
    m.copyIn(scales, r.scales);
    m.copyIn(gw, r.gw);
    m.copyIn(gb, r.gb);
    m.exports.addScaledRows32(r.g, wn + g.outC, r.scales, batch, 0, wn, r.gw);
    m.exports.addScaledRows32(r.g, wn + g.outC, r.scales, batch, wn, g.outC, r.gb);
    m.copyOut(r.gw, gw.subarray(0, wn));
    m.copyOut(r.gb, gb.subarray(0, g.outC));
  }
}
