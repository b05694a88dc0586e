/**
 * NULL is no value (compile.proof.md, "NULL is no value"): SUM, AVG, VARIANCE, COUNT(x) and quantile
 * histograms ignore NULL on DuckDB and PostgreSQL alike, and a unit whose values in a group are all NULL
 * adds nothing. Before the fix, `LEAST(GREATEST(NULL, lo), hi)` (both engines ignore NULL arguments) turned
 * such a unit into −C·M, a NULL operand of `+` into −1e300 and a NULL quantile value into the top bin —
 * and the two engines agreed, so only a reference computed here catches it. Exact aggregates (no noise).
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { sumGrid } from '../../src/stats/fixed-point-grid.js';
import { checkNullCases, exactInputs, NULL_EXAMPLE, NULL_PROPERTY, type NullRow, nullRowsArbitrary } from './null-reference.js';
import { postgresTestUrl } from './postgres-url.js';

let duck: DuckDbEngine;
let postgres: PostgresEngine;
let client: pg.Client;

beforeAll(async () => {
  const url = postgresTestUrl();
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  postgres = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  client = new pg.Client(url);
  await client.connect();
});

afterAll(async () => {
  await duck?.close();
  await postgres?.close();
  await client?.end();
});

const literal = (v: number | string | null) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v));

/** Replaces tables t and r (same rows) on both engines. */
async function load(rows: readonly NullRow[]): Promise<void> {
  const values = rows.map((r) => `(${[r.uid, r.g, r.x, r.k].map(literal).join(', ')})`).join(', ');
  for (const table of ['t', 'r']) {
    await duck.connection.run(`CREATE OR REPLACE TABLE ${table} (uid BIGINT, g VARCHAR, x DOUBLE, k BIGINT)`);
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (uid bigint, g text, x double precision, k bigint)`);
    if (rows.length) {
      await duck.connection.run(`INSERT INTO ${table} VALUES ${values}`);
      await client.query(`INSERT INTO ${table} VALUES ${values}`);
    }
  }
}

/** Loads the rows and checks every case on both engines against the reference (test/sql/null-reference.ts). */
async function checkAll(rows: readonly NullRow[]): Promise<void> {
  await load(rows);
  await checkNullCases(rows, [duck, postgres]);
}

describe('NULL values add nothing to SUM, AVG, VARIANCE, COUNT(x) or quantiles, on DuckDB and PostgreSQL', () => {
  it('a unit whose values in a group are all NULL adds 0, not the lower clamp −C·M (regression)', async () => {
    await checkAll(NULL_EXAMPLE);
    // The example by hand: SUM(x) in group a is 5.5 (unit 2 adds nothing), in b is 0.
    for (const engine of [duck, postgres] as SqlEngine[]) {
      const got = await exactInputs(engine, 'SELECT g, SUM(x) AS s FROM t GROUP BY g');
      expect(Number(got.get('a')?.units) * sumGrid([-5, 10]).granularity, engine.dialect.name).toBe(5.5);
      expect(got.get('b')?.units ?? 0n, engine.dialect.name).toBe(0n);
    }
  });

  it('agrees with the reference on random NULL patterns (fast-check, seed 20261206, 12 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(nullRowsArbitrary, async (rows) => {
        await checkAll(rows);
      }),
      NULL_PROPERTY,
    );
  }, 120_000);
});
