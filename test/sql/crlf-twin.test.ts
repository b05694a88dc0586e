/**
 * Issue 11: a CR LF file reads exactly as its LF twin through DP SQL's DuckDB view — values, row counts and
 * refusals — now that DuckDB's own reader cuts CR LF files in place (`line-check.ts`, `'crlf'`), while mixed files
 * still go through the Node loader. The twin of a file is the same bytes with every LF written CR LF (what a
 * Windows export or `unix2dos` does, line breaks inside quoted fields included); a mixed file writes each LF either
 * way at random.
 *
 * Generative (fast-check, fixed seeds): random CSV files (minimal quoting, `lineBreaks: 'none'`; every field quoted,
 * `'quoted'`) with hostile fields — delimiters, quotes, LF, lone CR and CR LF inside quoted fields, values that do
 * not cast — raw malformed lines (review S2 members) and, sometimes, blank lines; random JSON Lines files the same
 * way. Each is read LF, CR LF and mixed: the three give the same rows. Where the LF file is admitted to DuckDB's
 * reader, its CR LF twin is too (so the native CR LF path is what is compared, in most runs). Refusals (a header
 * that is not one, a declared column the header lacks) are the same error with the same message, and no message
 * carries a value of the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import type { CsvLineBreaks } from '../../src/io/csv-records.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { checkNativeLines } from '../../src/sql/engines/line-check.js';

const dir = mkdtempSync(join(tmpdir(), 'crlf-twin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function put(text: string, ext: string): string {
  const path = join(dir, `f${++fileNo}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** Every value of a file holds `zq`, so a message that carried one would show it. */
const token = fc.nat(999).map((n) => `zq${n}`);
/** Text of a field: tokens, delimiters, quotes, and line breaks (LF, lone CR, CR written before an LF). */
const piece = fc.oneof({ weight: 4, arbitrary: token }, { weight: 2, arbitrary: fc.constantFrom(',', '"', ' ', 'é', '\t') });
const lineBreak = fc.constantFrom('\n', '\r', '\r\n', '\n\n');
/** Fields with line breaks inside (then the file goes to the Node loader, any ending) or without. */
const text = (breaks: boolean) =>
  fc
    .array(breaks ? fc.oneof({ weight: 3, arbitrary: piece }, { weight: 1, arbitrary: lineBreak }) : piece, { maxLength: 4 })
    .map((p) => p.join(''));
const row = (breaks: boolean) =>
  fc.record({
    pid: fc.oneof(fc.nat(50).map(String), token, fc.constant('')),
    s: text(breaks),
    x: fc.oneof(fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map(String), token, fc.constant('NA')),
  });
/** A blank line's place, in one file of four. */
const blankAt = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() });
type Row = { pid: string; s: string; x: string };
const rawLine = fc.constantFrom('5000,"zq1', '"zq2,x,1', '5002,a"b,1', '"', ',,,', 'pid,s,x', '5005,"zq3","zq4","zq5"');

const quoteAll = (r: Row) => [r.pid, r.s, r.x].map((v) => `"${v.replace(/"/g, '""')}"`).join(',');
const minimal = (r: Row) => [r.pid, r.s, r.x].map((v) => (/[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v)).join(',');

/** The file's lines, each with its LF; a blank line (a bare LF) sometimes; raw malformed lines at random places. */
const csvArb = (lineBreaks: CsvLineBreaks) =>
  fc
    .record({
      rows: fc.boolean().chain((breaks) => fc.array(row(breaks), { minLength: 1, maxLength: 12 })),
      raw: fc.array(fc.tuple(rawLine, fc.nat()), { maxLength: 2 }),
      blank: blankAt,
      lastEol: fc.boolean(),
    })
    .map(({ rows, raw, blank, lastEol }) => {
      const lines = rows.map(lineBreaks === 'quoted' ? quoteAll : minimal);
      for (const [line, at] of raw) lines.splice(at % (lines.length + 1), 0, line);
      if (blank !== null) lines.splice(blank % (lines.length + 1), 0, '');
      const body = ['pid,s,x', ...lines].join('\n');
      return lastEol ? `${body}\n` : body;
    });

/** JSON Lines: objects with hostile strings (escaped line breaks), raw broken lines, sometimes a blank line. */
const jsonArb = fc
  .record({
    rows: fc.array(row(true), { minLength: 1, maxLength: 12 }),
    raw: fc.array(fc.tuple(fc.constantFrom('{"pid": 1, "s": "zq9', '[1]', '{"pid": 2} {"pid": 3}', '"zq8"'), fc.nat()), { maxLength: 2 }),
    blank: blankAt,
  })
  .map(({ rows, raw, blank }) => {
    const lines = rows.map((r) => JSON.stringify(r));
    for (const [line, at] of raw) lines.splice(at % (lines.length + 1), 0, line);
    if (blank !== null) lines.splice(blank % (lines.length + 1), 0, '');
    return `${lines.join('\n')}\n`;
  });

/** The twin (every LF as CR LF) and a mixed file (each LF either way, by `coins`). */
function variants(lf: string, coins: readonly boolean[]): Record<'lf' | 'crlf' | 'mixed', string> {
  let k = 0;
  return { lf, crlf: lf.replace(/\n/g, '\r\n'), mixed: lf.replace(/\n/g, () => (coins[k++ % Math.max(1, coins.length)] ? '\r\n' : '\n')) };
}

const COLUMNS = { pid: 'integer', s: 'string', x: 'float' } as const;

const canonical = (rows: readonly Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify([r.pid, r.s, r.x], (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).sort();

/** The rows DP SQL's view reads from each file (one engine, one declared table per file), in a canonical order. */
async function readRows<K extends string>(paths: Record<K, string>, lineBreaks: CsvLineBreaks): Promise<Record<K, string[]>> {
  const keys = Object.keys(paths) as K[];
  const engine = await DuckDbEngine.open({
    files: Object.fromEntries(keys.map((k) => [`t_${k}`, paths[k]])),
    columnTypes: Object.fromEntries(keys.map((k) => [`t_${k}`, COLUMNS])),
    csvLineBreaks: Object.fromEntries(keys.map((k) => [`t_${k}`, lineBreaks])),
  });
  try {
    const out = {} as Record<K, string[]>;
    for (const k of keys) out[k] = canonical(await engine.query({ sql: `SELECT pid, s, x FROM t_${k}`, params: [] }));
    return out;
  } finally {
    await engine.close();
  }
}

describe('a CR LF file reads as its LF twin (issue 11)', () => {
  for (const [lineBreaks, seed] of [
    ['none', 1121],
    ['quoted', 1122],
  ] as const) {
    it(`generative (fast-check, seed ${seed}, lineBreaks '${lineBreaks}'): LF, CR LF and mixed files give the same rows; an admitted LF file's twin is admitted with CR LF`, async () => {
      let nativeTwins = 0;
      await fc.assert(
        fc.asyncProperty(csvArb(lineBreaks), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), async (lf, coins) => {
          const files = variants(lf, coins);
          const paths = { lf: put(files.lf, 'csv'), crlf: put(files.crlf, 'csv'), mixed: put(files.mixed, 'csv') };
          const [lfCheck, crlfCheck] = [await checkNativeLines(paths.lf), await checkNativeLines(paths.crlf)];
          if (lfCheck.native) {
            expect(crlfCheck).toMatchObject({ native: true, lineEnding: 'crlf', fields: lfCheck.fields });
            nativeTwins++;
          }
          const rows = await readRows(paths, lineBreaks);
          expect(rows.crlf).toEqual(rows.lf);
          expect(rows.mixed).toEqual(rows.lf);
        }),
        { numRuns: 20, seed },
      );
      // The comparison ran on DuckDB's CR LF reader in most runs, not only on the Node loader.
      expect(nativeTwins).toBeGreaterThanOrEqual(5);
    }, 120_000);
  }

  it('generative (fast-check, seed 1123): JSON Lines — LF, CR LF and mixed files give the same rows', async () => {
    let nativeTwins = 0;
    await fc.assert(
      fc.asyncProperty(jsonArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), async (lf, coins) => {
        const files = variants(lf, coins);
        const paths = { lf: put(files.lf, 'jsonl'), crlf: put(files.crlf, 'jsonl'), mixed: put(files.mixed, 'jsonl') };
        if ((await checkNativeLines(paths.lf)).native) {
          expect(await checkNativeLines(paths.crlf)).toMatchObject({ native: true, lineEnding: 'crlf' });
          nativeTwins++;
        }
        const rows = await readRows(paths, 'none');
        expect(rows.crlf).toEqual(rows.lf);
        expect(rows.mixed).toEqual(rows.lf);
      }),
      { numRuns: 20, seed: 1123 },
    );
    expect(nativeTwins).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('a refusal is the same for a file and its CR LF twin (code and message, the path aside), and names no value', async () => {
    const records = '\n1,zq11,2.5\n2,"zq12\nzq13",3\n';
    for (const [header, code] of [
      ['', 'INVALID_PARAMETER'], // no header line
      ['"pid,s,x', 'INVALID_PARAMETER'], // a first line that does not parse
      ['pid,zq14', 'NOT_FOUND'], // a declared column the header lacks
    ] as const) {
      const outcome = async (path: string) => {
        try {
          await readRows({ one: path }, 'none');
          return undefined;
        } catch (e) {
          expect(e).toBeInstanceOf(DpError);
          const err = e as DpError;
          return { code: err.code, message: err.message.split(path).join('<path>') };
        }
      };
      const lf = `${header}${records}`;
      const a = await outcome(put(lf, 'csv'));
      const b = await outcome(put(lf.replace(/\n/g, '\r\n'), 'csv'));
      expect(a?.code).toBe(code);
      expect(b).toEqual(a);
      expect(a?.message).not.toMatch(/zq1[123]/);
    }
  });
});
