/**
 * Where the DP statement's own CPU goes beyond plain DuckDB's GROUP BY (issue 11, stop 24): bench/sql/files.ts's
 * row-level `groupby` as the engine runs it on an undecided 10⁷-row CSV (the view and the DP statement copied from
 * `SQL_OUT=… node bench/sql/csv-profile.mjs lib <file>`; the values bound as runDpSql binds them), on plain DuckDB, one
 * part taken away at a time. One form per fresh process; prints the statement's wall and the process's CPU
 * (`process.cpuUsage`, all threads), and with `ANALYZE=1` DuckDB's EXPLAIN ANALYZE of it instead.
 *
 *   node bench/sql/dp-statement-parts.mjs <form>     (F=<file.csv>, default the 10⁷-row file; T: DuckDB threads)
 *
 * Forms: `plain` (read_csv_auto, plain's GROUP BY), `view` (plain's GROUP BY over the engine's view, state `force`:
 * the counted scan), `dp` (the DP statement over it), `dp-noin` (without the declared-key `IN` list), `dp-noclamp`
 * (without the clamping CASEs), `dp-range` (the `IN` list of the 100 declared integer keys 0…99 as the range it equals,
 * `grp >= 0 AND grp <= 99`: a FILTER instead of a mark join), `dp-bare` (neither: COUNT(*), SUM, COUNT of the value), `typed` (the DP statement,
 * state `typed`: a decided version's strict reader, no counter).
 */
import duckdb from '@duckdb/node-api';

const path = process.env.F ?? '/tmp/tsdp-bench-files/events-10000000.csv';
const form = process.argv[2];
const csv = (types, ignore) =>
  `read_csv('${path}', auto_detect = false, header = false, skip = 1, delim = ',', quote = '', escape = '', columns = {'c1': 'VARCHAR', 'c2': '${types}', 'c3': '${types}', 'c4': 'VARCHAR'}, null_padding = true, strict_mode = false, nullstr = chr(10), max_line_size = 2097152, buffer_size = 33554432, ignore_errors = ${ignore})`;
const state = "coalesce(getvariable('v'), 'force')";
const view =
  `CREATE VIEW events_rows AS SELECT TRY_CAST(c2 AS BIGINT) AS grp, TRY_CAST(c3 AS BIGINT) AS val FROM (` +
  `SELECT c1, c2, c3 FROM (SELECT c1, c2, c3 FROM ${csv('BIGINT', false)} WHERE c3 IS NOT NULL AND c4 IS NULL) WHERE ${state} = 'typed' ` +
  `UNION ALL SELECT c1, c2, c3 FROM (SELECT q.c1 AS c1, q.c2 AS c2, q.c3 AS c3 FROM (SELECT CASE WHEN nextval('q') > 0 THEN {'c1': c1, 'c2': c2, 'c3': c3, 'c4': c4} ELSE error('x') END AS q FROM ${csv('BIGINT', true)}) WHERE q.c3 IS NOT NULL AND q.c4 IS NULL) WHERE ${state} = 'force' ` +
  `UNION ALL SELECT c1, TRY_CAST(c2 AS BIGINT) AS c2, TRY_CAST(c3 AS BIGINT) AS c3 FROM (SELECT c1, c2, c3 FROM ${csv('VARCHAR', true)} WHERE c3 IS NOT NULL AND c4 IS NULL) WHERE ${state} = 'text')`;
const clamp = 'CAST(CASE WHEN val < 0::BIGINT THEN 0::BIGINT WHEN val > 100::BIGINT THEN 100::BIGINT ELSE val END AS BIGINT)';
const keys = `grp IN (${Array.from({ length: 100 }, (_, i) => `${i}::BIGINT`).join(', ')})`;
const dp = (sum, where) =>
  `SELECT grp AS k0, COUNT(*) AS units, SUM(${sum}) AS a0, COUNT(val) AS a1, SUM(${sum}) AS a2 FROM events_rows ${where} GROUP BY grp`;
const forms = {
  plain: `SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM read_csv_auto('${path}') GROUP BY grp`,
  view: 'SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM events_rows GROUP BY grp',
  dp: dp(clamp, `WHERE ${keys}`),
  'dp-noin': dp(clamp, ''),
  'dp-range': dp(clamp, 'WHERE grp >= 0::BIGINT AND grp <= 99::BIGINT'),
  'dp-noclamp': dp('val', `WHERE ${keys}`),
  'dp-bare': dp('val', ''),
  typed: dp(clamp, `WHERE ${keys}`),
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const instance = await duckdb.DuckDBInstance.create(':memory:', process.env.T ? { threads: process.env.T } : {});
const c = await instance.connect();
await c.run('CREATE TEMPORARY SEQUENCE q START 1');
await c.run(view);
if (form === 'typed') await c.run("SET VARIABLE v = 'typed'");
const sql = process.env.ANALYZE ? `EXPLAIN ANALYZE ${forms[form]}` : forms[form];
const [w, u] = [performance.now(), cpu()];
const rows = (await c.runAndReadAll(sql)).getRowsJS();
const [ms, cpuMs] = [performance.now() - w, cpu() - u];
if (process.env.ANALYZE) console.log(rows[0][1]);
console.log(`${form}\t${ms.toFixed(0)} ms\t${cpuMs.toFixed(0)} ms CPU\trows ${rows.length}`);
