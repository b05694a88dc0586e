/**
 * Load and connection errors name their public cause on every engine `tsdp sql` opens (issue 11): file not found, no
 * such column in the file or table, table missing, database missing, connection refused, login refused. One table of
 * (engine, cause) → (code, kind), run through the CLI for every cell the machine can serve (PostgreSQL with
 * TSDP_TEST_POSTGRES_URL, ClickHouse with a test cluster); each run must charge nothing and print no data value.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminExec, clickhouseAvailable, type TestCluster, testCluster } from '../clickhouse/cluster.js';
import { tsdp } from './run-cli.js';

/** A value stored in every data source here: it must never reach an error. */
const SECRET = 987_654_321;
const TAG = `lc_${process.pid}`;
const home = mkdtempSync(join(tmpdir(), 'tsdp-load-causes-'));

interface Expected {
  readonly code: string;
  readonly kind?: string;
  readonly message?: RegExp;
}
interface Cell {
  readonly engine: string;
  readonly cause: string;
  /** The `tsdp sql` arguments naming the data, and the table the schema declares. */
  readonly source: () => { args: string[]; table: string };
  readonly expected: Expected;
}

/** A schema declaring `table` with one integer column `a` (every source below lacks it or the table). */
function schemaFor(table: string): string {
  const path = join(home, `${table}.schema.json`);
  writeFileSync(
    path,
    JSON.stringify({
      dataset: TAG,
      budget: { epsilon: 10 },
      tables: { [table]: { columns: { a: { type: 'integer', lower: 0, upper: 10 } } } },
    }),
  );
  return path;
}

async function expectCause(cell: Cell): Promise<void> {
  const { args, table } = cell.source();
  const r = await tsdp(
    ['sql', '--schema', schemaFor(table), '--epsilon', '1', '--json', ...args, `SELECT COUNT(*) AS n FROM ${table}`],
    home,
  );
  const error = (JSON.parse(r.stdout) as { error: { code: string; message: string; details: { kind?: string } } }).error;
  expect({ engine: cell.engine, cause: cell.cause, code: error.code }).toEqual({
    engine: cell.engine,
    cause: cell.cause,
    code: cell.expected.code,
  });
  if (cell.expected.kind) expect(error.details.kind).toBe(cell.expected.kind);
  if (cell.expected.message) expect(error.message).toMatch(cell.expected.message);
  expect(r.stdout + r.stderr).not.toContain(String(SECRET));
  // Nothing charged: the data set's journal was never written.
  expect(existsSync(join(home, 'ledger', `${TAG}.jsonl`))).toBe(false);
}

const noColumn: Expected = { code: 'NOT_FOUND', kind: 'column' };
const noTable: Expected = { code: 'NOT_FOUND', kind: 'table' };
const noFile: Expected = { code: 'NOT_FOUND', kind: 'file' };
const noDatabase: Expected = { code: 'NOT_FOUND', kind: 'database' };
const refused: Expected = { code: 'ENGINE_ERROR', message: /^connection refused by / };

describe('tsdp sql names the public cause of a load or connection error, charging nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdp-load-causes-data-'));
  beforeAll(async () => {
    writeFileSync(join(dir, 'b.csv'), `b\n${SECRET}\n`);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(`COPY (SELECT ${SECRET} AS b) TO '${join(dir, 'b.parquet')}' (FORMAT parquet)`);
    await c.run(`ATTACH '${join(dir, 'b.duckdb')}' AS d`);
    await c.run(`CREATE TABLE d.nocol (b BIGINT); INSERT INTO d.nocol VALUES (${SECRET})`);
    c.closeSync();
    instance.closeSync();
  });

  const cells: Cell[] = [
    {
      engine: 'csv',
      cause: 'file not found',
      source: () => ({ args: ['--data', `t=${join(dir, 'missing.csv')}`], table: 't' }),
      expected: noFile,
    },
    {
      engine: 'csv',
      cause: 'no such column',
      source: () => ({ args: ['--data', `t=${join(dir, 'b.csv')}`], table: 't' }),
      expected: noColumn,
    },
    {
      engine: 'parquet',
      cause: 'file not found',
      source: () => ({ args: ['--data', `t=${join(dir, 'm.parquet')}`], table: 't' }),
      expected: noFile,
    },
    {
      engine: 'parquet',
      cause: 'no such column',
      source: () => ({ args: ['--data', `t=${join(dir, 'b.parquet')}`], table: 't' }),
      expected: noColumn,
    },
    {
      engine: 'duckdb',
      cause: 'database missing',
      source: () => ({ args: ['--db', `duckdb:${join(dir, 'm.duckdb')}`], table: 'nocol' }),
      expected: noFile,
    },
    {
      engine: 'duckdb',
      cause: 'no such column',
      source: () => ({ args: ['--db', `duckdb:${join(dir, 'b.duckdb')}`], table: 'nocol' }),
      expected: noColumn,
    },
    {
      engine: 'duckdb',
      cause: 'table missing',
      source: () => ({ args: ['--db', `duckdb:${join(dir, 'b.duckdb')}`], table: 'absent' }),
      expected: noTable,
    },
    // Port 1 on the loopback: nothing listens there.
    {
      engine: 'postgres',
      cause: 'connection refused',
      source: () => ({ args: ['--db', 'postgres://postgres@127.0.0.1:1/tsdp'], table: 't' }),
      expected: refused,
    },
    {
      engine: 'clickhouse',
      cause: 'connection refused',
      source: () => ({ args: ['--db', 'clickhouse://127.0.0.1:1/default'], table: 't' }),
      expected: refused,
    },
  ];
  for (const cell of cells) it(`${cell.engine}: ${cell.cause}`, () => expectCause(cell), 60_000);
});

const pgUrl = process.env.TSDP_TEST_POSTGRES_URL;
describe.skipIf(!pgUrl)('on PostgreSQL', () => {
  const url = pgUrl as string;
  beforeAll(async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`CREATE TABLE ${TAG}_nocol (b BIGINT); INSERT INTO ${TAG}_nocol VALUES (${SECRET})`);
    await client.end();
  });
  afterAll(async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${TAG}_nocol`);
    await client.end();
  });
  const cells: Cell[] = [
    { engine: 'postgres', cause: 'no such column', source: () => ({ args: ['--db', url], table: `${TAG}_nocol` }), expected: noColumn },
    { engine: 'postgres', cause: 'table missing', source: () => ({ args: ['--db', url], table: `${TAG}_absent` }), expected: noTable },
    {
      engine: 'postgres',
      cause: 'database missing',
      source: () => ({ args: ['--db', url.replace(/\/[^/?]*(\?|$)/, '/tsdp_no_such_db$1')], table: 't' }),
      expected: noDatabase,
    },
  ];
  for (const cell of cells) it(`${cell.engine}: ${cell.cause}`, () => expectCause(cell), 60_000);
});

let cluster: TestCluster | undefined;
describe.skipIf(!clickhouseAvailable)('on ClickHouse', () => {
  const db = `tsdp_${TAG}`;
  /** The first shard's host:port (the HTTP interface). */
  const host = () => new URL(cluster?.shards[0] as string).host;
  beforeAll(async () => {
    cluster = testCluster();
    const base = cluster.shards[0] as string;
    await adminExec(base, `CREATE DATABASE IF NOT EXISTS ${db}`);
    await adminExec(base, `CREATE TABLE ${db}.nocol (b Int64) ENGINE = Memory`);
    await adminExec(base, `INSERT INTO ${db}.nocol VALUES (${SECRET})`);
  }, 120_000);
  afterAll(async () => {
    if (cluster) await adminExec(cluster.shards[0] as string, `DROP DATABASE IF EXISTS ${db}`);
    cluster?.stop?.();
  });
  const cells: Cell[] = [
    {
      engine: 'clickhouse',
      cause: 'no such column',
      source: () => ({ args: ['--db', `clickhouse://tsdp_reader@${host()}/${db}`], table: 'nocol' }),
      expected: noColumn,
    },
    {
      engine: 'clickhouse',
      cause: 'table missing',
      source: () => ({ args: ['--db', `clickhouse://tsdp_reader@${host()}/${db}`], table: 'absent' }),
      expected: noTable,
    },
    {
      engine: 'clickhouse',
      cause: 'database missing',
      source: () => ({ args: ['--db', `clickhouse://tsdp_reader@${host()}/tsdp_no_such_db`], table: 't' }),
      expected: { ...noDatabase, message: /^database does not exist: tsdp_no_such_db / },
    },
    {
      engine: 'clickhouse',
      cause: 'login refused',
      source: () => ({ args: ['--db', `clickhouse://tsdp_nobody:x@${host()}/${db}`], table: 'nocol' }),
      expected: { code: 'UNAUTHORIZED', message: /^ClickHouse refused the login of tsdp_nobody / },
    },
  ];
  for (const cell of cells) it(`${cell.engine}: ${cell.cause}`, () => expectCause(cell), 60_000);
});
