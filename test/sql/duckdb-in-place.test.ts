/**
 * DuckDB queries the declared files in place (src/sql/engines/duckdb.ts,
 * module header): each file is a view with the declared casts; DuckDB's
 * allowed_paths is exactly the declared files; external access is off and the
 * configuration locked before any statement runs; `query` runs one SELECT only.
 *
 * - Boundary: a statement cannot read another file, attach a database file,
 *   install or load an extension from disk, change a setting, or write (COPY)
 *   even the declared file — through `query` and straight on the connection.
 * - Totality: whatever the lines of a CSV hold (malformed values, too many or
 *   too few fields, unterminated quotes, invalid UTF-8, long lines), a query
 *   filtering to any one row never fails — a malformed value is NULL and an
 *   unreadable line is skipped, each decided by its own line (fast-check).
 * - Public causes before any charge: a declared column the file lacks is
 *   NOT_FOUND naming the column and the file.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { openDataSource } from '../../src/sql/open-data.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const COLUMNS = { person_id: 'integer', amount: 'float', minutes: 'integer', note: 'string' } as const;

const schema = parseSqlSchema({
  dataset: 'inplace',
  budget: { epsilon: 1000 },
  tables: {
    t: {
      privacyUnit: 'person_id',
      columns: {
        person_id: { type: 'integer' },
        amount: { type: 'float', lower: 0, upper: 10 },
        minutes: { type: 'integer', lower: 0, upper: 60 },
        note: { type: 'string' },
      },
    },
  },
});

const dir = mkdtempSync(join(tmpdir(), 'tsdp-inplace-'));
const declared = join(dir, 't.csv');
const secret = join(dir, 'secret.csv');
const otherDb = join(dir, 'other.duckdb');
const CSV = 'person_id,amount,minutes,note\n1,2.5,10,a\n2,NA,oops,b\n3,7,20,c\n';
let engine: DuckDbEngine;

const stmt = (sql: string) => ({ sql, params: [] });

beforeAll(async () => {
  writeFileSync(declared, CSV);
  writeFileSync(secret, 'k,v\nkey,hunter2\n');
  engine = await DuckDbEngine.open({ files: { t: declared }, columnTypes: { t: COLUMNS } });
});
afterAll(async () => {
  await engine.close();
});

describe('DuckDB reads the declared files in place, and nothing else', () => {
  it('the table is a view over the file (no copy), with the declared types (and the text the file stores: S56)', async () => {
    const kind = await engine.connection.runAndReadAll("SELECT table_type FROM information_schema.tables WHERE table_name = 't'");
    expect(kind.getRowsJS()).toEqual([['VIEW']]);
    const cat = await engine.catalog(['t']);
    expect(Object.fromEntries(cat.get('t') ?? [])).toEqual({
      person_id: 'bigint <- varchar',
      amount: 'double <- varchar',
      minutes: 'bigint <- varchar',
      note: 'varchar',
    });
    const rows = await engine.query(stmt('SELECT COUNT(*) AS n, SUM(amount) AS s, COUNT(minutes) AS m FROM t'));
    expect(rows).toEqual([{ n: 3n, s: 9.5, m: 2n }]);
  });

  const refused: Array<[string, string]> = [
    ['read another file', `SELECT * FROM read_csv('${secret}')`],
    ['read another file as text', `SELECT content FROM read_text('${secret}')`],
    ['list the directory', `SELECT * FROM glob('${dir}/*')`],
    ['sniff another file', `SELECT * FROM sniff_csv('${secret}')`],
    ['attach a database file', `ATTACH '${otherDb}' AS o`],
    ['install an extension', 'INSTALL httpfs'],
    ['load an extension from disk', `LOAD '${dir}/x.duckdb_extension'`],
    ['turn external access back on', 'SET enable_external_access = true'],
    ['widen the allowed paths', `SET allowed_paths = ['${secret}']`],
    ['unlock the configuration', 'RESET lock_configuration'],
    ['write the declared file', `COPY (SELECT 1) TO '${declared}' (USE_TMP_FILE false)`],
    ['write another file', `COPY (SELECT 1) TO '${dir}/out.csv'`],
    ['run two statements', 'SELECT 1; SELECT 2'],
    ['call a procedure', 'CALL pragma_version()'],
  ];
  for (const [what, sql] of refused) {
    it(`query() refuses to ${what} with the one ENGINE_ERROR`, async () => {
      await expect(engine.query(stmt(sql))).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    });
  }

  it("DuckDB's own boundary holds on the raw connection too (another file, ATTACH, INSTALL, LOAD, SET, COPY), and the data file is unchanged", async () => {
    const c = engine.connection;
    await expect(c.run(`SELECT * FROM read_text('${secret}')`)).rejects.toThrow(/disabled by configuration/);
    await expect(c.run(`ATTACH '${otherDb}' AS o`)).rejects.toThrow(/disabled by configuration/);
    await expect(c.run('INSTALL httpfs')).rejects.toThrow(/Permission Error/);
    writeFileSync(join(dir, 'x.duckdb_extension'), 'not an extension');
    await expect(c.run(`LOAD '${dir}/x.duckdb_extension'`)).rejects.toThrow(/Permission Error/);
    await expect(c.run('LOAD httpfs')).rejects.toThrow(/Permission Error/);
    await expect(c.run('SET enable_external_access = true')).rejects.toThrow(/locked/);
    await expect(c.run(`SET allowed_directories = ['${dir}']`)).rejects.toThrow(/locked/);
    await expect(c.run(`COPY (SELECT 1) TO '${dir}/out.csv'`)).rejects.toThrow(/disabled by configuration/);
    expect(existsSync(otherDb)).toBe(false);
    expect(existsSync(join(dir, 'out.csv'))).toBe(false);
    expect(readFileSync(declared, 'utf8')).toBe(CSV);
  });

  it("the analyst's own SQL never reaches DuckDB as written: file functions, ATTACH, SET, COPY and several statements are refused before the charge", async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-inplace-home-'));
    const ledger = new FileLedger({ home });
    const attempts = [
      `SELECT COUNT(*) AS n FROM read_csv('${secret}')`,
      `SELECT COUNT(*) AS n FROM t JOIN read_text('${secret}') ON true`,
      `SELECT COUNT(*) AS n FROM t WHERE note = (SELECT content FROM read_text('${secret}'))`,
      `ATTACH '${otherDb}' AS o`,
      'SET enable_external_access = true',
      `COPY t TO '${dir}/out.csv'`,
      'SELECT COUNT(*) AS n FROM t; SELECT 1',
      'INSTALL httpfs',
    ];
    for (const sql of attempts) {
      const err = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) }).catch((e: unknown) => e);
      expect(err, sql).toBeInstanceOf(DpError);
      expect((err as DpError).code, sql).not.toBe('ENGINE_ERROR');
    }
    expect(await ledger.entries('inplace')).toEqual([]);
    await ledger.close();
  });

  it('a declared column the file lacks is NOT_FOUND naming the column and the file, before any charge', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-inplace-home-'));
    const path = join(dir, 'no-minutes.csv');
    writeFileSync(path, 'person_id,amount,note\n1,2,a\n');
    const err = await openDataSource({ data: [`t=${path}`], home }, schema).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'column', name: 't.minutes' } });
    expect((err as Error).message).toContain(path);
    const ledger = new FileLedger({ home });
    expect(await ledger.entries('inplace')).toEqual([]);
    await ledger.close();
  });

  it('Parquet and JSON files are views too, with the declared casts', async () => {
    const pq = join(dir, 'p.parquet');
    const js = join(dir, 'j.json');
    const maker = await DuckDbEngine.open({ allowExternalAccess: true });
    await maker.connection.run(
      `COPY (SELECT i AS person_id, i * 2 AS amount, i AS minutes, 'n' || i AS note FROM range(5) r(i)) TO '${pq}' (FORMAT parquet)`,
    );
    await maker.close();
    writeFileSync(js, '{"person_id": 1, "amount": 2, "minutes": 3, "note": "x"}\n{"person_id": "a", "amount": {"q": 1}}\n{broken\n');
    const e = await DuckDbEngine.open({ files: { p: pq, j: js }, columnTypes: { p: COLUMNS, j: COLUMNS } });
    try {
      expect(await e.query(stmt('SELECT COUNT(*) AS n, SUM(amount) AS s FROM p'))).toEqual([{ n: 5n, s: 20 }]);
      expect(await e.query(stmt('SELECT COUNT(person_id) AS ids, SUM(minutes) AS m FROM j'))).toEqual([{ ids: 1n, m: 3n }]);
      await expect(e.query(stmt(`SELECT * FROM read_csv('${declared}')`))).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    } finally {
      await e.close();
    }
  });

  it('JSON: a declared key that no record carries reads as NULL (the column set is never taken from the records), with or without one record carrying it', async () => {
    for (const extra of ['', '\n{"person_id": 9, "minutes": 5}']) {
      const js = join(dir, 'keys.jsonl');
      writeFileSync(js, `{"person_id": 1, "amount": 2}\n{"person_id": 2}\n{trunc${extra}\n`);
      const e = await DuckDbEngine.open({ files: { j: js }, columnTypes: { j: COLUMNS } });
      try {
        const [row] = await e.query(stmt('SELECT COUNT(person_id) AS ids, COUNT(minutes) AS m, COUNT(note) AS notes FROM j'));
        expect(row, JSON.stringify(extra)).toEqual({ ids: extra ? 3n : 2n, m: extra ? 1n : 0n, notes: 0n });
      } finally {
        await e.close();
      }
    }
  });
});

/** Lines a hostile CSV may hold: each row's own fields, or a line the reader cannot split. */
const cell = fc.constantFrom(
  '',
  'NA',
  '1',
  '2.5',
  '-0',
  '1e400',
  'NaN',
  'x y',
  '"q,uoted"',
  '"unterminated',
  '\uFFFD',
  '9'.repeat(40),
  ' 7 ',
);
const lineArb = (id: number) =>
  fc.oneof(
    fc.tuple(cell, cell, cell).map(([a, m, n]) => `${id},${a},${m},${n}`),
    fc.constantFrom(`${id},1,2,3,4,5`, `${id},1`, `${id}`, `${id},"a\nb",1,x`, `${id},1,2,"open`, `${id},${'z'.repeat(3000)},1,x`),
  );

describe('hostile CSV lines never make a query fail (fast-check, seed 21)', () => {
  it('any lines: the file opens and every per-row query of the compiled SQL answers', async () => {
    const compiled = Array.from(
      { length: 9 },
      (_, id) =>
        compileDpQuery(
          planDpQuery(`SELECT COUNT(*) AS n, SUM(amount) AS s, AVG(minutes) AS m FROM t WHERE person_id = ${id}`, schema),
          engine.dialect,
          1n,
          schema,
        ).main,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }).chain((ids) => fc.tuple(...ids.map((_, i) => lineArb(i + 1)))),
        fc.boolean(),
        async (lines, invalidUtf8) => {
          const path = join(dir, 'hostile.csv');
          const body = `person_id,amount,minutes,note\n${lines.join('\n')}\n`;
          const bytes = Buffer.from(body, 'utf8');
          if (invalidUtf8) bytes[bytes.length - 2] = 0xff;
          writeFileSync(path, bytes);
          const e = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: COLUMNS } });
          try {
            for (let id = 1; id <= lines.length; id++) {
              const rows = await e.query(compiled[id] as (typeof compiled)[number]);
              expect(rows.length).toBeGreaterThan(0);
            }
          } finally {
            await e.close();
          }
        },
      ),
      { numRuns: 30, seed: 21 },
    );
  });

  it('regression: a line with too many fields and one with NA are answered end to end (runDpSql charges once)', async () => {
    const path = join(dir, 'regress.csv');
    writeFileSync(path, 'person_id,amount,minutes,note\n1,2,3,a\n2,1,2,3,4,5\n3,NA,oops,c\n');
    const home = mkdtempSync(join(tmpdir(), 'tsdp-inplace-home-'));
    const { engine: e, ledger } = await openDataSource({ data: [`t=${path}`], home }, schema);
    try {
      const r = await runDpSql({
        sql: 'SELECT COUNT(*) AS n FROM t WHERE person_id = 2',
        schema,
        engine: e,
        ledger,
        epsilon: 1,
        rng: new SeededRandomSource(5),
      });
      expect(r.rows).toHaveLength(1);
      expect(await ledger.entries('inplace')).toHaveLength(1);
    } finally {
      await e.close();
      await ledger.close();
    }
  });
});
