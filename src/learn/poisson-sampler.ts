/**
 * Poisson sampling for DP-SGD: every example joins a logical batch
 * independently with probability q, so batch sizes vary and an empty batch
 * is a legal, accounted step. The engine computes q = expectedBatchSize / N
 * from the data it holds; nobody passes q to the accountant separately.
 * @module
 */
import { DpError } from '../core/index.js';
import type { RandomSource } from '../random/index.js';
import { describeValue } from './_internal/describe.js';
import { checkRandomSource } from './_internal/validate.js';

const TWO_POW_53 = 2 ** 53;
const TWO_POW_21 = 2 ** 21;

/**
 * q = expectedBatchSize / datasetSize, validated.
 * @param datasetSize - N, an integer ≥ 1 (the number of examples; public in DP-SGD's add/remove accounting as in Opacus).
 * @param expectedBatchSize - a finite number in (0, N].
 * @returns the sampling rate q ∈ (0, 1].
 * @throws DpError INVALID_PARAMETER when N is not an integer ≥ 1 or the batch size is not in (0, N].
 * @privacy q is what the accountant prices; the sampler draws with probability ≤ q.
 * @example
 * samplingRate(60_000, 256); // 0.004266…
 */
export function samplingRate(datasetSize: number, expectedBatchSize: number): number {
  if (!Number.isSafeInteger(datasetSize) || datasetSize < 1) {
    throw new DpError('INVALID_PARAMETER', 'the data must hold at least one example', { parameter: 'data' });
  }
  if (!(Number.isFinite(expectedBatchSize) && expectedBatchSize > 0 && expectedBatchSize <= datasetSize)) {
    throw new DpError('INVALID_PARAMETER', `expectedBatchSize must be in (0, ${datasetSize}], got ${describeValue(expectedBatchSize)}`, {
      parameter: 'expectedBatchSize',
    });
  }
  return expectedBatchSize / datasetSize;
}

/**
 * The indices of a Poisson sample of {0, …, N−1}: each index independently
 * with probability p = ⌊q·2⁵³⌋/2⁵³ (so q − 2⁻⁵³ < p ≤ q; sampling at a rate at
 * most q is at least as private as the rate q the accountant prices, since
 * Poisson(p) = Poisson(q) followed by Poisson(p/q)). Each index costs two
 * 32-bit words whatever the outcome: time depends on N only.
 * @param datasetSize - N, an integer ≥ 1.
 * @param sampleRate - q ∈ (0, 1].
 * @param rng - the randomness (the CSPRNG in training).
 * @returns the sampled indices, ascending (possibly none).
 * @throws DpError INVALID_PARAMETER when N or q is out of range.
 * @privacy the amplification-by-subsampling event poissonSampled(q, ·).
 * @see Abadi et al., "Deep Learning with Differential Privacy", CCS 2016; Zhu, Wang, "Poisson subsampled Rényi DP", ICML 2019.
 * @example
 * const indices = poissonSample(1000, 0.01, defaultRandomSource());
 */
export function poissonSample(datasetSize: number, sampleRate: number, rng: RandomSource): Int32Array {
  if (!Number.isSafeInteger(datasetSize) || datasetSize < 1 || datasetSize > 2 ** 31 - 1) {
    throw new DpError('INVALID_PARAMETER', 'datasetSize must be an integer in [1, 2³¹)', { parameter: 'datasetSize' });
  }
  if (!(typeof sampleRate === 'number' && sampleRate > 0 && sampleRate <= 1)) {
    throw new DpError('INVALID_PARAMETER', `sampleRate must be in (0, 1], got ${describeValue(sampleRate)}`, { parameter: 'sampleRate' });
  }
  checkRandomSource(rng, 'rng');
  // Compare a 53-bit uniform integer u = hi·2³² + lo (hi < 2²¹) with t = ⌊q·2⁵³⌋,
  // split the same way, so every comparison is on exact small integers.
  const threshold = Math.floor(sampleRate * TWO_POW_53);
  const tHigh = Math.floor(threshold / 2 ** 32);
  const tLow = threshold - tHigh * 2 ** 32;
  const words = new Uint32Array(2 * datasetSize);
  rng.fill(words);
  const picked: number[] = [];
  for (let i = 0; i < datasetSize; i++) {
    const hi = (words[2 * i] as number) % TWO_POW_21;
    const lo = words[2 * i + 1] as number;
    if (hi < tHigh || (hi === tHigh && lo < tLow)) picked.push(i);
  }
  return Int32Array.from(picked);
}
