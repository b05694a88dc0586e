/**
 * One measurement per output of `releaseTable`, not one per group (issue 15: the release's CPU and allocation):
 * a count, sum, mean, variance or standard deviation output is released in every group with the SAME public
 * parameters, so its measurement (`makeCountMeasurement` … `makeVarianceMeasurement`: the plan, the budget split,
 * the calibrated noise, all in exact rationals) and its guarantee (`privacyMap(1)`, composed exactly) are built once
 * and the per-group work is only `invoke` — the noise draw and its post-processing.
 *
 * ## Rule: kept measurements are pure functions of public parameters
 * A measurement and its `privacyMap(1)` are computed from the output's kind, budget, bounds, confidence and the
 * contribution bounds — public values only (the plan refuses a bad one before any data is read) — and read no data
 * and no randomness. So they are also kept ACROSS calls (a bounded memo, `MEMO_SIZE` entries), keyed by exactly
 * those parameters, each number by its exact double text (`-0` apart): a hit returns the object the miss built,
 * so a release's law (the same `invoke`, the same exact noise parameters) and its stated guarantee are bit for bit
 * those of a fresh build (test/stats/release-table-measurement.test.ts: seeded releases equal, generative). The
 * memo holds no data: exact aggregates reach `invoke` per group and are never kept. Parameters the key cannot
 * state exactly (a budget object with other fields, bounds that are not two numbers) are built fresh, uncached.
 * Each release gets its own copy of the guarantee object, so a caller that mutates its result cannot reach the memo.
 * The parameters are read ONCE into a plain snapshot (data properties only: a getter, a Proxy trap or an accessor on
 * the bounds makes the parameters unkeyable, built fresh and never kept), and both the key and the build read that
 * snapshot: what is kept under a key is always what that key states (review stop 22: a getter that answered one ε to
 * the key and another to the build poisoned later honest releases of the first ε).
 * @module
 */
import type { LossKind, PrivacyLoss } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import type { RandomSource } from '../random/source.js';
import type { OutputBudget } from './output-budget.js';
import { makeCountMeasurement, makeSumMeasurement } from './release-count-sum.js';
import { type MeanExact, makeMeanMeasurement, makeVarianceMeasurement, type VarianceExact } from './release-mean-variance.js';
import { type ReleasedValue, saturateRelease } from './release-post.js';
import type { AggregateRelease } from './release-types.js';

/** The public parameters of one value output as `releaseTable` releases it. */
export interface OutputParameters {
  readonly budget: OutputBudget;
  readonly maxPartitions: number;
  readonly maxContributionsPerPartition: number;
  readonly confidence?: number;
  readonly bounds?: readonly [number, number];
}

/** The value outputs released through a kept measurement, with the exact input each one's `invoke` reads. */
interface ExactInputs {
  readonly count: bigint;
  readonly sum: bigint;
  readonly mean: MeanExact;
  readonly variance: VarianceExact;
  readonly stddev: VarianceExact;
}

/** A measurement with its guarantee, both built once from public parameters. */
export interface KeptMeasurement<I> {
  readonly measurement: Measurement<I, ReleasedValue, LossKind>;
  /** `measurement.privacyMap(1)`: what every release through it states. */
  readonly guarantee: PrivacyLoss;
}

/** How many kept measurements the memo holds (oldest dropped first): a few outputs × budgets × bounds in use. */
export const MEMO_SIZE = 512;
const memo = new Map<string, KeptMeasurement<unknown>>();

/** A double as text that names exactly that double (`String` round-trips every double but −0). */
function num(x: unknown): string | undefined {
  if (typeof x !== 'number') return x === undefined ? 'u' : undefined;
  return Object.is(x, -0) ? '-0' : String(x);
}

/** A data property's value (read once, no getter run), or `absent`; undefined when it is an accessor. */
function dataValue(o: object, k: PropertyKey): { value: unknown } | 'absent' | undefined {
  const d = Object.getOwnPropertyDescriptor(o, k);
  if (d === undefined) return 'absent';
  return 'value' in d ? { value: d.value } : undefined;
}

/**
 * The parameters read once into a plain object of data values, or undefined when some part is not a plain data value
 * (an accessor, a Proxy, a budget object with other fields or another prototype, bounds that are not two numbers).
 */
function snapshotOf(p: OutputParameters): OutputParameters | undefined {
  if (typeof p !== 'object' || p === null || Object.getPrototypeOf(p) !== Object.prototype) return undefined;
  const fields: Record<string, unknown> = {};
  for (const k of ['budget', 'maxPartitions', 'maxContributionsPerPartition', 'confidence', 'bounds']) {
    const v = dataValue(p, k);
    if (v === undefined) return undefined;
    if (v !== 'absent') fields[k] = v.value;
  }
  const b = fields.budget;
  if (typeof b !== 'object' || b === null || Object.getPrototypeOf(b) !== Object.prototype) return undefined;
  const budget: Record<string, unknown> = {};
  for (const k of Reflect.ownKeys(b)) {
    if (k !== 'epsilon' && k !== 'delta' && k !== 'rho') return undefined;
    const v = dataValue(b, k);
    if (v === undefined || v === 'absent') return undefined;
    budget[k] = v.value;
  }
  const bounds = fields.bounds;
  let copied: readonly [number, number] | undefined;
  if (bounds !== undefined) {
    if (!Array.isArray(bounds) || Object.getPrototypeOf(bounds) !== Array.prototype || bounds.length !== 2) return undefined;
    const lo = dataValue(bounds, 0);
    const hi = dataValue(bounds, 1);
    if (lo === undefined || hi === undefined || lo === 'absent' || hi === 'absent') return undefined;
    if (typeof lo.value !== 'number' || typeof hi.value !== 'number') return undefined;
    copied = [lo.value, hi.value];
  }
  return { ...(fields as object), budget: budget as OutputBudget, bounds: copied } as OutputParameters;
}

/** The memo key of a snapshot, or undefined when its values are not plain public numbers the key states exactly. */
function keyOf(kind: keyof ExactInputs, p: OutputParameters): string | undefined {
  const b = p.budget as Record<string, unknown>;
  const bounds = p.bounds;
  const parts = [
    // `in` as well as the value: a present `delta: undefined` and an absent one are different budgets to the noise.
    'epsilon' in b ? num(b.epsilon) : 'none',
    'delta' in b ? num(b.delta) : 'none',
    'rho' in b ? num(b.rho) : 'none',
    num(p.maxPartitions),
    num(p.maxContributionsPerPartition),
    num(p.confidence),
    bounds === undefined ? 'none' : num(bounds[0]),
    bounds === undefined ? 'none' : num(bounds[1]),
  ];
  if (parts.some((x) => x === undefined)) return undefined;
  return `${kind}|${parts.join('|')}`;
}

function build<K extends keyof ExactInputs>(kind: K, p: OutputParameters): Measurement<ExactInputs[K], ReleasedValue, LossKind> {
  const options = { budget: p.budget, maxPartitions: p.maxPartitions, maxContributionsPerPartition: p.maxContributionsPerPartition };
  const withConfidence = p.confidence === undefined ? options : { ...options, confidence: p.confidence };
  const bounds = p.bounds as readonly [number, number];
  switch (kind) {
    case 'count':
      return makeCountMeasurement(withConfidence) as never;
    case 'sum':
      return makeSumMeasurement({ ...withConfidence, bounds, widening: 0n }) as never;
    case 'mean':
      return makeMeanMeasurement({ ...withConfidence, bounds }) as never;
    default:
      return makeVarianceMeasurement({ ...withConfidence, bounds }, kind === 'stddev') as never;
  }
}

/**
 * The kept measurement of an output (from the memo, or built now and kept).
 * @param kind - the output's aggregate.
 * @param p - its public parameters.
 * @returns the measurement and its guarantee.
 * @throws DpError INVALID_PARAMETER when the parameters cannot give a finite release (nothing is kept).
 * @privacy reads no data: a pure function of public parameters.
 */
export function keptMeasurement<K extends keyof ExactInputs>(kind: K, given: OutputParameters): KeptMeasurement<ExactInputs[K]> {
  const snapshot = snapshotOf(given);
  const p = snapshot ?? given;
  const key = snapshot === undefined ? undefined : keyOf(kind, snapshot);
  const hit = key === undefined ? undefined : memo.get(key);
  if (hit) return hit as KeptMeasurement<ExactInputs[K]>;
  const measurement = build(kind, p);
  const kept = { measurement, guarantee: measurement.privacyMap(1) };
  if (key !== undefined) {
    if (memo.size >= MEMO_SIZE) {
      const oldest = memo.keys().next();
      if (!oldest.done) memo.delete(oldest.value);
    }
    memo.set(key, kept as KeptMeasurement<unknown>);
  }
  return kept;
}

/**
 * Releases one group's exact input through a kept measurement: as `releaseWith` without a budget to spend from
 * (the measurement's invoke, its guarantee, the not-for-release mark), saturated as every aggregate release is.
 * @param kept - the output's kept measurement.
 * @param exact - the group's exact input.
 * @param rng - the randomness.
 * @param notForRelease - whether `rng` is not the CSPRNG (`isSecureSource`, read once by the caller).
 * @returns the release.
 * @privacy the kept guarantee under add/remove one unit.
 */
export function releaseKept<I>(kept: KeptMeasurement<I>, exact: I, rng: RandomSource, notForRelease: boolean): AggregateRelease {
  const value = kept.measurement.invoke(exact, rng);
  const guarantee = { ...kept.guarantee };
  return saturateRelease(notForRelease ? { ...value, guarantee, notForRelease: true } : { ...value, guarantee });
}
