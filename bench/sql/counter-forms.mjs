/**
 * The CPU of the forms of the counted deciding scan alone (issue 11, stop 23; `src/sql/engines/duckdb-csv-choice.ts`,
 * "Counting"), on plain DuckDB views written by hand over bench/sql/files.ts's CSV (uid, grp, val): the row-level
 * GROUP BY over each form, one form per fresh process. Forms: `plain` (read_csv_auto), `strict` / `lenient` (the typed
 * reader, `ignore_errors` false / true, no counter), `counted` (the engine's form: a struct of every column under
 * `CASE WHEN nextval(s) > 0`), `nocount` (the same with `random()` for `nextval`), `noc1` (the struct without the text
 * column), `packn` (`nextval` as a field of the struct, no CASE), `gsets` (no counter: the GROUP BY as GROUPING SETS ((grp), ()) with the view's WHERE as FILTERs, the () row's COUNT(*) the lines the lenient reader produced), `casecols` (one BIGINT column under the CASE, no
 * struct: blocks no predicate, so not a form the engine may use — the floor of the counter alone).
 *
 *   T=1 node bench/sql/counter-forms.mjs <form>     (F=<file.csv>, default the 10⁷-row file; T: DuckDB threads)
 */
import duckdb from '@duckdb/node-api';

const path = process.env.F ?? '/tmp/tsdp-bench-files/events-10000000.csv';
const v = process.argv[2];
const rc = (ign) =>
  `read_csv('${path}', auto_detect = false, header = false, skip = 1, delim = ',', quote = '', escape = '', columns = {'c1': 'VARCHAR', 'c2': 'BIGINT', 'c3': 'BIGINT', 'c4': 'VARCHAR'}, null_padding = true, strict_mode = false, nullstr = chr(10), max_line_size = 2097152, buffer_size = 33554432, ignore_errors = ${ign})`;
const G = (src) =>
  `SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM (SELECT TRY_CAST(c2 AS BIGINT) AS grp, TRY_CAST(c3 AS BIGINT) AS val FROM ${src}) GROUP BY grp`;
const variants = {
  plain: `SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM read_csv_auto('${path}') GROUP BY grp`,
  strict: G(`(SELECT c1, c2, c3 FROM ${rc(false)} WHERE c3 IS NOT NULL AND c4 IS NULL)`),
  lenient: G(`(SELECT c1, c2, c3 FROM ${rc(true)} WHERE c3 IS NOT NULL AND c4 IS NULL)`),
  counted: G(
    `(SELECT s.c1 AS c1, s.c2 AS c2, s.c3 AS c3 FROM (SELECT CASE WHEN nextval('q') > 0 THEN {'c1': c1, 'c2': c2, 'c3': c3, 'c4': c4} ELSE error('x') END AS s FROM ${rc(true)}) WHERE s.c3 IS NOT NULL AND s.c4 IS NULL)`,
  ),
  nocount: G(
    `(SELECT s.c1 AS c1, s.c2 AS c2, s.c3 AS c3 FROM (SELECT CASE WHEN random() >= 0 THEN {'c1': c1, 'c2': c2, 'c3': c3, 'c4': c4} ELSE error('x') END AS s FROM ${rc(true)}) WHERE s.c3 IS NOT NULL AND s.c4 IS NULL)`,
  ),
  noc1: G(
    `(SELECT s.c2 AS c2, s.c3 AS c3 FROM (SELECT CASE WHEN nextval('q') > 0 THEN {'c2': c2, 'c3': c3, 'c4': c4} ELSE error('x') END AS s FROM ${rc(true)}) WHERE s.c3 IS NOT NULL AND s.c4 IS NULL)`,
  ),
  lenall: G(`(SELECT c1, c2, c3 FROM ${rc(true)} WHERE c3 IS NOT NULL AND c4 IS NULL AND c1 IS NOT NULL)`),
  packn: G(
    `(SELECT s.c1 AS c1, s.c2 AS c2, s.c3 AS c3 FROM (SELECT {'n': nextval('q'), 'c1': c1, 'c2': c2, 'c3': c3, 'c4': c4} AS s FROM ${rc(true)}) WHERE s.c3 IS NOT NULL AND s.c4 IS NULL)`,
  ),
  casecols: G(
    `(SELECT c1, c2, c3 FROM (SELECT CASE WHEN nextval('q') > 0 THEN c3 ELSE error('x') END AS c3, c1, c2, c4 FROM ${rc(true)}) WHERE c3 IS NOT NULL AND c4 IS NULL)`,
  ),
  countonly: `SELECT count(*) FROM ${rc(true)}`,
  gsets: `SELECT grp, COUNT(*) FILTER (WHERE keep) AS n, SUM(val) FILTER (WHERE keep) AS s, AVG(val) FILTER (WHERE keep) AS m, COUNT(*) AS scanned FROM (SELECT TRY_CAST(c2 AS BIGINT) AS grp, TRY_CAST(c3 AS BIGINT) AS val, c3 IS NOT NULL AND c4 IS NULL AS keep FROM ${rc(true)}) GROUP BY GROUPING SETS ((grp), ())`,
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const inst = await duckdb.DuckDBInstance.create(':memory:', process.env.T ? { threads: process.env.T } : {});
const c = await inst.connect();
await c.run('CREATE TEMPORARY SEQUENCE q START 1');
if (process.env.PROF) {
  await c.run("SET enable_profiling = 'json'");
  await c.run(`SET profiling_output = '/tmp/sqlcsv-prof-${v}.json'`);
}
const [w, u] = [performance.now(), cpu()];
const r = (await c.runAndReadAll(variants[v])).getRowsJS();
console.log(
  `${v}\t${(performance.now() - w).toFixed(0)} ms\t${(cpu() - u).toFixed(0)} ms CPU\trows ${r.length}\trss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);
