/**
 * The parts of the DP SQL run path (issue 10, "the calculus carries the
 * load", SQL part): exact engine values are read strictly (an unparseable
 * aggregate is a typed INTERNAL error with no value in its message, never a
 * silent 0), and every value SQL treats as public is recorded through core's
 * `tracePublic`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { addTraceSink, type PublicTraceRecord } from '../../src/core/trace.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { toBig } from '../../src/sql/engine-values.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits } from './data.js';
import { visitsSchema } from './fixtures.js';

describe('toBig reads exact integers strictly', () => {
  it('regression: an unparseable engine value is INTERNAL, not 0n, and its message holds no value', () => {
    for (const v of ['12abc', '1.5', 'NaN', '', ' 7', '1e3'] as const) {
      const err = (() => {
        try {
          toBig(v);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err, v).toBeInstanceOf(DpError);
      expect((err as DpError).code).toBe('INTERNAL');
      if (v.length > 0) expect((err as DpError).message).not.toContain(v);
    }
    for (const v of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, true]) expect(() => toBig(v as never)).toThrow(DpError);
    expect(toBig(null)).toBe(0n);
    expect(toBig(undefined)).toBe(0n);
    expect(toBig('42')).toBe(42n);
    expect(toBig('-42.000')).toBe(-42n);
    expect(toBig(7)).toBe(7n);
    expect(toBig(-(2n ** 100n))).toBe(-(2n ** 100n));
  });

  it('round-trips every integer and refuses every other string, naming no value (fast-check, seed 15)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n }), (n) => {
        expect(toBig(n.toString())).toBe(n);
        expect(toBig(n)).toBe(n);
      }),
      { numRuns: 500, seed: 15 },
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/^-?\d+(\.0*)?$/.test(s)),
        (s) => {
          expect(() => toBig(s)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
          try {
            toBig(s);
          } catch (e) {
            expect((e as Error).message.includes(s) && s.trim().length > 2).toBe(false);
          }
        },
      ),
      { numRuns: 500, seed: 16 },
    );
  });

  it('a query whose engine returns an unparseable aggregate fails with INTERNAL after the charge, not a release of 0', async () => {
    const rows: EngineRow[] = [{ units: 'garbage', a0: 'garbage' }];
    const engine: SqlEngine = {
      dialect: duckdbDialect,
      query: async () => rows,
      close: async () => {},
      catalog: async () =>
        new Map([
          [
            'visits',
            new Map(
              ['person_id', 'region', 'city', 'amount', 'minutes', 'day'].map((c) => [
                c,
                c === 'region' || c === 'city' ? 'varchar' : c === 'amount' ? 'double' : 'bigint',
              ]),
            ),
          ],
        ]),
    };
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-parts-')) });
    await expect(
      runDpSql({ sql: 'SELECT COUNT(*) AS n FROM visits', schema: visitsSchema(), engine, ledger, epsilon: 1 }),
    ).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });
});

describe('SQL records what it treats as public', () => {
  let duck: DuckDbEngine;
  beforeAll(async () => {
    duck = await duckdbWithVisits();
  });
  afterAll(async () => {
    await duck?.close();
  });

  it('traces the privacy unit, contribution bounds, partitions, budget shares, measure bounds and declared keys', async () => {
    const seen: PublicTraceRecord[] = [];
    const stop = addTraceSink({ noise: () => {}, publicValue: (r) => seen.push(r) });
    try {
      await runDpSql({
        sql: 'SELECT region, COUNT(*) AS n, SUM(amount) AS s FROM visits GROUP BY region',
        schema: visitsSchema(),
        engine: duck,
        ledger: new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-parts-')) }),
        epsilon: 1,
        rng: new SeededRandomSource(1),
      });
    } finally {
      stop();
    }
    const byName = new Map(seen.map((r) => [r.name, r.value]));
    expect(byName.get('sql.maxPartitions')).toBe(2);
    expect(byName.get('sql.maxContributionsPerPartition')).toBe(3);
    expect(byName.get('sql.partitions')).toBe(2);
    expect(byName.get('sql.output.s.bounds')).toEqual([0, 100]);
    expect(byName.get('sql.output.n.epsilon')).toBe('1/2');
    expect(byName.get('declared keys of region')).toEqual(['north', 'south', 'east']);
    expect(byName.has('sql.privacyUnit')).toBe(true);
  });
});
