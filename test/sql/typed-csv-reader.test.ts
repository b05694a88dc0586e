/**
 * Issue 11, stop 20: DuckDB's typed reader of declared CSV files (`src/sql/engines/duckdb-csv-typed.ts`) keeps the
 * record rule of private CSV (`src/io/csv-records.ts`; reviews S2, S15, S40) exactly: on every file, every statement
 * answers with the Node reader's records and, for each declared column, `TRY_CAST` of the record's field — whether
 * the typed reader read the file or a line failed it and the view went back to the text path — and no statement
 * fails. Numeric fields DuckDB's typed reader might reject or coerce are generated on purpose: overflow, '1e400',
 * ' 1', '+1', '0x10', '١', empty, NaN/inf text, '1.5', '1_000', fullwidth digits.
 * - Generative (fast-check, seeds 2011–2014, threads 1, 2, 4, LF and CR LF): the reader itself, at a small line
 *   limit (buffer 2 KiB, thread splits every 512 bytes: many boundaries): it either fails with the refusal the engine
 *   catches, or reads exactly the Node reader's records with the TRY_CAST values; on files whose numeric fields all
 *   parse it never fails.
 * - Generative (fast-check, seeds 2021–2022): through `DuckDbEngine` with declared types, four statements that read
 *   different columns (so the typed reader parses different columns): the answers are the Node reader's, nothing
 *   throws; the view reads typed exactly until a statement meets a field that does not parse.
 * - The UTF-8 part of the check (`utf8Pieces`, seed 2031) and the hole it closes: a `COUNT(*)` counted a non-UTF-8
 *   line that a query reading its field dropped.
 */
import { isUtf8 } from 'node:buffer';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvLinesOfBytes, parseCsvLine } from '../../src/io/csv-records.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { type TypedCsvColumn, typedFieldsSql, typedReaderRefusal } from '../../src/sql/engines/duckdb-csv-typed.js';
import { checkNativeLines, type LineEnding, utf8Pieces } from '../../src/sql/engines/line-check.js';
import { readerState } from './csv-reader-state.js';

const L = 64;
const dir = mkdtempSync(join(tmpdir(), 'typed-csv-'));
const engines = new Map<number, DuckDbEngine>();
beforeAll(async () => {
  for (const threads of [1, 2, 4]) engines.set(threads, await DuckDbEngine.open({ threads, allowExternalAccess: true }));
});
afterAll(async () => {
  for (const e of engines.values()) await e.close();
  rmSync(dir, { recursive: true, force: true });
});

let fileNo = 0;
function put(bytes: Uint8Array): string {
  const path = join(dir, `f${++fileNo}.csv`);
  writeFileSync(path, bytes);
  return path;
}

/** Numeric texts DuckDB's typed reader might reject or coerce differently from TRY_CAST. */
const HOSTILE = [
  '',
  ' 1',
  '1 ',
  '+1',
  '01',
  '-0',
  '1.5',
  '2.5',
  '-1.5',
  '1e3',
  '1e400',
  '1e-400',
  '0x10',
  '0b1',
  '1_000',
  '١',
  '１',
  'NaN',
  'nan',
  'inf',
  '-inf',
  'Infinity',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '-9223372036854775809',
  '.5',
  '5.',
  '-',
  '--1',
  'x',
  '\u00a01',
  '1e18',
] as const;

/** A small deterministic generator (mulberry32) driven by fast-check's seed, so a file of hundreds of lines costs one draw. */
function generator(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * A file `pid,a,b,s` the check admits with `fields` and `shortLines` (lines below L): `pid` and `a` integers, `b` a
 * float, `s` text (letters, digits, accents, CJK, spaces); with `hostile`, some numeric fields are drawn from
 * {@link HOSTILE} and some lines have too few or too many fields or a trailing delimiter.
 */
function file(ending: LineEnding, hostile: boolean) {
  const eol = ending === 'crlf' ? '\r\n' : '\n';
  return fc.integer().map((seed) => {
    const next = generator(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const pick = <T>(xs: readonly T[]) => xs[int(0, xs.length - 1)] as T;
    const good = () => (next() < 0.5 ? String(int(-999, 999)) : String(int(0, 99_999_999)));
    const goodFloat = () => (next() < 0.5 ? String(int(-99, 99)) : (next() * 1000 - 500).toPrecision(int(1, 8)));
    // A few hostile texts per file (so that some files hold only texts DuckDB parses, and are read typed).
    const menu = Array.from({ length: int(1, 3) }, () => pick(HOSTILE));
    const num = (g: () => string) => (hostile && next() < 0.05 ? pick(menu) : g());
    const word = () => Array.from({ length: int(0, 6) }, () => pick(['a', 'z', '7', ' ', 'é', '中', '-'])).join('');
    const lines = ['pid,a,b,s'];
    const n = int(100, 400);
    for (let i = 0; i < n; i++) {
      const fields = [String(i), num(good), num(goodFloat), word()];
      const r = next();
      if (hostile && r < 0.03) fields.pop();
      else if (hostile && r < 0.06) fields.push(word());
      else if (hostile && r < 0.08) fields.push('');
      lines.push(fields.join(','));
    }
    const text = lines.join(eol) + (next() < 0.5 ? eol : '');
    return Buffer.from(text, 'utf8');
  });
}

/** The Node reader's records after the header (rule 4 on each line, exactly `width` fields). */
async function nodeRecords(bytes: Uint8Array, width: number): Promise<string[][]> {
  const out: string[][] = [];
  let header = true;
  for await (const l of csvLinesOfBytes([bytes])) {
    if (header) {
      header = false;
      continue;
    }
    if (l === undefined || l === '') continue;
    const fields = parseCsvLine(l, ',');
    if (fields !== undefined && fields.length === width) out.push(fields);
  }
  return out;
}

/** `TRY_CAST(text AS type)` by DuckDB, as the engine returns it (memoised). */
const casts = new Map<string, string>();
async function tryCast(text: string, type: TypedCsvColumn | 'VARCHAR'): Promise<string> {
  const key = `${type}:${text}`;
  const hit = casts.get(key);
  if (hit !== undefined) return hit;
  const engine = engines.get(1) as DuckDbEngine;
  const rows = await engine.query({ sql: `SELECT TRY_CAST(CAST($1 AS VARCHAR) AS ${type}) AS v`, params: [{ value: text, type: 'text' }] });
  const v = String(rows[0]?.v);
  casts.set(key, v);
  return v;
}

const TYPES: readonly (TypedCsvColumn | undefined)[] = ['BIGINT', 'BIGINT', 'DOUBLE', undefined];

/** The Node reader's records with each field as the view's TRY_CAST makes it, as strings. */
async function expected(bytes: Uint8Array): Promise<string[][]> {
  const out: string[][] = [];
  for (const r of await nodeRecords(bytes, TYPES.length)) {
    out.push(await Promise.all(r.map((f, i) => tryCast(f, TYPES[i] ?? 'VARCHAR'))));
  }
  return out;
}

describe("DuckDB's typed CSV reader (issue 11, stop 20)", () => {
  for (const [ending, threads, seed, hostile] of [
    ['lf', 1, 2011, true],
    ['lf', 4, 2012, true],
    ['crlf', 2, 2013, true],
    ['lf', 2, 2014, false],
  ] as const) {
    it(`generative (fast-check, seed ${seed}, ${ending} endings, threads ${threads}${hostile ? ', hostile numeric fields and lines' : ''}): the reader fails with the caught refusal or reads the Node reader's records with TRY_CAST's values, at every buffer boundary and thread split`, async () => {
      const engine = engines.get(threads) as DuckDbEngine;
      let failed = 0;
      let read = 0;
      await fc.assert(
        fc.asyncProperty(file(ending, hostile), async (bytes) => {
          const path = put(bytes);
          const check = await checkNativeLines(path, L);
          expect([check.native, check.fields, check.shortLines, check.lineEnding]).toEqual([true, true, true, ending]);
          const sql = `SELECT c1, c2, c3, c4 FROM ${typedFieldsSql(path, ',', TYPES, ending, L)}`;
          let rows: Record<string, unknown>[];
          try {
            rows = await engine.connection.runAndReadAll(sql).then((r) => r.getRowObjectsJS());
          } catch (e) {
            expect(typedReaderRefusal(e)).toBe(true);
            failed++;
            return;
          }
          const got = rows.map((r) => [r.c1, r.c2, r.c3, r.c4].map((v) => (v === null ? 'null' : String(v))));
          const want = (await expected(bytes)).map((r) => r.map((v) => (v === 'undefined' ? 'null' : v)));
          expect(got.map(normalise)).toEqual(want.map(normalise));
          read++;
        }),
        { numRuns: 30, seed },
      );
      // Clean files are always read typed; hostile ones both ways (the comparison above ran on typed reads).
      if (!hostile) expect(failed).toBe(0);
      else expect([failed > 0, read > 0]).toEqual([true, true]);
    }, 180_000);
  }

  for (const [ending, seed] of [
    ['lf', 2021],
    ['crlf', 2022],
  ] as const) {
    it(`generative (fast-check, seed ${seed}, ${ending} endings): through DuckDbEngine, statements reading different columns answer with the Node reader's records and TRY_CAST's values, never fail, and the view reads typed iff every typed field of the file parses, from open on (review S62)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.boolean().chain((hostile) => file(ending, hostile)),
          async (data) => {
            const path = put(data);
            const want = await expected(data);
            const engine = await DuckDbEngine.open({
              files: { t: path },
              columnTypes: { t: { pid: 'integer', a: 'integer', b: 'float', s: 'string' } },
            });
            try {
              // The reader is the file's: undecided at open, then, from the first statement that scans the file on,
              // typed iff the typed reader reads every column of it (review S62; duckdb-csv-choice.ts).
              const wholeFileParses = await typedReadsAll(path);
              // (A file the line check keeps off DuckDB's field splitting has no choice: text from open.)
              const atOpen = await readerState(engine);
              expect(atOpen === 'force' || (atOpen === 'text' && !wholeFileParses)).toBe(true);
              const count = await engine.query({ sql: 'SELECT COUNT(*) AS n FROM t', params: [] });
              expect(Number(count[0]?.n)).toBe(want.length);
              const sumA = await engine.query({ sql: 'SELECT SUM(a) AS s, COUNT(a) AS n FROM t', params: [] });
              const as = want.map((r) => r[1]).filter((v) => v !== 'null');
              expect(String(sumA[0]?.n)).toBe(String(as.length));
              expect(sumA[0]?.s === null ? 'null' : String(sumA[0]?.s)).toBe(
                as.length === 0 ? 'null' : String(as.reduce((x, v) => x + BigInt(v as string), 0n)),
              );
              const b = await engine.query({ sql: 'SELECT pid, b FROM t ORDER BY pid', params: [] });
              expect(b.map((r) => [String(r.pid), r.b === null ? 'null' : String(r.b)]).map(normalise)).toEqual(
                [...want]
                  .sort((x, y) => Number(x[0]) - Number(y[0]))
                  .map((r) => [r[0] as string, r[2] as string])
                  .map(normalise),
              );
              const all = await engine.query({ sql: 'SELECT pid, a, b, s FROM t ORDER BY pid', params: [] });
              expect(all.map((r) => [r.pid, r.a, r.b, r.s].map((v) => (v === null ? 'null' : String(v)))).map(normalise)).toEqual(
                [...want].sort((x, y) => Number(x[0]) - Number(y[0])).map(normalise),
              );
              // Whatever the statements read, the reader the first one chose.
              expect(await readerState(engine)).toBe(wholeFileParses ? 'typed' : 'text');
            } finally {
              await engine.close();
            }
          },
        ),
        { numRuns: 12, seed },
      );
    }, 240_000);
  }

  it('a file whose numeric fields all parse is read typed by every statement; one empty numeric field puts the view on the text path from the first statement (review S62), with the same answers', async () => {
    const good = Buffer.from('pid,a,b,s\n1,2,0.5,x\n2,3,1.5,y\n3,4,2.5,\n');
    const bad = Buffer.from('pid,a,b,s\n1,2,0.5,x\n2,,1.5,y\n3,4,2.5,\n');
    for (const [bytes, typed, sum] of [
      [good, true, '9'],
      [bad, false, '6'],
    ] as const) {
      const engine = await DuckDbEngine.open({
        files: { t: put(bytes) },
        columnTypes: { t: { pid: 'integer', a: 'integer', b: 'float', s: 'string' } },
      });
      try {
        expect(await readerState(engine)).toBe('force');
        const rows = await engine.query({ sql: 'SELECT COUNT(*) AS n, SUM(a) AS s, SUM(b) AS f FROM t', params: [] });
        expect([String(rows[0]?.n), String(rows[0]?.s), String(rows[0]?.f)]).toEqual(['3', sum, '4.5']);
        expect(await readerState(engine)).toBe(typed ? 'typed' : 'text');
        const again = await engine.query({ sql: 'SELECT COUNT(*) AS n, SUM(a) AS s, SUM(b) AS f FROM t', params: [] });
        expect(again).toEqual(rows);
      } finally {
        await engine.close();
      }
    }
  });

  it('generative (fast-check, seed 2031): utf8Pieces says whether the bytes are UTF-8, for any cut of them into pieces', () => {
    const bytes = fc.array(
      fc.constantFrom(0x61, 0x2c, 0x0a, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xed, 0xa0, 0xc0),
      {
        maxLength: 40,
      },
    );
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 8 }), (list, cuts) => {
        const all = Uint8Array.from(list);
        const at = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
        const tracker = utf8Pieces();
        let prev = 0;
        for (const c of [...at, all.length]) {
          tracker.feed(all.subarray(prev, c));
          prev = c;
        }
        expect(tracker.end()).toBe(isUtf8(all));
      }),
      { numRuns: 5000, seed: 2031 },
    );
  });

  it("a non-UTF-8 line is dropped whatever the statement reads (before: a COUNT(*) counted it, a statement reading its field did not); such a file's fields are split in SQL", async () => {
    const bytes = Buffer.concat([Buffer.from('pid,a\n1,2\n'), Buffer.from([0x33, 0xff, 0x2c, 0x34, 0x0a]), Buffer.from('5,6\n')]);
    const path = put(bytes);
    expect((await checkNativeLines(path)).fields).toBe(false);
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { a: 'integer' } } });
    try {
      const rows = await engine.query({ sql: 'SELECT COUNT(*) AS n, SUM(a) AS s FROM t', params: [] });
      expect([String(rows[0]?.n), String(rows[0]?.s)]).toEqual(['2', '8']);
      const count = await engine.query({ sql: 'SELECT COUNT(*) AS n FROM t', params: [] });
      expect(String(count[0]?.n)).toBe('2');
    } finally {
      await engine.close();
    }
  });
});

/** Rows as comparable strings (DuckDB's DOUBLE NaN and infinities as one spelling each). */
function normalise(row: readonly string[]): string[] {
  return row.map((v) =>
    v === 'NaN' || v === 'nan' ? 'nan' : v === 'Infinity' || v === 'inf' ? 'inf' : v === '-Infinity' || v === '-inf' ? '-inf' : v,
  );
}

/** Whether the typed reader reads every column of the file at `path` without failing (production options). */
async function typedReadsAll(path: string): Promise<boolean> {
  const engine = engines.get(2) as DuckDbEngine;
  try {
    await engine.connection.runAndReadAll(`SELECT * FROM ${typedFieldsSql(path, ',', TYPES, (await checkNativeLines(path)).lineEnding)}`);
    return true;
  } catch {
    return false;
  }
}
