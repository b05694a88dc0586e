/**
 * Where the CPU of one DP statement over a declared CSV goes (issue 11, stop 23): every DuckDB call the built engine
 * makes (open, the line check, the deciding/counted statement, the EXPLAIN of the fold, the counter reads, the DP
 * statement itself) with its wall time and the process's CPU time (user + system, all threads: `process.cpuUsage`)
 * around it, then the same for plain DuckDB's one statement. Run each mode in a fresh process:
 *
 *   node bench/sql/csv-profile.mjs lib|plain <file.csv> [sql]
 *
 * `lib` runs bench/sql/files.ts's row-level `groupby` through `runDpSql` (or `sql` for the DP statement); `plain` runs
 * the same GROUP BY on `read_csv_auto`. Prints one line per call (ms wall, ms CPU, the SQL's first 140 characters) and
 * the totals. Needs `npm run build`.
 */

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

// The engine's own copy of the driver (`duckdb-driver.ts`: the vendored single file when built), so its calls are seen.
const require = createRequire(import.meta.url);
const vendored = new URL('../../dist/vendor/duckdb-node-api.cjs', import.meta.url);
let duckdb;
try {
  duckdb = require(vendored.pathname);
} catch {
  duckdb = require('@duckdb/node-api');
}

const [mode, path, sqlArg] = process.argv.slice(2);
const calls = [];
/** Every call's whole SQL, written to `SQL_OUT` when set (for EXPLAIN ANALYZE on a copy). */
const fullSql = [];
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Wraps a method so each call is logged with its wall and CPU milliseconds. */
function wrap(proto, name, label) {
  const original = proto[name];
  proto[name] = async function (...args) {
    const sql = typeof args[0] === 'string' ? args[0] : (this.__sql ?? label);
    const [w, c] = [performance.now(), cpu()];
    try {
      const out = await original.apply(this, args);
      if (name === 'prepare' && out) out.__sql = sql;
      return out;
    } finally {
      calls.push({ what: `${label} ${sql.replace(/\s+/g, ' ').slice(0, 140)}`, ms: performance.now() - w, cpuMs: cpu() - c });
      if (process.env.SQL_OUT) fullSql.push(`-- ${label}\n${sql};`);
    }
  };
}
wrap(duckdb.DuckDBConnection.prototype, 'run', 'run');
wrap(duckdb.DuckDBConnection.prototype, 'runAndReadAll', 'runAndReadAll');
wrap(duckdb.DuckDBConnection.prototype, 'prepare', 'prepare');
wrap(duckdb.DuckDBPreparedStatement.prototype, 'runAndReadAll', 'exec');

const GROUPBY = 'SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM events_rows GROUP BY grp';
const [w0, c0] = [performance.now(), cpu()];
if (mode === 'plain') {
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  (
    await c.runAndReadAll(sqlArg ?? `SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM read_csv_auto('${path}') GROUP BY grp`)
  ).getRowsJS();
  c.closeSync();
  instance.closeSync();
} else {
  const { DuckDbEngine, FileLedger, runDpSql, parseSqlSchema } = await import(new URL('../../dist/sql/index.js', import.meta.url).href);
  const { checkNativeLines } = await import(new URL('../../dist/sql/engines/line-check.js', import.meta.url).href);
  const categories = Array.from({ length: 100 }, (_, i) => i);
  const columns = { grp: { type: 'integer', categories }, val: { type: 'integer', lower: 0, upper: 100 } };
  const schema = parseSqlSchema({ dataset: 'profile', budget: { epsilon: 1e12 }, tables: { events_rows: { columns } } });
  const [lw, lc] = [performance.now(), cpu()];
  await checkNativeLines(path);
  calls.push({ what: '(alone, not part of the total) checkNativeLines', ms: performance.now() - lw, cpuMs: cpu() - lc, alone: true });
  const [ow, oc] = [performance.now(), cpu()];
  const engine = await DuckDbEngine.open({
    files: { events_rows: path },
    columnTypes: { events_rows: { grp: 'integer', val: 'integer' } },
    statementTimeoutMs: 3_600_000,
  });
  calls.push({ what: '== DuckDbEngine.open total', ms: performance.now() - ow, cpuMs: cpu() - oc, total: true });
  const home = (await import('node:fs')).mkdtempSync('/tmp/sqlcsv-profile-');
  const ledger = new FileLedger({ home });
  const [qw, qc] = [performance.now(), cpu()];
  await runDpSql({ sql: sqlArg ?? GROUPBY, schema, engine, ledger, epsilon: 1 });
  calls.push({ what: '== runDpSql total', ms: performance.now() - qw, cpuMs: cpu() - qc, total: true });
  await engine.close();
  await ledger.close();
}
const total = { ms: performance.now() - w0, cpuMs: cpu() - c0 };
for (const c of calls) console.log(`${c.ms.toFixed(0).padStart(7)} ms ${c.cpuMs.toFixed(0).padStart(7)} ms CPU  ${c.what}`);
console.log(`${total.ms.toFixed(0).padStart(7)} ms ${total.cpuMs.toFixed(0).padStart(7)} ms CPU  == ${mode} total (after module load)`);
if (process.env.SQL_OUT) (await import('node:fs')).writeFileSync(process.env.SQL_OUT, `${fullSql.join('\n')}\n`);
