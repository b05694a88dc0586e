/**
 * The discrete Laplace (two-sided geometric) mechanism on integers: exact
 * noise P(k) ∝ e^{−|k|/scale} with a rational scale, exact ε. Proof:
 * `discrete-laplace.proof.md`.
 * @module
 */
import { bigintDomain } from '../core/domain.js';
import { type PureLoss, pure } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { Rational } from '../numeric/rational.js';
import { sampleDiscreteLaplace } from '../random/index.js';
import { nonNegativeNumber, outOfDomain, positiveNumber, positiveRational, type RationalLike } from './_internal/params.js';

/** Options of {@link makeDiscreteLaplace}. */
export interface DiscreteLaplaceOptions {
  /** The scale t > 0 (P(k) ∝ e^{−|k|/t}), read exactly: a double, a bigint, a Rational or `"p/q"`. */
  readonly scale: RationalLike;
  /** The sensitivity you intend to release at (recorded by the trace hook; default 1). */
  readonly sensitivity?: number;
}

/**
 * The discrete Laplace mechanism for BigInt scalars under the absolute distance.
 * @param options - `scale` > 0 (exact); optional declared `sensitivity`.
 * @returns a pure-DP measurement on bigint values.
 * @throws DpError INVALID_PARAMETER on a bad scale, or a non-bigint input.
 * @privacy ε = dIn / scale, computed exactly and rounded up once.
 * @see Ghosh, Roughgarden, Sundararajan (2009); Canonne, Kamath, Steinke (2020), §5 and Algorithm 2; `discrete-laplace.proof.md`.
 * @example
 * const m = makeDiscreteLaplace({ scale: '2' });
 * m.privacyMap(1); // { kind: 'pure', epsilon: 0.5 }
 * m.invoke(10n);   // 10n + noise
 */
export function makeDiscreteLaplace(options: DiscreteLaplaceOptions): Measurement<bigint, bigint, 'pure'> {
  const scale = positiveRational(options?.scale, 'scale');
  const sensitivity = nonNegativeNumber(options.sensitivity ?? 1, 'sensitivity');
  const scaleNumber = scale.toNumber();
  return defineMeasurement({
    name: 'discrete-laplace',
    inputDomain: bigintDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'pure',
    invoke: (value: bigint, rng) => {
      if (typeof value !== 'bigint') throw outOfDomain('discrete-laplace', 'a bigint');
      traceNoise({ primitive: 'discrete-laplace', value, sensitivity, scale: scaleNumber });
      return value + sampleDiscreteLaplace(scale, rng);
    },
    privacyMap: (dIn): PureLoss => pure(Rational.fromNumber(dIn).div(scale).toNumberUp()),
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'discreteLaplace', scale: scaleNumber, sensitivity: dIn }),
  });
}

/**
 * The exact scale Δ/ε for a target ε (as a Rational: no rounding at all), so
 * that `makeDiscreteLaplace({ scale }).privacyMap(Δ).epsilon <= ε`.
 * @param epsilon - target ε > 0.
 * @param sensitivity - Δ > 0.
 * @returns the scale as an exact Rational.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy ε = Δ/scale exactly.
 */
export function discreteLaplaceScaleForEpsilon(epsilon: number, sensitivity: number): Rational {
  positiveNumber(epsilon, 'epsilon');
  positiveNumber(sensitivity, 'sensitivity');
  return Rational.fromNumber(sensitivity).div(Rational.fromNumber(epsilon));
}
