import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { approximate, pure, zcdp } from '../../src/core/loss.js';
import { Session } from '../../src/session/index.js';
import { csvSource } from '../../src/stats/csv-source.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';
import { binomialLowerLimit } from '../stats/binomial.js';

const educations = ['HS-grad', 'Bachelors', 'Masters', 'Doctorate'];
const columns = ['person_id', 'education', 'age'];
function people(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    person_id: `p${Math.floor(i / 2)}`, // every person has two rows, in one group
    education: educations[Math.floor(i / 2) % 3] as string, // nobody has a Doctorate
    age: 20 + (i % 50),
  }));
}

describe('Session', () => {
  it('runs the query builder of the issue: declared keys all released (even empty), guarantee and charge stated', () => {
    const rows = people(2000);
    const session = Session.fromRecords(rows, {
      columns,
      privacyUnit: 'person_id',
      budget: PrivacyBudget.pure(1),
      rng: new SeededRandomSource(1),
      maxContributionsPerPartition: 2,
    });
    const result = session
      .query()
      .groupBy('education', { keys: educations })
      .count()
      .mean('age', { bounds: [17, 90] })
      .release({ epsilon: 0.5 });
    expect(result.rows.map((r) => r.key)).toEqual(educations);
    const doctorate = result.rows[3];
    expect(doctorate?.values.count).toBeDefined();
    expect(Math.abs(doctorate?.values.count?.value ?? 1e9)).toBeLessThan(100);
    const hs = result.rows[0]?.values;
    expect(Math.abs((hs?.count?.value ?? 0) - 668)).toBeLessThan(60);
    expect(Math.abs((hs?.mean_age?.value ?? 0) - 44.5)).toBeLessThan(3);
    expect(result.charged).toEqual(pure(0.5));
    expect(result.guarantee.kind).toBe('pure');
    expect(result.guarantee.kind === 'pure' && result.guarantee.epsilon).toBeLessThanOrEqual(0.5);
    expect(result.neighbouring.kind).toBe('add-remove-unit');
    expect(result.neighbouring.unit).toBe('person_id');
    expect(result.notForRelease).toBe(true);
    expect(session.remaining).toEqual(pure(0.5));
  });

  it('splits the budget by weights and states it per output', () => {
    const session = Session.fromRecords(people(100), { columns, budget: pure(2), rng: new SeededRandomSource(2) });
    const r = session
      .query()
      .count()
      .sum('age', { bounds: [0, 100] })
      .release({ epsilon: 1, weights: { count: 1, sum_age: 3 } });
    expect(r.rows[0]?.values.count?.guarantee).toEqual(pure(0.25));
    expect(r.rows[0]?.values.sum_age?.guarantee).toEqual(pure(0.75));
    const r2 = session
      .query()
      .count()
      .count({ as: 'again' })
      .release({ epsilon: 1, weights: [3, 1] });
    expect(r2.rows[0]?.values.count?.guarantee).toEqual(pure(0.75));
    expect(session.budget.isExhausted).toBe(true);
  });

  it('refuses with BUDGET_EXHAUSTED and charges nothing; eleven spends of 1/11 fit a budget of 1', () => {
    const session = Session.fromRecords(people(50), { columns, budget: PrivacyBudget.pure(1), rng: new SeededRandomSource(3) });
    expect(() => session.query().count().release({ epsilon: 1.01 })).toThrow(/BUDGET_EXHAUSTED/);
    expect(session.remaining).toEqual(pure(1));
    for (let i = 0; i < 11; i++)
      session
        .query()
        .count()
        .release({ epsilon: 1 / 11 });
    expect(session.budget.isExhausted).toBe(true);
    expect(() => session.query().count().release({ epsilon: 1e-9 })).toThrow(/BUDGET_EXHAUSTED/);
  });

  it('prices before running, from parameters only', () => {
    const session = Session.fromRecords(people(50), { columns, budget: PrivacyBudget.zcdp(1), rng: new SeededRandomSource(4) });
    const q = session
      .query()
      .count()
      .stddev('age', { bounds: [0, 100] });
    expect(q.price({ rho: 0.3 })).toEqual(zcdp(0.3));
    expect(session.remaining).toEqual(zcdp(1));
    const r = q.release({ rho: 0.3 });
    expect(r.rows[0]?.values.stddev_age?.guarantee).toEqual(zcdp(0.15));
    // A pure ε query charged to a zCDP budget costs ε²/2.
    session.query().count().release({ epsilon: 1 });
    expect(session.budget.remaining.kind === 'zcdp' && session.budget.remaining.rho).toBeCloseTo(0.2, 12);
  });

  it('invalid queries are refused before charging', () => {
    const session = Session.fromRecords(people(50), {
      columns,
      budget: PrivacyBudget.approximate(1, 1e-6),
      rng: new SeededRandomSource(5),
    });
    expect(() =>
      session
        .query()
        .mean('age', { bounds: [5, 5] })
        .release({ epsilon: 0.5 }),
    ).toThrow(/INVALID_PARAMETER/);
    expect(() => session.query().groupBy('education').count().release({ epsilon: 0.5 })).toThrow(/UNSUPPORTED_QUERY/);
    expect(() => session.query().release({ epsilon: 0.5 })).toThrow(/UNSUPPORTED_QUERY/);
    expect(() => session.query().count().release({ epsilon: Number.NaN })).toThrow(/INVALID_PARAMETER/);
    expect(() =>
      session
        .query()
        .sum('no_such_column', { bounds: [0, 1] })
        .release({ epsilon: 0.5 }),
    ).toThrow(/NOT_FOUND/);
    expect(session.remaining).toEqual(approximate(1, 1e-6));
  });

  it('releases undeclared keys only through partition selection, whose cost is in the guarantee', () => {
    const rows = [...people(3000), { person_id: 'lonely', education: 'Secret-degree', age: 33 }];
    const session = Session.fromRecords(rows, {
      columns,
      privacyUnit: 'person_id',
      budget: PrivacyBudget.approximate(2, 1e-5),
      rng: new SeededRandomSource(6),
    });
    const r = session.query().groupBy('education').count().release({ epsilon: 1, delta: 1e-6 });
    const keys = r.rows.map((x) => x.key);
    expect(keys).toEqual(['Bachelors', 'HS-grad', 'Masters']);
    expect(r.guarantee).toEqual(approximate(1, 1e-6));
    expect(r.charged).toEqual(approximate(1, 1e-6));
  });

  it('bounds each unit: a person with 1000 rows adds at most maxContributionsPerPartition to a count', () => {
    const rows = [...people(100), ...Array.from({ length: 1000 }, () => ({ person_id: 'heavy', education: 'Masters', age: 90 }))];
    const session = Session.fromRecords(rows, {
      columns,
      privacyUnit: 'person_id',
      budget: pure(10),
      maxContributionsPerPartition: 3,
      rng: new SeededRandomSource(7),
    });
    const trace = startTrace();
    session.query().groupBy('education', { keys: educations }).count().release({ epsilon: 1 });
    trace.stop();
    const masters = trace.noise[2];
    expect(masters?.value).toBe(BigInt(people(100).filter((p) => p.education === 'Masters').length + 3));
  });

  it('estimates bounds with DP when none are declared, and says so', () => {
    const session = Session.fromRecords(people(3000), { columns, budget: pure(1), rng: new SeededRandomSource(8) });
    const r = session.query().mean('age').release({ epsilon: 1 });
    expect(r.bounds.mean_age?.estimated).toBe(true);
    const [lo, hi] = r.bounds.mean_age?.bounds ?? [0, 0];
    expect(lo).toBeLessThanOrEqual(20);
    expect(hi).toBeGreaterThanOrEqual(69);
    expect(Math.abs((r.rows[0]?.values.mean_age?.value ?? 0) - 44.5)).toBeLessThan(3);
  });

  it('quantiles, min, max and median through the builder', () => {
    const session = Session.fromRecords(people(4000), { columns, budget: pure(3), rng: new SeededRandomSource(9) });
    const r = session
      .query()
      .median('age', { bounds: [0, 100] })
      .quantiles('age', [0.25, 0.75], { bounds: [0, 100] })
      .min('age', { bounds: [0, 100] })
      .max('age', { bounds: [0, 100] })
      .release({ epsilon: 2 });
    const v = r.rows[0]?.values ?? {};
    expect(Math.abs((v.median_age?.value ?? 0) - 44.5)).toBeLessThan(2);
    expect(Math.abs((v.p25_age?.value ?? 0) - 32)).toBeLessThan(3);
    expect(Math.abs((v.p75_age?.value ?? 0) - 57)).toBeLessThan(3);
    expect(v.median_age?.interval.method).toBe('union-bound');
    expect(v.median_age?.interval.lower).toBeLessThanOrEqual(44.5);
    expect(v.median_age?.interval.upper).toBeGreaterThanOrEqual(44.5);
    expect(v.p25_age?.interval.method).toBe('union-bound');
    expect(v.min_age?.value).toBeLessThan(22);
    expect(v.max_age?.value).toBeGreaterThan(67);
  });

  it('95% intervals of session counts and means cover the bounded truth at least 95% of the time (400 releases; false-failure probability <= 1e-6 each)', () => {
    const rows = people(400); // 200 people × 2 rows, ages 20…69
    const session = Session.fromRecords(rows, {
      columns,
      privacyUnit: 'person_id',
      budget: pure(1000),
      maxContributionsPerPartition: 2,
      rng: new SeededRandomSource(12),
    });
    const trueMean = rows.reduce((s, r) => s + r.age, 0) / rows.length;
    const n = 400;
    let countCovered = 0;
    let meanCovered = 0;
    for (let i = 0; i < n; i++) {
      const v = session
        .query()
        .count()
        .mean('age', { bounds: [0, 100] })
        .release({ epsilon: 1 }).rows[0]?.values;
      const c = v?.count?.interval;
      const m = v?.mean_age?.interval;
      if (c && c.lower <= 400 && 400 <= c.upper) countCovered++;
      if (m && m.lower <= trueMean && trueMean <= m.upper) meanCovered++;
    }
    expect(countCovered).toBeGreaterThanOrEqual(binomialLowerLimit(n, 0.95, 1e-6));
    expect(meanCovered).toBeGreaterThanOrEqual(binomialLowerLimit(n, 0.95, 1e-6));
  });

  it('keeps its rows private', () => {
    const session = Session.fromRecords([{ secret: 'ALICE-SSN-123', age: 1 }], { columns: ['secret', 'age'], budget: pure(1) });
    expect(JSON.stringify(session)).not.toContain('ALICE');
    expect(String(session)).not.toContain('ALICE');
    expect(Object.keys(session)).toEqual([]);
  });

  it('reads columns, Arrow tables and streamed CSV files with the same exact aggregates', async () => {
    const ages = [30, 41, Number.NaN, 52, 17];
    const groups = ['a', 'b', 'a', 'a', 'b'];
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-session-'));
    const csv = join(dir, 'data.csv');
    writeFileSync(csv, `age,g\n${ages.map((a, i) => `${Number.isNaN(a) ? '' : a},${groups[i]}`).join('\n')}\n`);
    const sessions = [
      Session.fromRecords(
        ages.map((age, i) => ({ age, g: groups[i] })),
        { columns: ['age', 'g'], budget: pure(1), rng: new SeededRandomSource(10) },
      ),
      Session.fromColumns({ age: Float64Array.from(ages), g: groups }, { budget: pure(1), rng: new SeededRandomSource(10) }),
      Session.fromArrow(tableFromArrays({ age: Float64Array.from(ages), g: groups }), { budget: pure(1), rng: new SeededRandomSource(10) }),
      Session.fromSource(csvSource(csv), { budget: pure(1), rng: new SeededRandomSource(10) }),
    ];
    const traces: unknown[] = [];
    for (const s of sessions) {
      const trace = startTrace();
      await s
        .query()
        .groupBy('g', { keys: ['a', 'b'] })
        .count()
        .sum('age', { bounds: [0, 100] })
        .releaseAsync({ epsilon: 1 });
      trace.stop();
      traces.push(trace.noise.map((n) => n.value));
    }
    for (const t of traces) expect(t).toEqual(traces[0]);
    // Streaming with a privacy unit: reservoirs cut the heavy unit to 2 rows, as in memory.
    const unitCsv = join(dir, 'units.csv');
    writeFileSync(unitCsv, `pid,age\n${Array.from({ length: 50 }, (_, i) => `${i < 40 ? 'heavy' : `p${i}`},${i}`).join('\n')}\n`);
    const streamed = Session.fromSource(csvSource(unitCsv), {
      privacyUnit: 'pid',
      maxContributionsPerPartition: 2,
      budget: pure(1),
      rng: new SeededRandomSource(11),
    });
    const trace = startTrace();
    const r = await streamed.query().count().countDistinct().releaseAsync({ epsilon: 1 });
    trace.stop();
    expect(trace.noise.map((x) => x.value)).toEqual([12n, 11n]);
    expect(r.neighbouring.unit).toBe('pid');
    expect(() => sessions[3]?.query().count().release({ epsilon: 0.1 })).toThrow(/UNSUPPORTED_QUERY/);
  });
});
