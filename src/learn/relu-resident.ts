/**
 * ReLU on Sequential's binary32 path (binary32-path.ts): a ReLU layer that runs the SIMD kernels owns one
 * instance of the module (resident-instance.ts), and its binary32 output y stays there from forward to
 * backward, where the backward reads it (y > 0 ? g : 0). The kernels (`reluForward32`, `reluBackward32`)
 * apply reluForward's and reluBackward's rules in four binary32 lanes; on binary32 values they give the
 * same numbers. Nothing here bears on privacy (ReLU acts on each value alone).
 * @module
 */
import type { FloatArray } from './kernels.js';
import { binary32Doubles as half, ResidentInstance } from './resident-instance.js';

/** @internal One ReLU layer's resident kernel instance. */
export class ReluResident {
  private length = -1; // the values of the forward whose output is held; −1: none
  private y = 0;
  private g = 0;

  private constructor(private readonly m: ResidentInstance) {}

  /** A fresh instance, or null where the SIMD module is unavailable. */
  static create(): ReluResident | null {
    const m = ResidentInstance.create();
    return m ? new ReluResident(m) : null;
  }

  /** Forgets the output held (the layer took the binary64 path). */
  invalidate(): void {
    this.length = -1;
  }

  /** y = max(0, x) in binary32 (x rounded to binary32 on the way in); a view of y, or null: memory cannot grow. */
  forward(x: FloatArray): Float32Array | null {
    this.length = -1;
    const n = x.length;
    const r = this.m.layout({ y: half(n), g: half(n) });
    if (!r) return null;
    this.y = r.y;
    this.g = r.g;
    this.m.f32(r.y, n).set(x);
    this.m.exports.reluForward32(r.y, r.y, n);
    this.length = n;
    return this.m.f32(r.y, n);
  }

  /** The input gradient y > 0 ? g : 0 in binary32 (g rounded on the way in); null: no forward of this length held. */
  backward(g: FloatArray): Float32Array | null {
    const n = g.length;
    if (this.length !== n) return null;
    this.m.f32(this.g, n).set(g);
    this.m.exports.reluBackward32(this.y, this.g, this.g, n);
    return this.m.f32(this.g, n);
  }
}
