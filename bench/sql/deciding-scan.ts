/**
 * The deciding statement's time and memory against where — and how many — fields do not parse (issue 11, class 14;
 * `src/sql/engines/duckdb-csv-choice.ts`, "Counting"; `line-check.proof.md`, "Timing residual"). Files of `--rows`
 * lines `pid,s,a` (a declared integer) with the one unparsable field of `a` at the start, the middle, the end or
 * nowhere, and files whose every field of `a` fails to parse (`--bad`, comma-separated line counts). Each case runs in
 * a fresh process (round-robin, `--runs` times): open the engine, time the first statement (`SELECT COUNT(s)`, which
 * decides the version's reader), report its wall time, the reader state it left and the process's peak RSS.
 *
 *   npx tsx bench/sql/deciding-scan.ts [--rows 2000000] [--bad 1000000,10000000] [--runs 3] [--dir /tmp/tsdp-deciding]
 * @module
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const DIR = arg('dir', '/tmp/tsdp-deciding');

/** Writes a file of `rows` lines whose field `a` fails to parse on the lines `bad` selects (unless there already). */
async function write(name: string, rows: number, bad: (i: number) => boolean): Promise<string> {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, `${name}.csv`);
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  out.write('pid,s,a\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${i},s${i % 50},${bad(i) ? 'x' : i % 7}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.once('finish', () => r()));
  return path;
}

/** Child: one case. */
async function child(path: string): Promise<void> {
  const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string', a: 'integer' } } });
  const t = performance.now();
  const rows = await engine.query({ sql: 'SELECT COUNT(s) AS n FROM t', params: [] });
  const ms = performance.now() - t;
  const view = (await engine.connection.runAndReadAll("SELECT sql FROM duckdb_views() WHERE view_name = 't'")).getRowsJS();
  const variable = /getvariable\('(tsdp_csv_reader_\d+)'\)/.exec(String(view[0]?.[0]))?.[1];
  const state = (await engine.connection.runAndReadAll(`SELECT getvariable('${variable}')`)).getRowsJS()[0]?.[0];
  await engine.close();
  console.log(JSON.stringify({ ms, n: String(rows[0]?.n), state, rssMB: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  const rows = Number(arg('rows', '2000000'));
  const runs = Number(arg('runs', '3'));
  const cases: [string, string][] = [
    ['start', await write(`at-start-${rows}`, rows, (i) => i === 5)],
    ['middle', await write(`at-middle-${rows}`, rows, (i) => i === rows >> 1)],
    ['end', await write(`at-end-${rows}`, rows, (i) => i === rows - 5)],
    ['none', await write(`none-${rows}`, rows, () => false)],
  ];
  for (const b of arg('bad', '1000000,10000000').split(',').filter(Boolean).map(Number)) {
    cases.push([`all ${b} bad`, await write(`all-bad-${b}`, b, () => true)]);
    cases.push([`${b} none bad`, await write(`none-${b}`, b, () => false)]);
  }
  console.log(
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const results = new Map<string, { ms: number; rssMB: number; state: string; n: string }[]>();
  for (let r = 0; r < runs; r++) {
    for (const [name, path] of cases) {
      const p = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', path], { encoding: 'utf8' });
      const line = p.stdout.trim().split('\n').pop() ?? '';
      if (p.status !== 0) throw new Error(`${name}: ${p.stderr}`);
      results.set(name, [...(results.get(name) ?? []), JSON.parse(line)]);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  console.log('case\tfirst statement ms (median; all)\tpeak RSS MB (median)\tstate\tanswer');
  for (const [name, rs] of results) {
    const ms = rs.map((x) => x.ms);
    console.log(
      `${name}\t${median(ms).toFixed(0)} (${ms.map((x) => x.toFixed(0)).join(', ')})\t${median(rs.map((x) => x.rssMB)).toFixed(0)}\t${rs[0]?.state}\t${rs[0]?.n}`,
    );
  }
  console.log(
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

const c = process.argv.indexOf('--child');
if (c >= 0) await child(process.argv[c + 1] as string);
else await main();
