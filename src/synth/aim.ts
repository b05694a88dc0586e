import type { Rational } from '../numeric/index.js';
import type { RandomSource } from '../random/index.js';
import { type MarginalRun, runMst, type SynthProgress } from './mst.js';
export function runAim(
  columns: readonly Int32Array[],
  sizes: readonly number[],
  options: { rho: Rational; rng: RandomSource; iterations?: number; progress?: SynthProgress; maxModelSize: number },
): MarginalRun {
  return runMst(columns, sizes, options);
}
