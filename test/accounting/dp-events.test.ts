import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpEvents, dpEventToJson, parseDpEvent } from '../../src/accounting/dp-events.js';
import { isDpError } from '../../src/core/errors.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isDpError(e) ? e.code : 'not a DpError';
  }
  return undefined;
};

describe('DpEvents', () => {
  it('builds events named after dp_accounting with validated parameters', () => {
    const e = DpEvents.selfComposed(DpEvents.poissonSampled(0.01, DpEvents.gaussian(1.1)), 100);
    expect(e).toEqual({
      type: 'selfComposed',
      count: 100,
      event: { type: 'poissonSampled', sampleRate: 0.01, event: { type: 'gaussian', noiseMultiplier: 1.1 } },
    });
    expect(
      DpEvents.composed([DpEvents.laplace(1), DpEvents.zcdp(0.5), DpEvents.epsilonDelta(1, 1e-6), DpEvents.nonPrivate(), DpEvents.noOp()])
        .events,
    ).toHaveLength(5);
    expect(DpEvents.discreteLaplace(2).sensitivity).toBe(1);
    expect(DpEvents.sampledWithoutReplacement(100, 10, DpEvents.gaussian(1)).sampleSize).toBe(10);
  });

  it('refuses out-of-domain parameters with INVALID_PARAMETER', () => {
    expect(code(() => DpEvents.gaussian(-1))).toBe('INVALID_PARAMETER');
    expect(code(() => DpEvents.laplace(Number.NaN))).toBe('INVALID_PARAMETER');
    expect(code(() => DpEvents.poissonSampled(1.5, DpEvents.gaussian(1)))).toBe('INVALID_PARAMETER');
    expect(code(() => DpEvents.selfComposed(DpEvents.gaussian(1), 2.5))).toBe('INVALID_PARAMETER');
    expect(code(() => DpEvents.epsilonDelta(1, 2))).toBe('INVALID_PARAMETER');
    expect(code(() => DpEvents.randomizedResponse(0.5, 0))).toBe('INVALID_PARAMETER');
    expect(code(() => DpEvents.sampledWithoutReplacement(10, 11, DpEvents.gaussian(1)))).toBe('INVALID_PARAMETER');
    expect(code(() => DpEvents.discreteGaussian(1, 1.5))).toBe('INVALID_PARAMETER');
  });

  it('round-trips through JSON', () => {
    const e = DpEvents.composed([DpEvents.randomizedResponse(0.3, 4), DpEvents.selfComposed(DpEvents.exponential(0.1), 3)]);
    expect(parseDpEvent(dpEventToJson(e))).toEqual(e);
  });

  it('parses valid events and refuses bad input with MALFORMED_REQUEST', () => {
    expect(parseDpEvent('{"type":"gaussian","noiseMultiplier":2}')).toEqual({ type: 'gaussian', noiseMultiplier: 2 });
    for (const bad of [
      '{',
      '[]',
      'null',
      '{"type":"gaussian"}',
      '{"type":"nope"}',
      '{"type":"composed","events":{}}',
      '{"type":"gaussian","noiseMultiplier":"1"}',
    ]) {
      expect(
        code(() => parseDpEvent(bad)),
        bad,
      ).toBe('MALFORMED_REQUEST');
    }
  });

  it('never throws anything but MALFORMED_REQUEST on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = code(() => parseDpEvent(JSON.stringify(v)));
        expect(c === undefined || c === 'MALFORMED_REQUEST').toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
