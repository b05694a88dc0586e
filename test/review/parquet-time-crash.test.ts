/**
 * Review session 11 (stop 19), finding S57 — issue 10 class 3 "engine errors that depend on the data" at its worst,
 * with class 14 (availability): one person's Parquet TIME value crashes the PROCESS after the charge.
 *
 * Mechanism (DuckDB 1.5.6, @duckdb/node-api). A Parquet TIME (µs) value of −2⁶³ or −2⁶³ + 1 — bytes a writer can
 * store, e.g. a Java `Long.MIN_VALUE` sentinel in a time-of-day column — read through a declared file's view as
 * `TRY_CAST(v AS VARCHAR)` (column declared string) makes DuckDB's TIME-to-text conversion read out of bounds:
 * SIGSEGV, the Node process dies. S55(c)'s values nearer zero raise an INTERNAL error instead (the database is
 * invalidated); these two kill the process outright. The view is evaluated inside the charged statement, so the
 * ledger has already recorded the charge; the CLI exits by signal and the server (`tsdp serve`: every data set, every
 * analyst) goes down. Decided by one person's value: with it the process dies, without it the query is answered — a
 * membership oracle at any ε, and a denial of service any one data subject can cause.
 *
 * Rule that would close it: S54/S55's — a declared Parquet column is read only through (stored, declared) type
 * pairs whose conversion is total on every raw value the format can hold, decided from the file's metadata at open
 * (TIME/TIME_NS/TIMETZ as text is not such a pair); never by evaluating the conversion, which here crashes whatever
 * runs it, at open or in preflight. Generative: `parquet-extremes-sweep.test.ts` (the sweep skips the crashing
 * combination, tested here in a child process). Owner: trust (duckdb.ts file-open path, duckdb-reader.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD = join(ROOT, 'test', 'review', 'parquet-time-crash-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'review-parquet-time-crash-'));
const at = (name: string) => join(dir, name);

/** Person 42's time of day 13:14:15.161718, as its raw µs (the marker patched in the file's bytes). */
const MARK = 47655161718n;

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(
    `COPY (SELECT i AS pid, CASE WHEN i = 42 THEN CAST(make_timestamp(${MARK}) AS TIME) ELSE CAST(make_timestamp(3600000000 + i) AS TIME) END AS v ` +
      `FROM range(1, 200) r(i)) TO '${at('ok.parquet')}' (FORMAT parquet, COMPRESSION uncompressed)`,
  );
  c.closeSync();
  instance.closeSync();
  const marker = Buffer.alloc(8);
  marker.writeBigInt64LE(MARK);
  for (const [name, raw] of [
    ['min.parquet', -(2n ** 63n)],
    ['min1.parquet', -(2n ** 63n) + 1n],
  ] as const) {
    const bytes = readFileSync(at('ok.parquet'));
    let n = 0;
    for (let o = bytes.indexOf(marker); o >= 0; o = bytes.indexOf(marker, o + 1)) {
      bytes.writeBigInt64LE(raw, o);
      n++;
    }
    if (n === 0) throw new Error('fixture: marker not found');
    writeFileSync(at(name), bytes);
  }
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The child's lines and how it ended ('exit 0', or the signal that killed it). */
function run(file: string): { lines: string[]; end: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, at(file)], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { lines: r.stdout.trim().split('\n').filter(Boolean), end: r.signal ? `signal ${r.signal}` : `exit ${r.status}` };
}

describe('review S57: a Parquet TIME of −2⁶³ read as text kills the process after the charge', () => {
  // Before the fix the control was answered (['open', 'charged', 'answered']); a declared TIME column is now refused at
  // open from the footer (trust, stop 19), so the control is refused the same way as the files below.
  it('control: person 42 at 13:14:15 — refused at open like the files below (by the stored type), the process exits normally', () => {
    expect(run('ok.parquet')).toEqual({ lines: ['refused-open'], end: 'exit 0' });
  }, 120_000);

  // Failed before the fix: { lines: ['open', 'charged'], end: 'signal SIGSEGV' } — charged, then the process was gone.
  // The fix (trust, stop 19: duckdb-parquet-types.ts) refuses a declared TIME column at open from the footer alone.
  it('S57 fixed: person 42 at raw −2⁶³ — refused before any charge, or answered, and the process survives', () => {
    const { lines, end } = run('min.parquet');
    expect(end).toBe('exit 0');
    expect(lines).toEqual(['refused-open']);
    expect(lines).not.toContain('charged-error');
  }, 120_000);
  it('S57 fixed: person 42 at raw −2⁶³ + 1 — refused before any charge, or answered, and the process survives', () => {
    const { lines, end } = run('min1.parquet');
    expect(end).toBe('exit 0');
    expect(lines).toEqual(['refused-open']);
    expect(lines).not.toContain('charged-error');
  }, 120_000);
});
