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
 * Blocks (review ML M18/M19: the route and every allocation that can fail are
 * functions of public values only). The instance holds a working set of
 * {@link denseBlockRows} rows (≤ 1024, from the widths), laid out once when the instance is made — its
 * size a function of the shape alone; an instance whose working set cannot be
 * laid out is refused there (INTERNAL), before any batch. Every pass runs the
 * batch in consecutive blocks of that public size, whatever the batch and the
 * memory: the stored binary32 rows live in JavaScript arrays (Float32Array, the
 * values copied exactly) and each block is copied in for the kernels. The
 * clipped sum adds the blocks' sums onto the accumulator in order, so its
 * grouping is a function of the batch size and the block size alone, as the
 * single call's was of the batch size; no step of a pass depends on whether a
 * wasm memory could grow.
 * @module
 */
import { DpError } from '../core/index.js';
import type { FloatArray } from './kernels.js';
import { binary32Doubles as half, type Regions, ResidentInstance, up8 } from './resident-instance.js';
/** Rows of one block at most: the public working set of a Dense instance (see {@link denseBlockRows}). */
export const DENSE_BLOCK_ROWS = 1024;

/**
 * @internal Rows of one block for a layer of these widths: ⌊2²⁰ / max(nIn, nOut)⌋ clamped to [1, DENSE_BLOCK_ROWS]
 * (a function of the shape alone), so that the working set stays near 2²⁰ values per region however wide the layer.
 */
export function denseBlockRows(nIn: number, nOut: number): number {
  return Math.max(1, Math.min(DENSE_BLOCK_ROWS, Math.floor(2 ** 20 / Math.max(nIn, nOut))));
}

/**
 * The regions of one block, binary32 unless named f64: x, d, out, w, b, wp; stage (f64: binary64 operands copied
 * in before rounding), a2, d2, scales, gw, gb, at, ut (f64).
 */
type DenseRegions = Regions<'x' | 'd' | 'out' | 'w' | 'b' | 'wp' | 'stage' | 'a2' | 'd2' | 'scales' | 'gw' | 'gb' | 'at' | 'ut'>;

/** @internal One Dense layer's resident kernel instance and the stored binary32 rows of the last pass. */
export class DenseResident {
  private readonly r: DenseRegions;
  private readonly block: number;
  private x32 = new Float32Array(0);
  private d32 = new Float32Array(0);
  private batch = -1;
  private hasInput = false;
  private hasDelta = false;

  private constructor(
    private readonly m: ResidentInstance,
    private readonly nIn: number,
    private readonly nOut: number,
  ) {
    this.block = denseBlockRows(nIn, nOut);
    this.r = layout(m, nIn, nOut, this.block);
  }

  /**
   * A fresh instance with its block working set laid out; null where the SIMD module is unavailable.
   * @throws DpError INTERNAL when the working set (a function of the shape) cannot be laid out.
   */
  static create(nIn: number, nOut: number): DenseResident | null {
    const m = ResidentInstance.create();
    return m ? new DenseResident(m, nIn, nOut) : null;
  }

  /** True when forward and backward stored a_i and δ_i for `batch` examples. */
  ready(batch: number): boolean {
    return this.hasInput && this.hasDelta && this.batch === batch;
  }

  /** Copies a binary64 array in and rounds it to binary32 at `dst` (nearest-even). */
  private roundIn(src: Float64Array, dst: number): void {
    this.m.roundIn(src, this.r.stage, dst);
  }

  /**
   * Puts rows into the region at dst as binary32: a Float32Array's values as they are (Sequential's binary32 path:
   * binary32 values already), a Float64Array's rounded to nearest — the same values where the binary64 rows are
   * binary32 values widened (the rounding is then the identity).
   */
  private rowsIn(src: FloatArray, dst: number): void {
    if (src instanceof Float32Array) this.m.f32(dst, src.length).set(src);
    else this.roundIn(src, dst);
  }

  /**
   * out (batch × nOut) = fl32(a)·fl32(W) + fl32(b), binary32 values (widened exactly into a Float64Array); keeps
   * fl32(a), block by block.
   */
  forward(x: FloatArray, w: Float64Array, b: Float64Array, out: FloatArray, batch: number): void {
    const { r, m, nIn, nOut } = this;
    this.hasInput = false;
    this.hasDelta = false;
    if (this.x32.length < batch * nIn) this.x32 = new Float32Array(batch * nIn);
    this.roundIn(w, r.w);
    this.roundIn(b, r.b);
    for (let at = 0; at < batch; at += this.block) {
      const n = Math.min(this.block, batch - at);
      this.rowsIn(x.subarray(at * nIn, (at + n) * nIn), r.x);
      m.exports.denseForward32(r.x, r.w, r.b, r.out, r.wp, r.pack, n, nIn, nOut);
      out.set(m.f32(r.out, n * nOut), at * nOut);
      this.x32.set(m.f32(r.x, n * nIn), at * nIn);
    }
    this.batch = batch;
    this.hasInput = true;
  }

  /**
   * Keeps fl32(Δ) and, when dx is given, writes dx = fl32(Δ)·fl32(W)ᵀ (binary32 values, widened exactly into a
   * Float64Array). False: no forward of this batch.
   */
  backward(dy: FloatArray, w: Float64Array, dx: FloatArray | null, batch: number): boolean {
    const { r, m, nIn, nOut } = this;
    if (this.batch !== batch || !this.hasInput) return false;
    if (this.d32.length < batch * nOut) this.d32 = new Float32Array(batch * nOut);
    if (dx) this.roundIn(w, r.w);
    for (let at = 0; at < batch; at += this.block) {
      const n = Math.min(this.block, batch - at);
      this.rowsIn(dy.subarray(at * nOut, (at + n) * nOut), r.d);
      this.d32.set(m.f32(r.d, n * nOut), at * nOut);
      if (dx) {
        m.exports.denseInputGrad32(r.d, r.w, r.out, r.wp, r.pack, n, nOut, nIn);
        dx.set(m.f32(r.out, n * nIn), at * nIn);
      }
    }
    this.hasDelta = true;
    return true;
  }

  /** Copies the stored rows of block [at, at + n) into the working set. */
  private loadBlock(at: number, n: number): void {
    const { r, m, nIn, nOut } = this;
    m.f32(r.x, n * nIn).set(this.x32.subarray(at * nIn, (at + n) * nIn));
    m.f32(r.d, n * nOut).set(this.d32.subarray(at * nOut, (at + n) * nOut));
  }

  /** a2[i] = ‖a_i‖², d2[i] = ‖δ_i‖², binary64 sums of the exact squares of the stored binary32 rows. */
  squaredNorms(a2: Float64Array, d2: Float64Array, batch: number): void {
    if (!this.ready(batch)) throw new Error('internal: no resident dense rows');
    const { r, m, nIn, nOut } = this;
    for (let at = 0; at < batch; at += this.block) {
      const n = Math.min(this.block, batch - at);
      this.loadBlock(at, n);
      m.exports.rowSquaredNorms32(r.x, n, nIn, r.a2);
      m.exports.rowSquaredNorms32(r.d, n, nOut, r.d2);
      a2.set(m.f64(r.a2, n), at);
      d2.set(m.f64(r.d2, n), at);
    }
  }

  /**
   * gw += Σ_i a_iᵀ·fl(s_i·δ_i), gb += Σ_i fl(s_i·δ_i) over the stored rows with s_i ≠ 0 (binary64): each block's
   * sum added onto the accumulator in block order.
   */
  accumulate(scales: Float64Array, gw: Float64Array, gb: Float64Array, batch: number): void {
    if (!this.ready(batch)) throw new Error('internal: no resident dense rows');
    const { r, m, nIn, nOut } = this;
    m.copyIn(gw, r.gw);
    m.copyIn(gb, r.gb);
    for (let at = 0; at < batch; at += this.block) {
      const n = Math.min(this.block, batch - at);
      this.loadBlock(at, n);
      m.copyIn(scales.subarray(at, at + n), r.scales);
      m.exports.denseClippedSum(r.x, r.d, r.scales, r.gw, r.gb, r.at, r.ut, r.pack, n, nIn, nOut);
    }
    m.copyOut(r.gw, gw);
    m.copyOut(r.gb, gb);
  }

  /** Example i's stored binary32 input row and output-gradient row, widened exactly. */
  rows(i: number, batch: number): { a: Float64Array; d: Float64Array } {
    if (!this.ready(batch)) throw new Error('internal: no resident dense rows');
    return {
      a: Float64Array.from(this.x32.subarray(i * this.nIn, (i + 1) * this.nIn)),
      d: Float64Array.from(this.d32.subarray(i * this.nOut, (i + 1) * this.nOut)),
    };
  }
}

/** The working set of one block, laid out once (a function of the shape); INTERNAL when memory cannot hold it. */
function layout(m: ResidentInstance, nIn: number, nOut: number, rows: number): DenseRegions {
  const wide = Math.max(nIn, nOut);
  const regions = m.layout({
    x: half(rows * nIn),
    d: half(rows * nOut),
    out: half(rows * wide),
    w: half(nIn * nOut),
    b: half(nOut),
    wp: half(Math.max(nIn * up8(nOut), nOut * up8(nIn))),
    stage: Math.max(rows * wide, nIn * nOut),
    a2: rows,
    d2: rows,
    scales: rows,
    gw: nIn * nOut,
    gb: nOut,
    at: nIn * rows,
    ut: rows * nOut,
  });
  if (!regions) {
    throw new DpError('INTERNAL', `Dense(${nIn}, ${nOut}): WebAssembly memory could not hold the layer's working set of ${rows} rows`);
  }
  return regions;
}
