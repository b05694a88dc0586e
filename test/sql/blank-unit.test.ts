/**
 * Review S25c (class 18 "people merged into one unit"): one definition of a missing text unit id for every reader
 * (`src/core/missing-unit.ts`, rule `src/core/missing-unit.proof.md`): NULL, or only BLANK characters (Unicode
 * White_Space plus U+FEFF; U+200B and the other zero-width format characters are NOT blank). Before the fix, DP
 * SQL dropped only NULL and '' — a pid field of two spaces or a quoted NBSP was ONE pooled unit, while the
 * Session's CSV reader trimmed it and dropped it.
 *
 * Checked here on DuckDB and PostgreSQL (ClickHouse: test/clickhouse/missing-unit.test.ts):
 * - the engines' compiled predicate agrees with the JavaScript one (`isMissingUnitText`, used by `unitText`) on
 *   random ids built from a piece list (spaces, NBSP, tabs, NEL, ideographic space, BOM, zero-width characters,
 *   letters);
 * - neighbours that differ by one blank-id row give the same exact answers in every unit-level statement (so
 *   per-key counts move by 0 ≤ P·C), for tables and a declared CSV file;
 * - `unitText` drops exactly those ids.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLANK_UNIT_PATTERN, isMissingUnitText } from '../../src/core/missing-unit.js';
import { compileBoundingReport } from '../../src/sql/bounding-report.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { explainDpSql } from '../../src/sql/explain-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { unitText } from '../../src/stats/value-rules.js';
import { postgresTestUrl } from './postgres-url.js';

/** Pieces of random ids: blanks, zero-width non-blanks, letters. */
const PIECES = [' ', '\u00A0', '\t', '\n', '\r', '\u000B', '\u000C', '\u0085', '\u1680', '\u2003', '\u2028', '\u202F', '\u3000', '\uFEFF'];
const NOT_BLANK = ['\u200B', '\u200C', '\u200D', '\u2060', '\u180E', 'a', 'b', 'é', '₂'];
const blankId = fc.array(fc.constantFrom(...PIECES), { maxLength: 4 }).map((a) => a.join(''));
const anyId = fc.array(fc.constantFrom(...PIECES, ...NOT_BLANK), { maxLength: 4 }).map((a) => a.join(''));

const P = 1;
const C = 1;
const schema: SqlSchema = parseSqlSchema({
  dataset: 'blank_unit',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: Object.fromEntries(
    ['bu_txt', 'bu_csv'].map((t) => [
      t,
      {
        privacyUnit: 'pid',
        maxPartitions: P,
        maxContributionsPerPartition: C,
        columns: { pid: { type: 'string' }, k: { type: 'string', categories: ['a', 'b'] }, v: { type: 'float', lower: 0, upper: 10 } },
      },
    ]),
  ),
});

type Row = readonly [string | null, 'a' | 'b', number];
let duck: DuckDbEngine;
let postgres: PostgresEngine;
let client: pg.Client;
const dir = mkdtempSync(join(tmpdir(), 'tsdp-blank-unit-'));

beforeAll(async () => {
  const url = postgresTestUrl();
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  postgres = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  client = new pg.Client(url);
  await client.connect();
  await duck.connection.run('CREATE OR REPLACE TABLE bu_txt (pid VARCHAR, k VARCHAR, v DOUBLE)');
  await duck.connection.run('CREATE OR REPLACE TABLE bu_ids (i INTEGER, pid VARCHAR)');
  await client.query('DROP TABLE IF EXISTS bu_txt; CREATE TABLE bu_txt (pid text, k text, v double precision)');
});

afterAll(async () => {
  await duck?.close();
  await postgres?.close();
  await client?.query('DROP TABLE IF EXISTS bu_txt');
  await client?.end();
  rmSync(dir, { recursive: true, force: true });
});

/** A SQL string literal (no piece holds a quote or a backslash). */
const lit = (v: string | null) => (v === null ? 'NULL' : `'${v}'`);

async function load(rows: readonly Row[]): Promise<void> {
  await duck.connection.run('DELETE FROM bu_txt');
  await client.query('DELETE FROM bu_txt');
  if (!rows.length) return;
  const values = rows.map((r) => `(${lit(r[0])}, '${r[1]}', ${r[2]})`).join(', ');
  await duck.connection.run(`INSERT INTO bu_txt VALUES ${values}`);
  await client.query(`INSERT INTO bu_txt VALUES ${values}`);
}

/** Every unit-level statement's rows (main, histogram, bounding report), canonical text. */
async function answers(engine: SqlEngine, table: string): Promise<string> {
  const main = explainDpSql(`SELECT k, COUNT(*) AS n, SUM(v) AS s FROM ${table} GROUP BY k`, schema, engine.dialect, { epsilon: 1 }, 7n);
  const median = explainDpSql(`SELECT k, MEDIAN(v) AS m FROM ${table} GROUP BY k`, schema, engine.dialect, { epsilon: 1 }, 7n);
  const out: string[] = [];
  for (const st of [main.compiled.main, ...median.compiled.histograms, compileBoundingReport(main.plan, engine.dialect, schema)])
    out.push(
      (await engine.query(st))
        .map((r) => JSON.stringify(Object.entries(r).map(([c, v]) => [c, String(v)])))
        .sort()
        .join('\n'),
    );
  return out.join('\n--\n');
}

describe('review S25c: one definition of a missing text unit id on every reader (DuckDB, PostgreSQL, the Session)', () => {
  it('generative (fast-check, seed 251): the engines compute the same predicate as isMissingUnitText / unitText', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyId, { minLength: 1, maxLength: 30 }), async (ids) => {
        const expected = ids.map((s) => isMissingUnitText(s));
        expect(ids.map((s) => unitText(s) === undefined)).toEqual(expected);
        const values = ids.map((s, i) => `(${i}, ${lit(s)})`).join(', ');
        const duckRows = await duck.connection.runAndReadAll(
          `SELECT i, ${duck.dialect.regexFullMatch('pid', BLANK_UNIT_PATTERN)} AS m FROM (VALUES ${values}) AS t(i, pid) ORDER BY i`,
        );
        expect(duckRows.getRowObjects().map((r) => r.m)).toEqual(expected);
        const pgRows = await client.query(
          `SELECT i, ${postgres.dialect.regexFullMatch('pid', BLANK_UNIT_PATTERN)} AS m FROM (VALUES ${values}) AS t(i, pid) ORDER BY i`,
        );
        expect(pgRows.rows.map((r: { m: boolean }) => r.m)).toEqual(expected);
      }),
      { seed: 251, numRuns: 25 },
    );
  }, 120_000);

  it("the review's example: one more line whose pid is two spaces (or a quoted NBSP) moves nothing, on a declared CSV file", async () => {
    for (const blank of ['  ', '"\u00A0"', '\t', '\u3000 ']) {
      const out: string[] = [];
      for (const [name, text] of [
        // Header `pid,v,k` (sqlcsv stop 25): the typed `v` is not the last column, so the statements read a typed field
        // other than the last and each version runs the typed reader's forced scan and fold, as before stop 25 — with
        // `v` last every statement here read no typed field but the last and ran on the text path, deciding nothing
        // (`duckdb-csv-choice.ts`, "A statement that reads no typed field"). Same rows, same answers.
        ['d-prime.csv', `pid,v,k\n1,1,a\n2,1,b\n${blank},1,b\n`],
        ['d.csv', `pid,v,k\n1,1,a\n2,1,b\n${blank},1,b\n${blank},1,a\n`],
      ] as const) {
        const path = join(dir, name);
        writeFileSync(path, text);
        const engine = await DuckDbEngine.open({
          files: { bu_csv: path },
          columnTypes: { bu_csv: { pid: 'string', k: 'string', v: 'float' } },
        });
        try {
          out.push(await answers(engine, 'bu_csv'));
        } finally {
          await engine.close();
        }
      }
      expect(out[1]).toBe(out[0]);
    }
  }, 120_000);

  it('generative (fast-check, seed 252): neighbours differing by blank-id rows give identical exact answers in every unit-level statement (counts move 0 ≤ P·C), DuckDB and PostgreSQL', async () => {
    const row = (id: fc.Arbitrary<string | null>) =>
      fc.tuple(id, fc.constantFrom('a' as const, 'b' as const), fc.integer({ min: 0, max: 10 })) as fc.Arbitrary<Row>;
    const person = row(
      fc.oneof(
        fc.constantFrom('p1', 'p2', 'p3', '\u200B', 'a b'),
        anyId.filter((s) => !isMissingUnitText(s)),
      ),
    );
    const blank = row(fc.oneof(blankId, fc.constant(null)));
    await fc.assert(
      fc.asyncProperty(fc.array(person, { maxLength: 6 }), fc.array(blank, { minLength: 1, maxLength: 3 }), async (kept, blanks) => {
        await load(kept);
        const before = [await answers(duck, 'bu_txt'), await answers(postgres, 'bu_txt')];
        await load([...kept, ...blanks]);
        const after = [await answers(duck, 'bu_txt'), await answers(postgres, 'bu_txt')];
        expect(after).toEqual(before);
      }),
      { seed: 252, numRuns: 8 },
    );
  }, 300_000);
});
