/**
 * The class of reviews S54, S55 and S57 (issue 10 class 3): a stored Parquet value that DuckDB's reader or the view's
 * TRY_CAST cannot convert, failing a query after its charge. Rule: `src/sql/engines/duckdb-parquet-types.ts` — a
 * declared column is read only from a stored type whose conversion is total on every raw value, decided at open
 * from the footer alone.
 *
 * Generative: stored types (every type DuckDB writes, patched in the file's bytes to any raw value the encoding can
 * hold, extremes weighted) × declared types. Property: the query is never charged and then failed; whether the file
 * opens is decided by the stored and declared types alone (the unpatched file and the patched one open alike, and
 * exactly when `admittedDeclaredTypes` admits the pair); a refusal names the column and its stored type, never a value.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import type { DeclaredColumnType } from '../../src/sql/engines/duckdb-options.js';
import { admittedDeclaredTypes, type ParquetColumn } from '../../src/sql/engines/duckdb-parquet-types.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-parquet-stored-'));
const at = (name: string) => join(dir, name);

/** Little-endian two's complement of `v` in `bytes` bytes; big-endian for DECIMAL's FIXED_LEN_BYTE_ARRAY. */
function raw(v: bigint, bytes: number, bigEndian = false): Buffer {
  const b = Buffer.alloc(bytes);
  let x = BigInt.asUintN(bytes * 8, v);
  for (let k = 0; k < bytes; k++) {
    b[bigEndian ? bytes - 1 - k : k] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

/** One stored type: person 7's value (SQL), everyone else's, and the raw encoding of person 7's value. */
interface Stored {
  readonly sql: string;
  readonly other: string;
  /** Bytes per raw value and byte order; undefined: not patched (only the written value is tried). */
  readonly width?: number;
  readonly bigEndian?: boolean;
  /** Person 7's raw value as written (the marker found in the file's bytes). */
  readonly marker?: bigint;
}

const M64 = 72623859790382856n;
const STORED: Record<string, Stored> = {
  BIGINT: { sql: `CAST(${M64} AS BIGINT)`, other: 'CAST(i AS BIGINT)', width: 8, marker: M64 },
  UBIGINT: { sql: `CAST(${M64} AS UBIGINT)`, other: 'CAST(i AS UBIGINT)', width: 8, marker: M64 },
  INTEGER: { sql: 'CAST(1234567891 AS INTEGER)', other: 'CAST(i AS INTEGER)', width: 4, marker: 1234567891n },
  UINTEGER: { sql: 'CAST(1234567891 AS UINTEGER)', other: 'CAST(i AS UINTEGER)', width: 4, marker: 1234567891n },
  SMALLINT: { sql: 'CAST(12345 AS SMALLINT)', other: 'CAST(i AS SMALLINT)' },
  BOOLEAN: { sql: 'true', other: 'i % 2 = 0' },
  'DECIMAL(4,2)': { sql: 'CAST(99.99 AS DECIMAL(4,2))', other: 'CAST(i AS DECIMAL(4,2))', width: 4, marker: 9999n },
  'DECIMAL(9,2)': { sql: 'CAST(1234567.89 AS DECIMAL(9,2))', other: 'CAST(i AS DECIMAL(9,2))', width: 4, marker: 123456789n },
  'DECIMAL(18,2)': { sql: `CAST(${M64 / 100n}.${M64 % 100n} AS DECIMAL(18,2))`, other: 'CAST(i AS DECIMAL(18,2))', width: 8, marker: M64 },
  'DECIMAL(38,0)': {
    sql: "CAST('12345678901234567890123456789012345678' AS DECIMAL(38,0))",
    other: 'CAST(i AS DECIMAL(38,0))',
    width: 16,
    bigEndian: true,
    marker: 12345678901234567890123456789012345678n,
  },
  'DECIMAL(38,10)': {
    sql: "CAST('1234567890123456789012345678.9012345678' AS DECIMAL(38,10))",
    other: 'CAST(i AS DECIMAL(38,10))',
    width: 16,
    bigEndian: true,
    marker: 12345678901234567890123456789012345678n,
  },
  DOUBLE: {
    sql: 'CAST(12345.678 AS DOUBLE)',
    other: 'CAST(i AS DOUBLE)',
    width: 8,
    marker: new BigInt64Array(new Float64Array([12345.678]).buffer)[0],
  },
  FLOAT: {
    sql: 'CAST(12345.5 AS FLOAT)',
    other: 'CAST(i AS FLOAT)',
    width: 4,
    marker: BigInt(new Int32Array(new Float32Array([12345.5]).buffer)[0] ?? 0),
  },
  DATE: {
    sql: "DATE '4271-05-06'",
    other: "DATE '2020-01-01' + CAST(i AS INTEGER)",
    width: 4,
    marker: BigInt(Date.UTC(4271, 4, 6) / 86_400_000),
  },
  TIMESTAMP: { sql: `make_timestamp(${M64})`, other: 'make_timestamp(1600000000000000 + i)', width: 8, marker: M64 },
  TIMESTAMP_MS: {
    sql: `CAST(make_timestamp(${(M64 / 1000n) * 1000n}) AS TIMESTAMP_MS)`,
    other: 'CAST(make_timestamp(1600000000000000 + i * 1000) AS TIMESTAMP_MS)',
    width: 8,
    marker: M64 / 1000n,
  },
  TIMESTAMP_NS: { sql: `make_timestamp_ns(${M64})`, other: 'make_timestamp_ns(1600000000000000000 + i)', width: 8, marker: M64 },
  TIMESTAMPTZ: {
    sql: `CAST(make_timestamp(${M64}) AS TIMESTAMPTZ)`,
    other: 'CAST(make_timestamp(1600000000000000 + i) AS TIMESTAMPTZ)',
    width: 8,
    marker: M64,
  },
  TIME: {
    sql: `CAST(make_timestamp(${M64 % 86_400_000_000n}) AS TIME)`,
    other: 'CAST(make_timestamp(3600000000 + i) AS TIME)',
    width: 8,
    marker: M64 % 86_400_000_000n,
  },
  VARCHAR: { sql: "'QQMARKQQ'", other: "'n' || i" },
  BLOB: { sql: "CAST('QQMARKQQ' AS BLOB)", other: "CAST('n' || i AS BLOB)" },
  UUID: {
    sql: "CAST('12345678-1234-5678-1234-567812345678' AS UUID)",
    other: "CAST('00000000-0000-0000-0000-00000000000' || (i % 10) AS UUID)",
    width: 16,
    bigEndian: true,
    marker: 0x12345678123456781234567812345678n,
  },
  JSON: { sql: `CAST('{"a": 1}' AS JSON)`, other: `CAST('{"b": ' || i || '}' AS JSON)` },
  INTERVAL: { sql: 'INTERVAL 3 DAY', other: 'INTERVAL 1 HOUR * i' },
  'INTEGER[]': { sql: '[1, 2]', other: '[i]' },
};
const DECLARED: readonly DeclaredColumnType[] = ['integer', 'float', 'string', 'boolean', 'date'];
const QUERY: Record<DeclaredColumnType, string> = {
  string: "SELECT COUNT(*) AS n FROM t WHERE lower(v) LIKE '1%'",
  integer: 'SELECT COUNT(*) AS n, SUM(v) AS s FROM t WHERE v > 3',
  float: 'SELECT COUNT(*) AS n, SUM(v) AS s FROM t WHERE v > 3',
  date: 'SELECT COUNT(*) AS n FROM t WHERE year(v) > 2000',
  boolean: 'SELECT COUNT(*) AS n FROM t WHERE v',
};

/** DuckDB's type and the footer's encoding of column v in each unpatched file (for `admittedDeclaredTypes`). */
const footer = new Map<string, ParquetColumn>();

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  for (const [name, s] of Object.entries(STORED)) {
    const file = at(`${name}.parquet`);
    await c.run(
      `COPY (SELECT i AS pid, CASE WHEN i = 7 THEN ${s.sql} ELSE ${s.other} END AS v FROM range(1, 20) r(i)) TO '${file}' (FORMAT parquet, COMPRESSION uncompressed)`,
    );
    if (s.width !== undefined && s.marker !== undefined && readFileSync(file).indexOf(raw(s.marker, s.width, s.bigEndian)) < 0) {
      throw new Error(`fixture: no marker for ${name}`);
    }
    const read = (await c.runAndReadAll(`DESCRIBE SELECT v FROM read_parquet('${file}')`)).getRowsJS()[0]?.[1];
    const el =
      (
        await c.runAndReadAll(`SELECT type, type_length, converted_type, logical_type FROM parquet_schema('${file}') WHERE name = 'v'`)
      ).getRowsJS()[0] ?? [];
    const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
    footer.set(name, {
      name: 'v',
      read: String(read),
      physical: text(el[0]),
      typeLength: el[1] === null || el[1] === undefined ? null : Number(el[1]),
      converted: text(el[2]),
      logical: text(el[3]),
    });
  }
  c.closeSync();
  instance.closeSync();
}, 120_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let copies = 0;
/** A copy of the stored type's file with person 7's raw value replaced (every copy: data page and statistics). */
function patched(name: string, value: bigint): string {
  const s = STORED[name] as Stored;
  const bytes = readFileSync(at(`${name}.parquet`));
  if (s.width !== undefined && s.marker !== undefined) {
    const marker = raw(s.marker, s.width, s.bigEndian);
    const replacement = raw(value, s.width, s.bigEndian);
    for (let o = bytes.indexOf(marker); o >= 0; o = bytes.indexOf(marker, o + 1)) replacement.copy(bytes, o);
  }
  const file = at(`${name}-${copies++}.parquet`);
  writeFileSync(file, bytes);
  return file;
}

/** The schema of table `t_<type>` for each declared type (pid the unit; v declared as that type). */
function schemaFor(types: readonly DeclaredColumnType[]) {
  const bounds = (type: DeclaredColumnType) => (type === 'integer' || type === 'float' ? { lower: 0, upper: 10 } : {});
  return parseSqlSchema({
    dataset: 'parquet_stored',
    budget: { epsilon: 1000, delta: 1e-5 },
    tables: Object.fromEntries(
      types.map((type) => [`t_${type}`, { privacyUnit: 'pid', columns: { pid: { type: 'integer' }, v: { type, ...bounds(type) } } }]),
    ),
  });
}

/**
 * Opens `file` once as table `t_<type>` for each of `types` and runs each type's query: the outcome per type —
 * 'answered', 'refused' (before the charge) or 'charged-error' — or the error when the file is refused at open.
 */
async function outcomes(
  file: string,
  types: readonly DeclaredColumnType[],
): Promise<{ readonly outcomes?: string[]; readonly error?: unknown }> {
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open({
      files: Object.fromEntries(types.map((type) => [`t_${type}`, file])),
      columnTypes: Object.fromEntries(types.map((type) => [`t_${type}`, { pid: 'integer', v: type }])),
    });
  } catch (error) {
    return { error };
  }
  const schema = schemaFor(types);
  const out: string[] = [];
  try {
    for (const type of types) {
      const ledger = new MemoryLedger();
      try {
        const sql = QUERY[type].replace('FROM t ', `FROM t_${type} `);
        await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
        out.push('answered');
      } catch {
        out.push(ledger.charges.length === 0 ? 'refused' : 'charged-error');
      }
    }
  } finally {
    await engine.close();
  }
  return { outcomes: out };
}

/** The refusal at open of a declared type the stored type does not admit: INVALID_SCHEMA naming v, never `value`. */
function expectTypeRefusal(error: unknown, value?: bigint): void {
  expect(error).toBeInstanceOf(DpError);
  expect((error as DpError).code).toBe('INVALID_SCHEMA');
  expect((error as DpError).message).toContain('"v"');
  // Never a value: the patched raw value (when long enough not to occur by chance in a type name or path).
  if (value !== undefined && (value > 99_999_999n || value < -99_999_999n)) expect((error as DpError).message).not.toContain(String(value));
}

/** Raw values of `width` bytes: the extremes of every encoding, weighted, and any other. */
function rawValue(width: number): fc.Arbitrary<bigint> {
  const bits = BigInt(width * 8);
  const min = -(2n ** (bits - 1n));
  const max = 2n ** (bits - 1n) - 1n;
  const day = 86_400_000_000n;
  const extremes = [
    min,
    min + 1n,
    min + 2n,
    max,
    max - 1n,
    -1n,
    0n,
    1n,
    2n ** 53n + 1n,
    day,
    day + 1n,
    10n ** 38n,
    -(10n ** 38n),
    9n * 10n ** 18n,
  ];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...extremes.map((v) => BigInt.asIntN(Number(bits), v))) },
    { weight: 1, arbitrary: fc.bigInt(min, max) },
  );
}

describe('Parquet stored types × declared types × raw values (S54, S55, S57)', () => {
  it('every stored type, unpatched: each declared type opens exactly when admitted, and is never charged-then-failed', async () => {
    for (const name of Object.keys(STORED)) {
      const admitted = admittedDeclaredTypes(footer.get(name) as ParquetColumn);
      if (admitted.length > 0)
        expect({ name, ...(await outcomes(at(`${name}.parquet`), admitted)) }).toEqual({ name, outcomes: admitted.map(() => 'answered') });
      for (const type of DECLARED.filter((t) => !admitted.includes(t)))
        expectTypeRefusal((await outcomes(at(`${name}.parquet`), [type])).error);
    }
  }, 300_000);

  it('generative (fast-check, seed 1919): patched to any raw value, never charged-then-failed, and opened or refused as unpatched', async () => {
    const names = Object.keys(STORED).filter((n) => (STORED[n] as Stored).width !== undefined);
    const arbitrary = fc.constantFrom(...names).chain((name) => fc.tuple(fc.constant(name), rawValue((STORED[name] as Stored).width ?? 8)));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([name, value]) => {
        const admitted = admittedDeclaredTypes(footer.get(name) as ParquetColumn);
        const file = patched(name, value);
        if (admitted.length > 0) {
          const got = await outcomes(file, admitted);
          expect(got.error).toBeUndefined();
          expect(got.outcomes?.filter((o) => o === 'charged-error')).toEqual([]);
        }
        // One refused declared type per run (each is refused from the footer, before any value is read).
        const refused = DECLARED.filter((t) => !admitted.includes(t));
        const type = refused[Number(BigInt.asUintN(32, value) % BigInt(Math.max(refused.length, 1)))];
        if (type) expectTypeRefusal((await outcomes(file, [type])).error, value);
      }),
      { seed: 1919, numRuns: 100 },
    );
  }, 600_000);

  it('the admitted pairs are exactly the module table (what DuckDB 1.5.6 writes for each type)', () => {
    const table = Object.fromEntries(Object.keys(STORED).map((n) => [n, admittedDeclaredTypes(footer.get(n) as ParquetColumn).join(',')]));
    expect(table).toEqual({
      BIGINT: 'integer,float,string,boolean',
      UBIGINT: 'integer,float,string,boolean',
      INTEGER: 'integer,float,string,boolean',
      UINTEGER: 'integer,float,string,boolean',
      SMALLINT: 'integer,float,string,boolean',
      BOOLEAN: 'integer,float,string,boolean',
      'DECIMAL(4,2)': '',
      'DECIMAL(9,2)': 'integer,float,string',
      'DECIMAL(18,2)': 'integer,float,string',
      'DECIMAL(38,0)': 'integer,float',
      'DECIMAL(38,10)': 'integer,float',
      DOUBLE: 'integer,float,string',
      FLOAT: 'integer,float,string',
      DATE: 'date,string',
      TIMESTAMP: 'date',
      TIMESTAMP_MS: '',
      TIMESTAMP_NS: 'date',
      TIMESTAMPTZ: 'date',
      TIME: '',
      VARCHAR: 'integer,float,string,boolean,date',
      BLOB: 'string',
      UUID: 'string',
      JSON: '',
      INTERVAL: '',
      'INTEGER[]': '',
    });
  });
});
