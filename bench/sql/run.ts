/**
 * DP SQL benchmark: generated data (default 10⁷ rows, 10⁵ privacy units, 100
 * groups) in DuckDB and PostgreSQL.
 *
 * - row-level DP (each row its own unit): the compiled DP query (count, sum and
 *   mean per group) against the same plain GROUP BY — goal ≤ 1.5×;
 * - unit-level DP: the compiled DP query against the cheapest hand-written SQL
 *   computing the same bounded aggregates (pre-aggregate per unit and group,
 *   keep ≤ maxPartitions groups per unit by a salted hash order, aggregate) —
 *   goal ≤ 1.5× — and its ratio to the plain GROUP BY.
 * Times are the median of several runs of the engine statement (what the
 * rewrite costs); the TypeScript release step is timed separately.
 *
 *   npx tsx bench/sql/run.ts [--rows 10000000] [--units 100000] [--groups 100] [--runs N] [--engines duckdb,postgres]
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const ROWS = Number(arg('rows', '10000000'));
const UNITS = Number(arg('units', '100000'));
const GROUPS = Number(arg('groups', '100'));
const RUNS_ARG = arg('runs', '');
let RUNS = 7;
const ENGINES = arg('engines', 'duckdb,postgres').split(',');
const P = 4;
const C = 2;

const schema = parseSqlSchema({
  dataset: 'bench',
  budget: { epsilon: 1e9 },
  tables: {
    events: {
      privacyUnit: 'uid',
      maxPartitions: P,
      maxContributionsPerPartition: C,
      columns: {
        uid: { type: 'integer' },
        grp: { type: 'integer', categories: Array.from({ length: GROUPS }, (_, i) => i) },
        val: { type: 'integer', lower: 0, upper: 100 },
      },
    },
    events_rows: {
      columns: {
        grp: { type: 'integer', categories: Array.from({ length: GROUPS }, (_, i) => i) },
        val: { type: 'integer', lower: 0, upper: 100 },
      },
    },
  },
});

const DP_ROW = 'SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM events_rows GROUP BY grp';
const DP_UNIT = 'SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM events GROUP BY grp';

/**
 * Median times of several statements, measured round-robin (one run of each in
 * turn) so that load from other processes affects all of them alike.
 */
async function timeAll(engine: SqlEngine, statements: readonly CompiledStatement[]): Promise<number[]> {
  for (const st of statements) await engine.query(st); // warm
  const t: number[][] = statements.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [j, st] of statements.entries()) {
      const s = performance.now();
      await engine.query(st);
      t[j]?.push(performance.now() - s);
    }
  }
  return t.map((x) => {
    x.sort((a, b) => a - b);
    return x[Math.floor(x.length / 2)] as number;
  });
}

/** Hand-written baselines for a dialect. */
function baselines(dialect: 'duckdb' | 'postgres') {
  const hash = dialect === 'duckdb' ? 'hash(uid, grp, $1::BIGINT)' : "hashtextextended(uid::text || ',' || grp::text, $1::bigint)";
  return {
    plainRow: 'SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM events_rows GROUP BY grp',
    plainUnit: 'SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM events GROUP BY grp',
    // The cheapest bounded SQL by hand: per (unit, group) pre-aggregation, ≤ P groups per unit, per-unit caps, aggregate.
    boundedUnit: `WITH per AS (SELECT uid, grp, LEAST(COUNT(*), ${C}) AS n, LEAST(SUM(CASE WHEN val < 0 THEN 0 WHEN val > 100 THEN 100 ELSE val END), ${100 * C}) AS s FROM events GROUP BY uid, grp),
      ranked AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY uid ORDER BY ${hash}) AS rn FROM per)
      SELECT grp, SUM(n) AS n, SUM(s) AS s, SUM(s) / SUM(n) AS m FROM ranked WHERE rn <= ${P} GROUP BY grp`,
  };
}

async function loadDuck(): Promise<DuckDbEngine> {
  const engine = await DuckDbEngine.open({ allowExternalAccess: true });
  const c = engine.connection;
  // Each row: a unit (uniform), a group from the unit's own few groups, a value.
  await c.run(
    `CREATE TABLE events AS SELECT (i % ${UNITS})::BIGINT AS uid, ((hash(i % ${UNITS}) + (hash(i) % 6)) % ${GROUPS})::BIGINT AS grp, (hash(i * 7) % 101)::BIGINT AS val FROM range(${ROWS}) t(i)`,
  );
  await c.run('CREATE TABLE events_rows AS SELECT grp, val FROM events');
  return engine;
}

async function loadPg(url: string): Promise<PostgresEngine> {
  const c = new pg.Client(url);
  await c.connect();
  const have = await c
    .query(`SELECT count(*)::bigint AS n FROM pg_tables WHERE tablename = 'events'`)
    .catch(() => ({ rows: [{ n: '0' }] }));
  let reuse = false;
  if (Number(have.rows[0]?.n) > 0) {
    const n = await c.query('SELECT count(*)::bigint AS n FROM events');
    reuse = Number(n.rows[0]?.n) === ROWS;
  }
  if (!reuse) {
    await c.query('DROP TABLE IF EXISTS events, events_rows');
    await c.query(
      `CREATE UNLOGGED TABLE events AS SELECT (i % ${UNITS})::bigint AS uid, ((abs(hashint8(i % ${UNITS})) + abs(hashint8(i)) % 6) % ${GROUPS})::bigint AS grp, (abs(hashint8(i * 7)) % 101)::bigint AS val FROM generate_series(0, ${ROWS - 1}) AS i`,
    );
    await c.query('CREATE UNLOGGED TABLE events_rows AS SELECT grp, val FROM events');
    await c.query('ANALYZE events; ANALYZE events_rows');
  }
  await c.query(`ALTER SYSTEM SET max_parallel_workers_per_gather = 2`).catch(() => {});
  await c.query('SELECT pg_reload_conf()').catch(() => {});
  await c.end();
  return PostgresEngine.open({ connectionString: url, statementTimeoutMs: 600_000 });
}

function postgresUrl(): string {
  if (process.env.TSDP_TEST_POSTGRES_URL) return process.env.TSDP_TEST_POSTGRES_URL;
  const out = execFileSync('bash', [resolve(import.meta.dirname, '../../scripts/postgres.sh'), 'start'], { encoding: 'utf8' });
  return out.trim().split('\n').pop() as string;
}

const rows: string[][] = [];
const fmt = (x: number) => x.toFixed(1);
for (const name of ENGINES) {
  const t0 = performance.now();
  // PostgreSQL runs take seconds each at 10⁷ rows: fewer of them keep the bench to a few minutes.
  RUNS = RUNS_ARG ? Number(RUNS_ARG) : name === 'duckdb' ? 7 : 3;
  const engine = name === 'duckdb' ? await loadDuck() : await loadPg(postgresUrl());
  const loadMs = performance.now() - t0;
  const dialect = engine.dialect.name as 'duckdb' | 'postgres';
  const b = baselines(dialect);
  const st = (sql: string, params: CompiledStatement['params'] = []) => ({ sql, params });
  const salt = { value: 123456789n, type: 'bigint' as const };
  const dpRow = compileDpQuery(planDpQuery(DP_ROW, schema), engine.dialect, 123456789n, schema).main;
  const dpUnit = compileDpQuery(planDpQuery(DP_UNIT, schema), engine.dialect, 123456789n, schema).main;
  const [plainRow, dpRowMs] = (await timeAll(engine, [st(b.plainRow), dpRow])) as [number, number];
  const [plainUnit, bounded, dpUnitMs] = (await timeAll(engine, [st(b.plainUnit), st(b.boundedUnit, [salt]), dpUnit])) as [
    number,
    number,
    number,
  ];
  // The whole path including planning, ledger and noise in TypeScript (one run).
  const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-')) });
  const s = performance.now();
  await runDpSql({ sql: DP_UNIT, schema, engine, ledger, epsilon: 1 });
  const endToEnd = performance.now() - s;
  rows.push([
    name,
    fmt(loadMs),
    fmt(plainRow),
    fmt(dpRowMs),
    (dpRowMs / plainRow).toFixed(2),
    fmt(bounded),
    fmt(dpUnitMs),
    (dpUnitMs / bounded).toFixed(2),
    (dpUnitMs / plainUnit).toFixed(1),
    fmt(endToEnd),
  ]);
  await engine.close();
}

const header = [
  'engine',
  'load ms',
  'plain GROUP BY ms',
  'row-level DP ms',
  'row DP / plain (goal ≤1.5)',
  'hand bounded ms',
  'unit-level DP ms',
  'unit DP / hand (goal ≤1.5)',
  'unit DP / plain',
  'end-to-end DP ms',
];
console.log(
  `DP SQL bench: ${ROWS} rows, ${UNITS} units, ${GROUPS} groups, maxPartitions ${P}, maxContributionsPerPartition ${C}; median of ${RUNS_ARG || '7 (DuckDB) / 3 (PostgreSQL)'} runs, measured round-robin`,
);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
console.log(header.map((h, i) => h.padEnd(widths[i] ?? 0)).join(' | '));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | '));
