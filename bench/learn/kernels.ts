/**
 * bench/learn/kernels.ts — GFLOP/s of the matrix products (A·B, Aᵀ·B, A·Bᵀ) at the MLP's
 * first-layer shape (256×784×512) with the WebAssembly SIMD kernels (copies in and out
 * included) and the plain-TypeScript reference kernels, the cost of subnormal operands
 * (wasm has no flush-to-zero), and the elementwise kernels.
 * Usage: npx tsx bench/learn/kernels.ts [seconds per case, default 1]
 */
import { addBias, axpyInPlace, gemmNN, gemmNT, gemmTN, reluFwd, rowNorms2, setKernelBackend } from '../../src/learn/backend.js';

const seconds = Number(process.argv[2] ?? 1);
const [m, k, n] = [256, 784, 512];

function time(fn: () => void): number {
  fn();
  const t0 = performance.now();
  let runs = 0;
  while (performance.now() - t0 < seconds * 1000) {
    fn();
    runs++;
  }
  return (performance.now() - t0) / runs;
}

function fill(len: number, f: (i: number) => number): Float64Array {
  return Float64Array.from({ length: len }, (_, i) => f(i));
}

const a = fill(m * k, (i) => Math.sin(i) - 0.1);
const b = fill(k * n, (i) => Math.cos(i) * 0.5);
const at = fill(k * m, (i) => Math.sin(i));
const bt = fill(n * k, (i) => Math.cos(i));
const c = new Float64Array(m * n);
const flop = 2 * m * k * n;
for (const backend of ['wasm', 'reference'] as const) {
  setKernelBackend(backend);
  const runs: [string, () => void][] = [
    ['A·B', () => gemmNN(a, b, c, m, k, n)],
    ['Aᵀ·B', () => gemmTN(at, b, c, m, k, n)],
    ['A·Bᵀ', () => gemmNT(a, bt, c, m, k, n)],
  ];
  for (const [label, fn] of runs) {
    const ms = time(fn);
    console.log(`${backend.padEnd(9)} ${label.padEnd(5)} ${m}×${k}×${n}: ${ms.toFixed(2)} ms, ${(flop / ms / 1e6).toFixed(2)} GFLOP/s`);
  }
}
setKernelBackend('wasm');
const normal = time(() => gemmNN(a, b, c, m, k, n));
const sub = fill(m * k, (i) => (i % 3 === 0 ? 1e-310 : Math.sin(i)));
const subnormalInputs = time(() => gemmNN(sub, b, c, m, k, n));
const tiny = fill(m * k, (i) => 1e-160 * (1 + (i % 7)));
const tinyB = fill(k * n, (i) => 1e-160 * (1 + (i % 5)));
const subnormalProducts = time(() => gemmNN(tiny, tinyB, c, m, k, n));
console.log(
  `subnormals (wasm A·B): a third of A subnormal ×${(subnormalInputs / normal).toFixed(2)}, every product subnormal ×${(subnormalProducts / normal).toFixed(2)}`,
);
const big = fill(m * n, (i) => Math.sin(i));
const out = new Float64Array(m * n);
const norms = new Float64Array(m);
const v = fill(n, (i) => i / n);
for (const backend of ['wasm', 'reference'] as const) {
  setKernelBackend(backend);
  const line = [
    ['relu', time(() => reluFwd(big, out))],
    ['rowNorms', time(() => rowNorms2(big, m, n, norms))],
    ['bias', time(() => addBias(out, v, m, n))],
    ['axpy', time(() => axpyInPlace(0.1, big, out))],
  ]
    .map(([l, t]) => `${l} ${(t as number).toFixed(3)} ms`)
    .join(', ');
  console.log(`${backend.padEnd(9)} elementwise ${m}×${n}: ${line}`);
}
