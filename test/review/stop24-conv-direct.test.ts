/**
 * review3, stop 24: the convolutions' products read straight from the (padded) image (kernels.as convDirect,
 * wip/learn 5ef630c). Guard for the class "a wasm product path that reads its operand from somewhere other than
 * the patch matrix gives other per-example gradients or norms than the reference kernels": over random
 * geometries the layer accepts (odd H/W, padding 0–3, stride 1–3, channels 1–5, k 1–9 with k = 4 and 8 often,
 * T and outC not multiples of 4, the fallback where the padded image exceeds the scratch col, shapes just past
 * T, K ≤ 256, batch 1 and a trailing partial batch) the wasm path (default, non-relaxed module) must give
 *  (1) per-example gradients and forward outputs with exactly the bits of the sequential binary32 emulation over
 *      the patch matrix (general random values, not only exactly-representable products) where T, K ≤ 256,
 *      and within the binary32 bound of the plain-TypeScript reference kernels everywhere;
 *  (2) norms equal to Σ g² over exactly the stored binary32 values (the clip factor's input), and
 *  (3) the same bits per example whatever the batch around it (no scratch copy or padding aliasing another
 *      example, the weights or the outputs), and through the layer's resident instance (conv-resident.ts) the
 *      same norms as the shared path, its kept input unchanged after the norm pass.
 * Deterministic: fixed fast-check seeds, fixed fillers; no statistics.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelBackend, setKernelBackend, setRelaxedSimd } from '../../src/learn/backend.js';
import { type ConvShape, convExampleGrads, convForward, convInputGrad } from '../../src/learn/conv-ops.js';
import { ConvResident } from '../../src/learn/conv-resident.js';
import { binary32Doubles as half, ResidentInstance, up8 } from '../../src/learn/resident-instance.js';
import { filler } from '../learn/_helpers.js';

afterEach(() => {
  setKernelBackend('auto');
  setRelaxedSimd(false);
});

const f32 = Math.fround;

interface Geometry {
  C: number;
  H: number;
  W: number;
  k: number;
  s: number;
  p: number;
  outC: number;
  batch: number;
  seed: number;
}

function shapeOf(q: Geometry): ConvShape {
  const oh = Math.floor((q.H + 2 * q.p - q.k) / q.s) + 1;
  const ow = Math.floor((q.W + 2 * q.p - q.k) / q.s) + 1;
  return { C: q.C, H: q.H, W: q.W, k: q.k, s: q.s, p: q.p, oh, ow, outC: q.outC };
}

/** Which of kernels.as's paths the products take (mirrors convDirect, to make sure each is generated). */
function path(g: ConvShape): 'direct' | 'fallback' | 'patches' {
  const T = g.oh * g.ow;
  const K = g.C * g.k * g.k;
  if (g.k % 4 !== 0 || T > 256 || K > 256) return 'patches';
  return g.p === 0 || g.C * (g.H + 2 * g.p) * (g.W + 2 * g.p) <= T * K ? 'direct' : 'fallback';
}

const geometry: fc.Arbitrary<Geometry> = fc
  .record({
    C: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(5)),
    H: fc.integer({ min: 1, max: 21 }),
    W: fc.integer({ min: 1, max: 21 }),
    k: fc.oneof(fc.constant(4), fc.constant(8), fc.constant(4), fc.integer({ min: 1, max: 9 })),
    s: fc.integer({ min: 1, max: 3 }),
    p: fc.integer({ min: 0, max: 3 }),
    outC: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(13), fc.constant(16)),
    batch: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .filter((q) => q.H + 2 * q.p >= q.k && q.W + 2 * q.p >= q.k);

/** Fixed shapes at the edges: the fallback, the scratch exactly full, T = 256 and 257, K = 256, batch 1. */
const EDGES: Geometry[] = [
  { C: 1, H: 3, W: 3, k: 4, s: 3, p: 3, outC: 5, batch: 3, seed: 11 }, // padded 81 > T·K 64: fallback
  { C: 3, H: 3, W: 4, k: 4, s: 3, p: 3, outC: 7, batch: 2, seed: 12 }, // fallback, several channels
  { C: 1, H: 2, W: 2, k: 4, s: 3, p: 3, outC: 3, batch: 2, seed: 13 }, // padded 64 = T·K 64: scratch exactly full
  { C: 2, H: 1, W: 1, k: 8, s: 3, p: 3, outC: 9, batch: 1, seed: 14 }, // padded image 7×7 < k: no, filtered below
  { C: 4, H: 13, W: 13, k: 4, s: 1, p: 3, outC: 17, batch: 2, seed: 15 }, // T = 256, K = 64
  { C: 4, H: 14, W: 13, k: 4, s: 1, p: 3, outC: 4, batch: 2, seed: 16 }, // T = 272 > 256: patch path
  { C: 4, H: 9, W: 9, k: 8, s: 2, p: 3, outC: 6, batch: 2, seed: 17 }, // K = 256
  { C: 5, H: 9, W: 9, k: 8, s: 2, p: 3, outC: 6, batch: 2, seed: 18 }, // K = 320 > 256
  { C: 1, H: 28, W: 28, k: 8, s: 2, p: 3, outC: 16, batch: 3, seed: 19 }, // MNIST conv 1
  { C: 16, H: 14, W: 14, k: 4, s: 2, p: 0, outC: 32, batch: 3, seed: 20 }, // MNIST conv 2
].filter((q) => q.H + 2 * q.p >= q.k && q.W + 2 * q.p >= q.k);

/** A binary32 NaN payload no kernel computes: a sentinel for memory nothing may write. */
const SENTINEL = 0x7fc0_1234;

/**
 * (b) The kernels called on raw regions, each operand followed by a sentinel band: convForward and convExampleGrads
 * with a scratch col of exactly T·K binary32 values (what both callers allocate) may write only out, col's first T·K
 * values, tmp, wp, pack, grads and norms — never past col (the padded copy is checked against T·K values, not
 * bytes), never into x, w, b or Δ. Returns a description of the first damaged place, or null.
 */
function memoryDamage(q: Geometry): string | null {
  const g = shapeOf(q);
  const T = g.oh * g.ow;
  const K = g.C * g.k * g.k;
  const width = g.outC * K + g.outC;
  const inSize = g.C * g.H * g.W;
  const outSize = g.outC * T;
  const m = ResidentInstance.create();
  if (!m) return 'no wasm instance';
  const band = 32; // doubles of sentinel after each region
  const names = ['x', 'w', 'b', 'd', 'out', 'col', 'tmp', 'wp', 'grads', 'norms'] as const;
  const floats: Record<(typeof names)[number], number> = {
    x: q.batch * inSize,
    w: g.outC * K,
    b: g.outC,
    d: q.batch * outSize,
    out: q.batch * outSize,
    col: T * K,
    tmp: T * g.outC,
    wp: Math.max(K * up8(g.outC), g.outC * up8(K)),
    grads: q.batch * width,
    norms: 2 * q.batch,
  };
  const lengths: Record<string, number> = {};
  for (const n of names) {
    lengths[n] = half(floats[n]);
    lengths[`${n}Band`] = band;
  }
  const r = m.layout(lengths);
  if (!r) return 'no memory';
  const u32 = (at: number, n: number): Uint32Array => new Uint32Array(m.exports.memory.buffer, at, n);
  // every band, and the slack of col's last double, holds the sentinel
  const bands = names.map((n) => ({ n, at: (r[n] as number) + 4 * floats[n], len: 2 * (half(floats[n]) + band) - floats[n] }));
  for (const { at, len } of bands) u32(at, len).fill(SENTINEL);
  const { x, w, b, dy } = inputs(g, q);
  m.f32(r.x as number, x.length).set(x);
  m.f32(r.w as number, w.length).set(w);
  m.f32(r.b as number, b.length).set(b);
  m.f32(r.d as number, dy.length).set(dy);
  const before = {
    x: Array.from(m.f32(r.x as number, x.length)),
    w: Array.from(m.f32(r.w as number, w.length)),
    d: Array.from(m.f32(r.d as number, dy.length)),
  };
  const shape = [g.C, g.H, g.W, g.k, g.s, g.p, g.oh, g.ow, g.outC] as const;
  const e = m.exports;
  e.convForward(
    r.x as number,
    r.w as number,
    r.b as number,
    r.out as number,
    r.col as number,
    r.tmp as number,
    r.wp as number,
    r.pack,
    q.batch,
    ...shape,
    0,
  );
  for (const { n, at, len } of bands) if (u32(at, len).some((v) => v !== SENTINEL)) return `forward wrote past ${n}`;
  e.convExampleGrads(r.x as number, r.d as number, r.grads as number, r.norms as number, r.col as number, r.pack, q.batch, ...shape, 0);
  for (const { n, at, len } of bands) if (u32(at, len).some((v) => v !== SENTINEL)) return `example gradients wrote past ${n}`;
  if (Array.from(m.f32(r.x as number, x.length)).some((v, i) => !Object.is(v, before.x[i]))) return 'x changed';
  if (Array.from(m.f32(r.w as number, w.length)).some((v, i) => !Object.is(v, before.w[i]))) return 'w changed';
  if (Array.from(m.f32(r.d as number, dy.length)).some((v, i) => !Object.is(v, before.d[i]))) return 'Δ changed';
  return null;
}

interface Run {
  out: Float64Array;
  grads: Float32Array;
  norms: Float64Array;
}

function runShared(g: ConvShape, x: Float64Array, w: Float64Array, b: Float64Array, dy: Float64Array, batch: number): Run {
  const T = g.oh * g.ow;
  const K = g.C * g.k * g.k;
  const out = new Float64Array(batch * g.outC * T);
  convForward(g, x, w, b, out, batch);
  const grads = new Float32Array(batch * (g.outC * K + g.outC));
  const norms = new Float64Array(batch);
  convExampleGrads(g, x, dy, grads, norms, batch);
  return { out, grads, norms };
}

function inputs(g: ConvShape, q: Geometry) {
  const T = g.oh * g.ow;
  const K = g.C * g.k * g.k;
  return {
    x: filler(q.batch * g.C * g.H * g.W, q.seed),
    w: filler(g.outC * K, q.seed + 1).map((v) => v / 8),
    b: filler(g.outC, q.seed + 2),
    dy: filler(q.batch * g.outC * T, q.seed + 3),
  };
}

/** Checks (1)–(3) for one geometry; returns the path taken. */
function check(q: Geometry): ReturnType<typeof path> {
  const g = shapeOf(q);
  const T = g.oh * g.ow;
  const K = g.C * g.k * g.k;
  const width = g.outC * K + g.outC;
  const { x, w, b, dy } = inputs(g, q);
  const got = runShared(g, x, w, b, dy, q.batch);

  // (1a) the sequential binary32 emulation over the patch matrix, where each sum is one block (T, K ≤ 256)
  for (let i = 0; i < q.batch; i++) {
    const patch = (t: number, j: number): number => {
      const c = Math.floor(j / (g.k * g.k));
      const iy = Math.floor(t / g.ow) * g.s - g.p + (Math.floor(j / g.k) % g.k);
      const ix = (t % g.ow) * g.s - g.p + (j % g.k);
      return iy < 0 || iy >= g.H || ix < 0 || ix >= g.W ? 0 : f32(x[((i * g.C + c) * g.H + iy) * g.W + ix] as number);
    };
    if (T <= 256 && K <= 256 && path(g) !== 'patches') {
      for (let o = 0; o < g.outC; o++) {
        for (let t = 0; t < T; t++) {
          let sum = 0;
          for (let j = 0; j < K; j++) sum = f32(sum + f32(patch(t, j) * f32(w[o * K + j] as number)));
          const at = (i * g.outC + o) * T + t;
          if (!Object.is(got.out[at], f32(sum + f32(b[o] as number)))) throw new Error(`forward (${i},${o},${t}) ${JSON.stringify(q)}`);
        }
        for (let j = 0; j < K; j++) {
          let sum = 0;
          for (let t = 0; t < T; t++) sum = f32(sum + f32(f32(dy[(i * g.outC + o) * T + t] as number) * patch(t, j)));
          if (!Object.is(got.grads[i * width + o * K + j], sum)) throw new Error(`grad (${i},${o},${j}) ${JSON.stringify(q)}`);
        }
      }
    }
    // (2) the norm is Σ g² in binary64 over exactly the stored binary32 values (order of the squares aside)
    let sq = 0;
    for (let j = 0; j < width; j++) sq += (got.grads[i * width + j] as number) ** 2;
    expect(Math.abs((got.norms[i] as number) - sq)).toBeLessThanOrEqual(width * 2 ** -52 * sq);
  }

  // (1b) within the binary32 bound of the plain-TypeScript reference kernels
  setKernelBackend('reference');
  const ref = runShared(g, x, w, b, dy, q.batch);
  const absRun = runShared(g, x.map(Math.abs), w.map(Math.abs), b.map(Math.abs), dy.map(Math.abs), q.batch);
  setKernelBackend('auto');
  const uK = (K + 2) * 2 ** -24 * 1.01;
  const uT = (T + 2) * 2 ** -24 * 1.01;
  for (let n = 0; n < got.out.length; n++)
    expect(Math.abs((got.out[n] as number) - (ref.out[n] as number))).toBeLessThanOrEqual(uK * (absRun.out[n] as number) + 1e-30);
  for (let n = 0; n < got.grads.length; n++)
    expect(Math.abs((got.grads[n] as number) - (ref.grads[n] as number))).toBeLessThanOrEqual(uT * (absRun.grads[n] as number) + 1e-30);

  // (3) each example alone (batch 1) and the trailing part of the batch give the same bits: nothing aliased
  const inSize = g.C * g.H * g.W;
  const outSize = g.outC * T;
  for (let i = 0; i < q.batch; i++) {
    const one = runShared(g, x.subarray(i * inSize, (i + 1) * inSize), w, b, dy.subarray(i * outSize, (i + 1) * outSize), 1);
    expect(Object.is(one.norms[0], got.norms[i])).toBe(true);
    expect(one.grads).toEqual(got.grads.subarray(i * width, (i + 1) * width));
    expect(one.out).toEqual(got.out.subarray(i * outSize, (i + 1) * outSize));
  }

  // (3) the resident instance: same norms bit for bit as the shared path, kept input intact after two norm passes
  const r = ConvResident.create();
  expect(r).not.toBeNull();
  if (r) {
    expect(r.forward(g, x, w, b, q.batch)).toBe(true);
    expect(Array.from(r.output(q.batch * outSize))).toEqual(Array.from(got.out));
    expect(r.backward(g, dy, w, true, q.batch)).toBe(true);
    for (let pass = 0; pass < 2; pass++) {
      const norms = new Float64Array(q.batch);
      expect(r.exampleGrads(g, norms, q.batch)).toBe(true);
      for (let i = 0; i < q.batch; i++) expect(Object.is(norms[i], got.norms[i])).toBe(true);
    }
    const kept = new Float64Array(q.batch * inSize);
    r.inputValues(kept);
    expect(Array.from(kept)).toEqual(Array.from(x, f32));
    const keptDy = new Float64Array(q.batch * outSize);
    r.deltaValues(keptDy);
    expect(Array.from(keptDy)).toEqual(Array.from(dy, f32));
    // the clipped sum reads the stored values the norms were taken over: Σ_i 1·g_i equals the shared grads' sum
    const gw = new Float64Array(g.outC * K);
    const gb = new Float64Array(g.outC);
    r.accumulate(g, new Float64Array(q.batch).fill(1), gw, gb, q.batch);
    for (let j = 0; j < g.outC * K; j++) {
      let want = 0;
      for (let i = 0; i < q.batch; i++) want += got.grads[i * width + j] as number;
      expect(Math.abs((gw[j] as number) - want)).toBeLessThanOrEqual(4 * 2 ** -52 * q.batch * Math.abs(want) + 1e-300);
    }
  }
  return path(g);
}

describe('review3 stop 24: convDirect (products read from the padded image) against the reference kernels', () => {
  it('the edge shapes: fallback, scratch exactly full, T and K at and past 256, both MNIST convolutions', () => {
    expect(kernelBackend()).toBe('wasm');
    const seen = new Set(EDGES.map(check));
    expect([...seen].sort()).toEqual(['direct', 'fallback', 'patches']);
  });

  it('random geometries (fixed seed): same bits as the binary32 emulation, within bound of the reference, norms over the stored values', () => {
    expect(kernelBackend()).toBe('wasm');
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(geometry, (q) => {
        const kind = check(q);
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      }),
      { numRuns: 120, seed: 2424 },
    );
    // every path was exercised by the generated shapes
    expect(seen.get('direct') ?? 0).toBeGreaterThan(10);
    expect(seen.get('fallback') ?? 0).toBeGreaterThan(0);
    expect(seen.get('patches') ?? 0).toBeGreaterThan(10);
  });

  it('the input gradient is unchanged by the scratch copy (convInputGrad after a direct forward, resident vs shared)', () => {
    const q: Geometry = { C: 2, H: 9, W: 7, k: 4, s: 2, p: 3, outC: 5, batch: 2, seed: 31 };
    const g = shapeOf(q);
    const { x, w, b, dy } = inputs(g, q);
    const dx = new Float64Array(q.batch * g.C * g.H * g.W);
    convInputGrad(g, dy, w, dx, q.batch);
    const r = ConvResident.create();
    expect(r).not.toBeNull();
    if (r) {
      expect(r.forward(g, x, w, b, q.batch)).toBe(true);
      expect(r.backward(g, dy, w, true, q.batch)).toBe(true);
      expect(Array.from(r.output(dx.length))).toEqual(Array.from(dx));
    }
  });
  it('(b) no write past the scratch col (T·K values) or into x, w, Δ: edge shapes and random geometries', () => {
    for (const q of EDGES) expect(memoryDamage(q), JSON.stringify(q)).toBeNull();
    fc.assert(
      fc.property(geometry, (q) => {
        expect(memoryDamage(q), JSON.stringify(q)).toBeNull();
      }),
      { numRuns: 300, seed: 2425 },
    );
  });
});
