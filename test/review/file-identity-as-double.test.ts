/**
 * Review session 11 (stop 19), finding S56 — class 18 "people merged into one unit" (S50's class) and S52's
 * "one private row meeting two public rows", through the DuckDB views over declared files.
 *
 * Mechanism. S51/S52's rule (`check-public.ts`): an identity column (the privacy unit, or a column declared
 * `unique`) declared float must be STORED as DOUBLE or REAL, because an integer or DECIMAL id converted to
 * DOUBLE merges distinct ids above 2⁵³. The rule reads the engine's catalog. But a declared file's view
 * (`duckdb.ts` `createFileView`) already converts every declared column: `TRY_CAST(col AS DOUBLE)` for a float
 * column, whatever the file stores. So the catalog shows DOUBLE, the rule is satisfied, and the conversion it
 * forbids happens inside the view:
 *   - a Parquet file storing the unit as INT64 (snowflake-style ids ≈ 1.15·10¹⁸, where doubles are 256 apart),
 *     declared float: people 1152921504606846977 and …978 are one unit (the DuckDB table with the same column
 *     is refused INVALID_SCHEMA by S51's rule);
 *   - a public Parquet table storing a `unique` key as DECIMAL(38,0), declared float: the distinct keys 10²² and
 *     10²² + 1 are both 1e22, so the one private row 10²² meets two public rows and is counted twice in a
 *     row-level plan whose sensitivity is taken as 1 (S52 exactly, which the DuckDB table form now refuses).
 * Measured: with the same seed, the released count moves by exactly the exact count's change (1), against the
 * control files (ids 1 and 2; keys 10²² and 2·10²²).
 *
 * Rule that would close the class: apply S51's rule to what the file STORES, not to the view — at open, refuse a
 * declared file whose identity column declared float is stored as anything but DOUBLE/FLOAT (Parquet), and for
 * text files (CSV, JSON Lines) read a float identity exactly (refuse a float identity there, or compare the text),
 * so that no view converts an identity. Generative test: file formats × stored identity types × ids that differ
 * below 2⁻⁵³ relative. Owner: trust (duckdb.ts file-open path, check-public.ts, schema.ts; reassigned, 00:57).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import type { DeclaredColumnType } from '../../src/sql/engines/duckdb-options.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'review-file-identity-'));
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const copy = (select: string, name: string) => c.run(`COPY (${select}) TO '${at(name)}' (FORMAT parquet)`);
  // Two people, one row each: snowflake-style ids 256 apart from a double, and the control ids 1 and 2.
  await copy(
    "SELECT * FROM (VALUES (CAST(1152921504606846977 AS BIGINT), 'a'), (1152921504606846978, 'a')) v(pid, g)",
    'units-big.parquet',
  );
  await copy("SELECT * FROM (VALUES (CAST(1 AS BIGINT), 'a'), (2, 'a')) v(pid, g)", 'units-small.parquet');
  // A public table with a unique key stored DECIMAL(38,0); the private row is 10²².
  await copy(
    "SELECT * FROM (VALUES (CAST('10000000000000000000000' AS DECIMAL(38,0)), 'a'), (CAST('10000000000000000000001' AS DECIMAL(38,0)), 'b')) v(k, g)",
    'keys-close.parquet',
  );
  await copy(
    "SELECT * FROM (VALUES (CAST('10000000000000000000000' AS DECIMAL(38,0)), 'a'), (CAST('20000000000000000000000' AS DECIMAL(38,0)), 'b')) v(k, g)",
    'keys-apart.parquet',
  );
  await copy('SELECT CAST(1e22 AS DOUBLE) AS a', 'priv.parquet');
  c.closeSync();
  instance.closeSync();
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The released value of output `column` (or 'refused': nothing charged), opening `files` with the declared types. */
async function released(
  files: Record<string, string>,
  columnTypes: Record<string, Record<string, DeclaredColumnType>>,
  tables: Record<string, unknown>,
  sql: string,
  column: string,
): Promise<number | string> {
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open({ files: Object.fromEntries(Object.entries(files).map(([t, f]) => [t, at(f)])), columnTypes });
  } catch {
    return 'refused';
  }
  const ledger = new MemoryLedger();
  try {
    const schema = parseSqlSchema({ dataset: 'file_identity', budget: { epsilon: 100, delta: 1e-5 }, tables });
    const result = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(7) });
    return Number(result.rows[0]?.[result.columns.indexOf(column)]);
  } catch (e) {
    return ledger.charges.length === 0 ? 'refused' : `charged-error ${(e as { code?: string }).code}`;
  } finally {
    await engine.close();
  }
}

describe('review S56: a file view converts a float identity to DOUBLE, past S51/S52 catalog rule', () => {
  it('control: the DuckDB-table form of the same storage is refused by the S51 rule', async () => {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true });
    try {
      await engine.connection.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${at('units-big.parquet')}')`);
      const schema = parseSqlSchema({
        dataset: 'file_identity',
        budget: { epsilon: 100, delta: 1e-5 },
        tables: { t: { privacyUnit: 'pid', columns: { pid: { type: 'float' }, g: { type: 'string' } } } },
      });
      const ledger = new MemoryLedger();
      await expect(runDpSql({ sql: 'SELECT COUNT(*) AS n FROM t', schema, engine, ledger, epsilon: 1 })).rejects.toMatchObject({
        code: 'INVALID_SCHEMA',
      });
      expect(ledger.charges).toHaveLength(0);
    } finally {
      await engine.close();
    }
  }, 60_000);

  // Failed before the fix: the two people were one unit, so the released count was the control's minus exactly 1.
  // The fix (trust, stop 19) refuses the float unit by what the file stores (INT64), before the charge — the control
  // file (ids 1 and 2, also INT64) the same way: the refusal depends on the stored type alone.
  it('S56 fixed (class 18): a Parquet INT64 unit declared float — refused (whatever the ids), or two ids stay two units', async () => {
    const tables = {
      t: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: { pid: { type: 'float' }, g: { type: 'string' } },
      },
    };
    const types = { t: { pid: 'float', g: 'string' } as Record<string, DeclaredColumnType> };
    const sql = 'SELECT COUNT(*) AS n FROM t';
    const big = await released({ t: 'units-big.parquet' }, types, tables, sql, 'n');
    const small = await released({ t: 'units-small.parquet' }, types, tables, sql, 'n');
    if (big === 'refused') expect(small).toBe('refused');
    else expect(big).toBe(small);
  }, 60_000);

  // Failed before the fix: the private row met both public keys (row-level plan): the count was the control's plus 1.
  it('S56 fixed (S52 through a file): a public Parquet unique key stored DECIMAL(38,0) — refused (whatever the keys), or the private row meets one key', async () => {
    const tables = {
      pubk: { public: true, columns: { k: { type: 'float', unique: true }, g: { type: 'string', categories: ['a', 'b'] } } },
      priv: { columns: { a: { type: 'float', lower: 0, upper: 1e23 } } },
    };
    const types = { pubk: { k: 'float', g: 'string' }, priv: { a: 'float' } } as Record<string, Record<string, DeclaredColumnType>>;
    const sql = "SELECT COUNT(*) AS n FROM priv JOIN pubk ON pubk.k = priv.a WHERE pubk.g = 'a' OR pubk.g = 'b'";
    const close = await released({ pubk: 'keys-close.parquet', priv: 'priv.parquet' }, types, tables, sql, 'n');
    const apart = await released({ pubk: 'keys-apart.parquet', priv: 'priv.parquet' }, types, tables, sql, 'n');
    if (close === 'refused') expect(apart).toBe('refused');
    else expect(close).toBe(apart);
  }, 60_000);
});
