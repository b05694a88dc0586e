/**
 * Kernel selection for `tsdp/learn`: the layers call these functions, which
 * run the WebAssembly SIMD kernels (`wasm/`) when the platform supports
 * WebAssembly SIMD and the plain-TypeScript reference kernels (`kernels.ts`)
 * otherwise, or when {@link setKernelBackend} asks for them. Same signatures,
 * same validation (typed DpError before any work), results equal up to the
 * order of floating-point additions.
 *
 * Everything here measured faster in wasm than in TypeScript even with the
 * copies in and out of the module's memory (bench/learn/kernels.ts; at
 * 256×512: ReLU 0.17 ms against 6.3 ms, row norms 0.15 against 0.22, bias
 * broadcast 0.20 against 0.65, axpy 0.32 against 0.75), so every kernel
 * goes to wasm when it is available. The row-scaled product Aᵀ·diag(s)·B of
 * the clipped gradient sum has the scaling fused into the packing of B, and
 * column sums (the bias gradient) are the same product with A a column of ones.
 * @module
 */
import { DpError } from '../core/index.js';
import { checkDims, checkLength } from './_internal/shape.js';
import type { FloatArray } from './kernels.js';
import * as ref from './kernels.js';
import { loadWasmKernels, useRelaxedSimd, type WasmKernels } from './wasm/wasm-kernels.js';

/** Which kernels run: 'wasm' (WebAssembly SIMD) or 'reference' (plain TypeScript). */
export type KernelBackend = 'wasm' | 'reference';

let requested: KernelBackend | 'auto' = 'auto';

/**
 * Chooses the kernels: 'auto' (default: wasm SIMD when available), 'wasm'
 * (refused when unavailable) or 'reference'.
 * @param backend - the choice.
 * @returns the backend now in use.
 * @throws DpError INVALID_PARAMETER on an unknown name; UNSUPPORTED_QUERY when 'wasm' is asked for and WebAssembly SIMD is unavailable.
 * @privacy none: kernels compute the same values either way.
 * @example
 * setKernelBackend('reference'); // the oracle, e.g. to compare
 */
export function setKernelBackend(backend: KernelBackend | 'auto'): KernelBackend {
  if (backend !== 'auto' && backend !== 'wasm' && backend !== 'reference') {
    throw new DpError('INVALID_PARAMETER', "backend must be 'auto', 'wasm' or 'reference'", { parameter: 'backend' });
  }
  if (backend === 'wasm' && loadWasmKernels() === null) {
    throw new DpError('UNSUPPORTED_QUERY', 'WebAssembly SIMD is not available on this platform');
  }
  requested = backend;
  return kernelBackend();
}

/**
 * The kernels in use now.
 * @returns 'wasm' or 'reference'.
 * @example
 * kernelBackend(); // 'wasm' on Node ≥ 16 and current browsers
 */
export function kernelBackend(): KernelBackend {
  if (requested === 'reference') return 'reference';
  return loadWasmKernels() === null ? 'reference' : 'wasm';
}

/**
 * Opts in to (true) or out of (false, the default) the relaxed-SIMD kernels: the same module built
 * with `relaxed_madd` in the matrix products' micro-kernels, a fused multiply-add where the platform
 * has one (1.1–1.25× faster products on this project's x86 machine; bench/learn/roofline.ts). Off by
 * default because a relaxed multiply-add may be fused on one platform and not on another, so the same
 * training run could differ in the last bits between machines; the default kernels give the same bits
 * in every engine. Used only where the platform validates relaxed SIMD (Chromium ≥ 114; Node 20 only
 * with `--experimental-wasm-relaxed-simd`), else the default kernels run. Takes effect for layers
 * created after the call.
 * @param on - whether to use the relaxed-SIMD kernels where available.
 * @returns whether they are now in use.
 * @throws DpError INVALID_PARAMETER unless on is a boolean.
 * @privacy none: every norm and clip factor is computed by kernels without it, over the values actually
 * summed, so each clipped contribution stays within the clip norm either way (dense-binary32.proof.md,
 * "Relaxed SIMD").
 * @example
 * setRelaxedSimd(true); // true in Chromium; in Node 20 only with --experimental-wasm-relaxed-simd
 */
export function setRelaxedSimd(on: boolean): boolean {
  if (typeof on !== 'boolean') {
    throw new DpError('INVALID_PARAMETER', 'setRelaxedSimd takes a boolean', { parameter: 'on' });
  }
  return useRelaxedSimd(on);
}

function wasm(): WasmKernels | null {
  return requested === 'reference' ? null : loadWasmKernels();
}

/**
 * @internal What a wasm call works on: an array copied into the arena, or a count of scratch
 * doubles; wrapped by {@link binary32}, the array is copied in as binary32 (rounded to nearest;
 * an output region is read back exactly) or the count is of binary32 values.
 */
export type WasmRegion = FloatArray | number | Binary32Region;

/** @internal A region the kernel reads and writes as binary32 (see {@link WasmRegion}). */
export interface Binary32Region {
  readonly binary32: FloatArray | number;
}

/** @internal Marks a region as binary32 for {@link runWasm}. */
export function binary32(region: FloatArray | number): Binary32Region {
  return { binary32: region };
}

function regionDoubles(r: WasmRegion): number {
  if (typeof r === 'number') return r;
  if ('binary32' in r) return Math.ceil((typeof r.binary32 === 'number' ? r.binary32 : r.binary32.length) / 2);
  return r.length;
}

/**
 * @internal Runs `call` on the WebAssembly kernels with each region placed in the module's
 * arena (arrays copied in; a number: that many doubles of scratch, 16-byte aligned), then
 * copies each `[region index, array]` of `outputs` back out. `call` receives the module's
 * exports, the regions' byte offsets and the offset of the pack buffer. Returns false, having
 * written nothing, when the reference kernels are in use or the arena cannot grow. A caller whose
 * batch size is private never turns the second case into the reference kernel (review ML M19): it
 * goes through {@link runWasmBlocks}. (The binary64 products below — gemm, row norms, bias, axpy —
 * still fall back; in tsdp/learn's passes they run only on the reference backend, Dense's binary32
 * route holding its own instance.)
 */
export function runWasm(
  regions: readonly WasmRegion[],
  outputs: readonly (readonly [number, FloatArray])[],
  call: (k: WasmKernels['exports'], at: readonly number[], pack: number) => void,
): boolean {
  const w = wasm();
  if (!w) return false;
  let at: number[];
  try {
    at = w.alloc(...regions.map(regionDoubles));
  } catch {
    return false; // memory could not grow: use the reference kernel
  }
  const view = w.view();
  regions.forEach((r, i) => {
    if (typeof r === 'number') return;
    if ('binary32' in r) {
      if (typeof r.binary32 !== 'number') new Float32Array(view.buffer, at[i] as number, r.binary32.length).set(r.binary32);
    } else view.set(r, (at[i] as number) / 8);
  });
  call(w.exports, at, at[regions.length] as number);
  const after = w.view();
  for (const [i, dst] of outputs) {
    const r = regions[i];
    if (typeof r === 'object' && r !== null && 'binary32' in r) dst.set(new Float32Array(after.buffer, at[i] as number, dst.length));
    else {
      const from = (at[i] as number) / 8;
      dst.set(after.subarray(from, from + dst.length));
    }
  }
  return true;
}

/**
 * @internal Runs a batch kernel over `total` independent units (examples, planes or elements, in order) on the
 * WebAssembly kernels: `run(start, count)` runs units [start, start + count) through {@link runWasm} and says
 * whether the arena held them. The whole range goes in one call when it fits, else in consecutive blocks (halved
 * until one fits). Returns false only when the reference kernels are in use (a public choice).
 *
 * Why (review ML M19, one class with M18): the kernels a pass runs must be a function of public values, never of
 * whether memory could grow for THIS (private-size) batch. Every caller's kernel computes each unit from that unit
 * and the public weights alone, in the same arithmetic wherever the unit sits in the call, and a kernel that sums
 * over units (convScaledGradSum) adds them one by one, in order, onto the accumulator it is given — so a blocked
 * run writes the same bits as one call (test/learn/kernel-route-public.test.ts). The only refusal left is one unit
 * that does not fit: a function of the shape and of the platform's memory, never of the batch size (and the
 * private trainer runs a public one-row pass at makePrivate, so it is raised before any data is read).
 * @throws DpError INTERNAL when one unit cannot fit in the arena.
 */
export function runWasmBlocks(total: number, run: (start: number, count: number) => boolean): boolean {
  if (wasm() === null) return false;
  let block = Math.max(1, total);
  for (let start = 0; start < total; ) {
    const count = Math.min(block, total - start);
    if (run(start, count)) start += count;
    else if (count > 1) block = Math.ceil(count / 2);
    else throw new DpError('INTERNAL', 'WebAssembly memory could not grow to hold one example for this kernel');
  }
  return true;
}

type Layout = 'nn' | 'tn' | 'nt';

/** C (+)= op(A)·diag(s)·op(B) in wasm; false when wasm is off or the arena cannot grow (the caller falls back). */
function gemmWasm(
  layout: Layout,
  a: FloatArray,
  b: FloatArray,
  scales: FloatArray | undefined,
  c: FloatArray,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): boolean {
  const scratch = layout === 'nn' ? 0 : Math.max(a.length, b.length);
  return runWasm([a, b, scales ?? 0, accumulate ? c : c.length, scratch], [[3, c]], (e, at, pack) => {
    const [pa, pb, ps, pc, pt] = at as [number, number, number, number, number];
    // A transposed operand is transposed in wasm first (8×8 blocks, O(size)), so that
    // the multiply reads rows of A and packs rows of B contiguously.
    let aa = pa;
    let bb = pb;
    if (layout === 'tn') {
      e.transpose(pa, pt, k, m); // A stored k×m → m×k
      aa = pt;
    } else if (layout === 'nt') {
      e.transpose(pb, pt, n, k); // B stored n×k → k×n
      bb = pt;
    }
    e.gemm(aa, k * 8, 8, bb, n * 8, 8, scales ? ps : 0, pc, m, k, n, accumulate ? 1 : 0, pack);
  });
}

/**
 * C (m×n) = A·B (A m×k, B k×n), or C += A·B; see {@link ref.matmul}.
 * @param a - A, length m·k.
 * @param b - B, length k·n.
 * @param c - C, length m·n (written).
 * @param m - rows of A and C.
 * @param k - the summed index.
 * @param n - columns of B and C.
 * @param accumulate - add to C instead of overwriting it.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * gemmNN(x, w, z, batch, inputSize, outputSize);
 */
export function gemmNN(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  gemm('nn', a, b, undefined, c, m, k, n, accumulate);
}

/**
 * C (m×n) = Aᵀ·B (A stored k×m), or C += Aᵀ·B; see {@link ref.matmulTransA}.
 * @param a - A stored k×m.
 * @param b - B, k×n.
 * @param c - C, m×n (written).
 * @param m - columns of A, rows of C.
 * @param k - the summed index.
 * @param n - columns of B and C.
 * @param accumulate - add to C instead of overwriting it.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * gemmTN(x, delta, weightGrad, inputSize, batch, outputSize, true);
 */
export function gemmTN(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  gemmTNScaled(a, b, undefined, c, m, k, n, accumulate);
}

/**
 * C (m×n) (+)= Aᵀ·diag(s)·B (A stored k×m, B k×n, s length k): the clipped
 * gradient sum Σ_i s_i a_iᵀ δ_i of a dense layer, the scaling fused in.
 * @param a - A stored k×m.
 * @param b - B, k×n.
 * @param scales - s, length k (omitted: all 1).
 * @param c - C, m×n (written).
 * @param m - columns of A, rows of C.
 * @param k - the summed index.
 * @param n - columns of B and C.
 * @param accumulate - add to C instead of overwriting it.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * gemmTNScaled(x, delta, clipFactors, weightGrad, inputSize, batch, outputSize, true);
 */
export function gemmTNScaled(
  a: FloatArray,
  b: FloatArray,
  scales: FloatArray | undefined,
  c: FloatArray,
  m: number,
  k: number,
  n: number,
  accumulate = false,
): void {
  gemm('tn', a, b, scales, c, m, k, n, accumulate);
}

/** The one dispatch of the products: shape checks, then wasm, else the reference kernel. */
function gemm(
  layout: Layout,
  a: FloatArray,
  b: FloatArray,
  scales: FloatArray | undefined,
  c: FloatArray,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): void {
  checkDims(m, k, n);
  checkLength(a, m * k, 'a');
  checkLength(b, k * n, 'b');
  checkLength(c, m * n, 'c');
  if (scales) checkLength(scales, k, 'scales');
  if (gemmWasm(layout, a, b, scales, c, m, k, n, accumulate)) return;
  if (layout === 'nn') ref.matmul(a, b, c, m, k, n, accumulate);
  else if (layout === 'nt') ref.matmulTransB(a, b, c, m, k, n, accumulate);
  else if (scales) {
    const scaled = new Float64Array(k * n);
    ref.scaleRows(b, scales, k, n, scaled);
    ref.matmulTransA(a, scaled, c, m, k, n, accumulate);
  } else ref.matmulTransA(a, b, c, m, k, n, accumulate);
}

/**
 * C (m×n) = A·Bᵀ (B stored n×k), or C += A·Bᵀ; see {@link ref.matmulTransB}.
 * @param a - A, m×k.
 * @param b - B stored n×k.
 * @param c - C, m×n (written).
 * @param m - rows of A and C.
 * @param k - the summed index.
 * @param n - rows of B, columns of C.
 * @param accumulate - add to C instead of overwriting it.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * gemmNT(delta, w, inputGrad, batch, outputSize, inputSize);
 */
export function gemmNT(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  gemm('nt', a, b, undefined, c, m, k, n, accumulate);
}

/**
 * out[i] = Σ_j a[i, j]²; see {@link ref.rowSquaredNorms}.
 * @param a - m×n.
 * @param m - rows.
 * @param n - columns.
 * @param out - length m (written).
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * rowNorms2(x, batch, width, norms);
 */
export function rowNorms2(a: FloatArray, m: number, n: number, out: FloatArray): void {
  checkDims(m, n);
  checkLength(a, m * n, 'a');
  checkLength(out, m, 'out');
  if (runWasm([a, m], [[1, out]], (e, [pa, po]) => e.rowSquaredNorms(pa as number, m, n, po as number))) return;
  ref.rowSquaredNorms(a, m, n, out);
}

/**
 * c[i, j] += v[j]; see {@link ref.addRowVector}.
 * @param c - m×n (updated).
 * @param v - length n.
 * @param m - rows.
 * @param n - columns.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * addBias(z, bias, batch, width);
 */
export function addBias(c: FloatArray, v: FloatArray, m: number, n: number): void {
  checkDims(m, n);
  checkLength(c, m * n, 'c');
  checkLength(v, n, 'v');
  if (runWasm([c, v], [[0, c]], (e, [pc, pv]) => e.addRowVector(pc as number, pv as number, m, n))) return;
  ref.addRowVector(c, v, m, n);
}

/**
 * y += α·x; see {@link ref.axpy}.
 * @param alpha - the factor.
 * @param x - the added vector.
 * @param y - updated in place.
 * @throws DpError INVALID_PARAMETER when the lengths differ.
 * @example
 * axpyInPlace(-0.1, grad, weights);
 */
export function axpyInPlace(alpha: number, x: FloatArray, y: FloatArray): void {
  checkLength(y, x.length, 'y');
  if (runWasm([x, y], [[1, y]], (e, [px, py]) => e.axpy(alpha, px as number, py as number, x.length))) return;
  ref.axpy(alpha, x, y);
}

/**
 * out = max(0, x); see {@link ref.reluForward}.
 * @param x - the input.
 * @param out - same length (written).
 * @throws DpError INVALID_PARAMETER when the lengths differ.
 * @example
 * reluFwd(z, y);
 */
export function reluFwd(x: FloatArray, out: FloatArray): void {
  checkLength(out, x.length, 'out');
  const run = (at: number, n: number): boolean =>
    runWasm([x.subarray(at, at + n)], [[0, out.subarray(at, at + n)]], (e, [px]) => e.reluForward(px as number, px as number, n));
  if (runWasmBlocks(x.length, run)) return; // elementwise: blocks write the same bits (review ML M19)
  ref.reluForward(x, out);
}

/**
 * out = y > 0 ? g : 0; see {@link ref.reluBackward}.
 * @param y - the forward output.
 * @param g - the output gradient.
 * @param out - the input gradient (written).
 * @throws DpError INVALID_PARAMETER when the lengths differ.
 * @example
 * reluBwd(y, g, dx);
 */
export function reluBwd(y: FloatArray, g: FloatArray, out: FloatArray): void {
  checkLength(g, y.length, 'g');
  checkLength(out, y.length, 'out');
  const run = (at: number, n: number): boolean =>
    runWasm([y.subarray(at, at + n), g.subarray(at, at + n)], [[1, out.subarray(at, at + n)]], (e, [py, pg]) =>
      e.reluBackward(py as number, pg as number, pg as number, n),
    );
  if (runWasmBlocks(y.length, run)) return; // elementwise: blocks write the same bits (review ML M19)
  ref.reluBackward(y, g, out);
}

const onesCache = new Map<number, Float64Array>();

/**
 * out[j] (+)= Σ_i s_i·a[i, j] (s = 1 when omitted); see {@link ref.columnSums}.
 * @param a - m×n.
 * @param m - rows.
 * @param n - columns.
 * @param out - length n (written, or added to).
 * @param scales - optional row weights, length m.
 * @param accumulate - add to out.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * colSums(delta, batch, width, biasGrad, clipFactors, true);
 */
export function colSums(a: FloatArray, m: number, n: number, out: FloatArray, scales?: FloatArray, accumulate = false): void {
  checkDims(m, n);
  checkLength(a, m * n, 'a');
  checkLength(out, n, 'out');
  if (scales) checkLength(scales, m, 'scales');
  if (wasm() === null) {
    ref.columnSums(a, m, n, out, scales, accumulate);
    return;
  }
  let ones = onesCache.get(m);
  if (!ones) {
    ones = new Float64Array(m).fill(1);
    if (onesCache.size > 16) onesCache.clear();
    onesCache.set(m, ones);
  }
  gemmTNScaled(ones, a, scales, out, 1, m, n, accumulate);
}
