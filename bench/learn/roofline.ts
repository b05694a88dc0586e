/**
 * bench/learn/roofline.ts — GFLOP/s of the WebAssembly kernels on the shapes the MLP and CNN DP steps run,
 * with the default module (f32x4/f64x2 multiply then add) and the relaxed-SIMD module (relaxed_madd, a
 * fused multiply-add on this x86), side by side in one process, plus the FLOPs per example of each step.
 * Node 20 needs `--experimental-wasm-relaxed-simd`; this script sets it with v8.setFlagsFromString before
 * any module is compiled. The CNN's convolutions are also timed as their layers call them (per example: patches,
 * a small product, the bias pass) and as 256 separate small GEMMs, against the one-GEMM rate (what the per-example
 * structure costs). Usage: npx tsx bench/learn/roofline.ts [seconds per case, default 1] [rounds, default 3]
 */

import { cpuUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { loadWasmKernels, useRelaxedSimd } = await import('../../src/learn/wasm/wasm-kernels.js');

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 3);

/** ms of process CPU per call of fn, over about `seconds`. */
function time(fn: () => void): number {
  fn();
  const w0 = performance.now();
  const c0 = cpuUsage();
  let runs = 0;
  while (performance.now() - w0 < seconds * 1000) {
    fn();
    runs++;
  }
  const c = cpuUsage(c0);
  return (c.user + c.system) / 1000 / runs;
}

interface Case {
  label: string;
  /** multiply-adds per call */
  macs: number;
  make(): () => void;
}

/** The arena's offsets, as a tuple the destructuring can type. */
function regions(o: number[]): number[] & Record<0 | 1 | 2 | 3 | 4 | 5 | 6 | 7, number> {
  return o as number[] & Record<0 | 1 | 2 | 3 | 4 | 5 | 6 | 7, number>;
}

function kernels() {
  const k = loadWasmKernels();
  if (!k) throw new Error('no wasm SIMD here');
  return k;
}

/** out = x·W + b in binary32 (m×k·k×n): Dense's forward, and a convolution's product as one GEMM. */
function dense32(label: string, m: number, k: number, n: number): Case {
  return {
    label,
    macs: m * k * n,
    make() {
      const w = kernels();
      const [x, wt, b, out, wp, pack] = regions(
        w.alloc((m * k) / 2, (k * n) / 2, n / 2 + 2, (m * n) / 2, (k * (Math.ceil(n / 8) * 8)) / 2),
      );
      const f32 = new Float32Array(w.exports.memory.buffer);
      for (let i = 0; i < m * k; i++) f32[x / 4 + i] = Math.sin(i) * 0.5;
      for (let i = 0; i < k * n; i++) f32[wt / 4 + i] = Math.cos(i) * 0.05;
      return () => w.exports.denseForward32(x, wt, b, out, wp, pack, m, k, n);
    },
  };
}

/** Dense's binary64 clipped sum Σ_i a_i·(c_i δ_i)ᵀ over a batch (the MLP's largest DP cost). */
function clipped(label: string, batch: number, nIn: number, nOut: number): Case {
  return {
    label,
    macs: batch * nIn * nOut,
    make() {
      const w = kernels();
      const [x, d, scales, gw, gb, at, ut, pack] = regions(
        w.alloc((batch * nIn) / 2, (batch * nOut) / 2, batch, nIn * nOut, nOut, batch * nIn, batch * nOut),
      );
      const buf = w.exports.memory.buffer;
      const f32 = new Float32Array(buf);
      const f64 = new Float64Array(buf);
      for (let i = 0; i < batch * nIn; i++) f32[x / 4 + i] = Math.sin(i);
      for (let i = 0; i < batch * nOut; i++) f32[d / 4 + i] = Math.cos(i) * 1e-3;
      for (let i = 0; i < batch; i++) f64[scales / 8 + i] = 0.5;
      return () => {
        new Float64Array(w.exports.memory.buffer, gw, nIn * nOut).fill(0);
        w.exports.denseClippedSum(x, d, scales, gw, gb, at, ut, pack, batch, nIn, nOut);
      };
    },
  };
}

/** A convolution's shape as the kernels take it: C, H, W, k, s, p, oh, ow, outC. */
type ConvShape = [number, number, number, number, number, number, number, number, number];
const CONV1: ConvShape = [1, 28, 28, 8, 2, 3, 14, 14, 16];
const CONV2: ConvShape = [16, 13, 13, 4, 2, 0, 5, 5, 32];

/**
 * One of the CNN's convolution products as its layer calls it for a batch (conv-resident.ts: the weights
 * packed once per call, then per example the patches (im2col, kept packed where convKeepsPatches), the small
 * product and the channel-major bias pass): 'forward' (convForward, patches written), 'norms' (convExampleGrads
 * on those patches, with the binary64 norms), 'input' (convInputGrad with its col2im).
 */
function convCall(label: string, batch: number, g: ConvShape, which: 'forward' | 'norms' | 'input'): Case {
  const [C, H, W, k, , p, oh, ow, outC] = g;
  const T = oh * ow;
  const K = C * k * k;
  return {
    label,
    macs: batch * T * K * outC,
    make() {
      const m = kernels();
      const up8 = (n: number) => Math.ceil(n / 8) * 8;
      const width = outC * K + outC;
      const [x, d, grads, out, w, b, col, tmp, wp, pat, norms, pack] = m.alloc(
        (batch * C * H * W) / 2,
        (batch * outC * T) / 2,
        (batch * width) / 2,
        (batch * Math.max(C * H * W, outC * T)) / 2,
        (outC * K) / 2,
        outC / 2 + 2,
        (T * K) / 2,
        (T * outC) / 2,
        Math.max(K * up8(outC), outC * up8(K)) / 2,
        (batch * T * K) / 2,
        batch,
      ) as [number, number, number, number, number, number, number, number, number, number, number, number];
      const f32 = new Float32Array(m.exports.memory.buffer);
      for (let i = 0; i < batch * C * H * W; i++) f32[x / 4 + i] = Math.sin(i) * 0.5;
      for (let i = 0; i < outC * K; i++) f32[w / 4 + i] = Math.cos(i) * 0.05;
      for (let i = 0; i < batch * outC * T; i++) f32[d / 4 + i] = Math.cos(i * 0.7) * 1e-2;
      const keep = m.exports.convKeepsPatches(C, k, oh, ow, H, W, p) === 1 ? pat : 0;
      m.exports.convForward(x, w, b, out, col, tmp, wp, pack, batch, ...g, keep);
      if (which === 'forward') return () => m.exports.convForward(x, w, b, out, col, tmp, wp, pack, batch, ...g, keep);
      if (which === 'norms') return () => m.exports.convExampleGrads(x, d, grads, norms, col, pack, batch, ...g, keep);
      return () => m.exports.convInputGrad(d, w, out, col, wp, pack, batch, ...g);
    },
  };
}

/** The same product as `calls` separate small GEMMs (denseForward32: W packed on every call), one per example. */
function smallGemms(label: string, calls: number, m: number, k: number, n: number): Case {
  const one = dense32(label, m, k, n);
  return {
    label,
    macs: calls * one.macs,
    make() {
      const run = one.make();
      return () => {
        for (let i = 0; i < calls; i++) run();
      };
    },
  };
}

const B = 256;
const cases: Case[] = [
  dense32('MLP fc1 forward 256×784·784×512 (f32)', B, 784, 512),
  dense32('MLP fc2 forward 256×512·512×256 (f32)', B, 512, 256),
  clipped('MLP fc1 clipped sum 256: 784×512 (f64)', B, 784, 512),
  dense32('CNN conv1 fwd as GEMM 50176×64·64×16 (f32)', B * 196, 64, 16),
  dense32('CNN conv2 fwd as GEMM 6400×256·256×32 (f32)', B * 25, 256, 32),
  smallGemms('CNN conv1 fwd as 256 GEMMs 196×64·64×16', B, 196, 64, 16),
  smallGemms('CNN conv2 fwd as 256 GEMMs 25×256·256×32', B, 25, 256, 32),
  convCall('CNN conv1 forward, layer call (256)', B, CONV1, 'forward'),
  convCall('CNN conv2 forward, layer call (256)', B, CONV2, 'forward'),
  convCall('CNN conv1 grads + norms, layer call (256)', B, CONV1, 'norms'),
  convCall('CNN conv2 grads + norms, layer call (256)', B, CONV2, 'norms'),
  convCall('CNN conv2 input gradient, layer call (256)', B, CONV2, 'input'),
];

const results = new Map<string, { plain: number[]; relaxed: number[] }>();
for (let r = 0; r < rounds; r++) {
  for (const mode of [false, true]) {
    const on = useRelaxedSimd(mode);
    if (on !== mode) throw new Error(`relaxed SIMD ${mode ? 'unavailable' : 'stuck on'}`);
    for (const c of cases) {
      const ms = time(c.make());
      const e = results.get(c.label) ?? { plain: [], relaxed: [] };
      (mode ? e.relaxed : e.plain).push((2 * c.macs) / ms / 1e6);
      results.set(c.label, e);
    }
  }
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
console.log(
  `load ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; GFLOP/s by process CPU, median of ${rounds}`,
);
for (const [label, e] of results) {
  const p = median(e.plain);
  const q = median(e.relaxed);
  console.log(`${label.padEnd(46)} plain ${p.toFixed(1).padStart(5)}  relaxed ${q.toFixed(1).padStart(5)}  ×${(q / p).toFixed(2)}`);
}
