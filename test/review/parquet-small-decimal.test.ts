/**
 * Review session 11 (stop 19), finding S58 — issue 10 class 3 (S55's class, a member that trust's S54/S55
 * allow-list, `duckdb-parquet-types.ts` on wip/trust c1c1f9b, still admits): a Parquet DECIMAL of precision ≤ 4
 * stored as INT32 — what DuckDB itself writes for DECIMAL(4,2) — holding one raw value outside ±32767.
 *
 * Mechanism (DuckDB 1.5.6). DuckDB keeps a DECIMAL of width ≤ 4 in 16 bits. Its Parquet reader narrows the column
 * chunk's min/max STATISTICS from INT32 with a checked cast whenever a query reads the column: when one person's raw
 * value past ±32767 (for DECIMAL(4,2), 1000.00 or more — a precision a writer that does not enforce it can exceed) is
 * the column's maximum or minimum, and so is written into the footer's statistics, that cast raises "INTERNAL Error:
 * Information loss on integer cast", whatever the declared type (float, integer, string, boolean all fail; even
 * `parquet_metadata` does). (The data page alone is narrowed silently: the same value that is not an extreme reads as
 * a wrapped int16, −310.72 for 1000.00 — wrong, but no error.) The error is INTERNAL, so
 * DuckDB also invalidates the database: every later query of that engine, on any column, is charged and then fails
 * until it is reopened (the server's fixed pool never reopens one: every analyst keeps paying for errors). Main adf3dd5 admits the column (declared float), and so does trust's
 * allow-list ("DECIMAL(p, s) ← INT32, INT64 | integer, float, string", said to be total on every raw value).
 * Decided by one person's value (measured on both): with it the query is charged and fails; without it, answered.
 *
 * S58b, the same through FIXED_LEN_BYTE_ARRAY: a DECIMAL(4,2) stored in 16 bytes (a writer that uses 16 bytes for
 * every decimal; trust's row "DECIMAL ← FIXED_LEN_BYTE_ARRAY (at most 16 bytes)" admits it) with one raw value past
 * 16 bits: "Invalid decimal encoding in Parquet file", charged then failed.
 *
 * Rule that would close it: the allow-list's DECIMAL row by DuckDB's storage width, not only the Parquet physical
 * type — DuckDB keeps p ≤ 4 in 2 bytes, p ≤ 9 in 4, p ≤ 18 in 8, else 16; admit a DECIMAL only when its Parquet
 * encoding is no wider (INT32 for p ≥ 5, INT64 for p ≥ 10, FIXED_LEN_BYTE_ARRAY(n) for n ≤ that width), since
 * narrower widths are narrowed with a check that raises. The class sweep
 * (`parquet-extremes-sweep.test.ts`) should carry DECIMAL(4,2) and DECIMAL(9,2)-from-INT64 rows.
 * Owner: trust (src/sql/engines/duckdb-parquet-types.ts). Status: S58 and S58b closed on main by 7fbe4ff (the DECIMAL
 * row by DuckDB's storage width); both tests flipped, their controls now refused at open like the files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import type { DeclaredColumnType } from '../../src/sql/engines/duckdb-options.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { be128, patchFile, replaceAll, writeParquet } from './parquet-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'review-parquet-small-decimal-'));
const at = (name: string) => join(dir, name);
/** Person 42's amount 99.99 as DECIMAL(4,2) — the column's maximum, so also in the footer's statistics: raw INT32 9999. */
const MARK = 9999;

beforeAll(async () => {
  await writeParquet(
    at('ok.parquet'),
    'SELECT i AS pid, CASE WHEN i = 42 THEN CAST(99.99 AS DECIMAL(4,2)) ELSE CAST(i % 50 AS DECIMAL(4,2)) END AS v FROM range(1, 200) r(i)',
  );
  // 1000.00: past DECIMAL(4,2)'s precision and past int16.
  patchFile(at('ok.parquet'), at('wide.parquet'), int32(MARK), int32(100_000));
  await flbaFixtures();
}, 60_000);

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}

/**
 * S58b: DECIMAL(4,2) in a FIXED_LEN_BYTE_ARRAY(16) — a writer that stores every decimal in 16 bytes. DuckDB writes
 * DECIMAL(38,2) that way; the footer's precision (SchemaElement.precision and the DecimalType logical type, Thrift
 * compact: zigzag 38 = 0x4c) is rewritten to 4 (0x08). `flba4-ok`: person 42 at 99.99 (raw 9999, fits 16 bits);
 * `flba4-wide`: the same file with person 42 at raw 100000.
 */
async function flbaFixtures(): Promise<void> {
  await writeParquet(
    at('flba38.parquet'),
    'SELECT i AS pid, CASE WHEN i = 42 THEN CAST(99.99 AS DECIMAL(38,2)) ELSE CAST(i % 50 AS DECIMAL(38,2)) END AS v FROM range(1, 200) r(i)',
  );
  const bytes = readFileSync(at('flba38.parquet'));
  const footer = bytes.length - 8 - bytes.readInt32LE(bytes.length - 8);
  // converted_type DECIMAL, scale 2, precision 38, then the logical type DecimalType(scale 2, precision 38).
  const sig = Buffer.from([0x25, 0x0a, 0x15, 0x04, 0x15, 0x4c, 0x2c, 0x5c, 0x15, 0x04, 0x15, 0x4c]);
  const s = bytes.indexOf(sig, footer);
  if (s < 0) throw new Error('fixture: DECIMAL(38,2) schema element not found');
  bytes[s + 5] = 0x08;
  bytes[s + 11] = 0x08;
  writeFileSync(at('flba4-ok.parquet'), bytes);
  replaceAll(bytes, be128(9999n), be128(100_000n));
  writeFileSync(at('flba4-wide.parquet'), bytes);
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Outcomes of `sqls` on one engine over `file` (v declared `type`): 'answered', 'refused' or 'charged-error'. */
async function outcomes(file: string, type: DeclaredColumnType, sqls: readonly string[]): Promise<string[]> {
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open({ files: { t: at(file) }, columnTypes: { t: { pid: 'integer', v: type } } });
  } catch {
    return sqls.map(() => 'refused');
  }
  const bounds = type === 'float' || type === 'integer' ? { lower: 0, upper: 100 } : {};
  const schema = parseSqlSchema({
    dataset: 'parquet_small_decimal',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: { t: { privacyUnit: 'pid', columns: { pid: { type: 'integer' }, v: { type, ...bounds } } } },
  });
  const out: string[] = [];
  try {
    for (const sql of sqls) {
      const ledger = new MemoryLedger();
      try {
        await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
        out.push('answered');
      } catch {
        out.push(ledger.charges.length === 0 ? 'refused' : 'charged-error');
      }
    }
  } finally {
    await engine.close();
  }
  return out;
}

const SUM = 'SELECT SUM(v) AS s FROM t';
const PLAIN = 'SELECT COUNT(*) AS n FROM t WHERE pid > 0';

describe('review S58: a Parquet DECIMAL(4,2) stored INT32 with one raw value past ±32767', () => {
  // Before the fix the control was answered; a DECIMAL(4,2) stored INT32 (wider than DuckDB's int16) is now refused
  // at open from the footer (trust, stop 19: duckdb-parquet-types.ts, the DECIMAL row by storage width), so the
  // control is refused the same way as the file below.
  it('control: person 42 at 99.99 — refused at open like the file below (by the stored type)', async () => {
    expect(await outcomes('ok.parquet', 'float', [SUM, PLAIN])).toEqual(['refused', 'refused']);
  });
  // Failed before the fix: ['charged-error', 'charged-error'] — SUM is charged and fails (INTERNAL: the database is invalidated),
  // and so is every later query of the engine, charged and failed, whatever it reads.
  it('S58 fixed: person 42 at raw 100000 (declared float) — refused before any charge, or answered', async () => {
    expect((await outcomes('wide.parquet', 'float', [SUM, PLAIN])).filter((o) => o === 'charged-error')).toEqual([]);
  });
  // S58b closed by the same rule (7fbe4ff: a DECIMAL whose Parquet encoding is wider than DuckDB's storage is refused at
  // open), so its control is refused the same way too.
  it('control S58b: DECIMAL(4,2) in FIXED_LEN_BYTE_ARRAY(16), person 42 at 99.99 — refused at open (by the stored type)', async () => {
    expect(await outcomes('flba4-ok.parquet', 'float', [SUM, PLAIN])).toEqual(['refused', 'refused']);
  });
  // Failed before the fix: ['charged-error', 'charged-error'] — "Invalid decimal encoding in Parquet file", even for the
  // query that does not read v (trust's first allow-list admitted FIXED_LEN_BYTE_ARRAY up to 16 bytes at any precision).
  it('S58b fixed: DECIMAL(4,2) in FIXED_LEN_BYTE_ARRAY(16), person 42 at raw 100000 — refused before any charge, or answered', async () => {
    expect((await outcomes('flba4-wide.parquet', 'float', [SUM, PLAIN])).filter((o) => o === 'charged-error')).toEqual([]);
  });
});
