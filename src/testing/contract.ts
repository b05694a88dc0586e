/**
 * The mechanism contract kit (STYLE.md): one call checks the laws every
 * `Measurement` must keep. It throws a plain `Error` with a clear message on
 * the first broken law, so it works under any test runner.
 * @module
 */
import type { Domain } from '../core/domain.js';
import type { LossKind, PrivacyLoss } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import { SeededRandomSource } from './seeded-source.js';
import { startTrace } from './trace.js';

/** What {@link assertMeasurementContract} checks the measurement on. */
export interface MeasurementContractOptions<I> {
  /** In-domain inputs to run the mechanism on (at least one). */
  readonly inputs: readonly I[];
  /** Neighbouring pairs `[a, b, dIn]`: both must run, and the map at dIn must be finite. */
  readonly neighbours?: ReadonlyArray<readonly [I, I, number]>;
  /** Distances at which to check the privacy map (default 0, 0.5, 1, 2, 3, 10). */
  readonly dIns?: readonly number[];
  /** Seed of the seeded source (default 20260101). */
  readonly seed?: number;
  /** Inputs outside the domain that `invoke` must refuse with a DpError (added to those derived from the domain). */
  readonly outOfDomain?: readonly unknown[];
  /** Skip the out-of-domain inputs derived from `inputDomain` (when the mechanism clamps instead of refusing). */
  readonly skipDerivedOutOfDomain?: boolean;
  /** Allow the same output for every seed (e.g. a one-candidate selection). */
  readonly allowConstantOutput?: boolean;
  /** Require at least one trace-hook record per invocation (default true). */
  readonly expectNoiseTrace?: boolean;
  /** How many seeds to try when checking that outputs vary (default 32). */
  readonly seedsForVariation?: number;
}

function fail(name: string, law: string, detail: string): never {
  throw new Error(`measurement contract broken by '${name}': ${law} — ${detail}`);
}

function show(x: unknown): string {
  try {
    return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(x);
  } catch {
    return String(x);
  }
}

/** Structural equality good enough for mechanism outputs (numbers incl. NaN and −0, bigints, arrays, typed arrays, plain objects). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The components of a loss, each of which must be finite, ≥ 0 and non-decreasing in dIn. */
function components(loss: PrivacyLoss): Array<[string, number]> {
  switch (loss.kind) {
    case 'pure':
      return [['epsilon', loss.epsilon]];
    case 'approximate':
      return [
        ['epsilon', loss.epsilon],
        ['delta', loss.delta],
      ];
    case 'zcdp':
      return [['rho', loss.rho]];
    default:
      throw new Error(`unknown loss kind in ${show(loss)}`);
  }
}

/** Inputs that a domain rules out, for checking that `invoke` refuses them. */
function derivedOutOfDomain(domain: Domain): unknown[] {
  switch (domain.kind) {
    case 'float': {
      const out: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      if (domain.lower !== undefined && Number.isFinite(domain.lower)) out.push(domain.lower - Math.max(1, Math.abs(domain.lower)));
      if (domain.upper !== undefined && Number.isFinite(domain.upper)) out.push(domain.upper + Math.max(1, Math.abs(domain.upper)));
      return out;
    }
    case 'int':
      return [0.5, Number.NaN, Number.POSITIVE_INFINITY];
    case 'bigint':
      return [1.5, '1'];
    case 'bool':
      return [1, 'true'];
    case 'vector': {
      const out: unknown[] = [];
      if (domain.size !== undefined) out.push(new Array(domain.size + 1).fill(0));
      if (domain.element.kind === 'float') out.push(new Array(domain.size ?? 1).fill(Number.NaN));
      return out;
    }
    case 'category':
    case 'any':
      return [];
    default:
      return [];
  }
}

function isDpErrorLike(e: unknown): boolean {
  return e instanceof Error && e.name === 'DpError' && typeof (e as { code?: unknown }).code === 'string';
}

/**
 * Checks the laws every measurement must keep, and throws an `Error` naming
 * the first one broken:
 * 1. the privacy map is of the declared measure, finite and ≥ 0 at every dIn,
 *    non-decreasing in dIn, and smallest at dIn = 0; refuses a negative, NaN or infinite dIn;
 * 2. `event(dIn)`, where present, returns an event with a `type`;
 * 3. the same seed gives the same output (seeded determinism), and different seeds give different outputs;
 * 4. `invoke` refuses out-of-domain inputs with a DpError;
 * 5. `release()` with a seeded source marks its result `notForRelease`, prices it with the map, and returns what `invoke` would;
 * 6. each invocation records at least one noise primitive in the trace hook (SECURITY.md §9);
 * 7. both members of each neighbouring pair run, and the map at their distance is finite.
 * @param measurement - the measurement under test.
 * @param options - inputs and optional neighbours, dIns, seed, out-of-domain inputs.
 * @throws Error when a law is broken.
 * @example
 * assertMeasurementContract(makeLaplace({ scale: 1 }), { inputs: [0, 3.5] });
 */
export function assertMeasurementContract<I, O, K extends LossKind>(
  measurement: Measurement<I, O, K>,
  options: MeasurementContractOptions<I>,
): void {
  const name = measurement?.name ?? '(unnamed)';
  if (!options || !Array.isArray(options.inputs) || options.inputs.length === 0) {
    throw new Error('assertMeasurementContract needs at least one input');
  }
  const seed = options.seed ?? 20260101;
  const dIns = [...(options.dIns ?? [0, 0.5, 1, 2, 3, 10])].sort((a, b) => a - b);

  // 1. The privacy map.
  let previous: PrivacyLoss | undefined;
  let atZero: PrivacyLoss | undefined;
  for (const dIn of dIns) {
    let loss: PrivacyLoss;
    try {
      loss = measurement.privacyMap(dIn);
    } catch (e) {
      fail(name, 'the privacy map accepts every finite dIn >= 0', `privacyMap(${dIn}) threw ${(e as Error)?.message}`);
    }
    if (loss.kind !== measurement.outputMeasure) {
      fail(
        name,
        'the privacy map returns the declared measure',
        `privacyMap(${dIn}) is ${loss.kind}, declared ${measurement.outputMeasure}`,
      );
    }
    for (const [key, value] of components(loss)) {
      if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
        fail(name, 'the privacy map is finite and >= 0', `privacyMap(${dIn}).${key} = ${value}`);
      }
    }
    if (previous) {
      const before = components(previous);
      components(loss).forEach(([key, value], i) => {
        const prior = (before[i] as [string, number])[1];
        if (value < prior) fail(name, 'the privacy map is non-decreasing in dIn', `${key} falls from ${prior} to ${value} at dIn = ${dIn}`);
      });
    }
    if (dIn === 0) atZero = loss;
    previous = loss;
  }
  if (atZero) {
    const zero = components(atZero);
    for (const dIn of dIns) {
      components(measurement.privacyMap(dIn)).forEach(([key, value], i) => {
        const z = (zero[i] as [string, number])[1];
        if (value < z) fail(name, 'the privacy map is smallest at dIn = 0', `${key} at ${dIn} is ${value} < ${z}`);
      });
    }
  }
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    let refused = false;
    try {
      measurement.privacyMap(bad);
    } catch (e) {
      refused = isDpErrorLike(e);
    }
    if (!refused) fail(name, 'the privacy map refuses a bad dIn with a DpError', `privacyMap(${bad}) did not`);
  }

  // 2. Events.
  if (measurement.event) {
    for (const dIn of dIns) {
      const ev = measurement.event(dIn);
      if (!ev || typeof ev.type !== 'string') fail(name, 'event(dIn) returns a DpEvent', `event(${dIn}) = ${show(ev)}`);
    }
  }

  // 3 and 6. Seeded determinism, variation, trace records.
  const expectTrace = options.expectNoiseTrace ?? true;
  const outputs: unknown[] = [];
  for (const input of options.inputs) {
    const trace = startTrace();
    let first: O;
    let second: O;
    try {
      first = measurement.invoke(input, new SeededRandomSource(seed));
      second = measurement.invoke(input, new SeededRandomSource(seed));
    } finally {
      trace.stop();
    }
    if (!sameValue(first, second)) {
      fail(name, 'the same seed gives the same output', `input ${show(input)} gave ${show(first)} then ${show(second)}`);
    }
    if (expectTrace && trace.noise.length < 2) {
      fail(name, 'each invocation records its noise in the trace hook', `${trace.noise.length} records for two invocations`);
    }
    outputs.push(first);
  }
  if (!options.allowConstantOutput) {
    const input = options.inputs[0] as I;
    const seen: unknown[] = [];
    const seeds = options.seedsForVariation ?? 32;
    let varied = false;
    for (let s = 0; s < seeds && !varied; s++) {
      const out = measurement.invoke(input, new SeededRandomSource(seed + 1 + s));
      varied = seen.some((o) => !sameValue(o, out));
      seen.push(out);
    }
    if (!varied) fail(name, 'different seeds give different outputs', `${seeds} seeds all gave ${show(seen[0])}`);
  }

  // 4. Out-of-domain inputs.
  const bad = [...(options.skipDerivedOutOfDomain ? [] : derivedOutOfDomain(measurement.inputDomain)), ...(options.outOfDomain ?? [])];
  for (const input of bad) {
    let refused = false;
    try {
      measurement.invoke(input as I, new SeededRandomSource(seed));
    } catch (e) {
      refused = isDpErrorLike(e);
    }
    if (!refused) fail(name, 'invoke refuses out-of-domain input with a DpError', `input ${show(input)} was accepted`);
  }

  // 5. release().
  for (const dIn of [1, ...dIns.filter((d) => d > 0).slice(0, 2)]) {
    const input = options.inputs[0] as I;
    const released = measurement.release(input, { dIn, rng: new SeededRandomSource(seed) });
    if (released.notForRelease !== true) fail(name, 'release() with a seeded source is marked notForRelease', `dIn = ${dIn}`);
    if (!sameValue(released.guarantee, measurement.privacyMap(dIn))) {
      fail(name, 'release() states the privacy map at its dIn', `${show(released.guarantee)} vs ${show(measurement.privacyMap(dIn))}`);
    }
    if (released.dIn !== dIn) fail(name, 'release() reports its dIn', `${released.dIn} vs ${dIn}`);
    if (!sameValue(released.value, outputs[0])) {
      fail(name, 'release() returns what invoke() returns for the same seed', `${show(released.value)} vs ${show(outputs[0])}`);
    }
  }

  // 7. Neighbours.
  for (const [a, b, dIn] of options.neighbours ?? []) {
    for (const x of [a, b]) {
      try {
        measurement.invoke(x, new SeededRandomSource(seed));
      } catch (e) {
        fail(name, 'both members of a neighbouring pair are in the domain', `${show(x)} threw ${(e as Error)?.message}`);
      }
    }
    for (const [key, value] of components(measurement.privacyMap(dIn))) {
      if (!Number.isFinite(value)) fail(name, 'the map is finite at each neighbouring distance', `${key} = ${value} at ${dIn}`);
    }
  }
}
