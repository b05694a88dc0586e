/**
 * Dense's binary32 route on the WebAssembly SIMD kernels (issue 12, the MLP):
 * each Dense that runs the SIMD kernels owns one instance of the module
 * (`newWasmKernelInstance`, its own linear memory, freed with the layer). Its
 * input rows a_i are rounded to binary32 once, in forward, and its output
 * gradient rows δ_i once, in backward; both stay in that memory until the
 * clipped sum. The forward product a·W + b and the input gradient Δ·Wᵀ run in
 * binary32 (f32x4), with W rounded to binary32 for the product.
 *
 * Privacy (dense-binary32.proof.md): the per-example gradient this route
 * defines is g_i = (a_iᵀδ_i, δ_i) over exactly the *stored* binary32 rows, each
 * computed from example i and the public weights only. Its ghost norm
 * (‖a_i‖² + 1)·‖δ_i‖² is summed in binary64 over those stored values (each
 * square exact in binary64), and the clipped sum Σ_i a_iᵀ·fl(c_i·δ_i) is a
 * binary64 product over the same stored values widened exactly — the roundings
 * that ghost-clipping.proof.md counts for the binary64 route, applied to the
 * stored vector. So the clip factor bounds the vector that is summed, as before.
 *
 * Layout: a pure function of the batch size and the shape, recomputed when the
 * batch size changes. A call whose prerequisites are missing returns false and
 * the layer takes the binary64 route for the whole pass.
 * @module
 */
import { newWasmKernelInstance, type WasmKernels } from './wasm/wasm-kernels.js';

/** Byte offsets of the regions for one batch size (binary32 regions unless named f64). */
interface Regions {
  batch: number;
  x: number;
  d: number;
  out: number;
  w: number;
  b: number;
  wp: number;
  stage: number; // f64: binary64 operands copied in before rounding
  a2: number; // f64
  d2: number; // f64
  scales: number; // f64
  gw: number; // f64
  gb: number; // f64
  at: number; // f64
  ut: number; // f64
  pack: number;
}

function up8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** @internal One Dense layer's resident kernel instance and the validity of what it holds. */
export class DenseResident {
  private readonly k: WasmKernels;
  private regions: Regions | null = null;
  private hasInput = false;
  private hasDelta = false;

  private constructor(
    k: WasmKernels,
    private readonly nIn: number,
    private readonly nOut: number,
  ) {
    this.k = k;
  }

  /** A fresh instance, or null where the SIMD module is unavailable. */
  static create(nIn: number, nOut: number): DenseResident | null {
    const k = newWasmKernelInstance();
    return k ? new DenseResident(k, nIn, nOut) : null;
  }

  /** True when forward and backward stored a_i and δ_i for `batch` examples. */
  ready(batch: number): boolean {
    return this.hasInput && this.hasDelta && this.regions?.batch === batch;
  }

  /** Forgets everything held (the layer took the binary64 route). */
  invalidate(): void {
    this.hasInput = false;
    this.hasDelta = false;
  }

  private layout(batch: number): Regions | null {
    if (this.regions?.batch === batch) return this.regions;
    const { nIn, nOut } = this;
    const half = (n: number): number => Math.ceil(n / 2); // binary32 values, in doubles
    const wide = Math.max(nIn, nOut);
    let at: number[];
    try {
      at = this.k.alloc(
        half(batch * nIn),
        half(batch * nOut),
        half(batch * wide),
        half(nIn * nOut),
        half(nOut),
        half(Math.max(nIn * up8(nOut), nOut * up8(nIn))),
        Math.max(batch * wide, nIn * nOut),
        batch,
        batch,
        batch,
        nIn * nOut,
        nOut,
        nIn * batch,
        batch * nOut,
      );
    } catch {
      this.regions = null;
      return null; // memory could not grow
    }
    const [x, d, out, w, b, wp, stage, a2, d2, scales, gw, gb, at2, ut, pack] = at as [
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
    this.regions = { batch, x, d, out, w, b, wp, stage, a2, d2, scales, gw, gb, at: at2, ut, pack };
    this.invalidate();
    return this.regions;
  }

  /** Copies a binary64 array into the staging region and rounds it to binary32 at `dst` (nearest-even). */
  private roundIn(r: Regions, src: Float64Array, dst: number): void {
    this.k.view().set(src, r.stage / 8);
    this.k.exports.demote(r.stage, dst, src.length);
  }

  /** out (batch × nOut) = fl32(a)·fl32(W) + fl32(b), widened; keeps fl32(a). False: not run. */
  forward(x: Float64Array, w: Float64Array, b: Float64Array, out: Float64Array, batch: number): boolean {
    const r = this.layout(batch);
    if (!r) return false;
    this.invalidate();
    this.roundIn(r, x, r.x);
    this.roundIn(r, w, r.w);
    this.roundIn(r, b, r.b);
    this.k.exports.denseForward32(r.x, r.w, r.b, r.out, r.wp, r.pack, batch, this.nIn, this.nOut);
    out.set(new Float32Array(this.k.exports.memory.buffer, r.out, out.length));
    this.hasInput = true;
    return true;
  }

  /** Keeps fl32(Δ) and, when dx is given, writes dx = fl32(Δ)·fl32(W)ᵀ widened. False: not run. */
  backward(dy: Float64Array, w: Float64Array, dx: Float64Array | null, batch: number): boolean {
    const r = this.regions;
    if (!r || r.batch !== batch || !this.hasInput) return false;
    this.roundIn(r, dy, r.d);
    this.hasDelta = true;
    if (dx) {
      this.roundIn(r, w, r.w);
      this.k.exports.denseInputGrad32(r.d, r.w, r.out, r.wp, r.pack, batch, this.nOut, this.nIn);
      dx.set(new Float32Array(this.k.exports.memory.buffer, r.out, dx.length));
    }
    return true;
  }

  /** a2[i] = ‖a_i‖², d2[i] = ‖δ_i‖², binary64 sums of the exact squares of the stored binary32 rows. */
  squaredNorms(a2: Float64Array, d2: Float64Array, batch: number): void {
    const r = this.regions;
    if (!r || !this.ready(batch)) throw new Error('internal: no resident dense rows');
    const e = this.k.exports;
    e.rowSquaredNorms32(r.x, batch, this.nIn, r.a2);
    e.rowSquaredNorms32(r.d, batch, this.nOut, r.d2);
    const view = this.k.view();
    a2.set(view.subarray(r.a2 / 8, r.a2 / 8 + batch));
    d2.set(view.subarray(r.d2 / 8, r.d2 / 8 + batch));
  }

  /** gw += Σ_i a_iᵀ·fl(s_i·δ_i), gb += Σ_i fl(s_i·δ_i) over the stored rows with s_i ≠ 0 (binary64). */
  accumulate(scales: Float64Array, gw: Float64Array, gb: Float64Array, batch: number): void {
    const r = this.regions;
    if (!r || !this.ready(batch)) throw new Error('internal: no resident dense rows');
    const view = this.k.view();
    view.set(scales, r.scales / 8);
    view.set(gw, r.gw / 8);
    view.set(gb, r.gb / 8);
    this.k.exports.denseClippedSum(r.x, r.d, r.scales, r.gw, r.gb, r.at, r.ut, r.pack, batch, this.nIn, this.nOut);
    const after = this.k.view();
    gw.set(after.subarray(r.gw / 8, r.gw / 8 + gw.length));
    gb.set(after.subarray(r.gb / 8, r.gb / 8 + gb.length));
  }

  /** Example i's stored binary32 input row and output-gradient row, widened exactly. */
  rows(i: number, batch: number): { a: Float64Array; d: Float64Array } {
    const r = this.regions;
    if (!r || !this.ready(batch)) throw new Error('internal: no resident dense rows');
    const buf = this.k.exports.memory.buffer;
    return {
      a: Float64Array.from(new Float32Array(buf, r.x + i * this.nIn * 4, this.nIn)),
      d: Float64Array.from(new Float32Array(buf, r.d + i * this.nOut * 4, this.nOut)),
    };
  }
}
