/**
 * Row arithmetic in double precision still raises errors in PostgreSQL on
 * overflow, underflow and division by zero — errors only some rows cause, a
 * per-person oracle (`WHERE person_id = 42 AND x * 1e308 > 1`; SECURITY.md §3,
 * §7). The rewrite saturates instead, with the same SQL on both engines.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { postgresTestUrl } from './postgres-url.js';

const TABLE = 'arith_probe';
const schema = () =>
  parseSqlSchema({
    dataset: 'arith',
    budget: { epsilon: 10 },
    tables: {
      [TABLE]: {
        privacyUnit: 'person_id',
        columns: {
          person_id: { type: 'integer' },
          x: { type: 'float', lower: -10, upper: 10 },
          y: { type: 'float', lower: -10, upper: 10 },
        },
      },
    },
  });
// Person 2 holds values that overflow, underflow or divide by zero in naive double arithmetic.
const ROWS: [number, string, string][] = [
  [1, '1.5', '2'],
  [2, '1e300', '0'],
  [3, '1e-300', '1e-300'],
  [4, 'Infinity', 'NaN'],
];

let pgEngine: PostgresEngine;
let duck: DuckDbEngine;

beforeAll(async () => {
  const url = postgresTestUrl();
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await c.query(`CREATE TABLE ${TABLE} (person_id bigint, x double precision, y double precision)`);
    for (const [id, x, y] of ROWS) {
      await c.query(`INSERT INTO ${TABLE} VALUES ($1, CAST($2 AS double precision), CAST($3 AS double precision))`, [id, x, y]);
    }
  } finally {
    await c.end();
  }
  pgEngine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run(`CREATE TABLE ${TABLE} (person_id BIGINT, x DOUBLE, y DOUBLE)`);
  for (const [id, x, y] of ROWS)
    await duck.connection.run(`INSERT INTO ${TABLE} VALUES (${id}, CAST('${x}' AS DOUBLE), CAST('${y}' AS DOUBLE))`);
});

afterAll(async () => {
  await pgEngine?.close();
  await duck?.close();
});

describe('row arithmetic never raises a data-dependent engine error', () => {
  for (const sql of [
    `SELECT COUNT(*) AS n FROM ${TABLE} WHERE person_id = 2 AND x * 1e308 > 1`,
    `SELECT COUNT(*) AS n FROM ${TABLE} WHERE person_id = 3 AND x * y > 0`,
    `SELECT COUNT(*) AS n FROM ${TABLE} WHERE person_id = 3 AND x / 1e300 > 0`,
    `SELECT COUNT(*) AS n FROM ${TABLE} WHERE x + 1e308 > 1e308`,
    `SELECT SUM(x * y) AS s, AVG(x / 1e-300) AS m FROM ${TABLE}`,
  ]) {
    it(`runs on both engines whatever the rows hold: ${sql}`, async () => {
      const plan = planDpQuery(sql, schema());
      const results: unknown[] = [];
      for (const engine of [pgEngine, duck] as SqlEngine[]) {
        const compiled = compileDpQuery(plan, engine.dialect, 5n, schema());
        const rows = await engine.query(compiled.main);
        expect(rows, engine.dialect.name).toHaveLength(1);
        results.push(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
      }
      // The exact aggregates the engines return agree.
      expect(results[0]).toBe(results[1]);
    });
  }
});

describe('division by a column', () => {
  it('is refused before anything runs (a zero divisor would be a per-row error)', () => {
    expect(() => planDpQuery(`SELECT COUNT(*) AS n FROM ${TABLE} WHERE x / y > 1`, schema())).toThrow(/UNSUPPORTED_QUERY/);
  });
});
