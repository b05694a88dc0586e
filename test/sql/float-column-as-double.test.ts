/**
 * Review S48's class (issue 10 class 3, engine errors that depend on the data): a column declared `float` may be
 * stored as any integer type or as DECIMAL(p, s) (check-public.ts), and two such columns meeting in one
 * expression were unified by DuckDB to one DECIMAL(38, s) whose cast fails on the rows of one person with a large
 * value — after the charge. The rule (compile-expr.ts, the `column` form): a declared float column is read as
 * DOUBLE in every compiled statement. This test explores the class: any two admitted storage types × every
 * construct that unifies two values × each type's extreme values held by one person; the outcome is an answer
 * or a refusal that charged nothing, never an error after the charge.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

/** Storage types a declared float column may have, with their extreme values as SQL text. */
const STORED: readonly { type: string; extremes: readonly string[] }[] = [
  { type: 'TINYINT', extremes: ['-128', '127'] },
  { type: 'SMALLINT', extremes: ['-32768', '32767'] },
  { type: 'INTEGER', extremes: ['-2147483648', '2147483647'] },
  { type: 'BIGINT', extremes: ['-9223372036854775808', '9223372036854775807'] },
  { type: 'HUGEINT', extremes: ['-170141183460469231731687303715884105728', '170141183460469231731687303715884105727'] },
  { type: 'UBIGINT', extremes: ['0', '18446744073709551615'] },
  { type: 'DECIMAL(4,1)', extremes: ['-999.9', '999.9'] },
  { type: 'DECIMAL(18,2)', extremes: ['-9999999999999999.99', '9999999999999999.99'] },
  { type: 'DECIMAL(38,0)', extremes: [`-${'9'.repeat(38)}`, '9'.repeat(38)] },
  { type: 'DECIMAL(38,20)', extremes: [`-${'9'.repeat(18)}.${'9'.repeat(20)}`, `${'9'.repeat(18)}.${'9'.repeat(20)}`] },
  { type: 'DECIMAL(38,30)', extremes: [`-${'9'.repeat(8)}.${'9'.repeat(30)}`, `${'9'.repeat(8)}.${'9'.repeat(30)}`] },
  { type: 'REAL', extremes: ['-3.4e38', '3.4e38'] },
  { type: 'DOUBLE', extremes: ['-1.7e308', '1.7e308'] },
];

/** Every construct that makes the engine unify the two columns' types. */
const FORMS: readonly string[] = [
  'SELECT COUNT(*) AS n FROM T WHERE a = b',
  'SELECT COUNT(*) AS n FROM T WHERE a < b',
  'SELECT COUNT(*) AS n FROM T WHERE a IN (b, 1)',
  'SELECT COUNT(*) AS n FROM T WHERE a BETWEEN b AND 100',
  'SELECT SUM(CASE WHEN pid > 2 THEN a ELSE b END) AS s FROM T',
  'SELECT SUM(COALESCE(a, b)) AS s FROM T',
  'SELECT SUM(NULLIF(a, b)) AS s FROM T',
  'SELECT SUM(LEAST(a, b)) AS s FROM T',
  'SELECT SUM(GREATEST(a, b)) AS s FROM T',
  'SELECT SUM(a + b) AS s FROM T',
  'SELECT SUM(a - b) AS s FROM T',
];

let duck: DuckDbEngine;
const made = new Set<string>();

beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
}, 60_000);
afterAll(async () => {
  await duck?.close();
});

/** The table for one pair of storage types and one person's extreme values (three ordinary people beside). */
async function table(ta: number, tb: number, ea: number, eb: number): Promise<string> {
  const name = `mix_${ta}_${tb}_${ea}_${eb}`;
  if (made.has(name)) return name;
  const [a, b] = [STORED[ta], STORED[tb]];
  if (!a || !b) throw new Error('no such type');
  await duck.connection.run(`CREATE TABLE ${name} (pid BIGINT, a ${a.type}, b ${b.type})`);
  await duck.connection.run(`INSERT INTO ${name} VALUES (1, 1, 2), (2, 2, 1), (3, 3, 3)`);
  await duck.connection.run(
    `INSERT INTO ${name} VALUES (4, CAST('${a.extremes[ea]}' AS ${a.type}), CAST('${b.extremes[eb]}' AS ${b.type}))`,
  );
  made.add(name);
  return name;
}

/** 'answered', 'refused' (nothing charged) or 'charged-error …' (an error after the charge: the hole). */
async function outcome(name: string, sql: string): Promise<string> {
  const ledger = new MemoryLedger();
  const schema = parseSqlSchema({
    dataset: 'float_mix',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      [name]: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: {
          pid: { type: 'integer' },
          a: { type: 'float', lower: 0, upper: 100 },
          b: { type: 'float', lower: 0, upper: 100 },
        },
      },
    },
  });
  try {
    await runDpSql({
      sql: sql.replace(/ FROM T\b/, ` FROM ${name}`),
      schema,
      engine: duck,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(1),
    });
    return 'answered';
  } catch (e) {
    return ledger.charges.length === 0 ? 'refused' : `charged-error ${(e as { code?: string }).code}`;
  }
}

describe('S48 class: declared float columns meet as DOUBLE whatever they are stored as', () => {
  it('regression: BIGINT against DECIMAL(38,20), one person at 2·10¹⁸', async () => {
    const name = await table(3, 9, 1, 1);
    for (const sql of FORMS) expect(await outcome(name, sql), sql).toBe('answered');
  }, 120_000);

  it('generative: storage pairs × unifying constructs × extreme values never fail after the charge', async () => {
    const arb = fc.record({
      ta: fc.nat(STORED.length - 1),
      tb: fc.nat(STORED.length - 1),
      ea: fc.nat(1),
      eb: fc.nat(1),
      form: fc.nat(FORMS.length - 1),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ ta, tb, ea, eb, form }) => {
        const name = await table(ta, tb, ea, eb);
        const sql = FORMS[form] ?? '';
        const got = await outcome(name, sql);
        expect(got.startsWith('charged-error'), `${STORED[ta]?.type} × ${STORED[tb]?.type}: ${sql} → ${got}`).toBe(false);
      }),
      { seed: 48, numRuns: 50 },
    );
  }, 300_000);
});
