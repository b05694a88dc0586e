/**
 * The worker side of `NoisePool` (Node only). It waits on the shared state
 * word (Atomics, no messages: the trainer's thread may be blocked in
 * Atomics.wait and then delivers no messages); on PENDING it fills the shared
 * buffer with the bulk Gaussian (`fillBulkGaussian`, the same sampler as the
 * synchronous path) from the platform CSPRNG of this worker (or, for tests
 * only, a seeded ChaCha20 source named by the pool), stores READY and wakes
 * the trainer; on STOP it ends.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { defaultRandomSource, fillBulkGaussian, type RandomSource } from '../../random/index.js';
import { SeededRandomSource } from '../../random/seeded-source.js';

interface Init {
  control: SharedArrayBuffer; // Int32: [state, length]
  scale: SharedArrayBuffer; // Float64: [scale]
  data: SharedArrayBuffer; // Float64: the draw
  seed: string | null;
}

const PENDING = 1;
const READY = 2;
const STOP = 3;

const init = workerData as Init;
const control = new Int32Array(init.control);
const scale = new Float64Array(init.scale);
const rng: RandomSource = init.seed === null ? defaultRandomSource() : new SeededRandomSource(init.seed);

parentPort?.postMessage('ready');
for (;;) {
  const state = Atomics.load(control, 0);
  if (state === STOP) break;
  if (state === PENDING) {
    const out = new Float64Array(init.data, 0, Atomics.load(control, 1));
    fillBulkGaussian(out, scale[0] as number, rng);
    Atomics.store(control, 0, READY);
    Atomics.notify(control, 0);
  } else {
    Atomics.wait(control, 0, state);
  }
}
