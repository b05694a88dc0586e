/**
 * Review session 11 (stop 19), finding S54 — issue 10 class 3 "engine errors that depend on the data", a member of
 * S49's class that S49's rule does not reach.
 *
 * Mechanism. S49's open-time check (`duckdb-reader.ts` `parquetTextCheckSql`) reads once only the Parquet columns
 * whose DuckDB type contains "VARCHAR". DuckDB's Parquet reader also DECODES two other logical types lazily, when
 * a query first materialises the value, and a value it cannot decode aborts the whole scan with an error that
 * TRY_CAST does not catch:
 *   - JSON (the Parquet JSON logical type, read as DuckDB `JSON`): "Invalid JSON found in Parquet file: Malformed
 *     JSON …" for a value that is not JSON, or whose bytes are not UTF-8;
 *   - GEOMETRY (the Parquet GEOMETRY logical type, read as `GEOMETRY('OGC:CRS84')`): "Unsupported geometry type in
 *     WKB" for a value whose WKB is malformed.
 * A declared file's view reads such a column as `TRY_CAST(col AS <declared type>)` (declared string, integer,
 * float, date or boolean: every one fails the same way), so the view's catalog type is the declared one and
 * `checkPublicStructure` admits it. A Parquet writer that labels bytes without checking them (a legacy export
 * with a JSON "preferences" column, a WKB column written raw) holds such values, and one person decides which.
 *
 * Outcome (main adf3dd5, DuckDB 1.5.6): the file with person 42's undecodable value opens; every query that reads
 * the column (`lower(j) LIKE …`, `j > 3`, GROUP BY …) is CHARGED and then fails with ENGINE_ERROR; the same
 * file with person 42's value decodable is answered. A membership oracle at any ε. (`COUNT(*)` alone never
 * materialises the column and is answered either way.)
 *
 * Rule that would close the class: a declared Parquet column is read only when reading and converting its stored
 * type is total or checked whole at open — either an allow-list of stored types (BOOLEAN, the integer types,
 * FLOAT/DOUBLE, DECIMAL, DATE, BLOB; VARCHAR through S49's check) with every other type (JSON, GEOMETRY, VARIANT,
 * nested types holding them) refused at open, before any query; or the open check reads every declared column
 * exactly as the view converts it (`max(strlen(CAST(TRY_CAST(col AS T) AS VARCHAR)))`), so any lazy decoding
 * fails at open. Generative test: Parquet logical types × one undecodable value × declared types.
 * Owner: trust (src/sql/engines/duckdb-reader.ts, duckdb.ts file-open path; reassigned from sqlrun by the lead, 00:57).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const dir = mkdtempSync(join(tmpdir(), 'review-parquet-decoded-'));
const at = (name: string) => join(dir, name);

/** Writes `select` to `name` (uncompressed pages, so the values' bytes can be patched in place). */
async function write(name: string, select: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(`COPY (${select}) TO '${at(name)}' (FORMAT parquet, COMPRESSION uncompressed)`);
  c.closeSync();
  instance.closeSync();
}

/** Applies `patch` at every occurrence of `marker` in the file (data page and statistics); fails if none. */
function patchFile(name: string, marker: Buffer, patch: (bytes: Buffer, offset: number) => void): void {
  const bytes = readFileSync(at(name));
  let n = 0;
  for (let o = bytes.indexOf(marker); o >= 0; o = bytes.indexOf(marker, o + 1)) {
    patch(bytes, o);
    n++;
  }
  if (n === 0) throw new Error(`fixture: marker not found in ${name}`);
  writeFileSync(at(name), bytes);
}

const JSON_ROWS = `SELECT i AS pid, CAST(CASE WHEN i = 42 THEN '"QQMARKQQ"' ELSE '"n' || i || '"' END AS JSON) AS j FROM range(1, 200) r(i)`;
const GEO_ROWS = `SELECT i AS pid, CASE WHEN i = 42 THEN 'POINT(12345.678 1)'::GEOMETRY ELSE 'POINT(1 2)'::GEOMETRY END AS g FROM range(1, 200) r(i)`;

beforeAll(async () => {
  // Person 42's value decodable (the neighbour without the undecodable value): the controls.
  await write('json-ok.parquet', JSON_ROWS);
  await write('geo-ok.parquet', GEO_ROWS);
  // Person 42's JSON text with two bytes that are not UTF-8 ("QQ\xFF\xFERKQQ", a Latin-1-like value).
  await write('json-latin1.parquet', JSON_ROWS);
  patchFile('json-latin1.parquet', Buffer.from('QQMARKQQ'), (b, o) => {
    b[o + 2] = 0xff;
    b[o + 3] = 0xfe;
  });
  // Person 42's JSON text made malformed, all ASCII: '"QQMARKQQ"' → '{QQMARKQQ"'.
  await write('json-malformed.parquet', JSON_ROWS);
  patchFile('json-malformed.parquet', Buffer.from('"QQMARKQQ'), (b, o) => {
    b[o] = 0x7b;
  });
  // Person 42's WKB with an unknown geometry type code (1 → 99) before its x coordinate.
  await write('geo-bad.parquet', GEO_ROWS);
  const x = Buffer.alloc(8);
  x.writeDoubleLE(12345.678);
  patchFile('geo-bad.parquet', x, (b, o) => {
    if (b[o - 4] === 1) b[o - 4] = 99;
  });
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Opens `file` as table t with the declared types (as `openData` does: `declaredFileOptions`), runs `sql`:
 * 'answered', 'refused' (at open or before the charge: nothing charged) or 'charged-error CODE' (the hole).
 */
async function outcome(file: string, column: string, type: DeclaredColumnType, sql: string): Promise<string> {
  const types: Record<string, DeclaredColumnType> = { pid: 'integer', [column]: type };
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open({ files: { t: at(file) }, columnTypes: { t: types } });
  } catch {
    return 'refused';
  }
  const bounds = type === 'integer' || type === 'float' ? { lower: 0, upper: 10 } : {};
  const schema = parseSqlSchema({
    dataset: 'parquet_decoded',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      t: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: { pid: { type: 'integer' }, [column]: { type, ...bounds } },
      },
    },
  });
  const ledger = new MemoryLedger();
  try {
    await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
    return 'answered';
  } catch (e) {
    return ledger.charges.length === 0 ? 'refused' : `charged-error ${(e as { code?: string }).code}`;
  } finally {
    await engine.close();
  }
}

const JSON_TEXT = "SELECT COUNT(*) AS n FROM t WHERE lower(j) LIKE 'n%'";
const JSON_NUMBER = 'SELECT COUNT(*) AS n FROM t WHERE j > 3';
const GEO_TEXT = "SELECT COUNT(*) AS n FROM t WHERE lower(g) LIKE 'point%'";

describe('review S54: a Parquet column DuckDB decodes lazily (JSON, GEOMETRY) holding one undecodable value', () => {
  // Before the fix: with person 42 decodable, the queries were answered. The fix (trust, stop 19:
  // `duckdb-parquet-types.ts`) refuses a declared JSON or GEOMETRY column at open, from the file's footer, so the
  // control is refused exactly as the files below are: the outcome no longer depends on person 42's value.
  it('control: with person 42 decodable, the file is refused the same way (by its stored type, before any query)', async () => {
    expect(await outcome('json-ok.parquet', 'j', 'string', JSON_TEXT)).toBe('refused');
    expect(await outcome('json-ok.parquet', 'j', 'integer', JSON_NUMBER)).toBe('refused');
    expect(await outcome('geo-ok.parquet', 'g', 'string', GEO_TEXT)).toBe('refused');
  });

  // Failed before the fix: 'charged-error ENGINE_ERROR' — the JSON column was not checked at open (its type is not VARCHAR).
  it('S54 fixed: person 42 JSON value not UTF-8 (declared string) — refused before any charge, or answered', async () => {
    expect(await outcome('json-latin1.parquet', 'j', 'string', JSON_TEXT)).not.toMatch(/^charged-error/);
  });
  it('S54 fixed: person 42 JSON value not UTF-8 (declared integer) — refused before any charge, or answered', async () => {
    expect(await outcome('json-latin1.parquet', 'j', 'integer', JSON_NUMBER)).not.toMatch(/^charged-error/);
  });
  // Failed before the fix: valid UTF-8, but not JSON — the reader's JSON parse fails inside TRY_CAST's operand.
  it('S54 fixed: person 42 JSON value malformed (ASCII) — refused before any charge, or answered', async () => {
    expect(await outcome('json-malformed.parquet', 'j', 'string', JSON_TEXT)).not.toMatch(/^charged-error/);
  });
  // Failed before the fix: the GEOMETRY reader parses WKB when the value is converted.
  it('S54 fixed: person 42 WKB malformed (GEOMETRY, declared string) — refused before any charge, or answered', async () => {
    expect(await outcome('geo-bad.parquet', 'g', 'string', GEO_TEXT)).not.toMatch(/^charged-error/);
  });
});
