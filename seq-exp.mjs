import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await inst.connect();
await c.run("CREATE TEMP SEQUENCE q START 1");
await c.run("SET VARIABLE st = 'force'");
const f = process.argv[2];
const reader = `read_csv('${f}', auto_detect=false, header=false, skip=1, delim=',', quote='', escape='', columns={'c1':'BIGINT','c2':'VARCHAR','c3':'BIGINT','c4':'VARCHAR'}, null_padding=true, strict_mode=false, nullstr=chr(10), ignore_errors=true)`;
const br = `(SELECT c1,c2,c3 FROM ${reader} WHERE CASE WHEN nextval('q') > 0 THEN c3 IS NOT NULL AND c4 IS NULL AND (c1 IS NULL OR c1 IS NOT NULL) AND (c3 IS NULL OR c3 IS NOT NULL) ELSE false END)`;
const view = `SELECT c1 AS pid, c2 AS s, c3 AS a FROM ${br} WHERE getvariable('st') = 'force' UNION ALL SELECT TRY_CAST(c1 AS BIGINT), c2, TRY_CAST(c3 AS BIGINT) FROM read_csv('${f}', header=false, skip=1, all_varchar=true, columns={'c1':'VARCHAR','c2':'VARCHAR','c3':'VARCHAR'}) WHERE getvariable('st') = 'text'`;
await c.run(`CREATE VIEW v AS ${view}`);
const sql = process.argv[4] ?? `SELECT s, COUNT(*) FROM v WHERE a = 3 AND s > 's5' GROUP BY s`;
if (process.argv[3] === 'explain') { const r = await c.runAndReadAll('EXPLAIN ' + sql); console.log(r.getRowsJS()[0][1]); }
const t = performance.now();
const r = await c.runAndReadAll(sql);
const dt = performance.now() - t;
const s = await c.runAndReadAll("SELECT last_value FROM duckdb_sequences() WHERE sequence_name='q'");
console.log(f, 'rows', r.getRowsJS().length, 'counter', s.getRowsJS()[0][0], 'ms', dt.toFixed(0), 'rss MB', (process.memoryUsage().rss/1e6).toFixed(0));
