/**
 * Issue 10 ("tracePublicParameter is documented as used and is not"): the
 * Session records every value it treats as public — unit and caps, group
 * column and declared keys, bounds, categories, bins, quantiles, budgets —
 * through `tracePublicParameter`, before the charge; and no value read from
 * the rows is ever recorded as public.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { Session } from '../../src/session/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';

const rows = Array.from({ length: 40 }, (_, i) => ({ id: `p${i % 13}`, g: ['a', 'b'][i % 2], v: (i * 17) % 31 }));

describe('the Session records every public value it uses', () => {
  it('regression: bounds, declared keys, caps, bins, quantiles and budgets are all traced, before the charge', () => {
    const session = Session.fromRecords(rows, {
      columns: ['id', 'g', 'v'],
      privacyUnit: 'id',
      maxContributionsPerPartition: 3,
      budget: PrivacyBudget.pure(1),
      rng: new SeededRandomSource(1),
    });
    const trace = startTrace();
    try {
      // Refused by the budget after the public checks: the values are traced, nothing is charged.
      expect(() =>
        session
          .query()
          .groupBy('g', { keys: ['a', 'b', 'z'] })
          .sum('v', { bounds: [0, 30] })
          .median('v', { bounds: [0, 30], bins: 64, integer: true })
          .release({ epsilon: 2 }),
      ).toThrow(/BUDGET_EXHAUSTED/);
    } finally {
      trace.stop();
    }
    const seen = new Map(trace.publicValues.map((r) => [r.name, r.value]));
    expect(seen.get('session.privacyUnit')).toBe('id');
    expect(seen.get('session.maxPartitions')).toBe(1);
    expect(seen.get('session.maxContributionsPerPartition')).toBe(3);
    expect(seen.get('session.groupBy')).toBe('g');
    expect(seen.get('session.keys')).toEqual(['a', 'b', 'z']);
    expect(seen.get('session.output.sum_v.bounds')).toEqual([0, 30]);
    expect(seen.get('session.output.sum_v.column')).toBe('v');
    expect(seen.get('session.output.median_v.bins')).toBe(64);
    expect(seen.get('session.output.median_v.quantiles')).toEqual([0.5]);
    expect(seen.get('session.output.median_v.integer')).toBe(true);
    expect(seen.get('session.output.sum_v.budget')).toEqual({ epsilon: '1', delta: '0', rho: '0' });
    expect(session.budget.spentExact.epsilon.isZero()).toBe(true);
  });

  it('generative: over random queries, every traced public value is a declared parameter, never a data value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sum', 'mean', 'median', 'count'),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 31, max: 60 }),
        fc.boolean(),
        (kind, caps, upper, grouped) => {
          const session = Session.fromRecords(rows, {
            columns: ['id', 'g', 'v'],
            privacyUnit: 'id',
            maxContributionsPerPartition: caps,
            budget: PrivacyBudget.pure(10),
            rng: new SeededRandomSource(caps),
          });
          let q = session.query();
          if (grouped) q = q.groupBy('g', { keys: ['a', 'b'] });
          q =
            kind === 'count'
              ? q.count()
              : kind === 'median'
                ? q.median('v', { bounds: [0, upper] })
                : kind === 'sum'
                  ? q.sum('v', { bounds: [0, upper] })
                  : q.mean('v', { bounds: [0, upper] });
          const trace = startTrace();
          try {
            q.release({ epsilon: 1 });
          } finally {
            trace.stop();
          }
          const seen = new Map(trace.publicValues.map((r) => [r.name, r.value]));
          expect(seen.get('session.maxContributionsPerPartition')).toBe(caps);
          if (grouped) expect(seen.get('session.keys')).toEqual(['a', 'b']);
          if (kind !== 'count')
            expect([...seen.entries()].some(([n, v]) => n.endsWith('.bounds') && JSON.stringify(v) === JSON.stringify([0, upper]))).toBe(
              true,
            );
          // Nothing traced as public is a unit id from the rows.
          for (const r of trace.publicValues) expect(JSON.stringify(r.value ?? null)).not.toMatch(/"p\d+"/);
        },
      ),
      { seed: 2202, numRuns: 40 },
    );
  });
});
