/**
 * The batch-level Conv2d and pooling kernels (src/learn/conv-ops.ts): the WebAssembly SIMD
 * versions (im2col, col2im, multiplies and pooling loops inside the module) against the
 * plain-TypeScript reference versions (the oracle), on random geometries that straddle the
 * multiply's blocks (K > 256, T > 64, outC across 8-lane panels), with padding, strides, empty
 * batches and a dropped example holding NaN (skipped, never multiplied by 0). The forward, the
 * input gradient and the materialised per-example gradients run in binary32 in wasm (bounded by
 * expectNear32); the ghost norms and the scaled sums in binary64 (expectNear).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { setKernelBackend } from '../../src/learn/backend.js';
import {
  type ConvShape,
  convExampleGrads,
  convForward,
  convGhostNorms,
  convInputGrad,
  convScaledGradSum,
  type PoolShape,
  poolBackward,
  poolForward,
} from '../../src/learn/conv-ops.js';
import { filler } from './_helpers.js';

afterEach(() => {
  setKernelBackend('auto');
});

const abs = (a: Float64Array): Float64Array => a.map(Math.abs);

/** Runs `f` with the reference kernels, then with wasm; returns both results. */
function both<T>(f: () => T): [T, T] {
  setKernelBackend('reference');
  const want = f();
  setKernelBackend('auto');
  return [want, f()];
}

/** |wasm − reference| ≤ 1e-12·scale + 1e-300 (they differ only in the order of additions). */
function expectNear(got: Float64Array, want: Float64Array, scale: Float64Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++)
    expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThanOrEqual(1e-12 * (scale[i] as number) + 1e-300);
}

/**
 * The binary32 kernels (forward, input gradient, materialised per-example gradients): inputs rounded
 * to binary32 (relative 2⁻²⁴ each) and sums of at most n products in binary32, so by the standard
 * bound |wasm − reference| ≤ γ_(n+2)·Σ|a||b| ≈ (n + 2)·2⁻²⁴·scale (Higham, Accuracy and Stability,
 * §3.1), with n the longest chain of additions (products, then col2im's k² taps).
 */
function expectNear32(got: Float64Array, want: Float64Array, scale: Float64Array, n: number): void {
  expect(got.length).toBe(want.length);
  const u = (n + 2) * 2 ** -24 * 1.01;
  for (let i = 0; i < got.length; i++)
    expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThanOrEqual(u * (scale[i] as number) + 1e-30);
}

const convGeometry = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      C: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(17)),
      H: fc.integer({ min: 1, max: 9 }),
      W: fc.integer({ min: 1, max: 9 }),
      // 5: a v128 of taps and a scalar one inside the image; 8: two groups of four taps per window row (conv1 of the
      // MNIST CNN). With k a multiple of 4 and T ≤ 256 the per-example gradients read the patches written packed.
      k: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(5), fc.constant(8)),
      s: fc.integer({ min: 1, max: 3 }),
      p: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    // T > 256 output positions with k = 4: the per-example gradients' im2col-then-pack path
    weight: 1,
    arbitrary: fc.record({
      C: fc.constant(1),
      H: fc.constant(18),
      W: fc.constant(18),
      k: fc.constant(4),
      s: fc.constant(1),
      p: fc.integer({ min: 0, max: 2 }),
    }),
  },
);
const convArb = fc
  .record({
    geometry: convGeometry,
    outC: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(9), fc.constant(17)), // 17: two full 8-lane panels and a partial one
    batch: fc.integer({ min: 0, max: 3 }),
    seed: fc.nat(),
  })
  .map(({ geometry, ...rest }) => ({ ...geometry, ...rest }))
  .filter((g) => g.H + 2 * g.p >= g.k && g.W + 2 * g.p >= g.k && g.C * g.k * g.k <= 512) // K ≤ 512: the test's own cost
  .map((g) => ({ ...g, oh: Math.floor((g.H + 2 * g.p - g.k) / g.s) + 1, ow: Math.floor((g.W + 2 * g.p - g.k) / g.s) + 1 }));

describe('Conv2d batch kernels: wasm SIMD against the reference (random geometries)', () => {
  it('forward, input gradient, per-example gradients, ghost norms and scaled sums agree', () => {
    fc.assert(
      fc.property(convArb, (g) => {
        const shape: ConvShape = g;
        const T = g.oh * g.ow;
        const K = g.C * g.k * g.k;
        const inSize = g.C * g.H * g.W;
        const x = filler(g.batch * inSize, g.seed);
        const w = filler(g.outC * K, g.seed + 1);
        const b = filler(g.outC, g.seed + 2);
        const dy = filler(g.batch * g.outC * T, g.seed + 3);
        const run = <T>(f: () => T) => both(f);

        const fwd = (xx: Float64Array, ww: Float64Array, bb: Float64Array) => {
          const out = new Float64Array(g.batch * g.outC * T);
          convForward(shape, xx, ww, bb, out, g.batch);
          return out;
        };
        const chain = K + T + g.outC + g.k * g.k;
        const [f0, f1] = run(() => fwd(x, w, b));
        setKernelBackend('reference');
        expectNear32(f1, f0, fwd(abs(x), abs(w), abs(b)), chain);

        const dx = (dd: Float64Array, ww: Float64Array) => {
          const out = new Float64Array(g.batch * inSize);
          convInputGrad(shape, dd, ww, out, g.batch);
          return out;
        };
        const [d0, d1] = run(() => dx(dy, w));
        setKernelBackend('reference');
        expectNear32(d1, d0, dx(abs(dy), abs(w)), chain);

        const grads = (xx: Float64Array, dd: Float64Array) => {
          const out = new Float64Array(g.batch * (g.outC * K + g.outC));
          const norms = new Float64Array(g.batch);
          convExampleGrads(shape, xx, dd, out, norms, g.batch);
          // the norms returned beside the gradients are their rows' squared norms
          const width = g.outC * K + g.outC;
          for (let i = 0; i < g.batch; i++) {
            let sq = 0;
            for (let j = 0; j < width; j++) sq += (out[i * width + j] as number) ** 2;
            expect(Math.abs((norms[i] as number) - sq)).toBeLessThanOrEqual(1e-12 * sq + 1e-300);
          }
          return out;
        };
        const [e0, e1] = run(() => grads(x, dy));
        setKernelBackend('reference');
        const eScale = grads(abs(x), abs(dy));
        expectNear32(e1, e0, eScale, chain);

        const ghost = (xx: Float64Array, dd: Float64Array) => {
          const out = new Float64Array(g.batch);
          convGhostNorms(shape, xx, dd, out, g.batch);
          return out;
        };
        const [n0, n1] = run(() => ghost(x, dy));
        setKernelBackend('reference');
        expectNear(n1, n0, ghost(abs(x), abs(dy)));
        // ghost norms = squared norms of the materialised gradients
        const width = g.outC * K + g.outC;
        for (let i = 0; i < g.batch; i++) {
          let sq = 0;
          let sc = 0;
          for (let j = 0; j < width; j++) {
            sq += (e0[i * width + j] as number) ** 2;
            sc += (eScale[i * width + j] as number) ** 2;
          }
          expect(Math.abs((n0[i] as number) - sq)).toBeLessThanOrEqual(1e-12 * sc + 1e-300);
        }

        // scaled sum, with example 0 dropped (scale 0) and holding NaN: skipped, never 0·NaN
        const scales = filler(g.batch, g.seed + 4);
        const dyNan = dy.slice();
        if (g.batch > 1) {
          scales[0] = 0;
          dyNan.fill(Number.NaN, 0, g.outC * T);
        }
        const sum = (xx: Float64Array, dd: Float64Array, ss: Float64Array) => {
          const gw = filler(g.outC * K, 7);
          const gb = filler(g.outC, 8);
          convScaledGradSum(shape, xx, dd, ss, gw, gb, g.batch);
          return Float64Array.of(...gw, ...gb);
        };
        const [s0, s1] = run(() => sum(x, dyNan, scales));
        expect(s1.every(Number.isFinite)).toBe(true);
        setKernelBackend('reference');
        // scale: Σ|s||Δ||P| plus the (|·| ≤ 4) values the sums started from
        const sScale = sum(abs(x), abs(dy), abs(scales)).map((v) => v + 8);
        expectNear(s1, s0, sScale);
      }),
      { numRuns: 60, seed: 12 },
    );
  });
});

describe('per-example gradients: the bias part is summed in binary64 in the order t = 0..T−1 (exact)', () => {
  // The wasm kernel sums four channels per step, one per lane (biasSums32, kernels.as); each lane must be the
  // one-channel loop's additions: from +0, t ascending, then one binary32 rounding. Gradients of ±2⁶⁰, ±1, ±2⁻³⁰
  // and ±0 make the sums depend on the order, so a lane fed another channel's value, or a reordered sum, differs.
  it('equals the sequential binary64 sum of the binary32 Δ, rounded once, for every channel (four per lane group and the rest)', () => {
    const pick = [2 ** 60, -(2 ** 60), 1, -1, 2 ** -30, -(2 ** -30), 0, -0, 3, 0.5];
    fc.assert(
      fc.property(
        fc.record({
          outC: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(17)),
          hw: fc.integer({ min: 1, max: 6 }),
          batch: fc.integer({ min: 1, max: 3 }),
          seed: fc.nat(),
        }),
        ({ outC, hw, batch, seed }) => {
          const shape: ConvShape = { C: 1, H: hw, W: hw, k: 1, s: 1, p: 0, oh: hw, ow: hw, outC };
          const T = hw * hw;
          const K = 1;
          const x = filler(batch * T, seed);
          const noise = filler(batch * outC * T, seed + 1);
          const dy = noise.map((v) => pick[Math.floor(((v + 4) / 8) * pick.length) % pick.length] as number);
          const width = outC * K + outC;
          const grads = new Float64Array(batch * width);
          convExampleGrads(shape, x, dy, grads, new Float64Array(batch), batch);
          for (let i = 0; i < batch; i++) {
            for (let o = 0; o < outC; o++) {
              let sum = 0;
              for (let t = 0; t < T; t++) sum += Math.fround(dy[(i * outC + o) * T + t] as number);
              expect(Object.is(grads[i * width + outC * K + o], Math.fround(sum))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200, seed: 2201 },
    );
  });
});

/** Values whose sums depend on their order (±2⁶⁰, ±1, ±2⁻³⁰, ±0, …) and whose products are exact in binary32. */
const ORDER_SENSITIVE = [2 ** 60, -(2 ** 60), 1, -1, 2 ** -30, -(2 ** -30), 0, -0, 3, 0.5];
/** One of ORDER_SENSITIVE, chosen by a filler value in [−4, 4). */
const choose = (v: number): number =>
  ORDER_SENSITIVE[Math.floor(((v + 4) / 8) * ORDER_SENSITIVE.length) % ORDER_SENSITIVE.length] as number;
const fround32 = Math.fround;

describe('input gradient, k = 4, s = 2, p = 0 (the product added straight into dx): the bits of col then col2im', () => {
  // The wasm kernel adds each product tile into dx_i (inputGradK4S2, kernels.as) instead of writing col, filling dx_i
  // and running col2im. Its claim: the same bits — each col value the binary32 sum over o from +0 (mul, then add,
  // each rounded), and each pixel (((+0 + col(t₁)) + col(t₂)) + …) in increasing t. Values of ±2⁶⁰, ±1, ±2⁻³⁰, ±0
  // make the pixels' sums order-dependent; odd H and W leave pixels no window reaches (+0); ow < 4 and ow ≥ 4 make
  // tiles of four positions straddle output rows. Every product of these values is exact in binary32, so the emulation
  // holds for the relaxed module too (fused or not), which relaxed-simd.test.ts runs this file with.
  it('equals the sequential binary32 emulation bit for bit', () => {
    fc.assert(
      fc.property(
        fc.record({
          C: fc.integer({ min: 1, max: 3 }),
          H: fc.integer({ min: 4, max: 13 }),
          W: fc.integer({ min: 4, max: 13 }),
          outC: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(17), fc.constant(32)),
          batch: fc.integer({ min: 1, max: 3 }),
          seed: fc.nat(),
        }),
        ({ C, H, W, outC, batch, seed }) => {
          const k = 4;
          const oh = Math.floor((H - k) / 2) + 1;
          const ow = Math.floor((W - k) / 2) + 1;
          const shape: ConvShape = { C, H, W, k, s: 2, p: 0, oh, ow, outC };
          const T = oh * ow;
          const K = C * k * k;
          const dy = filler(batch * outC * T, seed).map(choose);
          const w = filler(outC * K, seed + 1).map(choose);
          const dx = new Float64Array(batch * C * H * W).fill(Number.NaN); // every pixel must be written
          convInputGrad(shape, dy, w, dx, batch);
          for (let i = 0; i < batch; i++) {
            const want = new Float64Array(C * H * W); // +0: the fill
            for (let t = 0; t < T; t++) {
              const oy = Math.floor(t / ow);
              const ox = t % ow;
              for (let j = 0; j < K; j++) {
                let col = 0;
                for (let o = 0; o < outC; o++)
                  col = fround32(col + fround32(fround32(dy[(i * outC + o) * T + t] as number) * fround32(w[o * K + j] as number)));
                const c = Math.floor(j / 16);
                const pixel = (c * H + 2 * oy + (Math.floor(j / 4) % 4)) * W + 2 * ox + (j % 4);
                want[pixel] = fround32((want[pixel] as number) + col);
              }
            }
            for (let q = 0; q < want.length; q++) expect(Object.is(dx[i * C * H * W + q], want[q])).toBe(true);
          }
        },
      ),
      { numRuns: 150, seed: 2203 },
    );
  });
});

describe('forward and per-example gradients read from the padded image (k a multiple of 4): the bits of the patch matrix', () => {
  // Where convDirect allows (kernels.as), convForward and convExampleGrads read each patch value P(t, j) where it lies in
  // the zero-padded image instead of from im2col's matrix. Their claim: the same bits as the patch-matrix form —
  // out(o, t) = (Σ_j W(o, j)·P(t, j), j ascending from +0, mul then add each rounded) + b(o), and the gradient
  // (o, j) = Σ_t Δ(o, t)·P(t, j), t ascending from +0. Values of ±2⁶⁰, ±1, ±2⁻³⁰, ±0 make the sums order-dependent
  // (a tap or position read from the wrong place, a row step or a channel's plane offset wrong, changes a value);
  // padding 0..3, strides 1..3, odd H and W, T % 4 ≠ 0 (the one-position tail), outC % 4 ≠ 0 and several channels.
  // Every product of these values is exact in binary32, so the emulation holds for the relaxed module too.
  it('equals the sequential binary32 emulation over the patches bit for bit', () => {
    fc.assert(
      fc.property(
        fc
          .record({
            k: fc.constantFrom(4, 8),
            C: fc.integer({ min: 1, max: 4 }),
            H: fc.integer({ min: 1, max: 17 }),
            W: fc.integer({ min: 1, max: 17 }),
            s: fc.integer({ min: 1, max: 3 }),
            p: fc.integer({ min: 0, max: 3 }),
            outC: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(17), fc.constant(32)),
            batch: fc.integer({ min: 1, max: 2 }),
            seed: fc.nat(),
          })
          .filter((g) => g.H + 2 * g.p >= g.k && g.W + 2 * g.p >= g.k)
          // T ≤ 256: the gradients' sum over t in one block (above, gemm32 adds the blocks' sums)
          .filter((g) => (Math.floor((g.H + 2 * g.p - g.k) / g.s) + 1) * (Math.floor((g.W + 2 * g.p - g.k) / g.s) + 1) <= 256),
        ({ k, C, H, W, s, p, outC, batch, seed }) => {
          const oh = Math.floor((H + 2 * p - k) / s) + 1;
          const ow = Math.floor((W + 2 * p - k) / s) + 1;
          const shape: ConvShape = { C, H, W, k, s, p, oh, ow, outC };
          const T = oh * ow;
          const K = C * k * k;
          const x = filler(batch * C * H * W, seed).map(choose);
          const w = filler(outC * K, seed + 1).map(choose);
          const b = filler(outC, seed + 2).map(choose);
          const dy = filler(batch * outC * T, seed + 3).map(choose);
          const out = new Float64Array(batch * outC * T);
          convForward(shape, x, w, b, out, batch);
          const width = outC * K + outC;
          const grads = new Float64Array(batch * width);
          convExampleGrads(shape, x, dy, grads, new Float64Array(batch), batch);
          for (let i = 0; i < batch; i++) {
            const patch = (t: number, j: number): number => {
              const c = Math.floor(j / (k * k));
              const iy = Math.floor(t / ow) * s - p + (Math.floor(j / k) % k);
              const ix = (t % ow) * s - p + (j % k);
              return iy < 0 || iy >= H || ix < 0 || ix >= W ? 0 : (x[((i * C + c) * H + iy) * W + ix] as number);
            };
            for (let o = 0; o < outC; o++) {
              for (let t = 0; t < T; t++) {
                let sum = 0;
                for (let j = 0; j < K; j++) sum = fround32(sum + fround32(patch(t, j) * (w[o * K + j] as number)));
                expect(Object.is(out[(i * outC + o) * T + t], fround32(sum + (b[o] as number)))).toBe(true);
              }
              for (let j = 0; j < K; j++) {
                let sum = 0;
                for (let t = 0; t < T; t++) sum = fround32(sum + fround32((dy[(i * outC + o) * T + t] as number) * patch(t, j)));
                expect(Object.is(grads[i * width + o * K + j], sum)).toBe(true);
              }
            }
          }
        },
      ),
      { numRuns: 120, seed: 2401 },
    );
  });
});

describe('pooling batch kernels: wasm SIMD equals the reference exactly', () => {
  it('max (with NaN and ties) and average, forward and backward', () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 0, max: 5 }),
          H: fc.integer({ min: 1, max: 8 }),
          W: fc.integer({ min: 1, max: 8 }),
          k: fc.integer({ min: 1, max: 3 }),
          s: fc.integer({ min: 1, max: 3 }),
          seed: fc.nat(),
          max: fc.boolean(),
        }),
        (r) => {
          fc.pre(r.k <= r.H && r.k <= r.W);
          const g: PoolShape = { ...r, oh: Math.floor((r.H - r.k) / r.s) + 1, ow: Math.floor((r.W - r.k) / r.s) + 1 };
          const x = filler(r.rows * r.H * r.W, r.seed).map((v, i) => (i % 7 === 3 ? Number.NaN : i % 5 === 0 ? 1 : Math.round(v)));
          const dy = filler(r.rows * g.oh * g.ow, r.seed + 1);
          const [a0, a1] = both(() => {
            const out = new Float64Array(r.rows * g.oh * g.ow);
            const arg = new Float64Array(r.max ? out.length : 0);
            poolForward(g, r.max, x, out, arg);
            const dx = new Float64Array(x.length);
            poolBackward(g, r.max, dy, arg, dx);
            return { out, arg, dx };
          });
          expect(Array.from(a1.out)).toEqual(Array.from(a0.out));
          expect(Array.from(a1.arg)).toEqual(Array.from(a0.arg));
          expect(Array.from(a1.dx)).toEqual(Array.from(a0.dx));
        },
      ),
      { numRuns: 150, seed: 12 },
    );
  });
});
