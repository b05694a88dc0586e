/**
 * The declared-key filter's forms on plain DuckDB (stop 24 second shift, issue 11): a 10⁷-row table with a BIGINT
 * and a VARCHAR key (N distinct values), `SELECT k, count(*), sum(v) … WHERE <filter> GROUP BY k` with M declared
 * values that are not a range (every third value), one process, the forms interleaved R times; prints the median
 * wall and process CPU (all threads) of each form, and the rows each form keeps (all must agree).
 *
 *   node bench/sql/key-filter-forms.mjs      (ROWS, M (default 100; 10–1000), R (default 3), T: DuckDB threads)
 *
 * Forms: `none` (no filter), `in` (`k IN (c1, …)`, DuckDB's in-clause rewriter makes it a hash mark join past a few
 * constants), `list` (`list_contains([c1, …], k)`), `any` (`k = ANY([c1, …])`), `in-noopt` (the IN list with
 * `disabled_optimizers = 'in_clause'`), `bitmap` (integer only: a range check and `get_bit` on a BIT string of the
 * declared values' offsets), `index` (integer only: a constant BOOLEAN list indexed by the key's offset; out of range is NULL), `values` (a semi-join with a constant VALUES table).
 */
import duckdb from '@duckdb/node-api';

const rows = Number(process.env.ROWS ?? 1e7);
const m = Number(process.env.M ?? 100);
const reps = Number(process.env.R ?? 3);
const instance = await duckdb.DuckDBInstance.create(':memory:', process.env.T ? { threads: process.env.T } : {});
const c = await instance.connect();
const n = 3 * m + 7;
await c.run(
  `CREATE TABLE t AS SELECT (hash(i) % ${n})::BIGINT AS ki, 'key-' || (hash(i) % ${n})::VARCHAR AS kt, (i % 100)::BIGINT AS v FROM range(${rows}) r(i)`,
);
const ints = Array.from({ length: m }, (_, i) => 3 * i);
const lit = { ki: ints.map((x) => `${x}::BIGINT`), kt: ints.map((x) => `'key-${x}'`) };
const bits = Array.from({ length: 3 * (m - 1) + 1 }, (_, o) => (o % 3 === 0 ? '1' : '0')).join('');
const forms = (k) => ({
  none: 'TRUE',
  in: `${k} IN (${lit[k].join(', ')})`,
  list: `list_contains([${lit[k].join(', ')}], ${k})`,
  any: `${k} = ANY([${lit[k].join(', ')}])`,
  'in-noopt': `${k} IN (${lit[k].join(', ')})`,
  ...(k === 'ki' ? { bitmap: `(${k} BETWEEN 0 AND ${3 * (m - 1)} AND get_bit('${bits}'::BIT, (${k} - 0)::INTEGER) = 1)` } : {}),
  ...(k === 'ki'
    ? {
        index: `coalesce([${bits
          .split('')
          .map((b) => (b === '1' ? 'true' : 'false'))
          .join(', ')}][${k} + 1], false)`,
      }
    : {}),
  values: `${k} IN (SELECT x FROM (VALUES ${lit[k].map((l) => `(${l})`).join(', ')}) s(x))`,
});
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const k of ['ki', 'kt']) {
  const fs = forms(k);
  const t = Object.fromEntries(Object.keys(fs).map((f) => [f, { w: [], u: [], kept: 0 }]));
  for (let r = 0; r < reps; r++)
    for (const [f, where] of Object.entries(fs)) {
      await c.run(`SET disabled_optimizers = '${f === 'in-noopt' ? 'in_clause' : ''}'`);
      const [w, u] = [performance.now(), cpu()];
      const out = (await c.runAndReadAll(`SELECT ${k}, count(*) AS n, sum(v) AS s FROM t WHERE ${where} GROUP BY ${k}`)).getRowsJS();
      t[f].w.push(performance.now() - w);
      t[f].u.push(cpu() - u);
      t[f].kept = out.reduce((a, row) => a + Number(row[1]), 0);
    }
  for (const [f, x] of Object.entries(t))
    console.log(`${k}\tM=${m}\t${f}\t${median(x.w).toFixed(0)} ms\t${median(x.u).toFixed(0)} ms CPU\tkept ${x.kept}`);
}
