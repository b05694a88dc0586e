/**
 * Measurements and transformations — OpenDP's calculus, made ergonomic.
 *
 * A `Transformation` is a deterministic function with a *stability map*
 * (d_in → d_out). A `Measurement` is a randomized function with a *privacy
 * map* (d_in → privacy loss). `transformation.then(measurement)` is a
 * measurement whose map is `m.privacyMap(t.stabilityMap(dIn))`; chaining
 * checks that the spaces fit. Every guarantee tsdp states is computed by
 * such a map.
 * @module
 */

import { edgeFunction, edgeKind, edgeRecord, edgeString } from '../numeric/edge.js';
import { defaultRandomSource, isSecureSource, type RandomSource } from '../random/source.js';
import { type Domain, describeDomain, domainWithin, type Metric } from './domain.js';
import type { DpEvent } from './dp-event.js';
import { DpError } from './errors.js';
import type { LossKind, LossOf } from './loss.js';
import { checkDistance, type Sensitivity } from './params.js';

/** A released value with the guarantee it was released under. */
export interface Release<O, K extends LossKind = LossKind> {
  readonly value: O;
  /** The loss for the neighbouring distance `dIn`, from the privacy map. */
  readonly guarantee: LossOf<K>;
  /** The neighbouring distance the guarantee is stated for. */
  readonly dIn: number;
  /** Present and true when a seeded (test) source made this: not for release. */
  readonly notForRelease?: true;
}

/** A randomized function with a privacy map. */
export interface Measurement<I, O, K extends LossKind = LossKind> {
  readonly name: string;
  readonly inputDomain: Domain;
  readonly inputMetric: Metric;
  /** The kind of loss the privacy map returns. */
  readonly outputMeasure: K;
  /** Runs the mechanism (CSPRNG unless a source is given). */
  invoke(input: I, rng?: RandomSource): O;
  /**
   * The privacy loss when neighbouring inputs are at most `dIn` apart.
   * @throws DpError INVALID_PARAMETER when dIn is negative or not finite.
   */
  privacyMap(dIn: number): LossOf<K>;
  /** The accounting event of one invocation at distance `dIn`, where one is known. */
  event?(dIn: number): DpEvent;
  /** Runs the mechanism and returns the value with its guarantee at `dIn` (default 1). */
  release(input: I, options?: { dIn?: number; rng?: RandomSource }): Release<O, K>;
}

/** A deterministic function with a stability map. */
export interface Transformation<I, O> {
  readonly name: string;
  readonly inputDomain: Domain;
  readonly outputDomain: Domain;
  readonly inputMetric: Metric;
  readonly outputMetric: Metric;
  invoke(input: I): O;
  /** The output distance bound for inputs at most `dIn` apart. */
  stabilityMap(dIn: number): number;
  /** Chains a transformation after this one. */
  then<P>(next: Transformation<O, P>): Transformation<I, P>;
  /** Chains a measurement after this one: the result is a measurement. */
  then<P, K extends LossKind>(next: Measurement<O, P, K>): Measurement<I, P, K>;
}

/** What `defineMeasurement` needs. */
export interface MeasurementSpec<I, O, K extends LossKind> {
  name: string;
  inputDomain: Domain;
  inputMetric: Metric;
  outputMeasure: K;
  invoke: (input: I, rng: RandomSource) => O;
  /** The privacy map; it receives a validated distance (the brand proves `checkDistance` ran). */
  privacyMap: (dIn: Sensitivity) => LossOf<K>;
  event?: (dIn: Sensitivity) => DpEvent;
}

/** Builds a Measurement from its parts; validates dIn before the map sees it. */
export function defineMeasurement<I, O, K extends LossKind>(spec: MeasurementSpec<I, O, K>): Measurement<I, O, K> {
  checkSpec(spec, ['invoke', 'privacyMap']);
  const privacyMap = (dIn: number) => spec.privacyMap(checkDistance(dIn));
  const invoke = (input: I, rng?: RandomSource) => spec.invoke(input, rng ?? defaultRandomSource());
  const m: Measurement<I, O, K> = {
    name: spec.name,
    inputDomain: spec.inputDomain,
    inputMetric: spec.inputMetric,
    outputMeasure: spec.outputMeasure,
    invoke,
    privacyMap,
    release(input: I, options?: { dIn?: number; rng?: RandomSource }) {
      const dIn = options?.dIn ?? 1;
      const guarantee = privacyMap(dIn); // priced before anything touches data
      const rng = options?.rng ?? defaultRandomSource();
      const value = invoke(input, rng);
      return isSecureSource(rng) ? { value, guarantee, dIn } : { value, guarantee, dIn, notForRelease: true };
    },
  };
  if (spec.event) {
    const ev = spec.event;
    return { ...m, event: (dIn: number) => ev(checkDistance(dIn)) };
  }
  return m;
}

/** What `defineTransformation` needs. */
export interface TransformationSpec<I, O> {
  name: string;
  inputDomain: Domain;
  outputDomain: Domain;
  inputMetric: Metric;
  outputMetric: Metric;
  invoke: (input: I) => O;
  /** Gets a validated dIn (finite, ≥ 0); must be monotone and round up. */
  stabilityMap: (dIn: Sensitivity) => number;
}

function checkFits(outDomain: Domain, outMetric: Metric, next: { name: string; inputDomain: Domain; inputMetric: Metric }, from: string) {
  if (!domainWithin(outDomain, next.inputDomain)) {
    throw new DpError(
      'DOMAIN_MISMATCH',
      `${from} outputs ${describeDomain(outDomain)} but ${next.name} expects ${describeDomain(next.inputDomain)}`,
      { left: describeDomain(outDomain), right: describeDomain(next.inputDomain) },
    );
  }
  if (outMetric !== next.inputMetric) {
    throw new DpError('DOMAIN_MISMATCH', `${from} measures distance by ${outMetric} but ${next.name} expects ${next.inputMetric}`, {
      left: outMetric,
      right: next.inputMetric,
    });
  }
}

/** The edge check of a spec: an object with a name, an input domain and the named functions. */
function checkSpec(spec: unknown, functions: readonly string[]): void {
  edgeRecord(spec, 'spec');
  const s = spec as Record<string, unknown>;
  edgeString(s.name, 'spec.name');
  edgeKind(s.inputDomain, 'spec.inputDomain');
  for (const f of functions) edgeFunction(s[f], `spec.${f}`);
}

function isMeasurement(x: object): x is Measurement<unknown, unknown, LossKind> {
  return 'privacyMap' in x;
}

/** Builds a Transformation from its parts. */
export function defineTransformation<I, O>(spec: TransformationSpec<I, O>): Transformation<I, O> {
  checkSpec(spec, ['invoke', 'stabilityMap']);
  edgeKind(spec.outputDomain, 'spec.outputDomain');
  const stabilityMap = (dIn: number) => spec.stabilityMap(checkDistance(dIn));
  const t = {
    name: spec.name,
    inputDomain: spec.inputDomain,
    outputDomain: spec.outputDomain,
    inputMetric: spec.inputMetric,
    outputMetric: spec.outputMetric,
    invoke: spec.invoke,
    stabilityMap,
    // biome-ignore lint/suspicious/noThenProperty: `then` is the chaining verb of the calculus (STYLE.md); a function argument is refused below.
    then(next: Transformation<O, unknown> | Measurement<O, unknown, LossKind>) {
      if (typeof next === 'function') {
        // `await transformation` would call then(resolve, reject): refuse loudly instead of misbehaving.
        throw new DpError(
          'DOMAIN_MISMATCH',
          'a Transformation is not a Promise; wrap it in an object before returning it from an async function',
          {},
        );
      }
      checkFits(spec.outputDomain, spec.outputMetric, next, spec.name);
      if (isMeasurement(next)) {
        const spec2: MeasurementSpec<I, unknown, LossKind> = {
          name: `${spec.name} → ${next.name}`,
          inputDomain: spec.inputDomain,
          inputMetric: spec.inputMetric,
          outputMeasure: next.outputMeasure,
          invoke: (input, rng) => next.invoke(spec.invoke(input), rng),
          privacyMap: (dIn) => next.privacyMap(stabilityMap(dIn)),
        };
        const ev = next.event;
        if (ev) spec2.event = (dIn) => ev(stabilityMap(dIn));
        return defineMeasurement(spec2);
      }
      return defineTransformation({
        name: `${spec.name} → ${next.name}`,
        inputDomain: spec.inputDomain,
        outputDomain: next.outputDomain,
        inputMetric: spec.inputMetric,
        outputMetric: next.outputMetric,
        invoke: (input: I) => next.invoke(spec.invoke(input)),
        stabilityMap: (dIn: number) => next.stabilityMap(stabilityMap(dIn)),
      });
    },
  };
  return t as Transformation<I, O>;
}

/**
 * Chains transformations and ends with a measurement:
 * `chain(t1, t2, m)` is `t1.then(t2).then(m)`.
 * @throws DpError DOMAIN_MISMATCH when adjacent spaces do not fit.
 */
export function chain<A, B, K extends LossKind>(t1: Transformation<A, B>, m: Measurement<B, unknown, K>): Measurement<A, unknown, K>;
export function chain<A, B, C, K extends LossKind>(
  t1: Transformation<A, B>,
  t2: Transformation<B, C>,
  m: Measurement<C, unknown, K>,
): Measurement<A, unknown, K>;
export function chain<A, B, C, D, K extends LossKind>(
  t1: Transformation<A, B>,
  t2: Transformation<B, C>,
  t3: Transformation<C, D>,
  m: Measurement<D, unknown, K>,
): Measurement<A, unknown, K>;
export function chain(...parts: Array<Transformation<unknown, unknown> | Measurement<unknown, unknown, LossKind>>): unknown {
  if (parts.length < 2)
    throw new DpError('INVALID_PARAMETER', 'chain needs at least a transformation and a measurement', { parameter: 'parts' });
  for (const [i, p] of parts.entries()) {
    edgeRecord(p, `parts[${i}]`);
    const q = p as unknown as Record<string, unknown>;
    edgeString(q.name, `parts[${i}].name`);
    edgeKind(q.inputDomain, `parts[${i}].inputDomain`);
    edgeFunction(q.invoke, `parts[${i}].invoke`);
    if (i < parts.length - 1) edgeFunction(q.then, `parts[${i}].then`);
  }
  let acc = parts[0] as Transformation<unknown, unknown>;
  for (let i = 1; i < parts.length; i++) {
    if (isMeasurement(acc)) throw new DpError('DOMAIN_MISMATCH', 'only the last part of a chain may be a measurement', {});
    acc = acc.then(parts[i] as Transformation<unknown, unknown>);
  }
  return acc;
}
