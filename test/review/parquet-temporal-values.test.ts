/**
 * Review session 11 (stop 19), finding S55 — issue 10 class 3 "engine errors that depend on the data", S49/S54's
 * class through Parquet's temporal types: values a Parquet file can hold but DuckDB cannot convert, where the
 * failure is an error that TRY_CAST does not catch.
 *
 * Mechanism (DuckDB 1.5.6). A declared Parquet file's view reads each declared column as `TRY_CAST(col AS T)`
 * (`duckdb.ts` `createFileView`), and S49's open check reads only VARCHAR columns. But:
 *   (a) a Parquet TIMESTAMP(MILLIS) column is converted to microseconds by the reader when a value is
 *       materialised; a value past ±2⁶³ µs — Java's `Long.MIN_VALUE`, a usual "unknown" sentinel of a millisecond
 *       timestamp (`Long.MAX_VALUE` is read as infinity; MAX − 1, or 9·10¹⁸, fail too) — fails the scan with
 *       "Could not convert Timestamp(MS) to Timestamp(US)", whatever the declared type (date, string, …);
 *   (b) a Parquet TIMESTAMP (µs) or TIMESTAMP(NANOS) value near −2⁶³ (`Long.MIN_VALUE`, the other sentinel)
 *       converts to DATE but not to text: `TRY_CAST(v AS VARCHAR)` raises "Date out of range in timestamp
 *       conversion" (declared string);
 *   (c) a Parquet TIME value far past one day (a duration written as TIME) makes `TRY_CAST(v AS VARCHAR)` raise
 *       an INTERNAL error, after which DuckDB invalidates the whole database: every later query of the engine, on
 *       any table, is refused (before its charge, at the catalog read) until the engine is reopened (declared
 *       string) — one row stops a long-lived engine (the server's) for every analyst.
 * Each is decided by one person's value: with it the query is charged and then fails with ENGINE_ERROR (and in (c)
 * every later query is refused); without it the query is answered. A membership oracle at any ε.
 *
 * Rule that would close the class (with S54's): a declared Parquet column is admitted only when converting its
 * stored type to the declared type is total for every value the file format can hold, or the open check reads
 * every declared column exactly as the view converts it (`max(strlen(CAST(TRY_CAST(col AS T) AS VARCHAR)))`), so a
 * value the reader cannot convert refuses the file before any query. Generative test: Parquet physical/logical
 * types × extreme raw values (±2⁶³, ±2³¹, one past a day) × declared types.
 * Owner: trust (src/sql/engines/duckdb.ts file-open path, duckdb-reader.ts; reassigned from sqlrun, 00:57).
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

const dir = mkdtempSync(join(tmpdir(), 'review-parquet-temporal-'));
const at = (name: string) => join(dir, name);

/** A recognisable raw value for person 42 (a date in year 4271 in µs, its ms and its time-of-day part). */
const MARK_US = 72623859790382856n;
const MARK_MS = 72623859790382n;
const MARK_TIME = MARK_US % 86_400_000_000n;

/** Writes 199 people's values to `name`, person 42's being `mark` (uncompressed pages: patched in place later). */
async function write(name: string, value: (i: string) => string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(
    `COPY (SELECT i AS pid, ${value('i')} AS v FROM range(1, 200) r(i)) TO '${at(name)}' (FORMAT parquet, COMPRESSION uncompressed)`,
  );
  c.closeSync();
  instance.closeSync();
}

/** Rewrites every stored copy (data page, statistics) of the 64-bit raw value `from` as `to`. */
function patch64(name: string, from: bigint, to: bigint): void {
  const bytes = readFileSync(at(name));
  const marker = Buffer.alloc(8);
  marker.writeBigInt64LE(from);
  let n = 0;
  for (let o = bytes.indexOf(marker); o >= 0; o = bytes.indexOf(marker, o + 1)) {
    bytes.writeBigInt64LE(to, o);
    n++;
  }
  if (n === 0) throw new Error(`fixture: marker not found in ${name}`);
  writeFileSync(at(name), bytes);
}

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

beforeAll(async () => {
  const ms = (i: string) =>
    `CASE WHEN ${i} = 42 THEN CAST(make_timestamp(${MARK_MS * 1000n}) AS TIMESTAMP_MS) ELSE CAST(make_timestamp(1600000000000000 + ${i}) AS TIMESTAMP_MS) END`;
  const us = (i: string) => `CASE WHEN ${i} = 42 THEN make_timestamp(${MARK_US}) ELSE make_timestamp(1600000000000000 + ${i}) END`;
  const time = (i: string) =>
    `CASE WHEN ${i} = 42 THEN CAST(make_timestamp(${MARK_TIME}) AS TIME) ELSE CAST(make_timestamp(3600000000 + ${i}) AS TIME) END`;
  // Controls: person 42's value an ordinary one (the neighbour without the extreme value).
  await write('ms-ok.parquet', ms);
  await write('us-ok.parquet', us);
  await write('time-ok.parquet', time);
  // (a) person 42's millisecond timestamp is Long.MIN_VALUE.
  await write('ms-min.parquet', ms);
  patch64('ms-min.parquet', MARK_MS, LONG_MIN);
  // (b) person 42's microsecond timestamp is Long.MIN_VALUE.
  await write('us-min.parquet', us);
  patch64('us-min.parquet', MARK_US, LONG_MIN);
  // (c) person 42's TIME is 2⁶³ − 2 µs (a duration, not a time of day).
  await write('time-long.parquet', time);
  patch64('time-long.parquet', MARK_TIME, LONG_MAX - 1n);
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const schemaOf = (type: DeclaredColumnType) =>
  parseSqlSchema({
    dataset: 'parquet_temporal',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      t: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: { pid: { type: 'integer' }, v: { type } },
      },
    },
  });

/** 'answered', 'refused' (nothing charged) or 'charged-error CODE' (the hole), for each of `sqls` on one engine. */
async function outcomes(file: string, type: DeclaredColumnType, sqls: readonly string[]): Promise<string[]> {
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open({ files: { t: at(file) }, columnTypes: { t: { pid: 'integer', v: type } } });
  } catch {
    return sqls.map(() => 'refused');
  }
  const out: string[] = [];
  try {
    for (const sql of sqls) {
      const ledger = new MemoryLedger();
      try {
        await runDpSql({ sql, schema: schemaOf(type), engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
        out.push('answered');
      } catch (e) {
        out.push(ledger.charges.length === 0 ? 'refused' : `charged-error ${(e as { code?: string }).code}`);
      }
    }
  } finally {
    await engine.close();
  }
  return out;
}

const BY_YEAR = 'SELECT COUNT(*) AS n FROM t WHERE year(v) > 2000';
const AS_TEXT = "SELECT COUNT(*) AS n FROM t WHERE lower(v) LIKE '2%'";
const TIME_TEXT = "SELECT COUNT(*) AS n FROM t WHERE v LIKE '01:%'";
const PLAIN = 'SELECT COUNT(*) AS n FROM t WHERE pid > 0';
const charged = (o: string) => o.startsWith('charged-error');

describe('review S55: a Parquet temporal value DuckDB cannot convert, decided by one person', () => {
  // Before the fix: with person 42 ordinary, every query was answered. The fix (trust, stop 19:
  // `duckdb-parquet-types.ts`) refuses at open, from the file's footer, a TIMESTAMP in milliseconds (any declared
  // type), a TIMESTAMP declared string and a TIME: the controls are refused exactly as the files below are.
  it('control: with person 42 ordinary, the file is refused the same way (by its stored type, before any query)', async () => {
    expect(await outcomes('ms-ok.parquet', 'date', [BY_YEAR])).toEqual(['refused']);
    expect(await outcomes('us-ok.parquet', 'string', [AS_TEXT])).toEqual(['refused']);
    expect(await outcomes('time-ok.parquet', 'string', [TIME_TEXT, PLAIN])).toEqual(['refused', 'refused']);
  });
  it('control: a TIMESTAMP in microseconds declared date is answered (its conversion is total)', async () => {
    expect(await outcomes('us-ok.parquet', 'date', [BY_YEAR])).toEqual(['answered']);
    expect(await outcomes('us-min.parquet', 'date', [BY_YEAR])).toEqual(['answered']);
  });

  // Failed before the fix: 'charged-error ENGINE_ERROR' ("Could not convert Timestamp(MS) to Timestamp(US)").
  it('S55a fixed: TIMESTAMP(MILLIS) = Long.MIN_VALUE, declared date — refused before any charge, or answered', async () => {
    expect((await outcomes('ms-min.parquet', 'date', [BY_YEAR])).filter(charged)).toEqual([]);
  });
  // Failed before the fix: 'charged-error ENGINE_ERROR' ("Date out of range in timestamp conversion" inside TRY_CAST to text).
  it('S55b fixed: TIMESTAMP (µs) = Long.MIN_VALUE, declared string — refused before any charge, or answered', async () => {
    expect((await outcomes('us-min.parquet', 'string', [AS_TEXT])).filter(charged)).toEqual([]);
  });
  // Failed before the fix: ['charged-error ENGINE_ERROR', 'refused'] — the first query is charged and fails; the INTERNAL error
  // invalidated the database, so the next one (which does not read v) is refused until the engine is reopened.
  it('S55c fixed: TIME past one day, declared string — refused before any charge, or answered (and the engine survives)', async () => {
    expect((await outcomes('time-long.parquet', 'string', [TIME_TEXT, PLAIN])).filter(charged)).toEqual([]);
  });
});
