/**
 * A layer's own instance of the SIMD kernel module (issue 12; D1: Dense,
 * Conv2d and MaxPool2d each kept one and repeated the same plumbing). The
 * instance (`newWasmKernelInstance`) has its own linear memory, which only its
 * layer writes and which is freed with the layer, so operands can stay there
 * from one of the layer's calls to the next. This class holds what the three
 * residency files share: the named layout of regions in that memory, the copy
 * of a binary64 operand in through a staging region with its rounding to
 * binary32 there (`demote`, nearest-even as Math.fround), and typed views.
 *
 * Nothing here bears on privacy by itself: what is rounded where, and why the
 * clip still bounds what is summed, is each layer's file's argument
 * (conv-ops.ts, dense-binary32.proof.md). The layout is a pure function of the
 * lengths asked for (regions in the order named, each 16-byte aligned, from the
 * module's heap base), so a layer whose lengths are public lays out public
 * offsets.
 * @module
 */
import { newWasmKernelInstance, type WasmKernels } from './wasm/wasm-kernels.js';

/** @internal Doubles that hold `n` binary32 values (a region's length is given in doubles). */
export function binary32Doubles(n: number): number {
  return Math.ceil(n / 2);
}

/** @internal `n` rounded up to a multiple of 8 (the f32 kernels pack operands in blocks of eight columns). */
export function up8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** @internal Byte offsets of named regions, plus the kernels' pack scratch. */
export type Regions<K extends string> = Record<K, number> & { pack: number };

/** @internal One layer's kernel instance and its memory. */
export class ResidentInstance {
  private constructor(readonly kernels: WasmKernels) {}

  /** A fresh instance, or null where the SIMD module is unavailable. */
  static create(): ResidentInstance | null {
    const k = newWasmKernelInstance();
    return k ? new ResidentInstance(k) : null;
  }

  /** The module's exports. */
  get exports(): WasmKernels['exports'] {
    return this.kernels.exports;
  }

  /**
   * Lays out the named regions (lengths in doubles) in the order given, then the pack scratch; null when the
   * memory cannot grow to hold them. The same lengths give the same offsets.
   */
  layout<K extends string>(lengths: Record<K, number>): Regions<K> | null {
    const names = Object.keys(lengths) as K[];
    let offsets: number[];
    try {
      offsets = this.kernels.alloc(...names.map((name) => lengths[name]));
    } catch {
      return null;
    }
    const regions = { pack: offsets[names.length] as number } as Regions<K>;
    names.forEach((name, i) => {
      (regions as Record<K, number>)[name] = offsets[i] as number;
    });
    return regions;
  }

  /** Copies `src` into the binary64 staging region at `stage` and rounds it to binary32 at `dst` (nearest-even). */
  roundIn(src: Float64Array, stage: number, dst: number): void {
    this.kernels.view().set(src, stage / 8);
    this.kernels.exports.demote(stage, dst, src.length);
  }

  /** Copies `src` into the binary64 region at `at`. */
  copyIn(src: Float64Array, at: number): void {
    this.kernels.view().set(src, at / 8);
  }

  /** Copies the binary64 region at `at` out into `dst` (dst.length values). */
  copyOut(at: number, dst: Float64Array): void {
    dst.set(this.f64(at, dst.length));
  }

  /** A Float32Array view of `length` binary32 values at byte offset `at` (valid until the memory grows). */
  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.kernels.exports.memory.buffer, at, length);
  }

  /** A Float64Array view of `length` binary64 values at byte offset `at` (valid until the memory grows). */
  f64(at: number, length: number): Float64Array {
    return this.kernels.view().subarray(at / 8, at / 8 + length);
  }
}
