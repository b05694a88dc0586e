/**
 * bench/learn/conv-layers.ts — CPU milliseconds of the MNIST CNN's two Conv2d layers alone, per batch of
 * 256 (forward, backward, the per-example norm pass and the clipped sum), on random data: the kernel-level
 * figure behind profile-cnn.ts. Usage: npx tsx bench/learn/conv-layers.ts [rounds, default 30]
 * Figures from the shared 2-core build machine are indicative only.
 */
import { conv2d } from '../../src/learn/conv2d.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const rng = new SeededRandomSource('k');
const B = 256;
const c1 = conv2d({ inChannels: 1, height: 28, width: 28, outChannels: 16, kernelSize: 8, stride: 2, padding: 3, rng });
const c2 = conv2d({ inChannels: 16, height: 13, width: 13, outChannels: 32, kernelSize: 4, stride: 2, rng });
const x1 = Float64Array.from({ length: B * 784 }, () => rng.nextUint32() / 2 ** 32);
const x2 = Float64Array.from({ length: B * c2.inputSize }, () => Math.max(0, rng.nextUint32() / 2 ** 31 - 1));
const g1 = Float64Array.from({ length: B * c1.outputSize }, () => (rng.nextUint32() / 2 ** 31 - 1) * 1e-3);
const g2 = Float64Array.from({ length: B * c2.outputSize }, () => (rng.nextUint32() / 2 ** 31 - 1) * 1e-3);
const norms = new Float64Array(B);
const scales = Float64Array.from({ length: B }, () => 0.5);
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const parts: Record<string, number> = {};
function t(name: string, f: () => void) {
  const a = cpu();
  f();
  parts[name] = (parts[name] ?? 0) + cpu() - a;
}
const R = Number(process.argv[2] ?? 30);
for (let r = 0; r < R + 5; r++) {
  if (r === 5) for (const k in parts) parts[k] = 0;
  t('c1.fwd', () => c1.forward(x1, B));
  t('c2.fwd', () => c2.forward(x2, B));
  t('c2.bwd', () => c2.backward(g2, B, true));
  t('c1.bwd', () => c1.backward(g1, B, false));
  t('c1.norms', () => c1.perExampleSquaredNorms(norms));
  t('c2.norms', () => c2.perExampleSquaredNorms(norms));
  t('c1.acc', () => c1.accumulateScaledGradients(scales));
  t('c2.acc', () => c2.accumulateScaledGradients(scales));
}
let tot = 0;
for (const [k, v] of Object.entries(parts)) {
  tot += v / R;
  console.log(k.padEnd(10), (v / R).toFixed(2));
}
console.log('total', tot.toFixed(2));
