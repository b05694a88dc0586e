/**
 * The lean row-level statement of `statement-shape.ts` through HTTP (issue 15, stop 19): what the compiler change
 * proposed to acct would save a distinct query end to end. A PROTOTYPE, not tsdp's behaviour: this process wraps
 * the DuckDB engine's statement runner so that, in the `lean` rounds, a compiled row-level statement of the
 * benchmark's shape runs as its lean form and its row is rebuilt into the compiled columns (a0 = units,
 * a1 = s1·inverse − a2·offset in BigInt, NULL kept) before runDpSql sees it; everything else (plan, charge, ledger,
 * release, HTTP) is the server's own. The rebuilt rows are first checked equal to the compiled ones on 30 statements.
 *
 * The distinct load of `thread-cost.ts` (`distinct-load.ts`) at concurrency C; after WARMUP queries (and 300 in the
 * lean form, so both forms' statements are prepared), ROUNDS interleaved rounds of N queries each in the compiled
 * and the lean form; the figure is this process's CPU per query (server, DuckDB, ledger worker, V8 and the client),
 * median over rounds.
 *
 *   nice -n 10 npx tsx bench/server/statement-shape-http.ts [queries per round=300] [concurrency=8] [warm-up=1000] [rounds=10]
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { EngineRow } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { explainDpSql } from '../../src/sql/explain-dp-sql.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { startDistinctLoad } from './distinct-load.js';

const N = Number(process.argv[2] ?? 300);
const C = Number(process.argv[3] ?? 8);
const WARMUP = Number(process.argv[4] ?? 1000);
const ROUNDS = Number(process.argv[5] ?? 10);

/** The compiled row-level shape of the benchmark's query (`statement-shape.ts` derives the lean text the same way). */
const COMPILED_SHAPE =
  /^SELECT (.*?) AS "k0", CAST\(COUNT\(\*\) AS HUGEINT\) AS "units", CAST\(COUNT\(\*\) AS HUGEINT\) AS "a0", CAST\(SUM\((.*)\) AS HUGEINT\) \* \$3::BIGINT - CAST\(COUNT\((.*?)\) AS HUGEINT\) \* \$4::BIGINT AS "a1", CAST\(COUNT\(\3\) AS HUGEINT\) AS "a2" FROM (.*)$/;

/**
 * The lean statement of a compiled one, or null when it is not of the shape: the same key, clamp and FROM/WHERE/GROUP
 * BY; its parameters are the compiled ones the lean text still uses, renumbered in order of first use (the compiler
 * shares one parameter between equal values, so a WHERE literal may be $1–$4).
 */
function leanOf(st: CompiledStatement): { lean: CompiledStatement; inverse: bigint; offset: bigint } | null {
  const m = COMPILED_SHAPE.exec(st.sql);
  if (!m) return null;
  const [, key, clamped, counted, rest] = m as unknown as [string, string, string, string, string];
  const used: number[] = [];
  const sql = `SELECT ${key} AS "k0", COUNT(*) AS "units", SUM(${clamped}) AS "s1", COUNT(${counted}) AS "a2" FROM ${rest}`.replace(
    /\$(\d+)/g,
    (_, d: string) => {
      const k = used.indexOf(Number(d));
      if (k >= 0) return `$${k + 1}`;
      used.push(Number(d));
      return `$${used.length}`;
    },
  );
  const params = used.map((i) => st.params[i - 1]);
  if (params.some((p) => p === undefined)) return null;
  return {
    lean: { sql, params: params as CompiledStatement['params'] },
    inverse: BigInt(st.params[2]?.value as bigint),
    offset: BigInt(st.params[3]?.value as bigint),
  };
}

let lean = false;
let leanRuns = 0;
type Runner = (this: DuckDbEngine, st: CompiledStatement) => Promise<EngineRow[]>;
const proto = DuckDbEngine.prototype as unknown as { runStatement: Runner };
const compiledRunner = proto.runStatement;
proto.runStatement = async function (this: DuckDbEngine, st: CompiledStatement): Promise<EngineRow[]> {
  const l = lean ? leanOf(st) : null;
  if (!l) return compiledRunner.call(this, st);
  leanRuns++;
  const rows = await compiledRunner.call(this, l.lean);
  return rows.map((r) => ({
    k0: r.k0,
    units: r.units,
    a0: r.units,
    a1: r.s1 === null ? null : BigInt(r.s1 as bigint) * l.inverse - BigInt(r.a2 as bigint) * l.offset,
    a2: r.a2,
  })) as EngineRow[];
};

const load = await startDistinctLoad(C);

// The rebuilt lean rows equal the compiled rows (direct engine calls on the same file).
{
  const schema = loadSqlSchema(join(resolve(import.meta.dirname, '../..'), 'examples/adult.schema.json'));
  const engine = await DuckDbEngine.open({ database: load.file, threads: 1 });
  const text = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  for (let i = 0; i < 30; i++) {
    const st = explainDpSql(load.distinctSql(), schema, duckdbDialect, { epsilon: 0.001 }).compiled.main;
    if (!leanOf(st)) throw new Error(`the compiler's statement changed shape; update this prototype:\n${st.sql}`);
    lean = false;
    const a = text(await engine.query(st));
    lean = true;
    const b = text(await engine.query(st));
    lean = false;
    if (a !== b) throw new Error(`lean rows differ: ${a} against ${b}`);
  }
  await engine.close();
  console.log('lean rows, rebuilt, equal the compiled rows on 30 statements');
}

await load.batch(WARMUP);
lean = true;
await load.batch(300);
lean = false;
const cpu: Record<'compiled' | 'lean', number[]> = { compiled: [], lean: [] };
const load0 = loadavg()[0] ?? Number.NaN;
for (let r = 0; r < ROUNDS; r++) {
  for (const v of r % 2 === 0 ? (['compiled', 'lean'] as const) : (['lean', 'compiled'] as const)) {
    lean = v === 'lean';
    const c0 = process.cpuUsage();
    await load.batch(N);
    const d = process.cpuUsage(c0);
    cpu[v].push((d.user + d.system) / 1000 / N);
  }
}
lean = false;
const median = (a: readonly number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? Number.NaN;
for (const [v, xs] of Object.entries(cpu)) {
  console.log(
    `${v.padEnd(9)} ${median(xs).toFixed(2)} ms CPU per query through HTTP at concurrency ${C} (rounds ${xs.map((x) => x.toFixed(2)).join(' ')})`,
  );
}
const lower = cpu.lean.filter((x, i) => x < (cpu.compiled[i] ?? Number.NaN)).length;
console.log(
  `lean below compiled in ${lower} of ${ROUNDS} rounds (${leanRuns} lean statements); load average ${load0.toFixed(2)} → ${(loadavg()[0] ?? Number.NaN).toFixed(2)} on 2 cores`,
);
await load.close();
