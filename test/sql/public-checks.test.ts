/**
 * Public-cause failures are refused before the charge (issue 10, item 11;
 * src/sql/check-public.ts): a data file that does not exist, a declared table
 * the engine lacks (or the query role may not read), a declared column the
 * table lacks, a column stored with a type its declaration does not allow —
 * each gives a typed error naming the public cause, and nothing is charged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { openDataSource } from '../../src/sql/open-data.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { postgresTestUrl } from './postgres-url.js';

/** Declared columns of the private table: name → [declared type, a stored type that fits, one that does not]. */
const MAIN_COLUMNS: Record<string, [string, string, string]> = {
  id: ['integer', 'BIGINT', 'VARCHAR'],
  x: ['float', 'DOUBLE', 'VARCHAR'],
  n: ['integer', 'INTEGER', 'DOUBLE'],
  s: ['string', 'VARCHAR', 'BIGINT'],
  b: ['boolean', 'BOOLEAN', 'VARCHAR'],
  d: ['date', 'DATE', 'VARCHAR'],
};
const PUBLIC_COLUMNS: Record<string, [string, string, string]> = {
  code: ['string', 'VARCHAR', 'BIGINT'],
  label: ['string', 'VARCHAR', 'DATE'],
};

function schemaFor(prefix: string): SqlSchema {
  const cols = (c: Record<string, [string, string, string]>) =>
    Object.fromEntries(
      Object.entries(c).map(([name, [type]]) => [
        name,
        type === 'float' ? { type, lower: 0, upper: 10 } : name === 'code' ? { type, unique: true } : { type },
      ]),
    );
  return parseSqlSchema({
    dataset: `${prefix}ds`,
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      [`${prefix}main`]: { privacyUnit: 'id', columns: cols(MAIN_COLUMNS) },
      [`${prefix}pub`]: { public: true, columns: cols(PUBLIC_COLUMNS) },
    },
  });
}

/** What the database holds for one column: its declared type, another type, or nothing. */
type Piece = 'ok' | 'missing' | 'wrong';

function createTable(
  table: string,
  columns: Record<string, [string, string, string]>,
  pieces: Record<string, Piece>,
  pgTypes: boolean,
): string {
  const defs = Object.entries(columns)
    .filter(([c]) => pieces[c] !== 'missing')
    .map(([c, [, good, bad]]) => {
      const t = pieces[c] === 'wrong' ? bad : good;
      return `${c} ${pgTypes ? t.replace('DOUBLE', 'double precision') : t}`;
    });
  return `CREATE TABLE ${table} (${defs.length ? defs.join(', ') : 'other_column BIGINT'})`;
}

const QUERIES = (p: string) => [
  `SELECT COUNT(*) AS n FROM ${p}main`,
  `SELECT SUM(x) AS s FROM ${p}main WHERE s = 'a'`,
  `SELECT AVG(x) AS a FROM ${p}main WHERE b AND d > DATE '2020-01-01'`,
  `SELECT COUNT(*) AS n FROM ${p}main m JOIN ${p}pub p ON m.s = p.code`,
];

interface Case {
  readonly mainTable: boolean;
  readonly pubTable: boolean;
  readonly main: Record<string, Piece>;
  readonly pub: Record<string, Piece>;
  readonly query: number;
}

const pieceArb = fc.constantFrom<Piece>('ok', 'ok', 'ok', 'missing', 'wrong');
const caseArb: fc.Arbitrary<Case> = fc.record({
  mainTable: fc.constantFrom(true, true, true, false),
  pubTable: fc.boolean(),
  main: fc.record(Object.fromEntries(Object.keys(MAIN_COLUMNS).map((c) => [c, pieceArb])) as Record<string, fc.Arbitrary<Piece>>),
  pub: fc.record(Object.fromEntries(Object.keys(PUBLIC_COLUMNS).map((c) => [c, pieceArb])) as Record<string, fc.Arbitrary<Piece>>),
  query: fc.integer({ min: 0, max: 3 }),
});

/** The public causes a case has for a query: table names and table.column names that are missing or mistyped. */
function expectedCauses(p: string, c: Case): { tables: string[]; columns: string[] } {
  const readsPub = c.query === 3;
  const tables = [!c.mainTable ? `${p}main` : null, readsPub && !c.pubTable ? `${p}pub` : null].filter((x): x is string => x !== null);
  const columns = [
    ...(c.mainTable
      ? Object.entries(c.main)
          .filter(([, v]) => v !== 'ok')
          .map(([k]) => `${p}main.${k}`)
      : []),
    ...(readsPub && c.pubTable
      ? Object.entries(c.pub)
          .filter(([, v]) => v !== 'ok')
          .map(([k]) => `${p}pub.${k}`)
      : []),
  ];
  return { tables, columns };
}

async function runCase(engine: SqlEngine, p: string, c: Case): Promise<void> {
  const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-public-')) });
  const schema = schemaFor(p);
  const sql = QUERIES(p)[c.query] as string;
  const { tables, columns } = expectedCauses(p, c);
  const outcome = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) }).catch((e: unknown) => e);
  if (tables.length === 0 && columns.length === 0) {
    expect(outcome, sql).not.toBeInstanceOf(Error);
    expect(await ledger.entries(schema.dataset)).toHaveLength(1);
    return;
  }
  expect(outcome, `${sql} ${JSON.stringify(c)}`).toBeInstanceOf(DpError);
  const e = outcome as DpError;
  expect(['NOT_FOUND', 'INVALID_SCHEMA']).toContain(e.code);
  const named = e.code === 'NOT_FOUND' ? String((e.details as { name?: string }).name) : String((e.details as { path?: string }).path);
  const causes = [...tables, ...columns, ...columns.map((x) => `tables.${x.replace('.', '.columns.')}.type`)];
  expect(causes, `${e.message}`).toContain(named);
  expect(await ledger.entries(schema.dataset)).toHaveLength(0);
}

let pgUrl: string;
beforeAll(() => {
  pgUrl = postgresTestUrl();
});

describe('public causes are checked before the charge', () => {
  it('regression: a data file that does not exist is NOT_FOUND naming the file, nothing charged', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-public-'));
    const schema = schemaFor('r_');
    const missing = join(home, 'no-such-file.csv');
    const err = await openDataSource({ data: [`r_main=${missing}`], home }, schema).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'file', name: missing } });
    expect(await new FileLedger({ home }).entries(schema.dataset)).toHaveLength(0);
  });

  it('regression: a declared table the engine lacks is NOT_FOUND naming the table, nothing charged (DuckDB and PostgreSQL)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-public-'));
    const csv = join(home, 'main.csv');
    writeFileSync(csv, 'id,x,n,s,b,d\n1,2.5,3,a,true,2021-01-01\n');
    const schema = schemaFor('r_');
    // Only the private table is loaded; the query joins the public one.
    const { engine, ledger } = await openDataSource({ data: [`r_main=${csv}`], home }, schema);
    try {
      const sql = 'SELECT COUNT(*) AS n FROM r_main m JOIN r_pub p ON m.s = p.code';
      const err = await runDpSql({ sql, schema, engine, ledger, epsilon: 1 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'table', name: 'r_pub' } });
      expect(await ledger.entries(schema.dataset)).toHaveLength(0);
      // The same query with both tables present is answered and charged once.
      const ok = await runDpSql({ sql: 'SELECT COUNT(*) AS n FROM r_main', schema, engine, ledger, epsilon: 1 });
      expect(ok.rows).toHaveLength(1);
      expect(await ledger.entries(schema.dataset)).toHaveLength(1);
    } finally {
      await engine.close();
    }
    const pgEngine = await PostgresEngine.open({ connectionString: pgUrl });
    try {
      const ledger = new FileLedger({ home });
      const err = await runDpSql({
        sql: 'SELECT COUNT(*) AS n FROM r_nowhere_main',
        schema: schemaFor('r_nowhere_'),
        engine: pgEngine,
        ledger,
        epsilon: 1,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'table', name: 'r_nowhere_main' } });
      expect(await ledger.entries('r_nowhere_ds')).toHaveLength(0);
    } finally {
      await pgEngine.close();
    }
  });

  it('random missing tables, missing columns and mistyped columns on DuckDB: a typed error naming a cause, nothing charged; otherwise answered (fast-check, seed 11)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const engine = await DuckDbEngine.open({ allowExternalAccess: true });
        try {
          if (c.mainTable) await engine.connection.run(createTable('g_main', MAIN_COLUMNS, c.main, false));
          if (c.pubTable) await engine.connection.run(createTable('g_pub', PUBLIC_COLUMNS, c.pub, false));
          await runCase(engine, 'g_', c);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 60, seed: 11 },
    );
  }, 120_000);

  it('random missing tables, missing columns and mistyped columns on PostgreSQL (fast-check, seed 12)', async () => {
    const client = new pg.Client(pgUrl);
    await client.connect();
    const engine = await PostgresEngine.open({ connectionString: pgUrl });
    try {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          await client.query('DROP TABLE IF EXISTS p_main; DROP TABLE IF EXISTS p_pub');
          if (c.mainTable) await client.query(createTable('p_main', MAIN_COLUMNS, c.main, true));
          if (c.pubTable) await client.query(createTable('p_pub', PUBLIC_COLUMNS, c.pub, true));
          // The query role, when an administrator set one up (the engine no longer creates it), may read the new tables.
          await client.query(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tsdp_reader') THEN GRANT SELECT ON ALL TABLES IN SCHEMA public TO tsdp_reader; END IF; END $$",
          );
          await runCase(engine, 'p_', c);
        }),
        { numRuns: 25, seed: 12 },
      );
    } finally {
      await client.query('DROP TABLE IF EXISTS p_main; DROP TABLE IF EXISTS p_pub');
      await client.end();
      await engine.close();
    }
  }, 120_000);
});
