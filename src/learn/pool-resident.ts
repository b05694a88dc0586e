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
import { type Regions, ResidentInstance } from './resident-instance.js';

/** @internal One MaxPool2d's resident kernel instance. */
export class PoolResident {
  private rows = -1; // the rows (batch·channels) of the forward whose winners are held; −1: none

  private constructor(private readonly m: ResidentInstance) {}

  /** A fresh instance, or null where the SIMD module is unavailable. */
  static create(): PoolResident | null {
    const m = ResidentInstance.create();
    return m ? new PoolResident(m) : null;
  }

  /** Forgets the winners held (the layer took the shared path). */
  invalidate(): void {
    this.rows = -1;
  }

  /** Regions for `rows` planes: x (f64, also dx), out (f64, also the output gradient), arg (f64); null: memory cannot grow. */
  private layout(g: PoolShape): Regions<'x' | 'out' | 'arg'> | null {
    const outLen = g.rows * g.oh * g.ow;
    return this.m.layout({ x: g.rows * g.H * g.W, out: outLen, arg: outLen });
  }

  /** out = the max pooling of x; keeps the winners. False: not run. */
  forward(g: PoolShape, x: Float64Array, out: Float64Array): boolean {
    this.rows = -1;
    const r = this.layout(g);
    if (!r) return false;
    this.m.copyIn(x, r.x);
    this.m.exports.poolForward(r.x, r.out, r.arg, g.rows, g.H, g.W, g.k, g.s, g.oh, g.ow, 0);
    this.m.copyOut(r.out, out);
    this.rows = g.rows;
    return true;
  }

  /** dx = dy routed to the winners of the last forward. False: no winners of this shape are held. */
  backward(g: PoolShape, dy: Float64Array, dx: Float64Array): boolean {
    if (this.rows !== g.rows) return false;
    const r = this.layout(g); // the same regions as the forward's (same shape, no growth)
    if (!r) return false;
    this.m.copyIn(dy, r.out);
    this.m.exports.poolBackward(r.out, r.arg, r.x, g.rows, g.H, g.W, g.k, g.s, g.oh, g.ow, 0);
    this.m.copyOut(r.x, dx);
    return true;
  }
}
