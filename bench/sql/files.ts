/**
 * DP SQL over files in place against plain DuckDB on the same files (issue 11,
 * "fast at every size"): generated CSV and Parquet files of 10⁶, 10⁷ and
 * 3·10⁷ rows under /tmp; for each, three queries, each run in a fresh process
 * so that wall time and peak RSS are the whole run's:
 *
 * - `count`: DP `COUNT(*)` over a row-level table vs plain `COUNT(*)`;
 * - `groupby`: DP count, sum and mean per group (row-level) vs the plain GROUP BY;
 * - `unit`: unit-level DP (privacy unit `uid`, ≤ 4 groups and ≤ 2 rows per group
 *   per unit) vs the cheapest hand-written bounded SQL computing the same.
 *
 * Three ways to run each: `plain` (a node script with @duckdb/node-api reading
 * the file), `lib` (the built package: `DuckDbEngine.open` + `runDpSql`), `cli`
 * (`tsdp sql` from dist/). Goal: lib and cli within 1.5× of plain in wall time
 * and peak RSS. Reported: medians of `--runs` runs, measured round-robin; also
 * each process's CPU time (all threads), which other load on a shared machine
 * disturbs less than wall time.
 *
 * The machine's load average (1 min) is printed at the start, after each row
 * (column `load`) and at the end: figures from a loaded machine are indicative.
 *
 *   npm run build && npx tsx bench/sql/files.ts [--sizes 1e6,1e7,3e7] [--formats csv,parquet] [--queries count,groupby,unit] [--runs 3] [--dir /tmp/tsdp-bench-files]
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const SIZES = arg('sizes', '1e6,1e7,3e7').split(',').map(Number);
const FORMATS = arg('formats', 'csv,parquet').split(',') as Array<'csv' | 'parquet'>;
const QUERIES = arg('queries', 'count,groupby,unit').split(',') as Array<'count' | 'groupby' | 'unit'>;
const RUNS = Number(arg('runs', '3'));
const DIR = arg('dir', '/tmp/tsdp-bench-files');
const ROOT = resolve(import.meta.dirname, '../..');
const GROUPS = 100;
const P = 4;
const C = 2;

if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('build first: npm run build');

/** Generates the file of `rows` rows (10 rows per unit on average) unless it is there already. */
async function generate(rows: number, format: 'csv' | 'parquet'): Promise<string> {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, `events-${rows}.${format}`);
  const done = `${path}.done`;
  if (existsSync(done)) return path;
  const units = Math.max(1, Math.floor(rows / 10));
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const t = performance.now();
  await c.run(
    `COPY (SELECT (i % ${units})::BIGINT AS uid, ((hash(i % ${units}) + (hash(i) % 6)) % ${GROUPS})::BIGINT AS grp,
       (hash(i * 7) % 101)::BIGINT AS val FROM range(${rows}) t(i)) TO '${path}' (FORMAT ${format})`,
  );
  c.closeSync();
  instance.closeSync();
  writeFileSync(done, '');
  console.error(`generated ${path} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return path;
}

const categories = Array.from({ length: GROUPS }, (_, i) => i);
const schema = {
  dataset: 'bench_files',
  budget: { epsilon: 1e12 },
  tables: {
    events: {
      privacyUnit: 'uid',
      maxPartitions: P,
      maxContributionsPerPartition: C,
      columns: {
        uid: { type: 'integer' },
        grp: { type: 'integer', categories },
        val: { type: 'integer', lower: 0, upper: 100 },
      },
    },
    events_rows: {
      columns: { grp: { type: 'integer', categories }, val: { type: 'integer', lower: 0, upper: 100 } },
    },
  },
};

function queries(path: string, format: 'csv' | 'parquet') {
  const src = format === 'parquet' ? `read_parquet('${path}')` : `read_csv_auto('${path}')`;
  return {
    count: { dp: 'SELECT COUNT(*) AS n FROM events_rows', plain: `SELECT COUNT(*) AS n FROM ${src}` },
    groupby: {
      dp: 'SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM events_rows GROUP BY grp',
      plain: `SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM ${src} GROUP BY grp`,
    },
    unit: {
      dp: 'SELECT grp, COUNT(*) AS n, SUM(val) AS s, AVG(val) AS m FROM events GROUP BY grp',
      plain: `WITH per AS (SELECT uid, grp, LEAST(COUNT(*), ${C}) AS n, LEAST(SUM(CASE WHEN val < 0 THEN 0 WHEN val > 100 THEN 100 ELSE val END), ${100 * C}) AS s FROM ${src} GROUP BY uid, grp),
        ranked AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY uid ORDER BY hash(uid, grp, 123456789::BIGINT)) AS rn FROM per)
        SELECT grp, SUM(n) AS n, SUM(s) AS s, SUM(s) / SUM(n) AS m FROM ranked WHERE rn <= ${P} GROUP BY grp`,
    },
  };
}

interface Measure {
  wallMs: number;
  rssMiB: number;
  /** Open + query inside the process (plain and lib only: printed by files-child.mjs). */
  inProcessMs: number;
  /** CPU time of the whole process, all threads (user + system): less sensitive than wall time to other load. */
  cpuMs: number;
}

/** Runs one process and returns its wall time and peak RSS. */
function measure(argv: string[], env: Record<string, string>): Measure {
  const work = mkdtempSync(join(tmpdir(), 'tsdp-bench-run-'));
  const rssFile = join(work, 'rss');
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'bench/sql/rss-at-exit.mjs'), ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env, TSDP_BENCH_RSS_OUT: rssFile },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`failed: ${argv.join(' ')}\n${r.stderr}`);
  const [rssKiB, cpuUs] = (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number) as [number, number];
  rmSync(work, { recursive: true, force: true });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const inProcessMs = line.startsWith('{"ms":') ? (JSON.parse(line) as { ms: number }).ms : Number.NaN;
  return { wallMs, rssMiB: rssKiB / 1024, inProcessMs, cpuMs: cpuUs / 1000 };
}

const median = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)] as number;

/** The time (UTC, to the second) and the 1-, 5- and 15-minute load averages, for the record. */
const stamp = () =>
  `${new Date().toISOString().slice(0, 19)}Z load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
const started = stamp();
console.error(`start ${started}`);
const home = mkdtempSync(join(tmpdir(), 'tsdp-bench-home-'));
const rows: string[][] = [];
for (const size of SIZES) {
  for (const format of FORMATS) {
    const path = await generate(size, format);
    const q = queries(path, format);
    for (const name of QUERIES) {
      // Only the table the query reads is declared (each declared CSV's bytes are checked once at open: declaring
      // the same file as both tables, as before stop 17, checked it twice).
      const table = name === 'unit' ? 'events' : 'events_rows';
      // A ledger per query kind: the row-level and unit-level queries state losses for different privacy units, which
      // one data set's ledger refuses to add (DOMAIN_MISMATCH).
      const ledgerHome = join(home, name);
      mkdirSync(ledgerHome, { recursive: true });
      const spec = { schema, files: { [table]: path }, home: ledgerHome, dpSql: q[name].dp, plainSql: q[name].plain };
      const specPath = join(home, 'spec.json');
      writeFileSync(specPath, JSON.stringify(spec));
      const schemaPath = join(home, 'schema.json');
      writeFileSync(schemaPath, JSON.stringify(schema));
      const runs: Record<'plain' | 'lib' | 'cli', Measure[]> = { plain: [], lib: [], cli: [] };
      for (let i = 0; i < RUNS; i++) {
        runs.plain.push(measure(['bench/sql/files-child.mjs', 'plain', specPath], {}));
        runs.lib.push(measure(['bench/sql/files-child.mjs', 'lib', specPath], {}));
        runs.cli.push(
          measure(
            [
              'dist/cli/main.js',
              'sql',
              '--schema',
              schemaPath,
              '--data',
              `${table}=${path}`,
              '--epsilon',
              '1',
              '--format',
              'csv',
              '--timeout',
              '3600',
              q[name].dp,
            ],
            { TSDP_HOME: ledgerHome },
          ),
        );
      }
      const m = (k: 'plain' | 'lib' | 'cli') => ({
        wall: median(runs[k].map((r) => r.wallMs)),
        rss: median(runs[k].map((r) => r.rssMiB)),
        inProcess: median(runs[k].map((r) => r.inProcessMs)),
        cpu: median(runs[k].map((r) => r.cpuMs)),
      });
      const [p, l, c] = [m('plain'), m('lib'), m('cli')];
      const row = [
        size.toExponential(0),
        format,
        name,
        (p.wall / 1000).toFixed(2),
        (l.wall / 1000).toFixed(2),
        (c.wall / 1000).toFixed(2),
        (l.wall / p.wall).toFixed(2),
        (c.wall / p.wall).toFixed(2),
        p.rss.toFixed(0),
        l.rss.toFixed(0),
        c.rss.toFixed(0),
        (l.rss / p.rss).toFixed(2),
        (c.rss / p.rss).toFixed(2),
        (p.inProcess / 1000).toFixed(2),
        (l.inProcess / 1000).toFixed(2),
        (l.inProcess / p.inProcess).toFixed(2),
        (p.cpu / 1000).toFixed(2),
        (l.cpu / 1000).toFixed(2),
        (c.cpu / 1000).toFixed(2),
        (l.cpu / p.cpu).toFixed(2),
        (c.cpu / p.cpu).toFixed(2),
        (loadavg()[0] as number).toFixed(2),
      ];
      rows.push(row);
      console.error(row.join('\t'));
    }
  }
}
rmSync(home, { recursive: true, force: true });

const header = [
  'rows',
  'format',
  'query',
  'plain s',
  'lib s',
  'cli s',
  'lib/plain',
  'cli/plain',
  'plain MiB',
  'lib MiB',
  'cli MiB',
  'lib/plain RSS',
  'cli/plain RSS',
  'plain in-process s',
  'lib in-process s',
  'lib/plain in-process',
  'plain CPU s',
  'lib CPU s',
  'cli CPU s',
  'lib/plain CPU',
  'cli/plain CPU',
  'load',
];
console.log(`DP SQL over files in place vs plain DuckDB (node script); median of ${RUNS} runs each, fresh process per run, round-robin`);
console.log(`start ${started}; end ${stamp()} (load: 1-, 5-, 15-minute averages; column load: 1-minute average after the row)`);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
