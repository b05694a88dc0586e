/**
 * Branded privacy parameters, validated once at the edge.
 *
 * `Epsilon.of(x)` throws `DpError('INVALID_PARAMETER')`; `Epsilon.safe(x)`
 * returns a result. NaN, ±Infinity, negatives and zero are refused where they
 * make no sense; −0 is read as 0 only where 0 is allowed (δ). Each validator is
 * total on `unknown` (a bigint, a string, an object: INVALID_PARAMETER, never a
 * TypeError).
 *
 * Rule (issue 10, item 12 and "validators only at the edge"): a brand is made
 * only by a validator — these, or an edge validator of a folder that checks the
 * same invariant and more (`mechanisms/_internal/params.ts`) — and the code
 * behind the edge (privacy maps, calibration, filters' arithmetic, the noise
 * primitives' callers) takes brands in its signature, so the type checker proves
 * a value was validated once before it is used (`test/core/brands.test.ts`:
 * a plain `number` does not type-check there). Public entry points may take a
 * plain `number` from users and validate it; what they return (a calibrated
 * scale, a measured distance) carries the brand.
 * @module
 */
import { DpError, type SafeResult, safely } from './errors.js';

declare const brand: unique symbol;
/** A number known to satisfy the invariant named by `B`. */
export type Branded<B extends string> = number & { readonly [brand]: B };

/** ε: finite and > 0. */
export type Epsilon = Branded<'Epsilon'>;
/** δ: in [0, 1). */
export type Delta = Branded<'Delta'>;
/** ρ (zCDP): finite and > 0. */
export type Rho = Branded<'Rho'>;
/** A noise scale (Laplace b, Gaussian σ): finite and > 0. */
export type Scale = Branded<'Scale'>;
/** A sensitivity or distance: finite and ≥ 0. */
export type Sensitivity = Branded<'Sensitivity'>;
/** An amount of privacy loss spent or stated (an ε, δ or ρ of a charge): finite and ≥ 0. */
export type LossAmount = Branded<'LossAmount'>;
/** An ε an accountant or odometer proves: ≥ 0, or +∞ (no finite bound); never NaN. */
export type EpsilonBound = Branded<'EpsilonBound'>;
/** A δ an accountant proves: in [0, 1]; never NaN. */
export type DeltaBound = Branded<'DeltaBound'>;

function describe(x: unknown): string {
  if (typeof x !== 'number') return typeof x;
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return Object.is(x, -0) ? '-0' : String(x);
}

function makeParam<B extends string>(name: string, expected: string, ok: (x: number) => boolean, normalize = (x: number) => x) {
  // A non-number fails `typeof` before `ok` runs, so `ok` only ever sees numbers.
  const of = (x: unknown): Branded<B> => {
    // Parameters are public, so echoing them is allowed.
    if (typeof x !== 'number' || !ok(x)) {
      throw new DpError('INVALID_PARAMETER', `${name} must be ${expected}, got ${describe(x)}`, { parameter: name, expected });
    }
    return normalize(x as number) as Branded<B>;
  };
  return {
    /** Validates `x` or throws DpError('INVALID_PARAMETER'). */
    of,
    /** Validates `x` without throwing. */
    safe: (x: unknown): SafeResult<Branded<B>> => safely(() => of(x)),
    /** True when `x` satisfies the invariant. */
    is: (x: unknown): x is Branded<B> => typeof x === 'number' && ok(x),
  };
}

const positiveFinite = (x: number) => Number.isFinite(x) && x > 0;

/** ε: finite and > 0. */
export const Epsilon = makeParam<'Epsilon'>('epsilon', 'a finite number > 0', positiveFinite);
/** δ: in [0, 1); −0 is read as 0. */
export const Delta = makeParam<'Delta'>(
  'delta',
  'a number in [0, 1)',
  (x) => Number.isFinite(x) && x >= 0 && x < 1,
  (x) => (x === 0 ? 0 : x),
);
/** ρ: finite and > 0. */
export const Rho = makeParam<'Rho'>('rho', 'a finite number > 0', positiveFinite);
/** A noise scale: finite and ≥ 2⁻¹⁰²² (a subnormal scale breaks the math: 1/b overflows, b² underflows). */
export const Scale = makeParam<'Scale'>(
  'scale',
  'a finite number >= 2^-1022 (not subnormal)',
  (x) => Number.isFinite(x) && x >= 2 ** -1022 && Number.isFinite(1 / x),
);
/** A sensitivity or distance: finite and ≥ 0; −0 is read as 0. */
export const Sensitivity = makeParam<'Sensitivity'>(
  'sensitivity',
  'a finite number >= 0',
  (x) => Number.isFinite(x) && x >= 0,
  (x) => (x === 0 ? 0 : x),
);

/** An amount of privacy loss spent or stated: finite and ≥ 0; −0 is read as 0. */
export const LossAmount = makeParam<'LossAmount'>(
  'amount',
  'a finite number >= 0',
  (x) => Number.isFinite(x) && x >= 0,
  (x) => (x === 0 ? 0 : x),
);

/**
 * Refuses δ ≥ 1/n for a data set of n rows (δ that large allows releasing a
 * row outright). `n` must be PUBLIC — a declared or DP-released size, never
 * the private row count — or the refusal itself would reveal it.
 * @throws DpError INVALID_PARAMETER
 */
export function checkDeltaForSize(delta: unknown, n: unknown): Delta {
  const d = Delta.of(delta);
  if (!(typeof n === 'number' && Number.isSafeInteger(n) && n > 0)) {
    throw new DpError('INVALID_PARAMETER', 'the data set size must be a positive integer', { parameter: 'n' });
  }
  if (d >= 1 / n) {
    throw new DpError('INVALID_PARAMETER', `delta must be < 1/n = ${1 / n} for a data set of ${n} rows, got ${d}`, {
      parameter: 'delta',
      expected: `< ${1 / n}`,
    });
  }
  return d;
}

/**
 * Validates a distance `dIn` (finite, ≥ 0) and returns it as a `Sensitivity` (what privacy and stability maps take).
 * @throws DpError INVALID_PARAMETER
 */
export function checkDistance(dIn: unknown, name = 'dIn'): Sensitivity {
  if (typeof dIn !== 'number' || !Number.isFinite(dIn) || dIn < 0) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number >= 0, got ${describe(dIn)}`, { parameter: name });
  }
  return (dIn === 0 ? 0 : dIn) as Sensitivity;
}

/**
 * The ε an accountant reports, as a brand: the one way an accountant's float becomes an `EpsilonBound`
 * (`PrivacyAccountant.epsilon`). Total and sound, never NaN (issue 10, class 10): NaN (a failed
 * evaluation) reads as +∞ (no bound), a negative value as 0 ((ε < 0, δ)-DP implies (0, δ)-DP), −0 as 0.
 * @param x - the computed ε.
 * @returns the bound.
 * @throws DpError INVALID_PARAMETER when x is not a number.
 * @example
 * epsilonBound(Number.NaN); // Infinity
 */
export function epsilonBound(x: number): EpsilonBound {
  if (typeof x !== 'number') throw new DpError('INVALID_PARAMETER', 'an epsilon bound must be a number', { parameter: 'epsilon' });
  if (Number.isNaN(x)) return Number.POSITIVE_INFINITY as EpsilonBound;
  return Math.max(x, 0) as EpsilonBound;
}

/**
 * The δ an accountant reports, as a brand (`PrivacyAccountant.delta`). Total and sound, never NaN:
 * NaN or anything above 1 reads as 1 (the trivial bound), a negative value or −0 as 0.
 * @param x - the computed δ.
 * @returns the bound.
 * @throws DpError INVALID_PARAMETER when x is not a number.
 * @example
 * deltaBound(Number.NaN); // 1
 */
export function deltaBound(x: number): DeltaBound {
  if (typeof x !== 'number') throw new DpError('INVALID_PARAMETER', 'a delta bound must be a number', { parameter: 'delta' });
  if (Number.isNaN(x) || x >= 1) return 1 as DeltaBound;
  return Math.max(x, 0) as DeltaBound;
}
