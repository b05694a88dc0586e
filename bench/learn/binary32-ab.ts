/**
 * bench/learn/binary32-ab.ts — Sequential's binary32 path (src/learn/binary32-path.ts) on and off, interleaved in one
 * process: the MNIST CNN's forward, backward and clipping (flat, C = 1) of a batch of 256, by this process's CPU time
 * per step, with each layer method's share (the path-off methods are forward/backward, the path-on ones
 * forward32/backward32 inside the segment). Both settings compute the same bits (test/learn/binary32-path.test.ts).
 * Usage: npx tsx bench/learn/binary32-ab.ts [rounds, default 8] [steps per round, default 10] [dense]
 * With `dense`, 'off' is the path with Dense taken out of it (stop 19's segments: conv1 → ReLU → pool 1 → conv2
 * only; the Dense layers' role removed on that model), 'on' the path with Dense as a product (stop 20), every layer
 * listed.
 * With `fuse`, 'off' is stop 20's path (each ReLU before a max pooling run as its own layer; each convolution's norm
 * pass rebuilding its patches from x), 'on' this stop's (the ReLU fused into the pooling, `reluFusions`; the
 * patches kept packed from the forward, `setConvPatchesKept`): the same bits (test/learn/binary32-path.test.ts,
 * conv-resident.test.ts); every layer listed, with the norm pass.
 * Figures from the shared 2-core build machine are indicative only.
 */
import { setBinary32Path } from '../../src/learn/binary32-path.js';
import { setConvPatchesKept } from '../../src/learn/conv-resident.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { mnistCnn } from '../../src/learn/models.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const rounds = Number(process.argv[2] ?? 8);
const steps = Number(process.argv[3] ?? 10);
const B = 256;
const rng = new SeededRandomSource('b32-ab-data');
const batch = {
  inputs: Float64Array.from({ length: B * 784 }, () => rng.nextUint32() / 2 ** 32),
  labels: Int32Array.from({ length: B }, () => rng.nextUint32() % 10),
  size: B,
};
const denseAB = process.argv[4] === 'dense';
const fuseAB = process.argv[4] === 'fuse';
const model = mnistCnn(new SeededRandomSource('b32-ab-model'));
/** Stop 20's path: the same model (same seed) with no pooling that fuses a ReLU (own properties). */
function unfusedModel(): Sequential {
  const m = mnistCnn(new SeededRandomSource('b32-ab-model'));
  for (const l of m.layers) if (l.kind === 'maxPool2d') Object.defineProperty(l, 'forward32AfterRelu', { value: undefined });
  return new Sequential([...m.layers], m.loss);
}
/** Before stop 20 a Dense had no binary32 role: the same model (same seed) with that role removed (own properties). */
function convOnlyModel(): Sequential {
  const m = mnistCnn(new SeededRandomSource('b32-ab-model'));
  for (const l of m.layers) if (l.kind === 'dense') Object.defineProperty(l, 'binary32Role', { value: undefined });
  return new Sequential([...m.layers], m.loss);
}
const other = denseAB ? convOnlyModel() : fuseAB ? unfusedModel() : model;
const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
let spent = new Map<string, number>();
for (const m of new Set([model, other])) m.layers.forEach(wrap);
function wrap(layer: Layer, index: number): void {
  const methods = layer as unknown as Record<string, unknown>;
  const names = ['forward', 'forward32', 'backward', 'backward32'];
  if (fuseAB) names.push('forward32AfterRelu', 'perExampleSquaredNorms');
  for (const name of names) {
    const original = methods[name];
    if (typeof original !== 'function') continue;
    const key = `${index}:${layer.kind}.${name.replace('32', '')}`;
    methods[name] = (...args: unknown[]) => {
      const t = cpuMs();
      const result = original.apply(layer, args);
      spent.set(key, (spent.get(key) ?? 0) + cpuMs() - t);
      return result;
    };
  }
}

function step(m: Sequential): void {
  for (const p of m.parameters) p.grad.fill(0);
  m.forwardBackward(batch);
  accumulateClippedGradients(m, B, 1, 'flat');
}

const total: Record<'off' | 'on', number[]> = { off: [], on: [] };
const byLayer: Record<'off' | 'on', Map<string, number>> = { off: new Map(), on: new Map() };
for (let r = -1; r < rounds; r++) {
  for (const mode of ['off', 'on'] as const) {
    setBinary32Path(denseAB || fuseAB || mode === 'on');
    setConvPatchesKept(!fuseAB || mode === 'on');
    const m = (denseAB || fuseAB) && mode === 'off' ? other : model;
    spent = new Map();
    const c0 = cpuMs();
    for (let i = 0; i < steps; i++) step(m);
    if (r < 0) continue; // warm-up round
    total[mode].push((cpuMs() - c0) / steps);
    for (const [k, v] of spent) byLayer[mode].set(k, (byLayer[mode].get(k) ?? 0) + v / steps / rounds);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ratios = total.off.map((x, i) => x / (total.on[i] as number));
console.log(`CNN forward+backward+clipping, batch ${B}, ms CPU per step, median of ${rounds} interleaved rounds of ${steps}:`);
console.log(
  `  binary32 path off ${median(total.off).toFixed(2)} [${Math.min(...total.off).toFixed(2)}–${Math.max(...total.off).toFixed(2)}]`,
);
console.log(`  binary32 path on  ${median(total.on).toFixed(2)} [${Math.min(...total.on).toFixed(2)}–${Math.max(...total.on).toFixed(2)}]`);
console.log(`  off/on per round  ${median(ratios).toFixed(2)} [${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}]`);
console.log('  layer method (mean ms CPU per step)      off     on');
for (const k of new Set([...byLayer.off.keys(), ...byLayer.on.keys()])) {
  if (!(denseAB || fuseAB) && Number(k.split(':')[0]) > 3) continue;
  console.log(`  ${k.padEnd(38)} ${(byLayer.off.get(k) ?? 0).toFixed(2).padStart(6)} ${(byLayer.on.get(k) ?? 0).toFixed(2).padStart(6)}`);
}
