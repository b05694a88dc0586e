/**
 * bench/learn/compare.ts — tsdp/learn and Opacus 1.4 side by side, in one run: examples/s of the
 * MLP 784-512-256-10 and of Opacus's MNIST CNN, batch 256, one thread each side, without DP and
 * with DP (σ = 1.1, C = 1; tsdp: Poisson sampling at q = 256/N with the noise drawn in a worker,
 * Opacus: fixed batches), and the ratios.
 * Robust to a busy machine: after one untimed warm-up round, `rounds` rounds, each timing one window of every case on our side and
 * then the same case on Opacus's (a long-lived `opacus_peer.py serve` process), so both sides see
 * the same load; each window is measured by wall clock and by the process's CPU time (ours includes
 * the noise worker's thread). Printed: the median over the windows, the spread (min–max), and the
 * ratio's median and spread over the rounds (a ratio per round, from the two interleaved windows).
 * Usage: npx tsx bench/learn/compare.ts [seconds per window, default 2] [rounds, default 7] [relaxed]
 * With `relaxed`, two more cases, mlp_dp_relaxed and cnn_dp_relaxed: the same DP steps on the relaxed-SIMD kernels
 * (setRelaxedSimd; Node 20's flag set here), timed in the same rounds beside a fresh Opacus window of the same case.
 * The peer runs with fixed glibc malloc thresholds (PEER_MALLOC below; TSDP_OPACUS_DEFAULT_MALLOC=1 for the defaults).
 * Opacus: apt-get install -y python3-torch python3-numpy libopenblas0-pthread; pytorch/opacus v1.4.0
 * and dgasmith/opt_einsum v3.3.0 unpacked under /tmp/learn-peers/ (TOOLCHAIN.md); override with
 * TSDP_OPACUS_PATH. Figures from the shared 2-core build machine are indicative only.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { setRelaxedSimd } from '../../src/learn/backend.js';
import { mlp, mnistCnn } from '../../src/learn/models.js';
import { createNoisePool } from '../../src/learn/node/noise-pool.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import type { Batch, Sequential } from '../../src/learn/sequential.js';
import { defaultRandomSource } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const seconds = Number(process.argv[2] ?? 5);
const B = 256;

function data(n: number): Batch {
  const rng = new SeededRandomSource('compare-data');
  const inputs = Float64Array.from({ length: n * 784 }, () => rng.nextUint32() / 2 ** 32);
  return { inputs, labels: Int32Array.from({ length: n }, () => rng.nextUint32() % 10), size: n };
}

interface Window {
  wall: number;
  cpu: number;
}

/** One timed window: examples/s by wall clock and by this process's CPU time (all threads). */
function window(fn: () => void): Window {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    fn();
    n++;
  }
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: (n * B) / wall, cpu: (n * B) / Math.max(1e-9, (c.user + c.system) / 1e6) };
}

function plainStep(model: Sequential, batch: Batch): () => void {
  const opt = sgd({ learningRate: 0.01 });
  const ones = new Float64Array(batch.size).fill(1);
  return () => {
    for (const p of model.parameters) p.grad.fill(0);
    model.forwardBackward(batch);
    for (const l of model.trainable) l.accumulateScaledGradients(ones);
    for (const p of model.parameters) for (let j = 0; j < p.grad.length; j++) p.grad[j] = (p.grad[j] as number) / batch.size;
    opt.step(model.parameters);
  };
}

const rounds = Number(process.argv[3] ?? 7);
const withRelaxed = process.argv[4] === 'relaxed';
const BASE = ['mlp_plain', 'mlp_dp', 'cnn_plain', 'cnn_dp'] as const;
const RELAXED = ['mlp_dp_relaxed', 'cnn_dp_relaxed'] as const;
type PeerCase = (typeof BASE)[number];
type Case = PeerCase | (typeof RELAXED)[number];
const CASES: Case[] = withRelaxed ? [...BASE, ...RELAXED] : [...BASE];
/** The Opacus case a case of ours is compared with. */
const peerCase = (c: Case): PeerCase => (c === 'mlp_dp_relaxed' ? 'mlp_dp' : c === 'cnn_dp_relaxed' ? 'cnn_dp' : c);
if (withRelaxed) setFlagsFromString('--experimental-wasm-relaxed-simd');

/**
 * glibc's allocator for the peer (6 Dec 2026, 16:20): with its defaults, Opacus's per-sample gradient buffers (the MLP's
 * 256 × 536k floats per step, the CNN's unfolded patches) are mmapped and returned to the kernel on every step, so
 * 35–50% of its CPU is system time (page faults zeroing fresh pages) and its CNN DP figure flips between ≈ 1,200 and
 * ≈ 6,000 examples/s as glibc's dynamic threshold moves. Fixed thresholds keep those buffers in the heap: Opacus's
 * steady fast mode (MLP DP ≈ 1,400 instead of ≈ 67 examples/s, CNN DP ≈ 5,000–6,100). The comparison is against that
 * mode; TSDP_OPACUS_DEFAULT_MALLOC=1 runs the peer with glibc's defaults instead.
 */
const PEER_MALLOC: Record<string, string> =
  process.env.TSDP_OPACUS_DEFAULT_MALLOC === '1' ? {} : { MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '4294967295' };

/** The Opacus side as a long-lived process answering one timed window per request; null when absent. */
async function startPeer(): Promise<((c: PeerCase) => Promise<Window>) | null> {
  const path = process.env.TSDP_OPACUS_PATH ?? '/tmp/learn-peers/opacus-1.4.0:/tmp/learn-peers/opt_einsum-3.3.0';
  const child = spawn('/usr/bin/python3', [join(import.meta.dirname, 'opacus_peer.py'), 'serve'], {
    env: { ...process.env, PYTHONPATH: path, OMP_NUM_THREADS: '1', ...PEER_MALLOC },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the Opacus peer stopped');
    return JSON.parse(r.value);
  };
  try {
    await next(); // ready
  } catch (e) {
    console.error(`Opacus peer not run: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
  process.on('exit', () => child.kill());
  return async (c) => {
    child.stdin.write(`${c} ${seconds}\n`);
    return (await next()) as Window;
  };
}

const loadStart = loadavg()[0] as number;
const pool = await createNoisePool();
const big = data(60_000);
const steps = {} as Record<Case, () => void>;
/** Each case's kernels: a layer keeps the module it was made with; the shared arena follows setRelaxedSimd. */
const relaxedCase = (c: Case): boolean => (RELAXED as readonly string[]).includes(c);
for (const relaxed of withRelaxed ? [false, true] : [false]) {
  if (setRelaxedSimd(relaxed) !== relaxed) throw new Error('relaxed SIMD is not available here');
  for (const [name, make] of [
    ['mlp', () => mlp([784, 512, 256, 10], new SeededRandomSource('m'))],
    ['cnn', () => mnistCnn(new SeededRandomSource('c'))],
  ] as const) {
    if (!relaxed) steps[`${name}_plain`] = plainStep(make(), data(B));
    const trainer = makePrivate({
      model: make(),
      optimizer: sgd({ learningRate: 0.01 }),
      data: big,
      datasetSize: big.size,
      expectedBatchSize: B,
      noiseMultiplier: 1.1,
      maxGradNorm: 1,
      rng: defaultRandomSource(),
      noise: pool,
    });
    steps[relaxed ? (`${name}_dp_relaxed` as const) : (`${name}_dp` as const)] = () => trainer.step();
  }
}
/** One window of a case on our side, with the kernels it was made for. */
function ourWindow(c: Case): Window {
  if (withRelaxed) setRelaxedSimd(relaxedCase(c));
  return window(steps[c]);
}
const peer = await startPeer();
// One untimed round first (JIT, the noise worker's first draws, the peer's lazy model set-up).
for (const c of CASES) {
  ourWindow(c);
  if (peer) await peer(peerCase(c));
}
const ours: Record<string, Window[]> = Object.fromEntries(CASES.map((c) => [c, []]));
const theirs: Record<string, Window[]> = Object.fromEntries(CASES.map((c) => [c, []]));
for (let r = 0; r < rounds; r++)
  for (const c of CASES) {
    ours[c]?.push(ourWindow(c));
    if (peer) theirs[c]?.push(await peer(peerCase(c)));
  }
await pool.close();
const loadEnd = loadavg()[0] as number;
process.exit(report());

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}
function spread(xs: number[], digits = 0): string {
  return `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
}

function report(): number {
  console.log(`examples/s, batch 256, one thread; ${rounds} interleaved rounds of ${seconds} s windows; median [min–max]`);
  console.log(
    `load (1 min) ${loadStart.toFixed(2)} → ${loadEnd.toFixed(2)}${withRelaxed ? '; *_relaxed: the relaxed-SIMD kernels (relaxed_madd)' : ''}`,
  );
  console.log(
    `Opacus's allocator: ${Object.keys(PEER_MALLOC).length ? 'glibc with fixed mmap/trim thresholds (its steady fast mode)' : "glibc's defaults"}`,
  );
  for (const clock of ['wall', 'cpu'] as const) {
    console.log(`\nby ${clock === 'wall' ? 'wall clock' : 'process CPU time'}:`);
    console.log('case         tsdp/learn               Opacus 1.4               tsdp/Opacus per round');
    for (const c of CASES) {
      const a = (ours[c] ?? []).map((w) => w[clock]);
      const b = (theirs[c] ?? []).map((w) => w[clock]);
      const ratio = b.length ? a.map((x, i) => x / (b[i] as number)) : [];
      console.log(
        `${c.padEnd(12)} ${spread(a).padEnd(24)} ${(b.length ? spread(b) : '—').padEnd(24)} ${ratio.length ? spread(ratio, 2) : '—'}`,
      );
    }
    const own = (m: string) => {
      const plain = ours[`${m}_plain`] ?? [];
      return (ours[`${m}_dp`] ?? []).map((w, i) => (plain[i] as Window)[clock] / w[clock]);
    };
    console.log(`tsdp DP step / non-private step (time per example): MLP ${spread(own('mlp'), 2)}, CNN ${spread(own('cnn'), 2)}`);
    if (withRelaxed) {
      const relaxedOwn = (m: string) => {
        const plain = ours[`${m}_plain`] ?? [];
        return (ours[`${m}_dp_relaxed`] ?? []).map((w, i) => (plain[i] as Window)[clock] / w[clock]);
      };
      console.log(`  relaxed DP step / default non-private step: MLP ${spread(relaxedOwn('mlp'), 2)}, CNN ${spread(relaxedOwn('cnn'), 2)}`);
    }
  }
  return 0;
}
