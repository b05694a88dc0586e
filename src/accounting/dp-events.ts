/**
 * Constructors, validation and JSON parsing for {@link DpEvent}s (the union
 * lives in `core/dp-event.ts`). Named after Google `dp_accounting`'s events.
 * @module
 */

import type {
  ComposedEvent,
  DiscreteGaussianEvent,
  DiscreteLaplaceEvent,
  DpEvent,
  EpsilonDeltaEvent,
  ExponentialEvent,
  GaussianEvent,
  LaplaceEvent,
  NonPrivateEvent,
  NoOpEvent,
  PermuteAndFlipEvent,
  PoissonSampledEvent,
  RandomizedResponseEvent,
  SampledWithoutReplacementEvent,
  SelfComposedEvent,
  ZcdpEvent,
} from '../core/dp-event.js';
import { assertNever, DpError } from '../core/errors.js';
import { edgeRead, edgeRecord } from '../numeric/edge.js';
import { describeParameter } from '../numeric/errors.js';

type Code = 'INVALID_PARAMETER' | 'MALFORMED_REQUEST';

function fail(code: Code, parameter: string, expected: string, got: unknown): never {
  const shown = typeof got === 'number' || typeof got === 'boolean' ? String(got) : typeof got;
  if (code === 'INVALID_PARAMETER') {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be ${expected}, got ${describeParameter(shown)}`, { parameter, expected });
  }
  throw new DpError('MALFORMED_REQUEST', `${parameter} must be ${expected}, got ${describeParameter(shown)}`, {
    field: parameter,
    expected,
  });
}

function nonNegative(x: unknown, name: string, code: Code): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail(code, name, 'a finite number >= 0', x);
  return x;
}
function positive(x: unknown, name: string, code: Code): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) fail(code, name, 'a finite number > 0', x);
  return x;
}
function probability(x: unknown, name: string, code: Code): number {
  if (typeof x !== 'number' || !(x >= 0 && x <= 1)) fail(code, name, 'a number in [0, 1]', x);
  return x;
}
function integerAtLeast(x: unknown, min: number, name: string, code: Code): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) fail(code, name, `an integer >= ${min}`, x);
  return x;
}

function checkEvent(e: unknown, code: Code, depth: number): DpEvent {
  if (depth > 200) fail(code, 'event', 'nested at most 200 deep', depth);
  if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(code, 'event', 'an object with a "type"', e);
  const o = e as Record<string, unknown>;
  const type = o.type;
  switch (type) {
    case 'noOp':
      return { type: 'noOp' };
    case 'nonPrivate':
      return { type: 'nonPrivate' };
    case 'gaussian':
      return { type, noiseMultiplier: nonNegative(o.noiseMultiplier, 'noiseMultiplier', code) };
    case 'laplace':
      return { type, noiseMultiplier: nonNegative(o.noiseMultiplier, 'noiseMultiplier', code) };
    case 'discreteLaplace':
      return { type, scale: positive(o.scale, 'scale', code), sensitivity: integerAtLeast(o.sensitivity ?? 1, 1, 'sensitivity', code) };
    case 'discreteGaussian':
      return { type, sigma: positive(o.sigma, 'sigma', code), sensitivity: integerAtLeast(o.sensitivity ?? 1, 1, 'sensitivity', code) };
    case 'randomizedResponse':
      return {
        type,
        noiseParameter: probability(o.noiseParameter, 'noiseParameter', code),
        numBuckets: integerAtLeast(o.numBuckets, 1, 'numBuckets', code),
      };
    case 'exponential':
      return { type, epsilon: nonNegative(o.epsilon, 'epsilon', code) };
    case 'permuteAndFlip':
      return { type, epsilon: nonNegative(o.epsilon, 'epsilon', code) };
    case 'zcdp':
      return { type, rho: nonNegative(o.rho, 'rho', code) };
    case 'epsilonDelta':
      return { type, epsilon: nonNegative(o.epsilon, 'epsilon', code), delta: probability(o.delta, 'delta', code) };
    case 'poissonSampled':
      return { type, sampleRate: probability(o.sampleRate, 'sampleRate', code), event: checkEvent(o.event, code, depth + 1) };
    case 'sampledWithoutReplacement': {
      const n = integerAtLeast(o.sourceDatasetSize, 1, 'sourceDatasetSize', code);
      const k = integerAtLeast(o.sampleSize, 0, 'sampleSize', code);
      if (k > n) fail(code, 'sampleSize', `an integer <= sourceDatasetSize (${n})`, k);
      return { type, sourceDatasetSize: n, sampleSize: k, event: checkEvent(o.event, code, depth + 1) };
    }
    case 'selfComposed':
      return { type, event: checkEvent(o.event, code, depth + 1), count: integerAtLeast(o.count, 0, 'count', code) };
    case 'composed': {
      if (!Array.isArray(o.events)) fail(code, 'events', 'an array of events', o.events);
      return { type, events: (o.events as unknown[]).map((x) => checkEvent(x, code, depth + 1)) };
    }
    default:
      return fail(code, 'type', 'a known DpEvent type', type);
  }
}

/**
 * Validates an event built in code (e.g. by a mechanism) and returns a normalised copy.
 * @throws DpError INVALID_PARAMETER when a field is out of its domain.
 */
export function validateDpEvent(event: DpEvent): DpEvent {
  // S7: a getter, Proxy trap or conversion of the caller's that throws is INVALID_PARAMETER.
  return edgeRead('event', () => checkEvent(event, 'INVALID_PARAMETER', 0));
}

/**
 * Parses a DpEvent from JSON text or an already-parsed value, validating every field.
 * @param json JSON text, or a parsed object.
 * @returns the event.
 * @throws DpError MALFORMED_REQUEST when the input is not a valid DpEvent.
 * @example parseDpEvent('{"type":"gaussian","noiseMultiplier":1.1}')
 */
export function parseDpEvent(json: string | unknown): DpEvent {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch {
      throw new DpError('MALFORMED_REQUEST', 'the DpEvent is not valid JSON', { field: 'event', expected: 'JSON' });
    }
  }
  return checkEvent(value, 'MALFORMED_REQUEST', 0);
}

/** Serialises an event to JSON text (events are plain data). */
export function dpEventToJson(event: DpEvent): string {
  edgeRecord(event, 'event');
  return JSON.stringify(event, (_key, v: unknown) => {
    if (typeof v === 'bigint') throw new DpError('INVALID_PARAMETER', 'an event holds numbers, not bigints', { parameter: 'event' });
    return v;
  });
}

/**
 * Event constructors, validating their parameters. A namespace object so that
 * the names do not clash with the loss constructors of `core`.
 * @throws DpError INVALID_PARAMETER from every constructor on a parameter out of its domain.
 * @example
 * const step = DpEvents.poissonSampled(256 / 60000, DpEvents.gaussian(1.1));
 * const training = DpEvents.selfComposed(step, 10_000);
 */
export const DpEvents = {
  /** Gaussian noise σ = noiseMultiplier · Δ₂ (0 means no noise: non-private). */
  gaussian(noiseMultiplier: number): GaussianEvent {
    return { type: 'gaussian', noiseMultiplier: nonNegative(noiseMultiplier, 'noiseMultiplier', 'INVALID_PARAMETER') };
  },
  /** Laplace noise b = noiseMultiplier · Δ₁ (pure ε = 1/noiseMultiplier). */
  laplace(noiseMultiplier: number): LaplaceEvent {
    return { type: 'laplace', noiseMultiplier: nonNegative(noiseMultiplier, 'noiseMultiplier', 'INVALID_PARAMETER') };
  },
  /** Discrete Laplace P(k) ∝ e^{−|k|/scale} on an integer query of sensitivity `sensitivity`. */
  discreteLaplace(scale: number, sensitivity = 1): DiscreteLaplaceEvent {
    return {
      type: 'discreteLaplace',
      scale: positive(scale, 'scale', 'INVALID_PARAMETER'),
      sensitivity: integerAtLeast(sensitivity, 1, 'sensitivity', 'INVALID_PARAMETER'),
    };
  },
  /** Discrete Gaussian P(k) ∝ e^{−k²/2σ²} on an integer query of sensitivity `sensitivity`. */
  discreteGaussian(sigma: number, sensitivity = 1): DiscreteGaussianEvent {
    return {
      type: 'discreteGaussian',
      sigma: positive(sigma, 'sigma', 'INVALID_PARAMETER'),
      sensitivity: integerAtLeast(sensitivity, 1, 'sensitivity', 'INVALID_PARAMETER'),
    };
  },
  /** k-ary randomized response: with probability `noiseParameter` a uniform bucket, else the true one. */
  randomizedResponse(noiseParameter: number, numBuckets: number): RandomizedResponseEvent {
    return {
      type: 'randomizedResponse',
      noiseParameter: probability(noiseParameter, 'noiseParameter', 'INVALID_PARAMETER'),
      numBuckets: integerAtLeast(numBuckets, 1, 'numBuckets', 'INVALID_PARAMETER'),
    };
  },
  /** An exponential-mechanism selection with pure ε. */
  exponential(epsilon: number): ExponentialEvent {
    return { type: 'exponential', epsilon: nonNegative(epsilon, 'epsilon', 'INVALID_PARAMETER') };
  },
  /** A permute-and-flip selection with pure ε. */
  permuteAndFlip(epsilon: number): PermuteAndFlipEvent {
    return { type: 'permuteAndFlip', epsilon: nonNegative(epsilon, 'epsilon', 'INVALID_PARAMETER') };
  },
  /** A ρ-zCDP release. */
  zcdp(rho: number): ZcdpEvent {
    return { type: 'zcdp', rho: nonNegative(rho, 'rho', 'INVALID_PARAMETER') };
  },
  /** An (ε, δ)-DP release. */
  epsilonDelta(epsilon: number, delta: number): EpsilonDeltaEvent {
    return {
      type: 'epsilonDelta',
      epsilon: nonNegative(epsilon, 'epsilon', 'INVALID_PARAMETER'),
      delta: probability(delta, 'delta', 'INVALID_PARAMETER'),
    };
  },
  /** `event` on a Poisson subsample with rate `sampleRate`. */
  poissonSampled(sampleRate: number, event: DpEvent): PoissonSampledEvent {
    return {
      type: 'poissonSampled',
      sampleRate: probability(sampleRate, 'sampleRate', 'INVALID_PARAMETER'),
      event: validateDpEvent(event),
    };
  },
  /** `event` on `sampleSize` records drawn without replacement from `sourceDatasetSize`. */
  sampledWithoutReplacement(sourceDatasetSize: number, sampleSize: number, event: DpEvent): SampledWithoutReplacementEvent {
    return validateDpEvent({ type: 'sampledWithoutReplacement', sourceDatasetSize, sampleSize, event }) as SampledWithoutReplacementEvent;
  },
  /** `event` repeated `count` times. */
  selfComposed(event: DpEvent, count: number): SelfComposedEvent {
    return { type: 'selfComposed', event: validateDpEvent(event), count: integerAtLeast(count, 0, 'count', 'INVALID_PARAMETER') };
  },
  /** Several events in sequence. */
  composed(events: readonly DpEvent[]): ComposedEvent {
    if (!Array.isArray(events)) fail('INVALID_PARAMETER', 'events', 'an array of events', events);
    return { type: 'composed', events: events.map(validateDpEvent) };
  },
  /** A release with unbounded privacy loss. */
  nonPrivate(): NonPrivateEvent {
    return { type: 'nonPrivate' };
  },
  /** A release with no privacy loss. */
  noOp(): NoOpEvent {
    return { type: 'noOp' };
  },
} as const;

/** A short description of an event's kind for error messages (no data values). */
export function describeEvent(event: DpEvent): string {
  edgeRecord(event, 'event');
  switch (event.type) {
    case 'poissonSampled':
    case 'sampledWithoutReplacement':
    case 'selfComposed':
      return `${event.type}(${describeEvent(event.event)})`;
    case 'composed':
      return 'composed';
    case 'noOp':
    case 'nonPrivate':
    case 'gaussian':
    case 'laplace':
    case 'discreteLaplace':
    case 'discreteGaussian':
    case 'randomizedResponse':
    case 'exponential':
    case 'permuteAndFlip':
    case 'zcdp':
    case 'epsilonDelta':
      return event.type;
    default:
      return assertNever(event, 'DpEvent');
  }
}
