/**
 * Review S29b (class 3 "answered depends on a row"; S29's rule for every engine that reads an operator's catalog):
 * a VIEW in a DuckDB database file runs SQL tsdp did not compile — `CAST(age_text AS INTEGER)` raised on one
 * person's 'unknown', after the charge. Review S30: so does a BASE TABLE's VIRTUAL generated column (computed when
 * read; DuckDB checks it on INSERT, not on UPDATE). Rule (`src/sql/engines/stored-only.ts`, duckdb.ts `catalog`): a
 * declared table is a stored table without expression columns (generated or DEFAULT: the catalog does not tell them
 * apart) or one of the views tsdp made over declared files (TRY_CAST, total); anything else is refused with
 * INVALID_SCHEMA before any charge, whatever its rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

type Kind = 'table' | 'view-cast' | 'view-plain' | 'declared-file' | 'generated' | 'default';
const KINDS: readonly Kind[] = ['table', 'view-cast', 'view-plain', 'declared-file', 'generated', 'default'];
const REFUSED: ReadonlySet<Kind> = new Set(['view-cast', 'view-plain', 'generated', 'default']);

const dir = mkdtempSync(join(tmpdir(), 'tsdp-duck-stored-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = parseSqlSchema({
  dataset: 'duck_stored_only',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    people: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, age: { type: 'integer', lower: 0, upper: 120 } },
    },
  },
});

let serial = 0;

/** An engine whose `people` is of the given kind over the raw rows (age as text). */
async function build(kind: Kind, rows: readonly (readonly [number, string])[]): Promise<DuckDbEngine> {
  serial++;
  if (kind === 'declared-file') {
    const csv = join(dir, `people-${serial}.csv`);
    writeFileSync(csv, `pid,age\n${rows.map(([p, a]) => `${p},${a}`).join('\n')}${rows.length ? '\n' : ''}`);
    return DuckDbEngine.open({ files: { people: csv }, columnTypes: { people: { pid: 'integer', age: 'integer' } } });
  }
  const path = join(dir, `people-${serial}.duckdb`);
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  await c.run('CREATE TABLE raw (pid BIGINT, age_text VARCHAR)');
  for (const [p, a] of rows) await c.run('INSERT INTO raw VALUES ($1, $2)', [p, a]);
  const create: Record<Exclude<Kind, 'declared-file'>, string> = {
    table: 'CREATE TABLE people AS SELECT pid, TRY_CAST(age_text AS INTEGER) AS age FROM raw',
    'view-cast': 'CREATE VIEW people AS SELECT pid, CAST(age_text AS INTEGER) AS age FROM raw',
    'view-plain': 'CREATE VIEW people AS SELECT pid, TRY_CAST(age_text AS INTEGER) AS age FROM raw',
    // S30: inserted castable (DuckDB checks a generated column on INSERT), then the raw text written by UPDATE.
    generated: `CREATE TABLE people (pid BIGINT, age_text VARCHAR, age INTEGER GENERATED ALWAYS AS (CAST(age_text AS INTEGER)) VIRTUAL);
      INSERT INTO people (pid, age_text) SELECT pid, '0' FROM raw;
      UPDATE people SET age_text = raw.age_text FROM raw WHERE people.pid = raw.pid`,
    default: `CREATE TABLE people (pid BIGINT, age INTEGER, note INTEGER DEFAULT 3);
      INSERT INTO people (pid, age) SELECT pid, TRY_CAST(age_text AS INTEGER) FROM raw`,
  };
  for (const statement of create[kind].split(';')) await c.run(statement);
  c.closeSync();
  instance.closeSync();
  return DuckDbEngine.open({ database: path });
}

/** 'answered' or the error code of a DP count, and how many charges the ledger took. */
async function outcome(engine: DuckDbEngine): Promise<{ result: string; charged: number }> {
  const ledger = new MemoryLedger();
  try {
    const result = await runDpSql({
      sql: 'SELECT COUNT(*) AS n FROM people WHERE age > 30',
      schema,
      engine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(1),
    }).then(
      () => 'answered',
      (e: { code?: string }) => String(e.code),
    );
    return { result, charged: ledger.charges.length };
  } finally {
    await engine.close();
  }
}

describe('a declared DuckDB table must be stored or a view tsdp made: other views are refused before the charge (review S29b)', () => {
  it("regression: the review's casting view in a database file is refused (INVALID_SCHEMA, nothing charged), with or without an uncastable row", async () => {
    const rows: [number, string][] = Array.from({ length: 20 }, (_, i) => [i + 1, String(20 + i)]);
    expect(await outcome(await build('view-cast', rows))).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
    expect(await outcome(await build('view-cast', [...rows, [1000, 'unknown']]))).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
    const engine = await build('view-cast', [...rows, [1000, 'unknown']]);
    try {
      await runDpSql({ sql: 'SELECT COUNT(*) AS n FROM people', schema, engine, ledger: new MemoryLedger(), epsilon: 1 }).then(
        () => expect.unreachable(),
        (e: Error) => {
          expect(e.message).toContain('is a view');
          expect(e.message).not.toContain('unknown');
        },
      );
    } finally {
      await engine.close();
    }
  }, 60_000);

  it("regression S30: a VIRTUAL generated column whose raw text one person's UPDATE made uncastable is refused (INVALID_SCHEMA, nothing charged), with or without that person", async () => {
    const rows = [1, 2, 3].map((i) => [i, String(20 + i)] as const);
    expect(await outcome(await build('generated', rows))).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
    expect(await outcome(await build('generated', [...rows, [1000, 'unknown']]))).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
    const engine = await build('generated', [...rows, [1000, 'unknown']]);
    try {
      await engine.catalog(['people']).then(
        () => expect.unreachable(),
        (e: Error) => {
          expect(e.message).toContain('computed from an expression ("age"');
          expect(e.message).not.toContain('unknown');
        },
      );
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('generative (fast-check, seed 291): for every relation kind, one more person (castable or not) never changes answered/refused or the charge', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KINDS),
        fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 6 }),
        fc.constantFrom('unknown', '', '999999999999', '42', '-1'),
        async (kind, ages, extra) => {
          const rows = ages.map((a, i) => [i + 1, String(a)] as const);
          const without = await outcome(await build(kind, rows));
          const withPerson = await outcome(await build(kind, [...rows, [1000, extra]]));
          expect(withPerson).toEqual(without);
          expect(without.result).toBe(REFUSED.has(kind) ? 'INVALID_SCHEMA' : 'answered');
          expect(without.charged).toBe(without.result === 'answered' ? 1 : 0);
        },
      ),
      { numRuns: 30, seed: 291 },
    );
  }, 180_000);
});
