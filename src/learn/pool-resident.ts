/**
 * Max pooling's window winners kept resident in WebAssembly memory from forward
 * to backward (issue 12, the CNN): a MaxPool2d that runs the SIMD kernels owns
 * one instance of the module (`newWasmKernelInstance`, its own linear memory,
 * freed with the layer), and the flat index of each window's maximum stays
 * there instead of being copied out to JavaScript after the forward and back in
 * for the backward (two copies of a batch of indices per step). The kernels and
 * their results are those of the shared path (conv-ops.ts `poolForward` /
 * `poolBackward`); a call whose prerequisites are missing (no forward of this
 * batch on these kernels) returns false and the layer takes the shared path.
 * Pooling acts on each example alone; nothing here bears on privacy.
 * @module
 */
import type { PoolShape } from './conv-ops.js';
import { newWasmKernelInstance, type WasmKernels } from './wasm/wasm-kernels.js';

/** @internal One MaxPool2d's resident kernel instance. */
export class PoolResident {
  private readonly k: WasmKernels;
  private rows = -1; // the rows (batch·channels) of the forward whose winners are held; −1: none

  private constructor(k: WasmKernels) {
    this.k = k;
  }

  /** A fresh instance, or null where the SIMD module is unavailable. */
  static create(): PoolResident | null {
    const k = newWasmKernelInstance();
    return k ? new PoolResident(k) : null;
  }

  /** Forgets the winners held (the layer took the shared path). */
  invalidate(): void {
    this.rows = -1;
  }

  /** Regions for `rows` planes: x (f64, also dx), out (f64, also the output gradient), arg (f64); null: memory cannot grow. */
  private layout(g: PoolShape): { x: number; out: number; arg: number } | null {
    const inLen = g.rows * g.H * g.W;
    const outLen = g.rows * g.oh * g.ow;
    try {
      const [x, out, arg] = this.k.alloc(inLen, outLen, outLen) as [number, number, number];
      return { x, out, arg };
    } catch {
      return null;
    }
  }

  /** out = the max pooling of x; keeps the winners. False: not run. */
  forward(g: PoolShape, x: Float64Array, out: Float64Array): boolean {
    this.rows = -1;
    const r = this.layout(g);
    if (!r) return false;
    this.k.view().set(x, r.x / 8);
    this.k.exports.poolForward(r.x, r.out, r.arg, g.rows, g.H, g.W, g.k, g.s, g.oh, g.ow, 0);
    const v = this.k.view();
    out.set(v.subarray(r.out / 8, r.out / 8 + out.length));
    this.rows = g.rows;
    return true;
  }

  /** dx = dy routed to the winners of the last forward. False: no winners of this shape are held. */
  backward(g: PoolShape, dy: Float64Array, dx: Float64Array): boolean {
    if (this.rows !== g.rows) return false;
    const r = this.layout(g); // the same regions as the forward's (same shape, no growth)
    if (!r) return false;
    this.k.view().set(dy, r.out / 8);
    this.k.exports.poolBackward(r.out, r.arg, r.x, g.rows, g.H, g.W, g.k, g.s, g.oh, g.ow, 0);
    const v = this.k.view();
    dx.set(v.subarray(r.x / 8, r.x / 8 + dx.length));
    return true;
  }
}
