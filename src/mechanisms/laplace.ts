/**
 * The Laplace mechanism on floats, made floating-point safe: the value is
 * rounded to a power-of-two grid chosen from the public scale only, and
 * integer (discrete Laplace) noise on that grid is added. Proof:
 * `laplace.proof.md`.
 * @module
 */
import { floatDomain, vectorDomain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { type PureLoss, pure } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { Scale, type Sensitivity } from '../core/params.js';
import { traceNoise } from '../core/trace.js';
import { Rational } from '../numeric/rational.js';
import { addSecureLaplaceNoise, laplaceGranularity } from '../random/index.js';
import {
  distanceParameter,
  epsilonParameter,
  finiteInput,
  integerAtLeast,
  outOfDomain,
  scaleParameter,
  sensitivityParameter,
} from './_internal/params.js';

/** Options of {@link makeLaplace}. */
export interface LaplaceOptions {
  /** The noise scale b > 0 (P(x) ∝ e^{−|x|/b}). */
  readonly scale: number;
  /** The sensitivity you intend to release at (recorded by the trace hook; default 1). */
  readonly sensitivity?: number;
}

/** Options of {@link makeVectorLaplace}. */
export interface VectorLaplaceOptions extends LaplaceOptions {
  /** The (public) length of the vectors; the grid rounding costs `size · g`. */
  readonly size: number;
}

/**
 * ε = (dIn + k·g) / b rounded up, 0 at dIn = 0, where k is the number of
 * coordinates and g the grid. Exact rational arithmetic, then one rounding up.
 * Internal (behind the edge): its distance and scale are brands, so only a validated value can reach it.
 * @param dIn - the distance (validated: `checkDistance` or a sensitivity parameter).
 * @param scale - the noise scale (validated: `scaleParameter`).
 * @param granularity - the grid g = laplaceGranularity(scale).
 * @param size - the number of coordinates.
 * @returns ε, rounded up.
 */
export function laplaceEpsilon(dIn: Sensitivity, scale: Scale, granularity: number, size: number): number {
  if (dIn === 0) return 0;
  const numerator = Rational.fromNumber(dIn).add(Rational.fromNumber(granularity).mul(Rational.of(BigInt(size))));
  return numerator.div(Rational.fromNumber(scale)).toNumberUp();
}

/**
 * The Laplace mechanism for a float scalar under the absolute distance.
 * @param options - `scale` (b > 0); optional declared `sensitivity` for the trace.
 * @returns a pure-DP measurement: input a finite number, output the noisy number (a multiple of the grid g).
 * @throws DpError INVALID_PARAMETER when the scale is not finite and > 0 (at construction), or the input is not finite (at invocation).
 * @privacy ε = (dIn + g)/b for dIn > 0 (0 at dIn = 0), g = laplaceGranularity(b) a power of two from b only.
 * @see Dwork, McSherry, Nissim, Smith (2006); Mironov (2012); Google, "Secure Noise Generation" (2020); `laplace.proof.md`.
 * @example
 * const m = makeLaplace({ scale: laplaceScaleForEpsilon(1, 1) });
 * m.privacyMap(1); // { kind: 'pure', epsilon: ≤ 1 }
 * m.invoke(42);    // 42 + noise
 */
export function makeLaplace(options: LaplaceOptions): Measurement<number, number, 'pure'> {
  const scale = scaleParameter(options?.scale, 'scale');
  const sensitivity = distanceParameter(options.sensitivity ?? 1, 'sensitivity');
  const granularity = laplaceGranularity(scale);
  return defineMeasurement({
    name: 'laplace',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'pure',
    invoke: (value: number, rng) => {
      finiteInput(value, 'laplace');
      traceNoise({ primitive: 'laplace', value, sensitivity, scale, extra: { granularity } });
      return addSecureLaplaceNoise(value, scale, rng);
    },
    privacyMap: (dIn): PureLoss => pure(laplaceEpsilon(dIn, scale, granularity, 1)),
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'laplace', noiseMultiplier: scale / (dIn + granularity) }),
  });
}

/**
 * The Laplace mechanism for float vectors of a fixed length under the L1 distance
 * (independent noise per coordinate).
 * @param options - `scale` (b > 0), `size` (the public vector length ≥ 1), optional `sensitivity`.
 * @returns a pure-DP measurement on `number[]` of length `size`.
 * @throws DpError INVALID_PARAMETER on bad options, or an input of the wrong length or with a non-finite entry.
 * @privacy ε = (dIn + size·g)/b for dIn > 0 (each differing coordinate may round one grid step further apart).
 * @see `laplace.proof.md`.
 */
export function makeVectorLaplace(options: VectorLaplaceOptions): Measurement<readonly number[], number[], 'pure'> {
  const scale = scaleParameter(options?.scale, 'scale');
  const size = integerAtLeast(options.size, 1, 'size');
  const sensitivity = distanceParameter(options.sensitivity ?? 1, 'sensitivity');
  const granularity = laplaceGranularity(scale);
  return defineMeasurement({
    name: 'vector-laplace',
    inputDomain: vectorDomain(floatDomain(), size),
    inputMetric: 'l1-distance',
    outputMeasure: 'pure',
    invoke: (values: readonly number[], rng) => {
      if (!Array.isArray(values) || values.length !== size) throw outOfDomain('vector-laplace', `an array of ${size} finite numbers`);
      for (const v of values) finiteInput(v, 'vector-laplace');
      const out = new Array<number>(size);
      for (let i = 0; i < size; i++) {
        const value = values[i] as number;
        traceNoise({ primitive: 'laplace', value, sensitivity, scale, extra: { granularity, index: i, size } });
        out[i] = addSecureLaplaceNoise(value, scale, rng);
      }
      return out;
    },
    privacyMap: (dIn): PureLoss => pure(laplaceEpsilon(dIn, scale, granularity, size)),
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'laplace', noiseMultiplier: scale / (dIn + size * granularity) }),
  });
}

/**
 * The smallest scale (to within a few ulps) whose secure Laplace mechanism is
 * ε-DP at `sensitivity`, grid rounding included; never overshoots:
 * `makeLaplace({ scale }).privacyMap(sensitivity).epsilon <= epsilon`.
 * @param epsilon - target ε > 0.
 * @param sensitivity - the L1 sensitivity (dIn) > 0.
 * @param options - `size` for the vector mechanism (default 1).
 * @returns the scale b (branded: a validated `Scale`).
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy b ≥ (Δ + size·g(b))/ε.
 * @see `laplace.proof.md`.
 * @example
 * laplaceScaleForEpsilon(0.5, 1); // ≈ 2 (a hair above, for the grid)
 */
export function laplaceScaleForEpsilon(epsilon: number, sensitivity: number, options?: { size?: number }): Scale {
  const target = epsilonParameter(epsilon, 'epsilon');
  const delta = sensitivityParameter(sensitivity, 'sensitivity');
  const size = integerAtLeast(options?.size ?? 1, 1, 'size');
  // Each candidate scale is validated (a brand) before the privacy map sees it.
  const fits = (b: number) => {
    const s = Scale.safe(b);
    return s.ok && laplaceEpsilon(delta, s.value, laplaceGranularity(s.value), size) <= target;
  };
  // Start at Δ/ε and climb: g(b) grows with b, but only as b·2^-k, so few steps suffice.
  let scale = Rational.fromNumber(sensitivity).div(Rational.fromNumber(epsilon)).toNumberUp();
  for (let i = 0; i < 200 && Number.isFinite(scale) && !fits(scale); i++) {
    const g = laplaceGranularity(scale);
    const next = Rational.fromNumber(sensitivity)
      .add(Rational.fromNumber(g).mul(Rational.of(BigInt(size))))
      .div(Rational.fromNumber(epsilon))
      .toNumberUp();
    scale = next > scale ? next : scale * (1 + 2 ** -40);
  }
  if (!Number.isFinite(scale) || !fits(scale)) {
    throw new DpError('NUMERICAL_ERROR', 'no finite Laplace scale reaches this epsilon', { routine: 'laplaceScaleForEpsilon' });
  }
  return Scale.of(scale);
}
