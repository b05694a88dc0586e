/** OLH aggregation: every counting mode is exact, and the fast paths match the reference ones. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandomSource } from '../../testing/seeded-source.js';
import { encodeOlh, olhCoefficients, olhHash, olhParams } from '../protocols/local-hashing.js';
import { expandSeed, type OlhMode, olhAccumulator, olhMode, olhReportChecker } from './accumulate-olh.js';
import { checkIndex, headerChecker, type ReportObject } from './validate.js';

/** Every mode that can count domain k with hash range g (r value bits). */
function modesFor(g: number, r: number): OlhMode[] {
  const modes: OlhMode[] = [{ kind: 'raw' }];
  for (let lowBits = 0; lowBits <= r; lowBits++) {
    modes.push({ kind: 'enumerate', lowBits, highBits: r - lowBits, work: 0 });
    if (g ** lowBits * 2 ** (r - lowBits) * g <= 2 ** 16) {
      modes.push({ kind: 'table', lowBits, highBits: r - lowBits, lowVectors: g ** lowBits, work: 0 });
    }
  }
  return modes;
}

describe('OLH aggregation', () => {
  it('property: the inlined coefficient expansion equals olhCoefficients', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 2, max: 2 ** 20 }), fc.integer({ min: 1, max: 31 }), (seed, g, r) => {
        const expected = new Uint32Array(r + 1);
        olhCoefficients(seed, g, r, expected);
        const actual = new Int32Array(r + 1);
        expandSeed(seed, g, r, actual);
        expect([...actual]).toEqual([...expected]);
      }),
    );
  });

  it('every mode (table, mask and list enumeration, raw) gives exactly the direct support counts, across flushes and repeated estimates', () => {
    const rng = new SeededRandomSource(11);
    for (const [epsilon, k] of [
      [0.5, 13],
      [1, 16],
      [2, 100],
      [4, 128],
      [6, 64],
    ] as const) {
      const params = olhParams(epsilon, k);
      const g = params.hashRange;
      const r = params.valueBits;
      // 1500 reports: more than 255 per table block when there are few blocks (the byte counts are flushed).
      const reports = Array.from({ length: 1500 }, (_, i) => encodeOlh(params, (i * 7) % k, rng));
      const direct = (count: number) =>
        Array.from({ length: k }, (_, v) => {
          let support = 0;
          for (const rep of reports.slice(0, count)) if (olhHash(rep.s, v, g, r) === rep.y) support++;
          return (support - count * params.q) / (params.p - params.q);
        });
      const after1000 = direct(1000);
      const after1500 = direct(1500);
      for (const mode of modesFor(g, r)) {
        const accumulator = olhAccumulator(params, mode);
        for (const rep of reports.slice(0, 1000)) expect(accumulator.ingest({ ...rep })).toBeNull();
        expect([...accumulator.estimate(undefined).counts]).toEqual(after1000);
        for (const rep of reports.slice(1000)) accumulator.ingest({ ...rep });
        expect([...accumulator.estimate(undefined).counts]).toEqual(after1500);
        expect([...accumulator.estimate([k - 1, 0]).counts]).toEqual([after1500[k - 1], after1500[0]]);
      }
    }
  });

  it('the chosen mode for k = 1024 is a table for ε ≤ 2 and mask enumeration for ε = 4', () => {
    expect(olhMode(olhParams(2, 1024).hashRange, 10, 1024).kind).toBe('table');
    const mode = olhMode(olhParams(4, 1024).hashRange, 10, 1024);
    expect(mode.kind === 'enumerate' && mode.lowBits <= 5).toBe(true);
  });

  it('property: the OLH report checker gives the generic checker’s verdict on altered reports', () => {
    const eps = 2;
    const k = 100;
    const g = 8;
    const generic = headerChecker('olh', { eps, k, g }, ['s', 'y']);
    const reference = (report: ReportObject) => generic(report) ?? checkIndex(report.s, 2 ** 32) ?? checkIndex(report.y, g);
    const fast = olhReportChecker(eps, k, g);
    const field = fc.constantFrom('v', 'p', 'eps', 'k', 'g', 's', 'y', 'extra');
    const value = fc.oneof(
      fc.constantFrom<unknown>(
        undefined,
        null,
        1,
        2,
        0,
        -1,
        7,
        8,
        100,
        2 ** 32,
        2 ** 32 - 1,
        1.5,
        Number.NaN,
        '1',
        'olh',
        'grr',
        true,
        [],
        {},
      ),
      fc.integer(),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(field, value, fc.boolean()), { maxLength: 4 }), fc.boolean(), (edits, inherited) => {
        const base: ReportObject = { v: 1, p: 'olh', eps, k, g, s: 123456789, y: 3 };
        for (const [name, v, remove] of edits) {
          if (remove) delete base[name];
          else base[name] = v;
        }
        // An enumerable inherited field counts as an unexpected one for both.
        const report: ReportObject = inherited ? Object.assign(Object.create({ inheritedField: 1 }) as ReportObject, base) : base;
        expect(fast(report)).toBe(reference(report));
      }),
    );
  });
});
