/**
 * Report-noisy-max: releases only the index of the (noisily) largest score.
 * Implemented exactly as permute-and-flip, which has the distribution of
 * report-noisy-max with Exponential(scale) noise. Proof:
 * `report-noisy-max.proof.md`.
 * @module
 */
import { floatDomain, vectorDomain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { type PureLoss, pure } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { Rational } from '../numeric/rational.js';
import { nonNegativeNumber, optionalBoolean, positiveNumber } from './_internal/params.js';
import { exactScores, permuteAndFlip } from './_internal/permute-and-flip.js';

/** Options of {@link makeReportNoisyMax}. */
export interface ReportNoisyMaxOptions {
  /** The exponential-noise scale (temperature) > 0. */
  readonly scale: number;
  /** True when neighbouring score vectors always move in the same direction (e.g. counts under add/remove): halves ε. */
  readonly monotonic?: boolean;
  /** 'max' (default) selects the largest score, 'min' the smallest. */
  readonly optimize?: 'max' | 'min';
  /** The sensitivity you intend to release at (recorded by the trace hook; default 1). */
  readonly sensitivity?: number;
}

/** ε = c·dIn/scale with c = 1 (monotonic) or 2, exact then rounded up. */
function noisyMaxEpsilon(dIn: number, scale: number, monotonic: boolean): number {
  return Rational.fromNumber(dIn)
    .mul(Rational.of(monotonic ? 1n : 2n))
    .div(Rational.fromNumber(scale))
    .toNumberUp();
}

/**
 * Report-noisy-max over a vector of scores under the L∞ distance (each score
 * moves by at most dIn between neighbours). Releases only the index.
 * @param options - `scale` > 0; `monotonic` (default false); `optimize` ('max' | 'min').
 * @returns a pure-DP measurement from `number[]` to an index.
 * @throws DpError INVALID_PARAMETER on bad options, or an empty or non-finite score vector.
 * @privacy ε = 2·dIn/scale (dIn/scale when monotonic).
 * @see McKenna & Sheldon (2020); Ding, Kifer, Wang, Zhang et al. (2021), "The permute-and-flip mechanism is identical to report-noisy-max with exponential noise"; Dwork & Roth (2014), §3.3; `report-noisy-max.proof.md`.
 * @example
 * const m = makeReportNoisyMax({ scale: reportNoisyMaxScaleForEpsilon(1, 1) });
 * m.invoke([3, 10, 4]); // most often 1
 */
export function makeReportNoisyMax(options: ReportNoisyMaxOptions): Measurement<readonly number[], number, 'pure'> {
  const scale = positiveNumber(options?.scale, 'scale');
  const monotonic = optionalBoolean(options.monotonic, false, 'monotonic');
  const optimize = options.optimize ?? 'max';
  if (optimize !== 'max' && optimize !== 'min') {
    throw new DpError('INVALID_PARAMETER', "optimize must be 'max' or 'min'", { parameter: 'optimize', expected: "'max' | 'min'" });
  }
  const sensitivity = nonNegativeNumber(options.sensitivity ?? 1, 'sensitivity');
  const exactScale = Rational.fromNumber(scale);
  return defineMeasurement({
    name: 'report-noisy-max',
    inputDomain: vectorDomain(floatDomain()),
    inputMetric: 'linf-distance',
    outputMeasure: 'pure',
    invoke: (scores: readonly number[], rng) => {
      const exact = exactScores(scores, 'report-noisy-max', optimize === 'min');
      scores.forEach((value, index) => {
        traceNoise({ primitive: 'permute-and-flip', value, sensitivity, scale, extra: { index, monotonic } });
      });
      return permuteAndFlip(exact, exactScale, rng);
    },
    privacyMap: (dIn): PureLoss => pure(noisyMaxEpsilon(dIn, scale, monotonic)),
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'permuteAndFlip', epsilon: noisyMaxEpsilon(dIn, scale, monotonic) }),
  });
}

/**
 * The scale c·Δ/ε (rounded up) for a target ε; never overshoots.
 * @param epsilon - ε > 0.
 * @param sensitivity - the L∞ sensitivity Δ of the scores > 0.
 * @param options - `monotonic` (c = 1) or not (c = 2).
 * @returns the scale.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy makeReportNoisyMax({ scale }).privacyMap(Δ).epsilon ≤ ε.
 */
export function reportNoisyMaxScaleForEpsilon(epsilon: number, sensitivity: number, options?: { monotonic?: boolean }): number {
  positiveNumber(epsilon, 'epsilon');
  positiveNumber(sensitivity, 'sensitivity');
  const c = options?.monotonic ? 1n : 2n;
  const scale = Rational.fromNumber(sensitivity).mul(Rational.of(c)).div(Rational.fromNumber(epsilon)).toNumberUp();
  if (!Number.isFinite(scale)) {
    throw new DpError('NUMERICAL_ERROR', 'the scale for this epsilon overflows', { routine: 'reportNoisyMaxScaleForEpsilon' });
  }
  return scale;
}
