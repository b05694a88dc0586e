/**
 * Issue 10 ("dead or misleading things go or get used"): DP SQL records every value it treats as public through
 * the statistics layer's `tracePublicParameter` (src/sql/trace-publics.ts) — the privacy unit, contribution
 * bounds, partitions, budget caps, the charge and each share, declared clamp bounds, confidence levels, quantile
 * bins and interval shares, declared categories — and nothing it records depends on the data.
 *
 * Tests: (1) every public record a trace sink sees during a DP SQL run came through `tracePublicParameter` (a spy
 * on the real function); (2) the expected names and values for one query; (3) generative (fast-check, seed 77):
 * for random queries (keys declared or selected, every aggregate kind, Laplace or Gaussian), the public trace is
 * identical on neighbouring tables (one person added), and holds bounds for every measure and categories for every key.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addTraceSink, type PublicTraceRecord } from '../../src/core/trace.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import * as publicParameters from '../../src/stats/public-parameters.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits } from './data.js';
import { MemoryLedger, visitsSchema } from './fixtures.js';

vi.mock('../../src/stats/public-parameters.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/stats/public-parameters.js')>();
  return { ...original, tracePublicParameter: vi.fn(original.tracePublicParameter) };
});

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await duckdbWithVisits();
  // The neighbour: the same visits plus one person with rows in two regions.
  await duck.connection.run('CREATE TABLE visits_nb AS SELECT * FROM visits');
  await duck.connection.run(
    "INSERT INTO visits_nb (person_id, region, city, amount, minutes, day) VALUES (999, 'north', 'zz', 99.5, 59, 31), (999, 'west', NULL, -5, 0, 1)",
  );
});
afterAll(async () => {
  await duck?.close();
});

/** The visits schema, with the neighbour table declared the same way. */
function schema(table: string) {
  const s = visitsSchema();
  const visits = s.tables.get('visits');
  if (!visits) throw new Error('fixture');
  return { ...s, tables: new Map([...s.tables, [table, visits]]) };
}

async function traced(sql: string, table: string, budget: { epsilon?: number; rho?: number; delta?: number }) {
  const seen: PublicTraceRecord[] = [];
  const spy = vi.mocked(publicParameters.tracePublicParameter);
  spy.mockClear();
  const stop = addTraceSink({ noise: () => {}, publicValue: (r) => seen.push(r) });
  try {
    await runDpSql({
      sql: sql.replaceAll('$T', table),
      schema: schema(table),
      engine: duck,
      ledger: new MemoryLedger(),
      ...budget,
      rng: new SeededRandomSource(5),
    });
  } finally {
    stop();
  }
  return { seen, viaStats: spy.mock.calls.map(([name, value]) => ({ name, value })) };
}

describe('DP SQL records its public values through tracePublicParameter', () => {
  it('every public record of a run came through tracePublicParameter, with the expected names and values', async () => {
    const { seen, viaStats } = await traced(
      'SELECT region, COUNT(*) AS n, SUM(amount) AS s, MEDIAN(minutes) AS m FROM $T GROUP BY region',
      'visits',
      { epsilon: 1 },
    );
    expect(seen.length).toBeGreaterThan(10);
    expect(viaStats).toEqual(seen);
    const byName = new Map(seen.map((r) => [r.name, r.value]));
    expect(byName.get('sql.maxPartitions')).toBe(2);
    expect(byName.get('sql.maxContributionsPerPartition')).toBe(3);
    expect(byName.get('sql.partitions')).toBe(2);
    expect(byName.get('sql.cap')).toEqual({ epsilon: '100', delta: '1/100000' });
    expect(byName.get('sql.charge')).toEqual({ epsilon: '1', delta: '0', rho: '0' });
    expect(byName.get('sql.output.s.bounds')).toEqual([0, 100]);
    expect(byName.get('sql.output.m.bounds')).toEqual([0, 60]);
    expect(byName.get('sql.output.n.epsilon')).toBe('1/3');
    expect(byName.get('sql.output.n.confidence')).toBe(0.95);
    // An integer column of 61 values: one bin per integer, on [−½, 60½] (quantileGrid).
    expect(byName.get('sql.output.m.bins')).toBe(61);
    expect(byName.get('sql.output.m.grid')).toEqual([-0.5, 60.5]);
    expect(byName.get('sql.output.m.integer')).toBe(true);
    expect(byName.get('sql.output.m.intervalShare')).toBe(0.2);
    expect(byName.get('sql.key.region.categories')).toEqual(['north', 'south', 'east']);
    expect(byName.get('declared keys of region')).toEqual(['north', 'south', 'east']);
    expect(byName.has('sql.privacyUnit')).toBe(true);
  });

  it('generative: the public trace is the same on neighbouring tables and covers every measure and key (fast-check, seed 77)', async () => {
    const aggregates = [
      'COUNT(*)',
      'COUNT(city)',
      'COUNT(DISTINCT person_id)',
      'SUM(amount)',
      'AVG(minutes)',
      'VARIANCE(day)',
      'STDDEV(amount)',
      'MEDIAN(amount)',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(aggregates, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('region', 'city', null),
        fc.constantFrom<{ epsilon?: number; rho?: number; delta?: number }>({ epsilon: 1, delta: 1e-6 }, { rho: 0.5, delta: 1e-6 }),
        async (aggs, key, budget) => {
          const select = aggs.map((a, i) => `${a} AS o${i}`).join(', ');
          const sql = key ? `SELECT ${key}, ${select} FROM $T GROUP BY ${key}` : `SELECT ${select} FROM $T`;
          const a = await traced(sql, 'visits', budget);
          const b = await traced(sql, 'visits_nb', budget);
          // Nothing recorded as public depends on the data (the table's name is the only difference, and it is not recorded).
          expect(b.seen).toEqual(a.seen);
          expect(a.viaStats).toEqual(a.seen);
          const names = new Set(a.seen.map((r) => r.name));
          aggs.forEach((agg, i) => {
            expect(names.has(`sql.output.o${i}.confidence`)).toBe(true);
            if (!agg.startsWith('COUNT')) expect(names.has(`sql.output.o${i}.bounds`), agg).toBe(true);
          });
          if (key) expect(names.has(`sql.key.${key}.categories`)).toBe(true);
        },
      ),
      { seed: 77, numRuns: 25 },
    );
  }, 120_000);
});
