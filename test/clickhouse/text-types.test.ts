/**
 * Review M15 (class 11 "a public cause met after the charge"): a declared text column stored as ClickHouse
 * FixedString(N) passed the catalog step, was charged, then failed at analysis (S25c's blank-unit `match`, `like`,
 * `lowerUTF8`, `upperUTF8` take String only), whatever the rows. Rule (`src/sql/engines/clickhouse.ts` `catalogType`):
 * FixedString, also under Nullable or LowCardinality, is reported as `fixedstring(N)`, which no declared type allows, so
 * the table is refused INVALID_SCHEMA before the charge. Generative: over stored text types × which column (unit, key,
 * predicate column) × the dialect's text constructs × rows, a query is charged only if it is answered, and a table with
 * a declared FixedString column is refused with nothing charged.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { adminExec, clickhouseAvailable, type TestCluster, testCluster } from './cluster.js';

const DB = 'tsdp_text_types_test';
const TYPES = ['String', 'Nullable(String)', 'FixedString(1)', 'FixedString(4)', 'FixedString(16)', 'Nullable(FixedString(4))'] as const;
const QUERIES = [
  'SELECT k, COUNT(*) AS n FROM t GROUP BY k',
  "SELECT COUNT(*) AS n FROM t WHERE k LIKE 'a%'",
  "SELECT COUNT(*) AS n FROM t WHERE LOWER(k) = 'ab'",
  "SELECT COUNT(*) AS n FROM t WHERE UPPER(s) = 'AB'",
  'SELECT COUNT(*) AS n FROM t',
] as const;

const schema = parseSqlSchema({
  dataset: 'text_types',
  budget: { epsilon: 1e6, delta: 1e-5 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        pid: { type: 'string' },
        k: { type: 'string', categories: ['ab', 'cd'] },
        s: { type: 'string', categories: ['ab', 'cd'] },
      },
    },
  },
});

let cluster: TestCluster;
let server: string;

describe.skipIf(!clickhouseAvailable)('ClickHouse text types (review M15)', () => {
  beforeAll(() => {
    cluster = testCluster();
    server = cluster.shards[0] as string;
  });
  afterAll(async () => {
    if (cluster) await adminExec(server, `DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
    cluster?.stop?.();
  });

  /** One table t(pid, k, s) with the given stored types and rows, read through one server. */
  async function outcome(types: readonly [string, string, string], rows: readonly (readonly [string, string, string])[], sql: string) {
    await adminExec(server, `DROP DATABASE IF EXISTS ${DB}`);
    await adminExec(server, `CREATE DATABASE ${DB}`);
    await adminExec(server, `CREATE TABLE ${DB}.t (pid ${types[0]}, k ${types[1]}, s ${types[2]}) ENGINE = MergeTree ORDER BY tuple()`);
    if (rows.length > 0)
      await adminExec(server, `INSERT INTO ${DB}.t VALUES ${rows.map((r) => `(${r.map((v) => `'${v}'`).join(', ')})`).join(', ')}`);
    const engine = await ClickHouseEngine.open({ url: server, database: DB, schema });
    const ledger = new MemoryLedger();
    try {
      const result = await runDpSql({ sql, schema, engine, ledger, epsilon: 10, delta: 1e-6, rng: new SeededRandomSource(15) }).then(
        () => 'answered',
        (e: { code?: string }) => String(e.code),
      );
      return { result, charges: ledger.charges.length };
    } finally {
      await engine.close();
    }
  }

  it('regression: a FixedString(4) unit, key or predicate column is refused INVALID_SCHEMA with nothing charged; String is answered', async () => {
    const rows = [
      ['p1', 'ab', 'ab'],
      ['p2', 'cd', 'cd'],
    ] as const;
    expect(await outcome(['FixedString(4)', 'String', 'String'], rows, QUERIES[0])).toEqual({ result: 'INVALID_SCHEMA', charges: 0 });
    expect(await outcome(['String', 'FixedString(4)', 'String'], rows, QUERIES[1])).toEqual({ result: 'INVALID_SCHEMA', charges: 0 });
    expect(await outcome(['String', 'String', 'String'], rows, QUERIES[1])).toEqual({ result: 'answered', charges: 1 });
  }, 120_000);

  it('generative (fast-check, seed 1515): stored text types × constructs × rows — charged only if answered; FixedString refused uncharged', async () => {
    const value = fc.constantFrom('', 'ab', 'cd', 'AB', 'a', 'abcdefgh');
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(fc.constantFrom(...TYPES), fc.constantFrom(...TYPES), fc.constantFrom(...TYPES)),
        fc.array(fc.tuple(fc.constantFrom('p1', 'p2', 'p3', ''), value, value), { maxLength: 5 }),
        fc.constantFrom(...QUERIES),
        async (types, rows, sql) => {
          // FixedString(1) cannot hold longer values: cut them to the stored width (as ClickHouse would refuse the insert).
          const toWidth = (v: string, t: string) => {
            const m = /FixedString\((\d+)\)/.exec(t);
            return m ? v.slice(0, Number(m[1])) : v;
          };
          const stored = rows.map((r) => [toWidth(r[0], types[0]), toWidth(r[1], types[1]), toWidth(r[2], types[2])] as const);
          const o = await outcome(types, stored, sql);
          if (o.charges > 0) expect(o.result).toBe('answered');
          if (types.some((t) => t.includes('FixedString'))) expect(o).toEqual({ result: 'INVALID_SCHEMA', charges: 0 });
          else expect(o).toEqual({ result: 'answered', charges: 1 });
        },
      ),
      { numRuns: 25, seed: 1515 },
    );
  }, 300_000);
});
