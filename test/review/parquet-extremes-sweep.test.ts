/**
 * Review session 11 (stop 19): the class sweep behind S54/S55 — every Parquet column type DuckDB 1.5.6 writes,
 * person 42's value patched in the file's bytes to the raw extremes the format can hold, read through a declared
 * file's view as each declared type, queried as runDpSql does. A combination is a hole when the query is charged
 * and then fails (whether it is answered is then decided by one person's value); refused at open or before the
 * charge, or answered, holds.
 *
 * This is the class sweep for S54/S55/S57's fix (owner: trust): it failed on main adf3dd5, listing every failing
 * combination in its assertion message, and passes since trust's allow-list (duckdb-parquet-types.ts). Each engine is opened afresh per combination (a DuckDB INTERNAL error invalidates the
 * database it happens in). JSON and GEOMETRY (S54) are in parquet-decoded-types.test.ts; TIME/TIME_NS as text in
 * parquet-temporal-values.test.ts and parquet-time-crash.test.ts (they crash the process). About 500 engine opens
 * with TSDP_FULL_SWEEPS=1 (≈ 100 s at load 17 on the 2-core review machine); CI runs the 30 combinations that failed
 * before the fix and a 2-way covering subset of the rest (`sweep()` below).
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
import { covering, pairwiseKeys } from '../sweeps.js';
import { be128 } from './parquet-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'review-parquet-sweep-'));
const at = (name: string) => join(dir, name);

const i64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(v);
  return b;
};
const i32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
};

const I64 = [-(2n ** 63n), -(2n ** 63n) + 1n, -(2n ** 63n) + 2n, 2n ** 63n - 1n, 2n ** 63n - 2n, -1n, 9n * 10n ** 18n, -(9n * 10n ** 18n)];
const I32 = [-(2 ** 31), 2 ** 31 - 1, -1, 2 ** 31 - 2];

/** One stored type: person 42's value as SQL, its marker bytes in the file, and the raw replacements. */
interface Stored {
  readonly name: string;
  readonly value42: string;
  readonly other: string;
  readonly marker: Buffer;
  readonly raws: readonly Buffer[];
}

const MARK_US = 72623859790382856n;
const STORED: readonly Stored[] = [
  {
    name: 'TIMESTAMP_MS',
    value42: `CAST(make_timestamp(${(MARK_US / 1000n) * 1000n}) AS TIMESTAMP_MS)`,
    other: 'CAST(make_timestamp(1600000000000000 + i) AS TIMESTAMP_MS)',
    marker: i64(MARK_US / 1000n),
    raws: I64.map(i64),
  },
  {
    name: 'TIMESTAMP',
    value42: `make_timestamp(${MARK_US})`,
    other: 'make_timestamp(1600000000000000 + i)',
    marker: i64(MARK_US),
    raws: I64.map(i64),
  },
  {
    name: 'TIMESTAMP_NS',
    value42: `make_timestamp_ns(${MARK_US})`,
    other: 'make_timestamp_ns(1600000000000000000 + i)',
    marker: i64(MARK_US),
    raws: I64.map(i64),
  },
  {
    name: 'TIMESTAMPTZ',
    value42: `CAST(make_timestamp(${MARK_US}) AS TIMESTAMPTZ)`,
    other: 'CAST(make_timestamp(1600000000000000 + i) AS TIMESTAMPTZ)',
    marker: i64(MARK_US),
    raws: I64.map(i64),
  },
  {
    name: 'TIME',
    value42: `CAST(make_timestamp(${MARK_US % 86400000000n}) AS TIME)`,
    other: 'CAST(make_timestamp(3600000000 + i) AS TIME)',
    marker: i64(MARK_US % 86400000000n),
    raws: [...I64, 86400000001n].map(i64),
  },
  {
    name: 'TIME_NS',
    value42: `CAST('13:14:15.161718' AS TIME_NS)`,
    other: "CAST('01:00:00' AS TIME_NS)",
    marker: i64(47655161718000n),
    raws: [...I64, 86400000000001n].map(i64),
  },
  {
    name: 'DATE',
    value42: "DATE '4271-05-06'",
    other: "DATE '2020-01-01' + CAST(i AS INTEGER)",
    marker: i32(Math.round(Date.UTC(4271, 4, 6) / 86400000)),
    raws: I32.map(i32),
  },
  {
    name: 'DECIMAL(38,0)',
    value42: "CAST('12345678901234567890123456789012345678' AS DECIMAL(38,0))",
    other: 'CAST(i AS DECIMAL(38,0))',
    marker: be128(12345678901234567890123456789012345678n),
    raws: [-(2n ** 127n), 2n ** 127n - 1n, 10n ** 38n, -(10n ** 38n)].map(be128),
  },
  {
    name: 'DECIMAL(18,2)',
    value42: 'CAST(1234567890123456.78 AS DECIMAL(18,2))',
    other: 'CAST(i AS DECIMAL(18,2))',
    marker: i64(123456789012345678n),
    raws: I64.map(i64),
  },
  {
    name: 'DECIMAL(9,2)',
    value42: 'CAST(1234567.89 AS DECIMAL(9,2))',
    other: 'CAST(i AS DECIMAL(9,2))',
    marker: i32(123456789),
    raws: I32.map(i32),
  },
  { name: 'BIGINT', value42: `CAST(${MARK_US} AS BIGINT)`, other: 'CAST(i AS BIGINT)', marker: i64(MARK_US), raws: I64.map(i64) },
  {
    name: 'DOUBLE',
    value42: 'CAST(12345.678 AS DOUBLE)',
    other: 'CAST(i AS DOUBLE)',
    marker: (() => {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(12345.678);
      return b;
    })(),
    raws: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5e-324, Number.MAX_VALUE].map((v) => {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v);
      return b;
    }),
  },
];
const DECLARED: readonly DeclaredColumnType[] = ['string', 'integer', 'float', 'date', 'boolean'];
const QUERY: Record<DeclaredColumnType, string> = {
  string: "SELECT COUNT(*) AS n FROM t WHERE lower(v) LIKE '1%'",
  integer: 'SELECT COUNT(*) AS n FROM t WHERE v > 3',
  float: 'SELECT COUNT(*) AS n FROM t WHERE v > 3',
  date: 'SELECT COUNT(*) AS n FROM t WHERE year(v) > 2000',
  boolean: 'SELECT COUNT(*) AS n FROM t WHERE v',
};

/** Files: name → (stored type, raw index or -1 for the unpatched control). */
const files: { file: string; stored: string; raw: number }[] = [];

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  for (const [k, s] of STORED.entries()) {
    const base = `s${k}.parquet`;
    await c.run(
      `COPY (SELECT i AS pid, CASE WHEN i = 42 THEN ${s.value42} ELSE ${s.other} END AS v FROM range(1, 200) r(i)) TO '${at(base)}' (FORMAT parquet, COMPRESSION uncompressed)`,
    );
    files.push({ file: base, stored: s.name, raw: -1 });
    const bytes = readFileSync(at(base));
    if (bytes.indexOf(s.marker) < 0) throw new Error(`fixture: no marker for ${s.name}`);
    for (const [r, raw] of s.raws.entries()) {
      const patched = Buffer.from(bytes);
      for (let o = patched.indexOf(s.marker); o >= 0; o = patched.indexOf(s.marker, o + 1)) raw.copy(patched, o);
      const name = `s${k}-r${r}.parquet`;
      writeFileSync(at(name), patched);
      files.push({ file: name, stored: s.name, raw: r });
    }
  }
  c.closeSync();
  instance.closeSync();
}, 120_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function outcome(file: string, type: DeclaredColumnType): Promise<string> {
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open({ files: { t: at(file) }, columnTypes: { t: { pid: 'integer', v: type } } });
  } catch {
    return 'refused';
  }
  const bounds = type === 'integer' || type === 'float' ? { lower: 0, upper: 10 } : {};
  const schema = parseSqlSchema({
    dataset: 'parquet_sweep',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: { t: { privacyUnit: 'pid', columns: { pid: { type: 'integer' }, v: { type, ...bounds } } } },
  });
  const ledger = new MemoryLedger();
  try {
    await runDpSql({ sql: QUERY[type], schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
    return 'answered';
  } catch {
    return ledger.charges.length === 0 ? 'refused' : 'charged-error';
  } finally {
    await engine.close();
  }
}

describe('review S54/S55 class sweep: Parquet stored types × raw extremes × declared types', () => {
  it('controls (no patched value) are never charged-then-failed', async () => {
    const bad: string[] = [];
    for (const f of files.filter((x) => x.raw < 0))
      for (const t of DECLARED) if ((await outcome(f.file, t)) === 'charged-error') bad.push(`${f.stored} as ${t}`);
    expect(bad).toEqual([]);
  }, 300_000);

  // Failed before the fix (trust, stop 19: duckdb-parquet-types.ts), listing the members this sweep reached (measured on main adf3dd5): TIMESTAMP(MILLIS) at raw
  // −2⁶³, −2⁶³ + 2, 2⁶³ − 2, ±9·10¹⁸ as every declared type; TIMESTAMP and TIMESTAMP_NS at −2⁶³ and −2⁶³ + 2 as
  // string; DECIMAL(38,0) at −2¹²⁷ as string (30 combinations). TIMESTAMPTZ, DATE, DECIMAL(18,2)/(9,2), BIGINT and
  // DOUBLE hold at every raw value.
  it('S54/S55/S57 class fixed: no patched value makes a query charged-then-failed', async () => {
    const bad: string[] = [];
    // TIME/TIME_NS read as text (INTERNAL errors and a SIGSEGV before the fix: S55c, S57) are in the sweep now —
    // refused at open from the footer, nothing evaluates them.
    for (const { f, t } of sweep()) if ((await outcome(f.file, t)) === 'charged-error') bad.push(`${f.stored}[raw ${f.raw}] as ${t}`);
    expect(bad).toEqual([]);
  }, 600_000);
});

/** The 30 combinations that failed on main adf3dd5 (above): in the CI subset of every run. */
function failedBeforeFix(stored: string, raw: number, t: DeclaredColumnType): boolean {
  if (stored === 'TIMESTAMP_MS') return [0, 2, 4, 6, 7].includes(raw);
  if (stored === 'TIMESTAMP' || stored === 'TIMESTAMP_NS') return (raw === 0 || raw === 2) && t === 'string';
  return stored === 'DECIMAL(38,0)' && raw === 0 && t === 'string';
}

/**
 * The patched files × declared types this run queries: with TSDP_FULL_SWEEPS=1 all of them (≈ 500 engine opens);
 * in CI the combinations that failed before the fix plus a 2-way covering subset of the rest (test/sweeps.ts:
 * every (stored type, raw value), (stored type, declared type) and (raw value, declared type) pair at least once;
 * the declared types rotated per file so the pairs spread over them).
 */
function sweep(): { f: (typeof files)[number]; t: DeclaredColumnType }[] {
  const all = files
    .filter((x) => x.raw >= 0)
    .flatMap((f, k) => DECLARED.map((_, r) => ({ f, t: DECLARED[(k + r) % DECLARED.length] as DeclaredColumnType })));
  const pinned = all.filter(({ f, t }) => failedBeforeFix(f.stored, f.raw, t));
  const rest = all.filter(({ f, t }) => !failedBeforeFix(f.stored, f.raw, t));
  return [...pinned, ...covering(rest, ({ f, t }) => pairwiseKeys([f.stored, String(f.raw), t]))];
}
