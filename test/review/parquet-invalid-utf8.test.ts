/**
 * Review session 10 (issue 10 class 3 "engine errors that depend on the data", with class 2's reader rule; finding
 * S49): a declared Parquet file is read "as stored" (`duckdb-reader.ts` `readerSql`: `read_parquet(path)`), and
 * DuckDB checks the UTF-8 of a Parquet STRING value only when a function first needs it as text (`lower`, `hash`,
 * `length`, GROUP BY, LIKE — not `=` or COUNT): then "Invalid string encoding found in Parquet file …: value … is
 * not valid UTF8" aborts the scan. A Parquet file written by a tool that labels bytes as STRING without checking
 * them (a Latin-1 "Müller" written raw — legacy exports) holds such values. So whether a query is answered depends
 * on one person's row: with person 42 the only one whose name is not UTF-8, `SELECT COUNT(*) FROM t WHERE pid = 42 AND
 * lower(name) = 'x'` (or any query applying a text function to `name`: `lower(name) LIKE …`, GROUP BY name) is
 * answered when person 42 is absent and charged, then ENGINE_ERROR when they are present — a membership oracle at any
 * ε. (Raw DuckDB checks only the rows that pass `pid = 42`; tsdp's compiled statement reads every row's text, so the
 * oracle is "does anyone here hold such a value", which one person can decide.)
 * Measured on main 55987d1 (and wip/sqlrun 4c729b3). CSV and JSON Lines files are safe: a line that is not UTF-8 is
 * dropped alone before any query (`csv-records.ts` rule 1); DuckDB tables and PostgreSQL validate text on insert.
 *
 * Rule that would close the class: every value a reader hands the compiled SQL is decoded totally before any charge
 * — a Parquet text column read through a conversion that cannot fail (invalid UTF-8 → NULL, the row's own value
 * only), or the file's text columns validated at open as the CSV lines are; generative test over Parquet text
 * columns × one invalid value × every text form of the allow-list. Owner: sqlrun (src/sql/engines/duckdb-reader.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'review-parquet-utf8-'));
let without: DuckDbEngine;
/** Opening the file that holds person 42's non-UTF-8 name: the engine, or the refusal (S49's fix refuses at open). */
let withPerson: DuckDbEngine | { refused: unknown };

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  // 199 people; person 42's name is a marker, later made invalid UTF-8 in the file's bytes (uncompressed pages).
  await c.run(
    `COPY (SELECT i AS pid, CASE WHEN i = 42 THEN 'QQMARKQQ' ELSE 'name' || i END AS name FROM range(1, 200) r(i)) ` +
      `TO '${join(dir, 'with.parquet')}' (FORMAT parquet, COMPRESSION uncompressed)`,
  );
  await c.run(
    `COPY (SELECT i AS pid, 'name' || i AS name FROM range(1, 200) r(i) WHERE i <> 42) TO '${join(dir, 'without.parquet')}' (FORMAT parquet, COMPRESSION uncompressed)`,
  );
  c.closeSync();
  instance.closeSync();
  // "QQMARKQQ" → "QQ\xFF\xFERKQQ" wherever it is stored (the data page and the column statistics): a Latin-1-like name.
  const bytes = readFileSync(join(dir, 'with.parquet'));
  let patched = 0;
  for (let at = bytes.indexOf('QQMARKQQ'); at >= 0; at = bytes.indexOf('QQMARKQQ', at + 1)) {
    bytes[at + 2] = 0xff;
    bytes[at + 3] = 0xfe;
    patched++;
  }
  if (patched === 0) throw new Error('fixture: the marker was not found in the Parquet file');
  writeFileSync(join(dir, 'with.parquet'), bytes);
  without = await DuckDbEngine.open({ files: { t: join(dir, 'without.parquet') } });
  withPerson = await DuckDbEngine.open({ files: { t: join(dir, 'with.parquet') } }).catch((e: unknown) => ({ refused: e }));
}, 60_000);
afterAll(async () => {
  await without?.close();
  if (withPerson instanceof DuckDbEngine) await withPerson.close();
  rmSync(dir, { recursive: true, force: true });
});

const schema = parseSqlSchema({
  dataset: 'parquet_utf8',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, name: { type: 'string' } },
    },
  },
});

/** 'answered', 'refused' (nothing charged) or 'charged-error <code>' (an error after the charge). */
async function outcome(engine: DuckDbEngine, sql: string): Promise<string> {
  const ledger = new MemoryLedger();
  try {
    await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
    return 'answered';
  } catch (e) {
    return ledger.charges.length === 0 ? 'refused' : `charged-error ${(e as { code?: string }).code}`;
  }
}

const TARGETED = "SELECT COUNT(*) AS n FROM t WHERE pid = 42 AND lower(name) = 'x'";
const WIDE = "SELECT COUNT(*) AS n FROM t WHERE lower(name) LIKE 'n%'";

describe('review S49: a Parquet STRING value that is not UTF-8', () => {
  it('control: without person 42 both queries are answered', async () => {
    expect(await outcome(without, TARGETED)).toBe('answered');
    expect(await outcome(without, WIDE)).toBe('answered');
  });
  // Fixed (duckdb.ts checkParquetText): every text column of a Parquet file is read once at open, so a file holding a
  // value that is not UTF-8 is refused whole before any query — no statement can be charged and then fail on it.
  it('S49 fixed: with person 42 present the file is refused at open (INVALID_PARAMETER), before any query or charge', async () => {
    expect(withPerson instanceof DuckDbEngine).toBe(false);
    expect((withPerson as { refused: { code?: string } }).refused.code).toBe('INVALID_PARAMETER');
  });
});
