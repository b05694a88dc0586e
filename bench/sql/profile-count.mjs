/**
 * Whether DuckDB's own count of the READ_CSV operator's output rows (its profiler) can replace the counted scan's
 * per-line `nextval` (issue 11, stop 24; `src/sql/engines/duckdb-csv-choice.ts`, "Counting"). On plain DuckDB 1.5.6,
 * one mode per fresh process:
 *
 *   node bench/sql/profile-count.mjs lock                 whether profiling can be switched on after the engine's
 *                                                         `lock_configuration` (it sets it at open)
 *   node bench/sql/profile-count.mjs stmt [p]             CPU and wall per small statement, without / with (`p`) the
 *                                                         profiler on for every statement (what locking at open implies)
 *   T=1 F=<file.csv> node bench/sql/profile-count.mjs scan lenient|counted [p]
 *                                                         the row-level GROUP BY over the lenient typed reader (no
 *                                                         counter) or the engine's counted form; `p`: profiled, and the
 *                                                         READ_CSV's cardinality read back from the profile file
 * @module
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import duckdb from '@duckdb/node-api';

const [mode, a, b] = process.argv.slice(2);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const out = join(tmpdir(), `tsdp-profile-count-${process.pid}.json`);
const inst = await duckdb.DuckDBInstance.create(':memory:', process.env.T ? { threads: process.env.T } : {});
const c = await inst.connect();
const profile = async () => {
  await c.run("SET enable_profiling = 'json'");
  await c.run(`SET profiling_output = '${out}'`);
  await c.run(`SET custom_profiling_settings = '{"OPERATOR_CARDINALITY": "true", "OPERATOR_NAME": "true"}'`);
};

if (mode === 'lock') {
  await c.run('SET enable_external_access = false');
  await c.run('SET lock_configuration = true');
  try {
    await profile();
    console.log('profiling switched on after the lock');
  } catch (e) {
    console.log(`after the lock: ${String(e.message).split('\n')[0]}`);
  }
} else if (mode === 'stmt') {
  if (a === 'p') await profile();
  await c.run(`SET allowed_paths = ['${out}']`);
  await c.run('SET enable_external_access = false');
  await c.run('SET lock_configuration = true');
  await c.run('CREATE TABLE t AS SELECT i, i % 10 AS g FROM range(1000) r(i)');
  const n = 2000;
  const [w, u] = [performance.now(), cpu()];
  for (let k = 0; k < n; k++) await c.runAndReadAll(`SELECT g, count(*) FROM t WHERE i > ${k % 50} GROUP BY g`);
  const perWall = ((performance.now() - w) * 1000) / n;
  console.log(
    `stmt ${a === 'p' ? 'profiled' : 'plain'}\t${perWall.toFixed(0)} µs wall\t${(((cpu() - u) * 1000) / n).toFixed(0)} µs CPU per statement`,
  );
} else if (mode === 'scan') {
  const path = process.env.F ?? '/tmp/tsdp-bench-files/events-10000000.csv';
  const rc = `read_csv('${path}', auto_detect = false, header = false, skip = 1, delim = ',', quote = '', escape = '', columns = {'c1': 'VARCHAR', 'c2': 'BIGINT', 'c3': 'BIGINT', 'c4': 'VARCHAR'}, null_padding = true, strict_mode = false, nullstr = chr(10), max_line_size = 2097152, buffer_size = 33554432, ignore_errors = true)`;
  const forms = {
    lenient: `SELECT c1, c2, c3 FROM ${rc} WHERE c3 IS NOT NULL AND c4 IS NULL`,
    counted: `SELECT s.c1 AS c1, s.c2 AS c2, s.c3 AS c3 FROM (SELECT CASE WHEN nextval('q') > 0 THEN {'c1': c1, 'c2': c2, 'c3': c3, 'c4': c4} ELSE error('x') END AS s FROM ${rc}) WHERE s.c3 IS NOT NULL AND s.c4 IS NULL`,
  };
  await c.run('CREATE TEMPORARY SEQUENCE q START 1');
  const u = cpu();
  if (b === 'p') await profile();
  const rows = (await c.runAndReadAll(`SELECT c2, count(*), sum(c3) FROM (${forms[a]}) GROUP BY c2`)).getRowsJS();
  let card = '';
  if (b === 'p') {
    const find = (x) =>
      x.operator_name === 'READ_CSV' ? x.operator_cardinality : (x.children ?? []).map(find).find((v) => v !== undefined);
    card = `\tREAD_CSV cardinality ${find(JSON.parse(readFileSync(out, 'utf8')))}`;
  }
  console.log(`scan ${a}${b === 'p' ? ' profiled' : ''}\t${(cpu() - u).toFixed(0)} ms CPU\t${rows.length} groups${card}`);
}
rmSync(out, { force: true });
