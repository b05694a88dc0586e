/**
 * Issue 10 class 3 (review finding 3): engine errors that depend on the data, *after* the engine has finished —
 * a value the driver cannot represent. DuckDB's client throws "DATE value out of range for JS Date" for a DATE
 * `infinity` or a year past 275760; PostgreSQL's makes an Invalid Date (whose `toISOString` throws). A query
 * answered without one person and failing with them is a membership oracle, after the charge.
 *
 * Rule (compile-expr.ts `keyOutput`, engine.ts `normalizeValue`, engine-values.ts `publicKey`/`toBin`/`toBig`):
 * every value that leaves the engine goes through a total conversion in the compiled SQL (date keys as ISO text
 * for years 1–9999, else NULL; double keys as double precision; aggregates as exact integers), and the Node-side
 * readers are total (a value not of the compiled type is a data-independent INTERNAL error, never a value in a
 * message, never a silent 0).
 *
 * Tests: the regression (each unrepresentable date as a key, both engines); the readers on hostile JS values;
 * and a generative test: random hostile values (±infinity and extreme dates, NaN/±Inf/denormal doubles, huge
 * decimals and HUGEINTs, odd Unicode text) in every column type, used as group key and as aggregate input, on
 * DuckDB and PostgreSQL, on neighbouring tables (with and without one hostile person): the outcome (answered,
 * or the refusal's code) is the same on both, and never ENGINE_ERROR or INTERNAL.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { normalizeValue, type SqlEngine } from '../../src/sql/engine.js';
import { publicKey, toBin } from '../../src/sql/engine-values.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { postgresTestUrl } from './postgres-url.js';

type Kind = 'duckdb' | 'postgres';
interface Target {
  readonly kind: Kind;
  readonly engine: SqlEngine;
  /** Runs raw setup SQL (not through the DP path). */
  readonly exec: (sql: string) => Promise<void>;
}
const targets: Target[] = [];
let pgClient: pg.Client | undefined;

/** Stored types per engine (each allowed for its declared type by check-public.ts). */
const STORED: Record<Kind, Record<string, string>> = {
  duckdb: {
    pid: 'BIGINT',
    i: 'BIGINT',
    h: 'HUGEINT',
    f: 'DOUBLE',
    dec: 'DECIMAL(38,10)',
    s: 'VARCHAR',
    b: 'BOOLEAN',
    d: 'DATE',
  },
  postgres: {
    pid: 'bigint',
    i: 'bigint',
    h: 'integer',
    f: 'double precision',
    dec: 'numeric(300,10)',
    s: 'text',
    b: 'boolean',
    d: 'date',
  },
};
const COLUMNS = ['pid', 'i', 'h', 'f', 'dec', 's', 'b', 'd'] as const;
type Column = (typeof COLUMNS)[number];
type Row = Record<Column, string>;

const text = (s: string) => `'${s.replace(/'/g, "''")}'`;
const dbl = (s: string) => `CAST(${text(s)} AS DOUBLE PRECISION)`;

/** Ordinary rows: 40 people, a few rows each. */
function baseRows(): Row[] {
  return Array.from({ length: 120 }, (_, k) => ({
    pid: String((k % 40) + 1),
    i: String(k % 7),
    h: String(k % 5),
    f: dbl(String((k % 9) / 2)),
    dec: `${k % 4}.25`,
    s: text(`s${k % 3}`),
    b: k % 2 === 0 ? 'TRUE' : 'FALSE',
    d: `DATE '2020-01-01' + ${k % 4}`,
  }));
}

const tables = (kind: Kind) => `(${COLUMNS.map((c) => `${c} ${STORED[kind][c]}`).join(', ')})`;
const insert = (table: string, rows: readonly Row[]) =>
  `INSERT INTO ${table} VALUES ${rows.map((r) => `(${COLUMNS.map((c) => r[c]).join(', ')})`).join(', ')}`;

beforeAll(async () => {
  const duck = await DuckDbEngine.open({ allowExternalAccess: true });
  targets.push({ kind: 'duckdb', engine: duck, exec: (sql) => duck.connection.run(sql).then(() => undefined) });
  const url = postgresTestUrl();
  pgClient = new pg.Client({ connectionString: url });
  await pgClient.connect();
  const client = pgClient;
  targets.push({
    kind: 'postgres',
    engine: await PostgresEngine.open({ connectionString: url }),
    exec: (sql) => client.query(sql).then(() => undefined),
  });
  for (const t of targets) {
    await t.exec('DROP TABLE IF EXISTS hk_base');
    await t.exec('DROP TABLE IF EXISTS hk_nb');
    await t.exec('DROP TABLE IF EXISTS hk_ts');
    await t.exec(`CREATE TABLE hk_base ${tables(t.kind)}`);
    await t.exec(insert('hk_base', baseRows()));
    await t.exec(`CREATE TABLE hk_nb ${tables(t.kind)}`);
    await t.exec(insert('hk_nb', baseRows()));
  }
}, 60_000);

afterAll(async () => {
  for (const t of targets) {
    await t.exec('DROP TABLE IF EXISTS hk_base').catch(() => {});
    await t.exec('DROP TABLE IF EXISTS hk_nb').catch(() => {});
    await t.exec('DROP TABLE IF EXISTS hk_ts').catch(() => {});
    await t.engine.close();
  }
  await pgClient?.end();
});

function schema(table: string, rowLevel: boolean): SqlSchema {
  return parseSqlSchema({
    dataset: `hk-${table}`,
    budget: { epsilon: 1e6, delta: 0.5 },
    tables: {
      [table]: {
        ...(rowLevel ? {} : { privacyUnit: 'pid' }),
        maxPartitions: 2,
        maxContributionsPerPartition: 2,
        columns: {
          pid: { type: 'integer' },
          i: { type: 'integer', lower: -5, upper: 10 },
          h: { type: 'integer', lower: 0, upper: 10 },
          f: { type: 'float', lower: 0, upper: 5 },
          dec: { type: 'float', lower: 0, upper: 4 },
          s: { type: 'string' },
          b: { type: 'boolean' },
          d: { type: 'date' },
        },
      },
    },
  });
}

type Outcome = { ok: true; keys: unknown[] } | { ok: false; code: string };

async function outcome(t: Target, table: string, sql: string, rowLevel: boolean): Promise<Outcome> {
  try {
    const r = await runDpSql({
      sql: sql.replace('$T', table),
      schema: schema(table, rowLevel),
      engine: t.engine,
      ledger: new MemoryLedger(),
      epsilon: 1,
      delta: 1e-6,
      rng: new SeededRandomSource(3),
    });
    return { ok: true, keys: r.rows.map((row) => row[0]) };
  } catch (e) {
    if (!(e instanceof DpError)) throw e;
    return { ok: false, code: e.code };
  }
}

/** Group keys over every column type and the date-valued expressions. */
const KEYS = [
  'd',
  'COALESCE(d, d)',
  "date_trunc('month', d)",
  'year(d)',
  'CAST(d AS VARCHAR)',
  'i',
  'h',
  'f',
  'dec',
  'ROUND(f)',
  's',
  'LENGTH(s)',
  'b',
  "CASE WHEN d > DATE '2020-01-02' THEN d END",
];
/** Aggregates over every numeric column and count inputs of every type. */
const AGGREGATES = ['COUNT(*)', 'COUNT(d)', 'COUNT(s)', 'SUM(i)', 'SUM(h)', 'AVG(f)', 'SUM(dec)', 'MEDIAN(f)', 'VARIANCE(dec)', 'AVG(i)'];

const dateValue = fc.oneof(
  fc.constantFrom("'infinity'", "'-infinity'", 'NULL', "DATE '9999-12-31'", "DATE '0001-01-01'", "CAST('275761-01-01' AS DATE)"),
  fc.integer({ min: -2_000_000, max: 2_100_000_000 }).map((n) => `DATE '2000-01-01' + ${n}`),
);
const doubleValue = fc.oneof(
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1.7976931348623157e308', '-1.7976931348623157e308', '5e-324', '-0'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
);
const oddText = fc.oneof(
  fc.constantFrom('', 'infinity', 'NaN', '2020-13-45', '\\', '%_', 'x'.repeat(5000), '\u{1F600}\u0301', '\u202E'),
  fc
    .string({ unit: 'binary', maxLength: 24 })
    .filter((s) => !s.includes('\u0000') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)),
);

/** One hostile person's row, as SQL literals for the given engine. */
const hostileRow = fc.record({
  i: fc.oneof(
    fc.constantFrom('9223372036854775807', '-9223372036854775808', 'NULL'),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  ),
  h: fc.constantFrom('max', 'min', 'NULL', '3'),
  f: fc.oneof(doubleValue, fc.constant('NULL')),
  dec: fc.constantFrom('max', 'min', 'tiny', 'NaN', 'NULL', '1.5'),
  s: fc.oneof(oddText, fc.constant('NULL')),
  b: fc.constantFrom('TRUE', 'FALSE', 'NULL'),
  d: dateValue,
});
type Hostile = typeof hostileRow extends fc.Arbitrary<infer R> ? R : never;

function literalRow(kind: Kind, h: Hostile): Row {
  const hugeMax = kind === 'duckdb' ? '170141183460469231731687303715884105727' : '2147483647';
  const hugeMin = kind === 'duckdb' ? '-170141183460469231731687303715884105728' : '-2147483648';
  const decMax = kind === 'duckdb' ? `${'9'.repeat(28)}.${'9'.repeat(10)}` : `${'9'.repeat(290)}.${'9'.repeat(10)}`;
  const dec = {
    max: decMax,
    min: `-${decMax}`,
    tiny: '0.0000000001',
    NaN: kind === 'postgres' ? "'NaN'" : 'NULL',
    NULL: 'NULL',
    '1.5': '1.5',
  }[h.dec];
  return {
    pid: '1000',
    i: h.i,
    h: h.h === 'max' ? hugeMax : h.h === 'min' ? hugeMin : h.h,
    f: h.f === 'NULL' ? 'NULL' : dbl(h.f),
    dec: dec ?? 'NULL',
    s: h.s === 'NULL' ? 'NULL' : text(h.s),
    b: h.b,
    d: h.d === "'infinity'" || h.d === "'-infinity'" ? `CAST(${h.d} AS DATE)` : h.d,
  };
}

describe('readers of engine values are total', () => {
  it('normalizeValue: a Date (valid or invalid) or a driver object is INTERNAL with no value in the message; scalars pass', () => {
    for (const v of [
      new Date(Number.NaN),
      new Date(8.64e15),
      new Date('2020-01-01'),
      { toString: () => 'secret' },
      new Uint8Array([1]),
      [1],
    ]) {
      let caught: unknown;
      try {
        normalizeValue(v);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(DpError);
      expect((caught as DpError).code).toBe('INTERNAL');
      expect((caught as DpError).message).not.toMatch(/secret|2020|NaN|Invalid/);
    }
    expect(normalizeValue(undefined)).toBeNull();
    expect(normalizeValue(null)).toBeNull();
    expect(normalizeValue(5n)).toBe(5n);
    expect(normalizeValue(Number.NaN)).toBeNaN();
    expect(normalizeValue('x')).toBe('x');
    expect(normalizeValue(false)).toBe(false);
  });

  it('publicKey reads each key by its static type and refuses any other shape (INTERNAL)', () => {
    expect(publicKey('2020-01-01', 'date')).toBe('2020-01-01');
    expect(publicKey(null, 'date')).toBeNull();
    expect(publicKey('12', 'integer')).toBe(12);
    expect(publicKey(2n ** 100n, 'integer')).toBe((2n ** 100n).toString());
    expect(publicKey('-9223372036854775808', 'integer')).toBe('-9223372036854775808');
    expect(publicKey(Number.NaN, 'double')).toBeNaN();
    expect(publicKey(true, 'boolean')).toBe(true);
    const bad: [unknown, Parameters<typeof publicKey>[1]][] = [
      ['infinity', 'date'],
      ['275761-01-01', 'date'],
      [1.5, 'integer'],
      ['1e5', 'integer'],
      ['1.5', 'double'],
      [1, 'text'],
      ['t', 'boolean'],
      ['x', 'null'],
    ];
    for (const [v, type] of bad) expect(() => publicKey(v as never, type)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('toBin accepts integers in [0, bins) only: a bin outside is INTERNAL, never silently dropped', () => {
    expect(toBin(3n, 256)).toBe(3);
    expect(toBin('255', 256)).toBe(255);
    expect(toBin(0, 256)).toBe(0);
    for (const v of [256, -1, 1.5, null, undefined, 'x', true, '1e2'])
      expect(() => toBin(v as never, 256)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('dates the driver cannot represent, as group keys (regression, both engines)', () => {
  const values = ["'infinity'", "'-infinity'", "CAST('275761-01-01' AS DATE)", "DATE '2000-01-01' + 2000000000", "DATE '0001-01-01' - 400"];
  it.each(values)('one person with DATE %s: answered like the table without them; keys are ISO text or NULL', async (value) => {
    for (const t of targets) {
      await t.exec('DELETE FROM hk_nb WHERE pid = 1000');
      const d = value.startsWith("'") ? `CAST(${value} AS DATE)` : value;
      await t.exec(`INSERT INTO hk_nb VALUES (1000, 1, 1, 1, 1, 'x', TRUE, ${d})`);
      for (const key of ['d', 'COALESCE(d, d)', "date_trunc('month', d)"]) {
        for (const rowLevel of [true, false]) {
          const sql = `SELECT ${key} AS k, COUNT(*) AS n FROM $T GROUP BY ${key}`;
          const base = await outcome(t, 'hk_base', sql, rowLevel);
          const nb = await outcome(t, 'hk_nb', sql, rowLevel);
          expect(nb.ok, `${t.kind} ${key}`).toBe(true);
          expect(base.ok).toBe(true);
          if (nb.ok) for (const k of nb.keys) expect(k === null || /^\d{4}-\d{2}-\d{2}$/.test(String(k))).toBe(true);
        }
      }
    }
  });

  it('a TIMESTAMP column declared as a date is refused before the charge (INVALID_SCHEMA) whatever it holds', async () => {
    for (const t of targets) {
      await t.exec('DROP TABLE IF EXISTS hk_ts');
      await t.exec(`CREATE TABLE hk_ts (pid BIGINT, d TIMESTAMP)`);
      await t.exec("INSERT INTO hk_ts VALUES (1, CAST('infinity' AS TIMESTAMP)), (2, TIMESTAMP '2020-01-01 00:00:00')");
      const ledger = new MemoryLedger();
      const run = runDpSql({
        sql: 'SELECT d, COUNT(*) AS n FROM hk_ts GROUP BY d',
        schema: parseSqlSchema({
          dataset: 'hk-ts',
          budget: { epsilon: 10, delta: 1e-5 },
          tables: { hk_ts: { privacyUnit: 'pid', columns: { pid: { type: 'integer' }, d: { type: 'date' } } } },
        }),
        engine: t.engine,
        ledger,
        epsilon: 1,
        delta: 1e-6,
        rng: new SeededRandomSource(1),
      });
      await expect(run).rejects.toMatchObject({ code: 'INVALID_SCHEMA' });
      expect(ledger.charges).toHaveLength(0);
    }
  });
});

describe('generative: hostile values in every column type, as key and as aggregate input, on neighbouring tables', () => {
  it('the outcome is the same with and without one hostile person, on DuckDB and PostgreSQL, and never an engine or internal error (fast-check seed 1003)', async () => {
    const baseCache = new Map<string, Outcome>();
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KEYS),
        fc.constantFrom(...AGGREGATES),
        fc.boolean(),
        hostileRow,
        async (key, aggregate, rowLevel, hostile) => {
          const sql = `SELECT ${key} AS k, ${aggregate} AS a FROM $T GROUP BY ${key}`;
          for (const t of targets) {
            await t.exec('DELETE FROM hk_nb WHERE pid = 1000');
            await t.exec(insert('hk_nb', [literalRow(t.kind, hostile)]));
            const cacheKey = `${t.kind}|${sql}|${rowLevel}`;
            const base = baseCache.get(cacheKey) ?? (await outcome(t, 'hk_base', sql, rowLevel));
            baseCache.set(cacheKey, base);
            const nb = await outcome(t, 'hk_nb', sql, rowLevel);
            const shape = (o: Outcome) => (o.ok ? 'answered' : o.code);
            expect(shape(nb), `${t.kind}: ${sql} (row-level ${rowLevel})`).toBe(shape(base));
            expect(['ENGINE_ERROR', 'INTERNAL']).not.toContain(shape(nb));
            if (nb.ok) answered++;
          }
        },
      ),
      { seed: 1003, numRuns: 60 },
    );
    // Not vacuous: most of these queries are answered.
    expect(answered).toBeGreaterThan(60);
  }, 300_000);
});
