/**
 * The WebAssembly SIMD kernels of `tsdp/learn` (binary64, f64x2; the
 * convolution's forward, input gradient and materialised per-example gradients
 * in binary32, f32x4 — see conv-ops.ts for why that is safe), behind the
 * same signatures as the plain-TypeScript reference kernels in `../kernels.ts`
 * (which are their test oracle). The module is built from
 * `assembly/kernels.as` (AssemblyScript, `asc -O3 --enable simd`) and embedded
 * in base64 (`kernels-wasm.ts`, rebuilt byte for byte by a test), so a bundle
 * needs no asset and the ~8 KB module compiles synchronously on a browser's main
 * thread (Chromium ≥ 114 allows 8 MB there; it was 4 KB before).
 *
 * Each call copies its operands into the module's linear memory (a scratch
 * arena that grows on demand and is reused), runs, and copies the result out:
 * O(size) copies beside the O(m·k·n) multiply. A layer that keeps operands
 * between its calls owns a separate instance (`newWasmKernelInstance`; Conv2d,
 * see ../conv-resident.ts), so the shared arena's reuse never touches them. Results equal the reference up
 * to the order of floating-point additions (SIMD lanes and blocking), i.e.
 * within a few ulps of Σ|a||b| — the property tests bound it. Non-finite
 * inputs: the reference skips a zero factor (0·∞ is then not formed), the SIMD
 * kernel forms it; the clipping engine never relies on either (rows it drops
 * are removed before any product, see ghost-clipping.proof.md).
 *
 * Denormals: WebAssembly has no flush-to-zero mode. Subnormal binary64 values
 * (|x| < 2⁻¹⁰²²) are rare in training (they need a gradient or activation
 * below 1e-308) and cost about 1.2–1.5× on this machine's multiply when they
 * are a third of the inputs (bench/learn/kernels.ts measures it); the loss
 * gradients are flushed at the source (see losses.ts), so the matrices fed to
 * the kernels carry none in practice.
 * @module
 */
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels-wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  packBytes(): number;
  gemm(
    a: number,
    ars: number,
    aps: number,
    b: number,
    bps: number,
    bjs: number,
    rowScale: number,
    c: number,
    m: number,
    k: number,
    n: number,
    accumulate: number,
    pack: number,
  ): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  rowSquaredNorms(a: number, m: number, n: number, out: number): void;
  addRowVector(c: number, v: number, m: number, n: number): void;
  axpy(alpha: number, x: number, y: number, len: number): void;
  reluForward(x: number, out: number, len: number): void;
  reluBackward(y: number, g: number, out: number, len: number): void;
  reluForward32(x: number, out: number, len: number): void;
  reluBackward32(y: number, g: number, out: number, len: number): void;
  poolForward32(
    x: number,
    out: number,
    code: number,
    rows: number,
    h: number,
    w: number,
    k: number,
    s: number,
    oh: number,
    ow: number,
    relu: number,
  ): void;
  poolBackward32(
    g: number,
    code: number,
    acc: number,
    dx: number,
    rows: number,
    h: number,
    w: number,
    s: number,
    oh: number,
    ow: number,
    x: number,
    relu: number,
  ): void;
  convForward(
    x: number,
    w: number,
    b: number,
    out: number,
    col: number,
    tmp: number,
    wp: number,
    pack: number,
    batch: number,
    ...shapeAndPatches: [...ConvShapeArgs, patches: number]
  ): void;
  convInputGrad(g: number, w: number, dx: number, col: number, wp: number, pack: number, batch: number, ...shape: ConvShapeArgs): void;
  convExampleGrads(
    x: number,
    g: number,
    grads: number,
    norms: number,
    col: number,
    pack: number,
    batch: number,
    ...shapeAndPatches: [...ConvShapeArgs, patches: number]
  ): void;
  convKeepsPatches(C: number, k: number, oh: number, ow: number, H: number, W: number, p: number): number;
  demote(src: number, dst: number, n: number): void;
  denseForward32(x: number, w: number, b: number, out: number, wp: number, pack: number, m: number, k: number, n: number): void;
  denseInputGrad32(d: number, w: number, dx: number, wp: number, pack: number, m: number, nOut: number, nIn: number): void;
  rowSquaredNorms32(a: number, m: number, n: number, out: number): void;
  denseClippedSum(
    x: number,
    d: number,
    scales: number,
    gw: number,
    gb: number,
    at: number,
    ut: number,
    pack: number,
    batch: number,
    nIn: number,
    nOut: number,
  ): void;
  addScaledRows32(rows: number, width: number, scales: number, batch: number, from: number, count: number, out: number): void;
  convScaledGradSum(
    x: number,
    g: number,
    scales: number,
    gw: number,
    gb: number,
    col: number,
    rs: number,
    pack: number,
    batch: number,
    ...shape: ConvShapeArgs
  ): void;
  convGhostNorms(
    x: number,
    g: number,
    out: number,
    col: number,
    g1: number,
    g2: number,
    pack: number,
    batch: number,
    ...shape: ConvShapeArgs
  ): void;
  poolForward(
    x: number,
    out: number,
    arg: number,
    rows: number,
    h: number,
    w: number,
    k: number,
    s: number,
    oh: number,
    ow: number,
    mode: number,
  ): void;
  poolBackward(
    g: number,
    arg: number,
    dx: number,
    rows: number,
    h: number,
    w: number,
    k: number,
    s: number,
    oh: number,
    ow: number,
    mode: number,
  ): void;
}

/** A convolution's geometry as the kernels take it: C, H, W, k, stride, padding, oh, ow, outC. */
export type ConvShapeArgs = [number, number, number, number, number, number, number, number, number];

/** The loaded module and its scratch arena. */
export interface WasmKernels {
  readonly exports: Exports;
  /** Returns byte offsets for arrays of the given lengths (in doubles), 16-byte aligned, plus a pack buffer. */
  alloc(...lengths: number[]): number[];
  /** A Float64Array view of the current memory (re-fetched after growth). */
  view(): Float64Array;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

let loaded: WasmKernels | null | undefined;
let compiled: WebAssembly.Module | null | undefined;
let relaxedWanted = false;
let relaxedInUse = false;

/**
 * Asks for (true) or against (false, the default) the relaxed-SIMD build of the module, whose
 * products' micro-kernels use `relaxed_madd` (a fused multiply-add where the platform has one:
 * x86 with FMA3, ARM64). Opt-in because a relaxed result is not the same bits on every platform:
 * the default module gives identical results in every engine with SIMD (Node, Chromium, Firefox),
 * the relaxed one may differ in the last bits of each product between a platform that fuses and one
 * that does not. Clipping is sound either way (dense-binary32.proof.md, "Relaxed SIMD"): every norm
 * and clip factor is computed by kernels that do not use it, over the values actually summed.
 * Takes effect for instances made after the call (the shared arena is reloaded; a layer's resident
 * instance keeps the module it was made with until the layer is re-created). Where the platform
 * does not validate relaxed SIMD (Node 20 without `--experimental-wasm-relaxed-simd`), the default
 * module is used.
 * @param on - whether to use the relaxed build where available.
 * @returns whether the relaxed build is now in use.
 * @internal
 */
export function useRelaxedSimd(on: boolean): boolean {
  if (on !== relaxedWanted) {
    relaxedWanted = on;
    loaded = undefined;
    compiled = undefined;
    relaxedInUse = false;
  }
  loadWasmKernels();
  return relaxedInUse;
}

/** Whether the loaded module is the relaxed-SIMD build. @internal */
export function relaxedSimdInUse(): boolean {
  loadWasmKernels();
  return relaxedInUse;
}

/**
 * Loads the SIMD module once; null when this platform's WebAssembly lacks SIMD
 * (or WebAssembly altogether), in which case the reference kernels are used.
 * @returns the kernels, or null.
 * @internal
 */
export function loadWasmKernels(): WasmKernels | null {
  if (loaded === undefined) loaded = instantiateKernels(typeof WebAssembly === 'object' ? WebAssembly : undefined);
  return loaded;
}

/**
 * A fresh instance of the module, with its own linear memory, for a layer that keeps operands
 * resident between its calls (Conv2d: its binary32 input, output gradient and per-example
 * gradients live there from forward to the clipped sum, with no copy through JavaScript). Nothing
 * else writes that memory; it is freed with the layer. Null where {@link loadWasmKernels} is null
 * or the instance cannot be made.
 * @internal
 */
export function newWasmKernelInstance(): WasmKernels | null {
  if (loadWasmKernels() === null || !compiled) return null;
  try {
    return arena(new WebAssembly.Instance(compiled, {}).exports as unknown as Exports);
  } catch {
    return null;
  }
}

/**
 * Instantiates the module with the given WebAssembly namespace (a parameter so
 * that a test can present a platform without SIMD); null when it is absent or
 * does not validate the module.
 * @internal
 */
export function instantiateKernels(wa: typeof WebAssembly | undefined): WasmKernels | null {
  try {
    if (wa === undefined) return null;
    const isGlobal = wa === (typeof WebAssembly === 'object' ? WebAssembly : undefined);
    let bytes = decode(KERNELS_WASM_BASE64);
    let relaxed = false;
    if (relaxedWanted) {
      const relaxedBytes = decode(KERNELS_RELAXED_WASM_BASE64);
      if (wa.validate(relaxedBytes)) [bytes, relaxed] = [relaxedBytes, true];
    }
    if (!relaxed && !wa.validate(bytes)) return null; // no SIMD here
    const module = new wa.Module(bytes);
    const kernels = arena(new wa.Instance(module, {}).exports as unknown as Exports);
    if (isGlobal && compiled === undefined) {
      compiled = module;
      relaxedInUse = relaxed;
    }
    return kernels;
  } catch {
    return null;
  }
}

/** The scratch arena over an instance's memory: regions laid out from heapBase on every call. */
function arena(exports: Exports): WasmKernels {
  const base = (exports.heapBase() + 15) & ~15;
  const packDoubles = exports.packBytes() / 8;
  let f64 = new Float64Array(exports.memory.buffer);
  return {
    exports,
    alloc(...lengths: number[]): number[] {
      const offsets: number[] = [];
      let at = base;
      for (const len of [...lengths, packDoubles]) {
        offsets.push(at);
        at += Math.ceil((len * 8) / 16) * 16;
      }
      const have = exports.memory.buffer.byteLength;
      if (at > have) {
        exports.memory.grow(Math.ceil((at - have) / 65_536));
        f64 = new Float64Array(exports.memory.buffer);
      }
      return offsets;
    },
    view(): Float64Array {
      if (f64.buffer !== exports.memory.buffer) f64 = new Float64Array(exports.memory.buffer);
      return f64;
    },
  };
}
