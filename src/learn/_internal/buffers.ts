/**
 * Buffer reuse for the layers' batch arrays. Allocating fresh multi-megabyte
 * Float64Arrays per layer per pass cost more than the kernels themselves on the
 * MNIST CNN (zero-fill, page faults and about one full GC per DP step: a DP
 * step's Poisson batch size changes every step, so exact-size reuse never hit),
 * so a layer keeps one backing store per array and hands out views of the
 * length it needs, growing the store when a batch is larger. Contract
 * (layer.ts): an array a layer returns is owned by the layer and valid until
 * its next forward (resp. backward) call; its contents are stale until the
 * kernel writing it has run (every kernel overwrites every value).
 * @module
 */
import { LEARN_SIZE_LIMITS } from '../size-limits.js';

/** @internal One reusable backing store. */
export class Scratch {
  private store: Float64Array = new Float64Array(0);

  /** A view of `length` values with stale contents; the store grows by at least 1.5× (within the size limits). */
  take(length: number): Float64Array {
    if (this.store.length < length) {
      this.store = new Float64Array(Math.max(length, Math.min(Math.ceil(this.store.length * 1.5), LEARN_SIZE_LIMITS.maxBatchValues)));
    }
    return this.store.length === length ? this.store : this.store.subarray(0, length);
  }
}

/** @internal {@link Scratch} for binary32 arrays (Conv2d's materialised per-example gradients in wasm). */
export class Scratch32 {
  private store: Float32Array = new Float32Array(0);

  /** A view of `length` values with stale contents; the store grows by at least 1.5× (within the size limits). */
  take(length: number): Float32Array {
    if (this.store.length < length) {
      this.store = new Float32Array(Math.max(length, Math.min(Math.ceil(this.store.length * 1.5), LEARN_SIZE_LIMITS.maxBatchValues)));
    }
    return this.store.length === length ? this.store : this.store.subarray(0, length);
  }
}
