/**
 * Review of a25c8db (stop 26, reviewer "review-sqlfast"): the DuckDB catalog step answers for tsdp's own views from
 * what tsdp built (`src/sql/engines/duckdb-catalog.ts`, "Own views without a catalog read"). The class: an answer —
 * or a refusal — of the shortcut that differs from the catalog query's, and through it a different compiled statement,
 * a different charge or a refusal lost. Members the engineer's test (test/sql/duckdb-catalog-own-views.test.ts) does
 * not draw:
 * - Names beyond ASCII/`é`: Unicode case pairs that JavaScript folds and DuckDB may not, or the reverse (Kelvin sign
 *   U+212A, `ß`/`ẞ`, `İ`/`ı`, final sigma, a non-BMP letter), quotes, dots, reserved words (`select`, `rowid`), a long
 *   name. Generative, fast-check seed 2660, 40 runs, exact (no randomness in the property).
 * - A database file beside the declared files (the views then live in the temporary catalog): a table of the declared
 *   file's name with a COLLATE or generated column is shadowed (both answers the same, the statement answered), and a
 *   macro shadowing a built-in is still refused INVALID_SCHEMA before any charge on the shortcut.
 * - The released values: runDpSql with the same seed on an engine that never handed out its connection and one that
 *   did gives the same rows and the same charge (CSV with the typed/text decision, Parquet, JSON Lines).
 * - A declared file rewritten between statements (view rebuilt): the shortcut still equals the catalog query.
 * - Ill-formed names (a lone surrogate: JSON Lines keys, the table name): DuckDB receives U+FFFD. Failed at a25c8db
 *   (the shortcut answered the JS name; two names differing only in their surrogate were one column in DuckDB);
 *   fixed here (`duckdb-file-view.ts` keeps no `viewTypes` for them). Reach: `engine.catalog()` only — the schema's
 *   names are ASCII identifiers, so no DP statement can name such a column.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import type { DeclaredColumnType, DuckDbOptions } from '../../src/sql/engines/duckdb-options.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-review-sqlfast-'));
let writerInstance: DuckDBInstance;
let writer: Awaited<ReturnType<DuckDBInstance['connect']>>;
beforeAll(async () => {
  writerInstance = await DuckDBInstance.create(':memory:');
  writer = await writerInstance.connect();
});
afterAll(() => {
  writer.closeSync();
  writerInstance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const TYPES: readonly DeclaredColumnType[] = ['integer', 'float', 'string', 'boolean', 'date'];
const TEXT: Record<DeclaredColumnType, string> = { integer: '7', float: '2.5', string: 'x', boolean: 'true', date: '2020-01-02' };
const SQL_VALUE: Record<DeclaredColumnType, string> = {
  integer: '7::BIGINT',
  float: '2.5::DOUBLE',
  string: "'x'",
  boolean: 'true',
  date: "DATE '2020-01-02'",
};

let fileNo = 0;
const quoteId = (s: string) => `"${s.replaceAll('"', '""')}"`;
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

async function writeData(format: 'csv' | 'parquet' | 'json', cols: readonly { name: string; type: DeclaredColumnType }[]): Promise<string> {
  const path = join(dir, `f${++fileNo}.${format === 'json' ? 'jsonl' : format}`);
  if (format === 'parquet') {
    const select = cols.map((c) => `${SQL_VALUE[c.type]} AS ${quoteId(c.name)}`).join(', ');
    await writer.run(`COPY (SELECT ${select} FROM range(2)) TO '${path}' (FORMAT parquet)`);
  } else if (format === 'csv') {
    writeFileSync(path, `${cols.map((c) => csvField(c.name)).join(',')}\n${cols.map((c) => TEXT[c.type]).join(',')}\n`);
  } else {
    const row = JSON.stringify(Object.fromEntries(cols.map((c) => [c.name, TEXT[c.type]])));
    writeFileSync(path, `${row}\n${row}\n`);
  }
  return path;
}

/** The catalog step's answer (sorted, as data) or the code of the refusal; `handOut` forces the catalog query. */
async function answer(options: DuckDbOptions, tables: readonly string[], handOut: boolean): Promise<unknown> {
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open(options);
  } catch (e) {
    return { open: (e as { code?: string }).code ?? 'thrown' };
  }
  try {
    if (handOut) void engine.connection;
    const m = await engine.catalog(tables);
    return [...m]
      .map(([t, cols]) => [t, [...cols].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (e) {
    return { catalog: (e as { code?: string }).code ?? 'thrown' };
  } finally {
    await engine.close();
  }
}

describe('review a25c8db: own-view catalog shortcut = catalog query', () => {
  it('generative (fast-check, seed 2660): Unicode case pairs, quotes, reserved words, long names — same answer', async () => {
    const pool = ['\u212A', 'k', 'K', 'ß', 'ẞ', 'SS', 'İ', 'i', 'ı', 'I', 'Σ', 'σ', 'ς', '𝔸', '𝕒', '"', '.', ' ', 'ǅ', 'ǆ', 'Ǆ', 'é', 'É'];
    const nameArb = fc.oneof(
      fc.constantFrom('select', 'rowid', 'SELECT', 'Rowid', 'x'.repeat(300), 'X'.repeat(300), '\u212A', 'k', 'ß', 'ẞ', 'ǅ', 'ǆ'),
      fc
        .array(fc.constantFrom(...pool), { minLength: 1, maxLength: 5 })
        .map((cs) => `n${cs.join('')}`)
        .filter((s) => s.trim() === s),
    );
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('csv', 'parquet', 'json') as fc.Arbitrary<'csv' | 'parquet' | 'json'>,
        fc.uniqueArray(fc.record({ name: nameArb, type: fc.constantFrom(...TYPES) }), {
          minLength: 1,
          maxLength: 4,
          selector: (c) => c.name,
        }),
        async (format, cols) => {
          const path = await writeData(format, cols);
          const options: DuckDbOptions = { files: { t: path }, columnTypes: { t: Object.fromEntries(cols.map((c) => [c.name, c.type])) } };
          const queried = await answer(options, ['t'], true);
          const own = await answer(options, ['t'], false);
          expect(own).toEqual(queried);
          if (Array.isArray(own)) answered++;
        },
      ),
      { numRuns: 40, seed: 2660 },
    );
    expect(answered).toBeGreaterThan(10);
  }, 240_000);

  it('a database file: a same-named stored table (COLLATE, generated column) is shadowed by the view, both answers equal', async () => {
    const db = join(dir, 'shadowed.duckdb');
    const inst = await DuckDBInstance.create(db);
    const c = await inst.connect();
    await c.run('CREATE TABLE t (k VARCHAR COLLATE NOCASE, v BIGINT, g BIGINT GENERATED ALWAYS AS (v + 1))');
    await c.run("INSERT INTO t (k, v) VALUES ('a', 1)");
    await c.run('CREATE TABLE s (pid BIGINT, x BIGINT)');
    c.closeSync();
    inst.closeSync();
    const path = await writeData('csv', [
      { name: 'pid', type: 'integer' },
      { name: 'k', type: 'string' },
    ]);
    const options: DuckDbOptions = { database: db, files: { t: path }, columnTypes: { t: { pid: 'integer', k: 'string' } } };
    const own = await answer(options, ['t'], false);
    expect(own).toEqual(await answer(options, ['t'], true));
    expect(own).toEqual([
      [
        't',
        [
          ['k', 'varchar'],
          ['pid', 'bigint <- varchar'],
        ],
      ],
    ]);
    // With a stored table asked beside it, the catalog query runs: the same answer both ways.
    expect(await answer(options, ['t', 's'], false)).toEqual(await answer(options, ['t', 's'], true));
  }, 60_000);

  it('a database file with a macro shadowing a built-in: the shortcut still refuses INVALID_SCHEMA, nothing charged', async () => {
    const db = join(dir, 'macro.duckdb');
    const inst = await DuckDBInstance.create(db);
    const c = await inst.connect();
    await c.run("CREATE MACRO abs(a) AS CAST(CAST(a AS VARCHAR) || 'x' AS INTEGER)");
    c.closeSync();
    inst.closeSync();
    const path = await writeData('csv', [
      { name: 'pid', type: 'integer' },
      { name: 'x', type: 'integer' },
    ]);
    const options: DuckDbOptions = { database: db, files: { t: path }, columnTypes: { t: { pid: 'integer', x: 'integer' } } };
    expect(await answer(options, ['t'], false)).toEqual({ catalog: 'INVALID_SCHEMA' });
    expect(await answer(options, ['t'], true)).toEqual({ catalog: 'INVALID_SCHEMA' });
    const engine = await DuckDbEngine.open(options);
    const ledger = new MemoryLedger();
    try {
      const schema = parseSqlSchema({
        dataset: 'review_sqlfast_macro',
        budget: { epsilon: 10, delta: 1e-5 },
        tables: { t: { privacyUnit: 'pid', columns: { pid: { type: 'integer' }, x: { type: 'integer', lower: 0, upper: 10 } } } },
      });
      await expect(runDpSql({ sql: 'SELECT COUNT(*) AS n FROM t', schema, engine, ledger, epsilon: 1 })).rejects.toMatchObject({
        code: 'INVALID_SCHEMA',
      });
      expect(ledger.charges).toHaveLength(0);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('released rows and charge: the same seed gives the same release with and without the catalog query', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ pid: i, g: ['a', 'b', 'c'][i % 3] as string, x: (i * 7) % 11 }));
    const csv = join(dir, 'release.csv');
    writeFileSync(csv, `pid,g,x\n${rows.map((r) => `${r.pid},${r.g},${r.x}`).join('\n')}\n`);
    const csvBad = join(dir, 'release-bad.csv'); // one untyped field: the decision goes to the text reader
    writeFileSync(csvBad, `pid,g,x\n${rows.map((r) => `${r.pid},${r.g},${r.pid === 5 ? 'oops' : r.x}`).join('\n')}\n`);
    const parquet = join(dir, 'release.parquet');
    await writer.run(
      `COPY (SELECT i AS pid, ['a','b','c'][i % 3 + 1] AS g, (i * 7) % 11 AS x FROM range(200) r(i)) TO '${parquet}' (FORMAT parquet)`,
    );
    const jsonl = join(dir, 'release.jsonl');
    writeFileSync(jsonl, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const schema = parseSqlSchema({
      dataset: 'review_sqlfast_release',
      budget: { epsilon: 100, delta: 1e-5 },
      tables: {
        t: {
          privacyUnit: 'pid',
          columns: {
            pid: { type: 'integer' },
            g: { type: 'string', categories: ['a', 'b', 'c'] },
            x: { type: 'integer', lower: 0, upper: 10 },
          },
        },
      },
    });
    const queries = ['SELECT COUNT(*) AS n FROM t', 'SELECT g, COUNT(*) AS n, SUM(x) AS s FROM t GROUP BY g'];
    async function release(path: string, handOut: boolean, sql: string, seed: number): Promise<unknown> {
      const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', g: 'string', x: 'integer' } } });
      const ledger = new MemoryLedger();
      try {
        if (handOut) void engine.connection;
        const r = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(seed) });
        return { rows: r.rows, charges: ledger.charges.map((ch) => JSON.stringify(ch)) };
      } catch (e) {
        return { error: (e as { code?: string }).code, charges: ledger.charges.length };
      } finally {
        await engine.close();
      }
    }
    let compared = 0;
    for (const path of [csv, csvBad, parquet, jsonl]) {
      for (const sql of queries) {
        for (const seed of [1, 2]) {
          const own = await release(path, false, sql, seed);
          expect(own).toEqual(await release(path, true, sql, seed));
          expect(own).toHaveProperty('rows');
          compared++;
        }
      }
    }
    expect(compared).toBe(16);
  }, 240_000);

  it('a declared file rewritten between statements (view rebuilt): the shortcut still equals the catalog query', async () => {
    const path = join(dir, 'rewritten.csv');
    writeFileSync(path, 'k,v\n1,2.5\n');
    const types = { k: 'integer', v: 'float' } as const;
    const own = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: types } });
    const queried = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: types } });
    void queried.connection;
    const schema = parseSqlSchema({
      dataset: 'review_sqlfast_rewrite',
      budget: { epsilon: 100, delta: 1e-5 },
      tables: { t: { columns: { k: { type: 'integer', lower: 0, upper: 10 }, v: { type: 'float', lower: 0, upper: 10 } } } },
    });
    try {
      const sql = 'SELECT COUNT(*) AS n FROM t';
      const run = (engine: DuckDbEngine) =>
        runDpSql({ sql, schema, engine, ledger: new MemoryLedger(), epsilon: 1, rng: new SeededRandomSource(3) });
      expect((await run(own)).rows).toEqual((await run(queried)).rows);
      // Columns reordered, one added, one value no longer an integer: the views are rebuilt at the next statement.
      writeFileSync(path, 'extra,v,k\nz,3.5,x\nz,1,2\n');
      expect((await run(own)).rows).toEqual((await run(queried)).rows);
      const a = await own.catalog(['t']);
      const b = await queried.catalog(['t']);
      expect([...(a.get('t') ?? [])].sort()).toEqual([...(b.get('t') ?? [])].sort());
    } finally {
      await own.close();
      await queried.close();
    }
  }, 60_000);

  // Found at a25c8db, fixed on wip/review-sqlfast (NOTES-stop26-review-sqlfast.md, finding 1): a declared name with a lone surrogate reaches DuckDB as
  // U+FFFD (the driver encodes UTF-8 with replacement), so the catalog names the column otherwise — and two declared
  // names that differ only in their lone surrogate become ONE name in DuckDB, the second renamed `_1`: the shortcut
  // then tells the public checks the second name has the second's type while every statement reads the first column.
  it('ill-formed names (lone surrogates, JSON Lines keys and the table name): the same answer as the catalog query', async () => {
    const path = join(dir, 'surrogate.jsonl');
    writeFileSync(path, `${JSON.stringify({ pid: 1, 'a\uFFFD': '2.5' })}\n${JSON.stringify({ pid: 2, 'a\uFFFD': '7' })}\n`);
    const cases: { table: string; types: Record<string, DeclaredColumnType> }[] = [
      { table: 't', types: { pid: 'integer', 'a\ud800': 'float' } },
      { table: 't', types: { pid: 'integer', 'a\ud800': 'float', 'a\udc00': 'integer' } },
      { table: 't\ud800', types: { pid: 'integer' } },
    ];
    for (const c of cases) {
      const options: DuckDbOptions = { files: { [c.table]: path }, columnTypes: { [c.table]: c.types } };
      expect(await answer(options, [c.table], false), JSON.stringify(c)).toEqual(await answer(options, [c.table], true));
    }
  }, 60_000);
});
