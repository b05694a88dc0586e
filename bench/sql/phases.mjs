/**
 * Where one bench/sql/files.ts run's in-process time goes (issue 11, stop 26): the same steps as files-child.mjs,
 * each with its wall and the process's CPU (user + system, all threads), and inside `runDpSql` every engine and ledger
 * step (catalog, preflight, snapshot, query, charge) and every DuckDB call of the built engine. Needs `npm run build`.
 *
 *   node bench/sql/phases.mjs plain|lib <spec.json>      (a spec as files.ts writes it)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const [mode, specPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const lines = [];
let [w, c] = [performance.now(), cpu()];
const mark = (what) => {
  const [w2, c2] = [performance.now(), cpu()];
  lines.push(`${(w2 - w).toFixed(1).padStart(7)} ms ${(c2 - c).toFixed(1).padStart(7)} ms CPU  ${what}`);
  [w, c] = [w2, c2];
};
/** Wraps an async method so each call is listed (indented) with its wall and CPU milliseconds. */
function wrap(proto, name, label = name) {
  const original = proto[name];
  proto[name] = async function (...args) {
    const [w0, c0] = [performance.now(), cpu()];
    try {
      return await original.apply(this, args);
    } finally {
      const what = typeof args[0] === 'string' ? `${label} ${args[0].replace(/\s+/g, ' ').slice(0, 90)}` : label;
      lines.push(`    ${(performance.now() - w0).toFixed(1).padStart(7)} ms ${(cpu() - c0).toFixed(1).padStart(7)} ms CPU  ${what}`);
    }
  };
}
const t0 = performance.now();
if (mode === 'plain') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  mark('import @duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  mark('DuckDBInstance.create');
  const connection = await instance.connect();
  mark('connect');
  const reader = await connection.runAndReadAll(spec.plainSql);
  reader.getRowsJS();
  mark('query');
  connection.closeSync();
  instance.closeSync();
  mark('close');
} else {
  const { DuckDbEngine, FileLedger, runDpSql, parseSqlSchema } = await import(new URL('../../dist/sql/index.js', import.meta.url).href);
  mark('import dist/sql/index.js');
  const duckdb = createRequire(import.meta.url)(new URL('../../dist/vendor/duckdb-node-api.cjs', import.meta.url).pathname);
  wrap(duckdb.DuckDBConnection.prototype, 'run', 'duckdb run');
  wrap(duckdb.DuckDBConnection.prototype, 'runAndReadAll', 'duckdb runAndReadAll');
  wrap(duckdb.DuckDBConnection.prototype, 'prepare', 'duckdb prepare');
  wrap(duckdb.DuckDBPreparedStatement.prototype, 'runAndReadAll', 'duckdb prepared.runAndReadAll');
  wrap(duckdb.DuckDBInstance, 'create', 'duckdb DuckDBInstance.create');
  for (const m of ['catalog', 'preflight', 'snapshot', 'query']) wrap(DuckDbEngine.prototype, m, `engine.${m}`);
  wrap(FileLedger.prototype, 'charge', 'ledger.charge');
  const schema = parseSqlSchema(spec.schema);
  mark('parseSqlSchema');
  const columnTypes = Object.fromEntries(
    Object.keys(spec.files).map((t) => [t, Object.fromEntries(Object.entries(spec.schema.tables[t].columns).map(([k, v]) => [k, v.type]))]),
  );
  const engine = await DuckDbEngine.open({ files: spec.files, columnTypes, statementTimeoutMs: 3_600_000 });
  mark('DuckDbEngine.open');
  const ledger = new FileLedger({ home: spec.home });
  await runDpSql({ sql: spec.dpSql, schema, engine, ledger, epsilon: 1 });
  mark('runDpSql');
  await engine.close();
  await ledger.close();
  mark('close');
}
console.log(lines.join('\n'));
console.log(`${(performance.now() - t0).toFixed(1).padStart(7)} ms ${cpu().toFixed(1).padStart(7)} ms CPU (process)  total ${mode}`);
