import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describePrivacyUnit, privacyUnit } from '../../src/core/privacy-unit.js';

describe('PrivacyUnit: the one privacy-unit type, validated once at the edge', () => {
  it('builds row-level and column units with default bounds 1, and describes them', () => {
    expect(privacyUnit()).toEqual({ column: null, maxPartitions: 1, maxContributionsPerPartition: 1 });
    expect(describePrivacyUnit(privacyUnit())).toBe('adding or removing one row');
    const u = privacyUnit('person_id', { maxPartitions: 3 });
    expect(u).toEqual({ column: 'person_id', maxPartitions: 3, maxContributionsPerPartition: 1 });
    expect(describePrivacyUnit(u)).toBe('adding or removing one person_id (all its rows; at most 3 groups, 1 row per group)');
    expect(Object.isFrozen(u)).toBe(true);
  });

  it('refuses every bad column or bound with INVALID_PARAMETER, never another error (property)', () => {
    const bad = fc.oneof(
      fc.constantFrom(0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, 2 ** 53, '1', null, 1n, {}, []),
      fc.double().filter((x) => !(Number.isSafeInteger(x) && x >= 1 && x < 2 ** 31)),
    );
    fc.assert(
      fc.property(bad, fc.constantFrom('maxPartitions', 'maxContributionsPerPartition'), (x, k) => {
        expect(() => privacyUnit('u', { [k]: x } as never)).toThrow(
          expect.objectContaining({ code: 'INVALID_PARAMETER', details: { parameter: k } }),
        );
      }),
      { seed: 20261205, numRuns: 200 },
    );
    for (const c of ['', 1, {}, 1n]) {
      expect(() => privacyUnit(c as never)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    }
  });
});
