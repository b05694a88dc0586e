/**
 * One measured run of bench/sql/files.ts, in a fresh process (so that its peak
 * RSS is its own): `plain` runs the baseline SQL with @duckdb/node-api on the
 * file; `lib` opens the file with tsdp's DuckDbEngine (views in place) and runs
 * the DP query with runDpSql from the built package (dist/). Prints one JSON
 * line: the in-process milliseconds of open + query. Peak RSS is written at
 * exit by bench/sql/rss-at-exit.mjs.
 *
 *   node --import ./bench/sql/rss-at-exit.mjs bench/sql/files-child.mjs plain|lib <spec.json>
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [mode, specPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const t0 = performance.now();
if (mode === 'plain') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(spec.plainSql);
  reader.getRowsJS();
  connection.closeSync();
  instance.closeSync();
} else if (mode === 'lib') {
  const dist = new URL('../../dist/', import.meta.url);
  const { DuckDbEngine, FileLedger, runDpSql, parseSqlSchema } = await import(new URL('sql/index.js', dist).href);
  const schema = parseSqlSchema(spec.schema);
  const columnTypes = Object.fromEntries(
    Object.keys(spec.files).map((t) => [t, Object.fromEntries(Object.entries(spec.schema.tables[t].columns).map(([c, v]) => [c, v.type]))]),
  );
  const engine = await DuckDbEngine.open({ files: spec.files, columnTypes, statementTimeoutMs: 3_600_000 });
  const ledger = new FileLedger({ home: spec.home });
  await runDpSql({ sql: spec.dpSql, schema, engine, ledger, epsilon: 1 });
  await engine.close();
  await ledger.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0 })}\n`);
