/**
 * The relaxed-SIMD kernels (setRelaxedSimd): the same module built with `relaxed_madd` in the matrix
 * products' micro-kernels. (1) The switch: opt-in, refused for a non-boolean, the default module where the
 * platform lacks relaxed SIMD. (2) What relaxed_madd may compute: each lane either the fused value
 * fl(a·b + c) or the unfused fl(fl(a·b) + c), never anything else (generative, exact operands). (3) The
 * kernel, layer and clipping suites rerun on the relaxed module — the same properties and tolerances as
 * on the default module, in particular every clipped contribution's exact norm ≤ C, an example's gradient
 * independent of the rest of its batch (bit for bit) and the clipped sum against explicit per-example
 * gradients (dense-binary32.proof.md, "Relaxed SIMD", says why clipping stays sound).
 * Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd, set here before the relaxed
 * module is compiled (V8 checks the flag at validation).
 */
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { setRelaxedSimd } from '../../src/learn/backend.js';
import { KERNELS_RELAXED_WASM_BASE64 } from '../../src/learn/wasm/kernels-wasm.js';
import { instantiateKernels, relaxedSimdInUse, useRelaxedSimd } from '../../src/learn/wasm/wasm-kernels.js';
import { expectDpError } from './_helpers.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const relaxedLength = atob(KERNELS_RELAXED_WASM_BASE64).length;
const atLoad = relaxedSimdInUse(); // before this file switches anything: the default

/** This platform's WebAssembly, except that it refuses the relaxed module (a platform without relaxed SIMD). */
const withoutRelaxed = {
  Module: WebAssembly.Module,
  Instance: WebAssembly.Instance,
  validate: (bytes: BufferSource) => bytes.byteLength !== relaxedLength && WebAssembly.validate(bytes),
} as unknown as typeof WebAssembly;

/** out (1×n) = x (1×2) · W (2×n) + 0 on the loaded module: per lane madd(x1, w1, madd(x0, w0, 0)) then + 0. */
function twoTermProducts(x: [number, number], w0: number[], w1: number[], wa = WebAssembly): Float32Array {
  const k = instantiateKernels(wa);
  if (!k) throw new Error('no wasm SIMD');
  const n = w0.length;
  const [px, pw, pb, pout, pwp, ppack] = k.alloc(2, n, n, n, 2 * n + 8) as [number, number, number, number, number, number];
  const f32 = new Float32Array(k.exports.memory.buffer); // after alloc, which may grow (detach) the memory
  f32.set(x, px / 4);
  f32.set(w0, pw / 4);
  f32.set(w1, pw / 4 + n);
  f32.fill(0, pb / 4, pb / 4 + n);
  k.exports.denseForward32(px, pw, pb, pout, pwp, ppack, 1, 2, n);
  return new Float32Array(k.exports.memory.buffer, pout, n).slice();
}

afterAll(() => {
  useRelaxedSimd(false);
});

describe('the relaxed-SIMD switch', () => {
  it('is off by default, on where the platform validates relaxed SIMD, and refuses a non-boolean', () => {
    expect(atLoad).toBe(false);
    expect(setRelaxedSimd(true)).toBe(true);
    expect(relaxedSimdInUse()).toBe(true);
    expect(setRelaxedSimd(false)).toBe(false);
    fc.assert(
      fc.property(
        fc.anything().filter((v) => typeof v !== 'boolean'),
        (v) => {
          expectDpError(() => setRelaxedSimd(v as boolean), 'INVALID_PARAMETER');
          expect(relaxedSimdInUse()).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
    useRelaxedSimd(true); // for the suites below
  });

  it('falls back to the default module where relaxed SIMD does not validate', () => {
    useRelaxedSimd(true);
    const k = instantiateKernels(withoutRelaxed);
    expect(k).not.toBeNull();
    // 1 + 2⁻¹², squared, minus 1: 2⁻¹¹ unfused (the square rounds off its 2⁻²⁴), 2⁻¹¹ + 2⁻²⁴ fused.
    const a = 1 + 2 ** -12;
    const got = twoTermProducts([1, a], [-1, -1, -1, -1], [a, a, a, a], withoutRelaxed);
    expect(Array.from(got)).toEqual([2 ** -11, 2 ** -11, 2 ** -11, 2 ** -11]);
  });
});

describe('relaxed_madd in the micro-kernels', () => {
  // x0, x1, w0 = i/2¹² (|i| < 2¹²), w1 = j/2²³ (|j| ≤ 2²³): x1·w1 has up to 36 significant bits (so it rounds in
  // binary32), and every product and sum below is exact in binary64 (granularity 2⁻³⁵, magnitude < 2), so
  // Math.fround of it is the correctly rounded binary32 value: both candidates are computed exactly.
  const q = fc.integer({ min: -4095, max: 4095 }).map((i) => i / 4096);
  const big = fc.integer({ min: -(2 ** 23), max: 2 ** 23 }).map((i) => i / 2 ** 23);

  it('gives each lane the fused or the unfused multiply-add, nothing else (generative)', () => {
    expect(useRelaxedSimd(true)).toBe(true);
    let fusedSeen = 0;
    let unfusedSeen = 0;
    fc.assert(
      fc.property(q, q, fc.array(fc.tuple(q, big), { minLength: 1, maxLength: 12 }), (x0, x1, lanes) => {
        const w0 = lanes.map(([a]) => a);
        const w1 = lanes.map(([, b]) => b);
        const got = twoTermProducts([x0, x1], w0, w1);
        lanes.forEach(([a, b], j) => {
          const first = Math.fround(x0 * a);
          const fused = Math.fround(x1 * b + first);
          const unfused = Math.fround(Math.fround(x1 * b) + first);
          expect([fused, unfused]).toContain(got[j]);
          if (fused !== unfused) {
            if (got[j] === fused) fusedSeen++;
            else unfusedSeen++;
          }
        });
      }),
      { numRuns: 300, seed: 0x5eed },
    );
    // One compiled instruction for every lane and call: all fused (x86 with FMA3, ARM64) or all unfused — the
    // same choice for every example, so an example's products never depend on where it sits in the batch.
    expect(fusedSeen + unfusedSeen).toBeGreaterThan(0); // the generator reaches lanes where the two differ
    expect(Math.min(fusedSeen, unfusedSeen)).toBe(0);
  });
});

// (3) The same suites on the relaxed module: their properties and tolerances must hold there too.
describe('the kernel, layer and clipping suites on the relaxed-SIMD module', () => {
  it('runs them with the relaxed module loaded', () => {
    expect(relaxedSimdInUse()).toBe(true);
  });
});
useRelaxedSimd(true);
await import('./wasm-kernels.test.js');
await import('./dense-binary32.test.js');
await import('./conv-ops.test.js');
await import('./conv-resident.test.js');
await import('./clip-margin.test.js');
await import('./clipping.test.js');
await import('./binary32-path.test.js');
