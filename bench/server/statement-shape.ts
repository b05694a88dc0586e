/**
 * What the compiled row-level GROUP BY statement's shape costs in DuckDB, against a leaner equivalent (issue 15, stop
 * 19: the prototype of a compiler change proposed to acct in /work/wt/NEWS.md; the compiler is acct's area, so the
 * lean text here is written by hand for the benchmark's query, not emitted by tsdp).
 *
 *   compiled  what `compileDpQuery` emits for the benchmark's DP GROUP BY (taken from the compiler, not copied):
 *             COUNT(*) twice (`units`, `a0`), every aggregate widened with CAST(… AS HUGEINT), the mean's linear
 *             form `CAST(SUM(clamped) AS HUGEINT) * inverse - CAST(COUNT(x) AS HUGEINT) * offset` in SQL;
 *   lean      the same clamp (the same CASE text, so every row's contribution is bounded exactly as before), one
 *             COUNT(*), no widening casts, and the linear form's `* inverse - COUNT(x) * offset` applied afterwards
 *             to the exact integers in BigInt.
 *
 * Each variant is one kept prepared statement on one connection with one DuckDB thread (the server's default on two
 * cores), run with new WHERE values every time (the distinct workload of `http-vs-library.ts`). Before timing, the
 * answers are checked equal — the lean row rebuilt into the compiled row's columns — on Adult and on a copy with
 * NULLs and values far outside the clamp bounds. Then ROUNDS interleaved rounds of N runs each; the figure is this
 * process's CPU per run (all threads), median over rounds.
 *
 *   nice -n 10 npx tsx bench/server/statement-shape.ts [rounds=10] [runs per round=300]
 *   PROFILE=1 npx tsx bench/server/statement-shape.ts     # DuckDB's own phase timings (binding, optimizers, operators)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIGINT, DuckDBInstance, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { explainDpSql } from '../../src/sql/explain-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';

const ROUNDS = Number(process.argv[2] ?? 10);
const N = Number(process.argv[3] ?? 300);
const root = resolve(import.meta.dirname, '../..');
const schemaPath = join(root, 'examples/adult.schema.json');
const schema = loadSqlSchema(schemaPath);
const QUERY =
  'SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult WHERE age >= 20 AND age <= 30 AND hours_per_week >= 3 GROUP BY sex';

// Adult in a DuckDB file through tsdp's own reader (as the server's benchmark), plus a copy with NULLs and outliers.
const work = mkdtempSync(join(tmpdir(), 'tsdp-bench-shape-'));
const file = join(work, 'adult.duckdb');
{
  const table = schema.tables.get('adult');
  if (!table) throw new Error('no adult table');
  const columnTypes = { adult: Object.fromEntries([...table.columns].map(([c, col]) => [c, col.type])) };
  const e = await DuckDbEngine.open({ files: { adult: join(root, 'examples/adult.csv') }, columnTypes, allowExternalAccess: true });
  await e.connection.run(`ATTACH '${file.replace(/'/g, "''")}' AS out`);
  await e.connection.run('CREATE TABLE out.adult AS SELECT * FROM adult');
  await e.connection.run(
    `CREATE TABLE out.adult_odd AS SELECT * REPLACE (CASE WHEN fnlwgt % 7 = 0 THEN NULL WHEN fnlwgt % 7 = 1 THEN -9223372036854775807 ` +
      'WHEN fnlwgt % 7 = 2 THEN 9223372036854775807 WHEN fnlwgt % 7 = 3 THEN hours_per_week * 1000 ELSE hours_per_week END AS hours_per_week) FROM adult',
  );
  await e.connection.run('DETACH out');
  await e.close();
}
const instance = await DuckDBInstance.create(file, { threads: '1', access_mode: 'READ_ONLY' });
const connection = await instance.connect();

const QUERIES = [
  QUERY, // the benchmark's: its WHERE drops NULL hours
  'SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult WHERE age >= 20 AND age <= 30 GROUP BY sex', // NULL hours reach the aggregates
];
const LEAN_FROM_COMPILED =
  /^SELECT (.*?) AS "k0", CAST\(COUNT\(\*\) AS HUGEINT\) AS "units", CAST\(COUNT\(\*\) AS HUGEINT\) AS "a0", CAST\(SUM\((.*)\) AS HUGEINT\) \* \$3::BIGINT - CAST\(COUNT\((.*?)\) AS HUGEINT\) \* \$4::BIGINT AS "a1", CAST\(COUNT\(\3\) AS HUGEINT\) AS "a2" FROM (.*)$/;

/**
 * A query's compiled statement (from the compiler) and its lean form, derived mechanically: the same key, the same
 * clamp text (every row's contribution bounded as before), the same FROM/WHERE/GROUP BY; one COUNT(*), no widening
 * casts, no `* inverse - COUNT(x) * offset` (parameters $3 and $4: the later ones are renumbered down by two).
 */
function statements(sql: string, table: string) {
  const main = explainDpSql(sql, schema, duckdbDialect, { epsilon: 0.001 }).compiled.main;
  const m = LEAN_FROM_COMPILED.exec(main.sql);
  if (!m) throw new Error(`the compiler's statement changed shape; update this prototype:\n${main.sql}`);
  const [, key, clamped, counted, rest] = m as unknown as [string, string, string, string, string];
  const lean = `SELECT ${key} AS "k0", COUNT(*) AS "units", SUM(${clamped}) AS "s1", COUNT(${counted}) AS "a2" FROM ${rest}`;
  // The compiler shares one parameter between equal values; here $3 and $4 (inverse, offset) must be the only ones gone.
  if (/\$[34]::/.test(lean) || !/\$5::/.test(rest)) throw new Error('unexpected parameter numbering; update this prototype');
  const onTable = (t: string) => t.replace('FROM "adult" AS "adult"', `FROM "${table}" AS "adult"`);
  const values = main.params.map((p) => p.value as bigint);
  return {
    compiled: onTable(main.sql),
    lean: onTable(lean.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) > 4 ? Number(d) - 2 : d}`)),
    values,
    inverse: values[2] as bigint,
    offset: values[3] as bigint,
  };
}

/** The WHERE values of the i-th distinct query (the ranges of http-vs-library.ts's distinct workload). */
function whereValues(i: number, n: number): bigint[] {
  const a = 17 + (Math.floor(i / 10) % 70);
  return [BigInt(a), BigInt(a + 1 + (Math.floor(i / 700) % 19)), BigInt((i % 10) - 5)].slice(0, n);
}

type Row = readonly unknown[];
async function run(ps: DuckDBPreparedStatement, values: readonly bigint[]): Promise<Row[]> {
  ps.bind(
    values as bigint[],
    values.map(() => BIGINT),
  );
  return (await ps.runAndReadAll()).getRowsJS();
}
/** The lean row in the compiled row's columns: a0 = units, a1 = s1·inverse − a2·offset (exact BigInt; NULL stays NULL). */
function rebuilt(row: Row, inverse: bigint, offset: bigint): Row {
  const [k0, units, s1, a2] = row as [unknown, bigint, bigint | null, bigint];
  return [k0, units, units, s1 === null ? null : s1 * inverse - a2 * offset, a2];
}
const text = (rows: readonly Row[]) =>
  JSON.stringify(
    [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    (_, v) => (typeof v === 'bigint' ? v.toString() : v),
  );

// Equal answers first: both queries on Adult and on the copy with NULLs and values past both bounds.
for (const sql of QUERIES) {
  for (const table of ['adult', 'adult_odd']) {
    const st = statements(sql, table);
    const compiledPs = await connection.prepare(st.compiled);
    const leanPs = await connection.prepare(st.lean);
    const constants = st.values.slice(0, 4);
    const nWhere = st.values.length - 4;
    for (let i = 0; i < 400; i += 7) {
      const where = whereValues(i, nWhere);
      const a = text(await run(compiledPs, [...constants, ...where]));
      const b = text((await run(leanPs, [...constants.slice(0, 2), ...where])).map((r) => rebuilt(r, st.inverse, st.offset)));
      if (a !== b) throw new Error(`answers differ for ${sql} on ${table} at ${i}: ${a} against ${b}`);
    }
  }
}
console.log('answers equal (lean rebuilt into the compiled columns): 2 queries × adult and adult_odd (NULLs, values past both bounds)');

const bench = statements(QUERY, 'adult');
const ps = { compiled: await connection.prepare(bench.compiled), lean: await connection.prepare(bench.lean) };
const runs = {
  compiled: (i: number) => run(ps.compiled, [...bench.values.slice(0, 4), ...whereValues(i, 3)]),
  lean: (i: number) => run(ps.lean, [...bench.values.slice(0, 2), ...whereValues(i, 3)]),
};
let q = 0;
for (const f of Object.values(runs)) for (let i = 0; i < 300; i++) await f(q++);

if (process.env.PROFILE) {
  const out = join(work, 'profile.json');
  await connection.run(`SET enable_profiling = 'json'`);
  await connection.run(`SET profiling_mode = 'detailed'`);
  await connection.run(`SET profiling_output = '${out}'`);
  for (const [name, f] of Object.entries(runs)) {
    const phases = new Map<string, number>();
    const M = 200;
    for (let i = 0; i < M; i++) {
      await f(q++);
      const p = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & { children?: unknown[] };
      for (const k of ['planner_binding', 'all_optimizers', 'physical_planner', 'cpu_time'])
        phases.set(k, (phases.get(k) ?? 0) + Number(p[k] ?? 0) / M);
    }
    console.log(
      `${name.padEnd(9)} ${[...phases].map(([k, s]) => `${k} ${(s * 1000).toFixed(3)} ms`).join(', ')} (DuckDB's profiler, mean of ${M})`,
    );
  }
  process.exit(0);
}

const load0 = loadavg()[0] ?? Number.NaN;
const cpu: Record<string, number[]> = { compiled: [], lean: [] };
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? (['compiled', 'lean'] as const) : (['lean', 'compiled'] as const);
  for (const name of order) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) await runs[name](q++);
    const d = process.cpuUsage(c0);
    cpu[name]?.push((d.user + d.system) / 1000 / N);
  }
}
const median = (a: readonly number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? Number.NaN;
for (const [name, xs] of Object.entries(cpu)) {
  console.log(
    `${name.padEnd(9)} ${median(xs).toFixed(3)} ms CPU per run (median of ${ROUNDS} rounds × ${N}; rounds ${xs.map((x) => x.toFixed(2)).join(' ')})`,
  );
}
const lower = (cpu.lean ?? []).filter((x, i) => x < (cpu.compiled?.[i] ?? Number.NaN)).length;
console.log(
  `lean below compiled in ${lower} of ${ROUNDS} rounds; load average ${load0.toFixed(2)} → ${(loadavg()[0] ?? Number.NaN).toFixed(2)} on 2 cores`,
);
