/**
 * Does DuckDB plan a kept prepared statement again on every execute? (issue 15, stop 21.) The benchmark's distinct
 * queries differ in their literals only (`distinct-queries.ts`: the WHERE range), and tsdp compiles every literal
 * and the bounding salt to a bind value, so they share one statement text and one kept prepared statement
 * (`src/sql/engines/duckdb-prepared.ts`). This measures what DuckDB does with it at execute:
 *
 *   params       the compiled statement (taken from `explainDpSql`), prepared once, new values bound every run —
 *                what the server does now;
 *   inlined      the same statement with this run's values written into its text as literals, prepared once and
 *                run again with no parameters — the cost of a run whose plan DuckDB keeps (a lower bound of what
 *                skipping the re-plan could give: every run here is the same query);
 *   fresh text   the inlined text of a new query every run, prepared and run (what compiling literals into the
 *                text, instead of binding them, would cost on distinct queries: a prepare per query);
 *   bind table   a prototype of what skips the re-plan for distinct queries: every `$n::BIGINT` replaced by
 *                `(SELECT vn FROM tsdp_bind)`, a one-row TEMP table of the connection, the statement prepared once
 *                with no parameters (so DuckDB keeps its plan) and each run's values written first by a kept
 *                `UPDATE tsdp_bind SET vn = $n` (a plan of its own, re-planned too, but a small one).
 *
 * First, DuckDB's own profiler (`profiling_mode = 'detailed'`) on three executes of each kept statement: the planner
 * (binding), the optimizers and the physical planner. Then ROUNDS interleaved rounds of N runs each, one DuckDB
 * thread, Adult in a DuckDB file read-only (as the server's benchmark); the figure is this process's CPU per run
 * (all threads), median over rounds. The answers of `params` and `inlined` are checked equal first.
 *
 *   nice -n 10 npx tsx bench/server/prepared-replan.ts [rounds=8] [runs per round=300]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIGINT, DuckDBInstance, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { explainDpSql } from '../../src/sql/explain-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { distinctQueries } from './distinct-queries.js';

const ROUNDS = Number(process.argv[2] ?? 8);
const N = Number(process.argv[3] ?? 300);
const root = resolve(import.meta.dirname, '../..');
const schema = loadSqlSchema(join(root, 'examples/adult.schema.json'));

const work = mkdtempSync(join(tmpdir(), 'tsdp-bench-replan-'));
const file = join(work, 'adult.duckdb');
{
  const table = schema.tables.get('adult');
  if (!table) throw new Error('no adult table');
  const columnTypes = { adult: Object.fromEntries([...table.columns].map(([c, col]) => [c, col.type])) };
  const e = await DuckDbEngine.open({ files: { adult: join(root, 'examples/adult.csv') }, columnTypes, allowExternalAccess: true });
  await e.connection.run(`ATTACH '${file.replace(/'/g, "''")}' AS out`);
  await e.connection.run('CREATE TABLE out.adult AS SELECT * FROM adult');
  await e.connection.run('DETACH out');
  await e.close();
}
const instance = await DuckDBInstance.create(file, { threads: '1', access_mode: 'READ_ONLY' });
const connection = await instance.connect();

/** The compiled main statement of a query: its text and its values (all BIGINT for this shape; checked). */
function compiled(sql: string): { text: string; values: bigint[] } {
  const main = explainDpSql(sql, schema, duckdbDialect, { epsilon: 0.001 }, 12345n).compiled.main;
  const values = main.params.map((p) => {
    if (p.type !== 'bigint' || typeof p.value !== 'bigint') throw new Error('this bench binds BIGINT values only');
    return p.value;
  });
  return { text: main.sql, values };
}
const inline = (c: { text: string; values: bigint[] }) =>
  c.text.replace(/\$(\d+)::BIGINT/g, (_, d: string) => `${c.values[Number(d) - 1] ?? Number.NaN}::BIGINT`);

const nextQuery = distinctQueries();
const first = compiled(nextQuery());
/** The next distinct query of the first one's statement text (a literal equal to a clamp bound shares its bind value: another text). */
function next(): string {
  for (;;) {
    const q = nextQuery();
    if (compiled(q).text === first.text) return q;
  }
}
const kept = await connection.prepare(first.text);
const types = first.values.map(() => BIGINT);
/** The rows as sorted JSON lines (a GROUP BY's row order is not part of its answer). */
const rowsOf = async (p: DuckDBPreparedStatement) =>
  (await p.runAndReadAll())
    .getRowsJS()
    .map((r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}` : v)))
    .sort()
    .join('\n');

// The bind-table prototype: the values in a one-row TEMP table, read by scalar subqueries.
await connection.run(`CREATE TEMP TABLE tsdp_bind AS SELECT ${first.values.map((_, i) => `0::BIGINT AS v${i + 1}`).join(', ')}`);
const tableKept = await connection.prepare(first.text.replace(/\$(\d+)::BIGINT/g, (_, d: string) => `(SELECT v${d} FROM tsdp_bind)`));
const setter = await connection.prepare(`UPDATE tsdp_bind SET ${first.values.map((_, i) => `v${i + 1} = $${i + 1}::BIGINT`).join(', ')}`);
const viaTable = async (values: bigint[]) => {
  setter.bind(values as never, types);
  await setter.run();
};

// The same answers: params (values bound), inlined (values in the text) and the bind table, for 20 distinct queries.
for (let i = 0; i < 20; i++) {
  const c = compiled(next());
  kept.bind(c.values as never, types);
  const a = await rowsOf(kept);
  const p = await connection.prepare(inline(c));
  const b = await rowsOf(p);
  p.destroySync();
  await viaTable(c.values);
  const t = await rowsOf(tableKept);
  if (a !== b || a !== t) throw new Error(`answers differ:\n${a}\n${b}\n${t}`);
}

// DuckDB's own phases per execute of a kept statement.
const profile = join(work, 'profile.json');
await connection.run("PRAGMA enable_profiling = 'json'");
await connection.run("SET profiling_mode = 'detailed'");
await connection.run(`PRAGMA profiling_output = '${profile}'`);
const phases = () => {
  const j = JSON.parse(readFileSync(profile, 'utf8')) as Record<string, number>;
  const ms = (k: string) => ((j[k] ?? 0) * 1e3).toFixed(3);
  return `binding ${ms('planner')}  optimizers ${ms('all_optimizers')}  physical plan ${ms('physical_planner')} ms`;
};
const inlinedKept = await connection.prepare(inline(compiled(next())));
for (const [label, run] of [
  [
    'params (new values each run)',
    async () => {
      kept.bind(compiled(next()).values as never, types);
      await kept.runAndReadAll();
    },
  ],
  ['inlined, kept (no parameters)', async () => void (await inlinedKept.runAndReadAll())],
  [
    'bind table (the data statement; its UPDATE not profiled)',
    async () => {
      await connection.run('PRAGMA disable_profiling');
      await viaTable(compiled(next()).values);
      await connection.run("PRAGMA enable_profiling = 'json'");
      await tableKept.runAndReadAll();
    },
  ],
] as const) {
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    await run();
    out.push(phases());
  }
  console.log(`DuckDB profiler, ${label}:\n  ${out.join('\n  ')}`);
}
await connection.run('PRAGMA disable_profiling');

// CPU per run, interleaved rounds.
const variants: [string, () => Promise<void>][] = [
  [
    'params: kept statement, new values bound',
    async () => {
      kept.bind(compiled(next()).values as never, types);
      await kept.runAndReadAll();
    },
  ],
  [
    'inlined: kept statement, no parameters',
    async () => {
      compiled(next()); // the same JavaScript work as the other rows
      await inlinedKept.runAndReadAll();
    },
  ],
  [
    'bind table: UPDATE of the values, then kept statement',
    async () => {
      await viaTable(compiled(next()).values);
      await tableKept.runAndReadAll();
    },
  ],
  [
    'bind table: kept statement only (no UPDATE)',
    async () => {
      compiled(next());
      await tableKept.runAndReadAll();
    },
  ],
  [
    'fresh text: values inlined, prepared every run',
    async () => {
      const p = await connection.prepare(inline(compiled(next())));
      await p.runAndReadAll();
      p.destroySync();
    },
  ],
];
const cpu: number[][] = variants.map(() => []);
const load0 = loadavg()[0] ?? Number.NaN;
for (const [, run] of variants) for (let i = 0; i < 200; i++) await run();
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? [...variants.keys()] : [...variants.keys()].reverse();
  for (const v of order) {
    const run = (variants[v] as [string, () => Promise<void>])[1];
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) await run();
    const c = process.cpuUsage(c0);
    cpu[v]?.push((c.user + c.system) / 1000 / N);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(
  `CPU per run (this process, all threads), median of ${ROUNDS} rounds × ${N}, load ${load0.toFixed(1)} → ${(loadavg()[0] ?? Number.NaN).toFixed(1)}:`,
);
variants.forEach(([label], i) => {
  const xs = cpu[i] ?? [];
  console.log(`  ${label.padEnd(50)} ${median(xs).toFixed(3)} ms  (rounds ${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`);
});
kept.destroySync();
inlinedKept.destroySync();
tableKept.destroySync();
setter.destroySync();
connection.closeSync();
instance.closeSync();
