/** Validation of public configuration and of values handed to an encoder. @module */
import { DpError } from '../../core/errors.js';
import { Epsilon } from '../../core/params.js';

/** ε: finite and > 0, at most 64 (beyond that every protocol is essentially non-private and the grid rounding breaks down). */
export function checkLocalEpsilon(epsilon: number, name = 'epsilon'): number {
  const e = Epsilon.of(epsilon);
  if (e > 64) throw new DpError('INVALID_PARAMETER', `${name} must be <= 64 for a local protocol`, { parameter: name, expected: '<= 64' });
  return e;
}

/** An integer parameter in [min, max]. */
export function checkIntegerParameter(x: number, name: string, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an integer in [${min}, ${max}]`, {
      parameter: name,
      expected: `integer in [${min}, ${max}]`,
    });
  }
  return x;
}

/**
 * Checks a private value is an integer in [0, k). The message never echoes
 * the value (it is private).
 */
export function checkIndexValue(value: number, k: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= k) {
    throw new DpError('INVALID_PARAMETER', `the value must be an integer in [0, ${k})`, {
      parameter: 'value',
      expected: `integer in [0, ${k})`,
    });
  }
  return value;
}

/** True for a value of the sketch protocols' domain: a string, or an integer in [0, 2³²). */
export function isSketchValue(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 4294967296);
}

/** Checks a private value for the sketch protocols: a string, or an integer in [0, 2³²). */
export function checkSketchValue(value: string | number): string | number {
  if (isSketchValue(value)) return value;
  throw new DpError('INVALID_PARAMETER', 'the value must be a string or an integer in [0, 2^32)', { parameter: 'value' });
}

/** The smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The number of bits needed to write n − 1 (at least 1). */
export function bitsFor(n: number): number {
  let r = 1;
  while (2 ** r < n) r++;
  return r;
}

/** Parity of the number of set bits of a 32-bit integer (0 or 1). */
export function parity(x0: number): number {
  let x = x0 ^ (x0 >>> 16);
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * Edge check of a public entry's object argument (a configuration, an options bag, or protocol
 * parameters): present and an object, and — for parameters — of one of the expected protocols.
 * Parameters are read, not re-derived: build them with the protocol's `*Params` function.
 * @throws DpError INVALID_PARAMETER naming `name`.
 */
export function checkObject<T>(x: T, name: string, protocols?: readonly string[]): T {
  if (typeof x !== 'object' || x === null || (protocols && !protocols.includes((x as { protocol?: string }).protocol as string))) {
    throw new DpError('INVALID_PARAMETER', `${name} must be ${protocols ? `parameters of ${protocols.join('/')}` : 'an object'}`, {
      parameter: name,
    });
  }
  return x;
}

/** Edge check of a random source argument (an object with `nextUint32`). */
export function checkRng<T>(rng: T): T {
  if (typeof (rng as { nextUint32?: unknown } | null)?.nextUint32 !== 'function') {
    throw new DpError('INVALID_PARAMETER', 'rng must be a RandomSource', { parameter: 'rng' });
  }
  return rng;
}
