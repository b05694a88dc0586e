/**
 * Review stop 23 second: what DuckDB 1.5.6's profiler reports as the READ_CSV operator's cardinality, for sqlcsv's
 * proposed replacement of the counted scan's per-line nextval (bench/sql/profile-count.mjs on wip/sqlcsv, uncommitted
 * at 14:30). Run from the repository root: node test/review/duckdb-profile-count.probe.mjs (writes under /tmp).
 * Measured (4 threads, 200,000 lines, one with a bad integer field): see test/review/NOTES-stop23.md, item 3.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import duckdb from '@duckdb/node-api';

const dir = mkdtempSync(join(tmpdir(), 'review-profile-count-'));
const lines = ['a,b,s'];
for (let i = 0; i < 200000; i++) lines.push(`${i},${i % 7},x${i}`);
lines[1000] = '1000,notanint,x'; // one bad line
writeFileSync(`${dir}/f.csv`, lines.join('\n') + '\n');
const out = `${dir}/p.json`;
const inst = await duckdb.DuckDBInstance.create(':memory:', { threads: '4' });
const c = await inst.connect();
await c.run("SET enable_profiling = 'json'");
await c.run(`SET profiling_output = '${out}'`);
await c.run(`SET custom_profiling_settings = '{"OPERATOR_CARDINALITY": "true", "OPERATOR_NAME": "true"}'`);
const rc = `read_csv('${dir}/f.csv', auto_detect=false, header=false, skip=1, delim=',', quote='', escape='', columns={'c1':'BIGINT','c2':'BIGINT','c3':'VARCHAR'}, ignore_errors=true, new_line='\\n')`;
const card = () => {
  if (!existsSync(out)) return 'no file';
  const j = JSON.parse(readFileSync(out, 'utf8'));
  const r = [];
  const f = (x) => {
    if (x.operator_name?.includes('READ_CSV')) r.push(x.operator_cardinality);
    (x.children ?? []).forEach(f);
  };
  f(j);
  return r.join('+');
};
const run = async (label, sql) => {
  let res;
  try {
    res = (await c.runAndReadAll(sql)).getRowsJS().length;
  } catch (e) {
    res = 'ERROR ' + e.message.slice(0, 60);
  }
  console.log(label.padEnd(38), 'rows', res, '| READ_CSV cardinality', card());
};
await run('full scan count(*)', `SELECT count(*) FROM ${rc}`);
await run('pushed-down filter c2 = 3', `SELECT count(*) FROM ${rc} WHERE c2 = 3`);
await run('LIMIT 10', `SELECT * FROM ${rc} LIMIT 10`);
await run('two scans (UNION ALL, one filtered)', `SELECT count(*) FROM (SELECT c1 FROM ${rc} WHERE c2 = 3 UNION ALL SELECT c1 FROM ${rc})`);
rmSync(out, { force: true });
await run('full scan again', `SELECT count(*) FROM ${rc}`);
await run('a failing statement after it', `SELECT error('boom') FROM ${rc}`);
await run('a non-scan statement after it', `SELECT 42`);
// streaming result: read the profile before the stream is consumed
await c.run(`SELECT count(*) FROM ${rc}`);
// the previous statement's profile is left in place: what a read before the stream ends sees
const stream = await c.stream(`SELECT * FROM ${rc}`);
console.log('streamed, before consuming:'.padEnd(38), 'READ_CSV cardinality', card());
let n = 0;
for (;;) {
  const ch = await stream.fetchChunk();
  if (!ch || ch.rowCount === 0) break;
  n += ch.rowCount;
}
console.log('streamed, after consuming:'.padEnd(38), 'rows', n, 'READ_CSV cardinality', card());
rmSync(dir, { recursive: true, force: true });
