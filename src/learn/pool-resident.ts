/**
 * Max pooling's window winners kept resident in WebAssembly memory from forward
 * to backward (issue 12, the CNN): a MaxPool2d that runs the SIMD kernels owns
 * one instance of the module (`newWasmKernelInstance`, its own linear memory,
 * freed with the layer), and each window's winner stays there instead of being
 * copied out to JavaScript after the forward and back in for the backward (two
 * copies of a batch of indices per step): the binary64 path's as binary64 flat
 * indices (`arg`, poolForward's layout), the binary32 path's as one-byte codes
 * (`code`, (ky << 4) | kx in the window: poolForward32's layout, for k ≤ 16 —
 * a larger window takes the binary64 path). Each layout is read only by the
 * backward of the forward that wrote it (`ran32` in pool2d.ts). The kernels and
 * their results are those of the shared path (conv-ops.ts `poolForward` /
 * `poolBackward`); a call whose prerequisites are missing (no forward of this
 * batch on these kernels) returns false and the layer takes the shared path.
 * Pooling acts on each example alone; nothing here bears on privacy.
 * @module
 */
import type { PoolShape } from './conv-ops.js';
import type { FloatArray } from './kernels.js';
import { binary32Doubles as half, type Regions, ResidentInstance } from './resident-instance.js';

/** @internal One MaxPool2d's resident kernel instance. */
export class PoolResident {
  private rows = -1; // the rows (batch·channels) of the forward whose winners are held; −1: none
  private reluFused = false; // the last forward32 pooled max(0, x) (x, pre-ReLU, kept in x32)

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

  /**
   * Regions for `rows` planes: x (f64, also dx; the binary32 backward's per-plane accumulator), out (f64, also the
   * output gradient), arg (f64), and for the binary32 path x32 and out32 (binary32: x or dx, out or the output
   * gradient) and code (a byte per output); null: memory cannot grow.
   */
  private layout(g: PoolShape): Regions<'x' | 'out' | 'arg' | 'x32' | 'out32' | 'dx32' | 'code'> | null {
    const inLen = g.rows * g.H * g.W;
    const outLen = g.rows * g.oh * g.ow;
    const code = Math.ceil(outLen / 8);
    return this.m.layout({ x: inLen, out: outLen, arg: outLen, x32: half(inLen), out32: half(outLen), dx32: half(inLen), code });
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

  /**
   * The binary32 path (binary32-path.ts): out32 = the max pooling of x (binary32 values, or binary64 ones rounded on
   * the way in) by `poolForward32`, the values and winners of poolForward on the widened planes. A view of the
   * output, or null: memory cannot grow, or k > 16 (a winner's code (ky << 4) | kx would not fit in its byte; the
   * segment then runs on the binary64 path, the same bits). relu: pool max(0, x) — a ReLU before the pooling, fused (binary32-path.ts):
   * each tap is max(0, v) as loaded, reluForward32's rule, so the same values and winners as the ReLU then this.
   */
  forward32(g: PoolShape, x: FloatArray, relu: boolean): Float32Array | null {
    this.rows = -1;
    if (g.k > 16) return null;
    const r = this.layout(g);
    if (!r) return null;
    const outLen = g.rows * g.oh * g.ow;
    this.m.f32(r.x32, x.length).set(x);
    this.m.exports.poolForward32(r.x32, r.out32, r.code, g.rows, g.H, g.W, g.k, g.s, g.oh, g.ow, relu ? 1 : 0);
    this.rows = g.rows;
    this.reluFused = relu;
    return this.m.f32(r.out32, outLen);
  }

  /**
   * The binary32 path's backward (`poolBackward32`): dy (rounded to binary32 on the way in) routed to the winners,
   * each pixel's sum made in binary64 at x in poolBackward's order and rounded once to binary32 into x32. A view of
   * dx, or null: no winners of this shape are held. After a forward with the ReLU fused, the gradient with respect
   * to the ReLU's input: each value kept where the pre-ReLU x > 0, else 0 (reluBackward32's rule), in the same pass.
   * x32 is left as the forward wrote it (dx goes to dx32), so a second backward of the same forward is the same.
   */
  backward32(g: PoolShape, dy: FloatArray): Float32Array | null {
    if (this.rows !== g.rows) return null;
    const r = this.layout(g); // the same regions as the forward's (same shape, no growth)
    if (!r) return null;
    const inLen = g.rows * g.H * g.W;
    this.m.f32(r.out32, dy.length).set(dy);
    const relu = this.reluFused ? 1 : 0;
    this.m.exports.poolBackward32(r.out32, r.code, r.x, r.dx32, g.rows, g.H, g.W, g.s, g.oh, g.ow, r.x32, relu);
    return this.m.f32(r.dx32, inLen);
  }
}
