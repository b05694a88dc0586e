/**
 * Issue 11 / review S15: DuckDB's own line reader cuts a declared CSV or JSON file only when the public check of its
 * bytes admits it (`src/sql/engines/line-check.ts`: no CR, no blank line, no NUL); the Node loader cuts any other.
 * The rule both must keep: where a line starts is a function of the bytes at that place only, at every buffer
 * boundary and every thread split.
 *
 * How it is tested: DuckDB's boundaries are a function of its pinned options (`nativeLineReaderOptions`: buffer
 * 16 × max_line_size, thread splits a quarter buffer), so a small line limit L = 32 (buffer 1 KiB, splits every
 * 256 bytes) puts dozens of boundaries in a 20 KB file: the same code paths as the 32 MiB production buffer, cheap.
 * - Generative (fast-check, seeds 1101–1103, threads 1, 2, 4): random files the check admits, built from hostile
 *   pieces (multi-byte UTF-8, invalid UTF-8, U+0001, BOM, quotes, TAB, lines around L and 2L and longer): DuckDB reads
 *   exactly the Node reader's lines, in order.
 * - The harness can fail: on files the check turns away (a CRLF, a blank line or a lone CR somewhere), the same
 *   comparison finds DuckDB wrong (S15 at small buffers) — and the check turned every one of them away.
 * - Generative (fast-check, seed 1104): the check decides the same whatever the file's read chunks are.
 * - A file written after open is checked again before the next statement (a CRLF appended is never read by DuckDB).
 * - At production size (34 MB, 2²⁵ buffer, 2²³ splits): a COUNT through DP SQL's view equals the Node reader's.
 */
import { isUtf8 } from 'node:buffer';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvLinesOfBytes, parseCsvLine, readCsvRecords } from '../../src/io/csv-records.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { nativeFieldsSql, nativeLinesSql } from '../../src/sql/engines/duckdb-csv.js';
import { checkNativeLines, HAZARD_OVERLAP, hasLineHazard, type LineEnding, lfRunsBelow } from '../../src/sql/engines/line-check.js';

const L = 32;
const dir = mkdtempSync(join(tmpdir(), 'native-lines-'));
const engines = new Map<number, DuckDbEngine>();
beforeAll(async () => {
  for (const threads of [1, 2, 4]) engines.set(threads, await DuckDbEngine.open({ threads, allowExternalAccess: true }));
});
afterAll(async () => {
  for (const e of engines.values()) await e.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Pieces of lines: mostly plain text and delimiters, sometimes what readers trip on (never CR, LF, NUL or a whole BOM). */
const PIECES: readonly number[][] = [
  [0x61],
  [0x62, 0x63],
  [0x2c],
  [0x31, 0x32],
  [0xc3, 0xa9],
  [0xe2, 0x82, 0xac],
  [0xf0, 0x9f, 0x98, 0x80],
  [0xff],
  [0xe2, 0x82],
  [0x80],
  [0x01],
  [0x22],
  [0xef, 0xbb, 0x61],
  [0xbf, 0x61],
  [0x09],
  [0x20],
];
/** A small deterministic generator (mulberry32) driven by fast-check's seed, so a 20 KB file costs one draw. */
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
 * A file the check admits with `fields` (no `"`, no U+0001): a header of `width` fields, lines of random pieces
 * with the delimiter frequent, so lines have fewer, as many and more fields than the header.
 */
function plainFile(width: number, ending: LineEnding = 'lf', short = false) {
  const eol = ending === 'crlf' ? [0x0d, 0x0a] : [0x0a];
  const pieces = PIECES.filter((p) => p[0] !== 0x22 && p[0] !== 0x01);
  return fc.integer().map((seed) => {
    const next = generator(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const bytes = [...Buffer.from(Array.from({ length: width }, (_, i) => `h${i}`).join(',')), ...eol];
    const lines = int(150, 600);
    for (let i = 0; i < lines; i++) {
      const r = next();
      // short: every LF-free run below L bytes (a piece adds at most 3 bytes past n, a CR one more), many just below.
      const n = short
        ? r < 0.75
          ? int(1, 20)
          : int(L - 9, L - 5)
        : r < 0.75
          ? int(1, 20)
          : r < 0.9
            ? int(L - 3, L + 2)
            : r < 0.97
              ? int(2 * L - 3, 2 * L + 2)
              : int(1, 300);
      const start = bytes.length;
      while (bytes.length - start < n) bytes.push(...(next() < 0.25 ? [0x2c] : (pieces[int(0, pieces.length - 1)] as number[])));
      bytes.push(...eol);
    }
    if (next() < 0.5) bytes.splice(bytes.length - eol.length);
    return Buffer.from(bytes);
  });
}

/** A file the check admits: a header, 150–700 lines ending in LF (or CR LF), no blank line; the last ending present or not. */
const admittedFile = (ending: LineEnding = 'lf') =>
  fc.integer().map((seed) => {
    const eol = ending === 'crlf' ? [0x0d, 0x0a] : [0x0a];
    const next = generator(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const bytes = [...Buffer.from('h1,h2'), ...eol];
    const lines = int(150, 700);
    for (let i = 0; i < lines; i++) {
      // A line's length: short, around L, around 2L (DuckDB's own limit), or long.
      const r = next();
      const n = r < 0.7 ? int(1, 20) : r < 0.85 ? int(L - 3, L + 2) : r < 0.95 ? int(2 * L - 3, 2 * L + 2) : int(1, 300);
      const start = bytes.length;
      // Mostly plain text and delimiters, sometimes what readers trip on.
      while (bytes.length - start < n) bytes.push(...(PIECES[next() < 0.8 ? int(0, 6) : int(0, PIECES.length - 1)] as number[]));
      bytes.push(...eol);
    }
    if (next() < 0.5) bytes.splice(bytes.length - eol.length);
    return Buffer.from(bytes);
  });

/** The index of the first CR or LF at or after `from`, or -1. */
function nextTerminator(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length; i++) if (bytes[i] === 0x0a || bytes[i] === 0x0d) return i;
  return -1;
}

/**
 * The Node reader's lines after the header, by the view's rules with the line limit L: the file is cut at each CR
 * and each LF (rule 1), a piece of L bytes or more dropped (raw bytes, as `csvLinesOfBytes` counts them), each other
 * piece decoded by `csvLinesOfBytes` itself; empty lines and lines with U+0001 dropped.
 */
async function nodeLines(bytes: Uint8Array): Promise<string[]> {
  const out: string[] = [];
  let start = nextTerminator(bytes, 0) + 1;
  while (start > 0 && start <= bytes.length) {
    const lf = nextTerminator(bytes, start);
    const end = lf < 0 ? bytes.length : lf;
    const raw = bytes.subarray(start, end);
    start = lf < 0 ? -1 : lf + 1;
    if (raw.length >= L) continue;
    for await (const l of csvLinesOfBytes([raw])) {
      if (l === undefined || l === '' || l.includes('\u0001')) continue;
      out.push(l);
    }
  }
  return out;
}

/** The Node reader's records (rule 4 on each of {@link nodeLines}, exactly `width` fields). */
async function nodeRecords(bytes: Uint8Array, width: number): Promise<string[][]> {
  const out: string[][] = [];
  for (const l of await nodeLines(bytes)) {
    const fields = parseCsvLine(l, ',');
    if (fields !== undefined && fields.length === width) out.push(fields);
  }
  return out;
}

/** DuckDB's lines of the file, with the line limit L (its buffer 1 KiB, thread splits every 256 bytes). */
async function duckLines(engine: DuckDbEngine, path: string, ending: LineEnding = 'lf'): Promise<string[]> {
  const rows = await engine.query({ sql: `SELECT line FROM ${nativeLinesSql(path, 1, L, ending)}`, params: [] });
  return rows.map((r) => String(r.line));
}

let fileNo = 0;
function put(bytes: Uint8Array): string {
  const path = join(dir, `f${++fileNo}.csv`);
  writeFileSync(path, bytes);
  return path;
}

describe("DuckDB's line reader on the files the check admits (issue 11, review S15)", () => {
  for (const [ending, threads, seed] of [
    ['lf', 1, 1101],
    ['lf', 2, 1102],
    ['lf', 4, 1103],
    ['crlf', 1, 1111],
    ['crlf', 2, 1112],
    ['crlf', 4, 1113],
  ] as const) {
    it(`generative (fast-check, seed ${seed}, ${ending} endings, threads ${threads}): DuckDB reads the Node reader's lines at every buffer boundary and thread split`, async () => {
      const engine = engines.get(threads) as DuckDbEngine;
      await fc.assert(
        fc.asyncProperty(admittedFile(ending), async (bytes) => {
          const path = put(bytes);
          const check = await checkNativeLines(path);
          expect(check.native).toBe(true);
          expect(check.lineEnding).toBe(ending);
          expect(await duckLines(engine, path, ending)).toEqual(await nodeLines(bytes));
        }),
        { numRuns: 25, seed },
      );
    }, 120_000);
  }

  for (const [width, ending, threads, seed] of [
    [1, 'lf', 2, 1105],
    [3, 'lf', 1, 1106],
    [3, 'lf', 4, 1107],
    [5, 'lf', 2, 1108],
    [1, 'crlf', 4, 1115],
    [3, 'crlf', 2, 1116],
    [5, 'crlf', 1, 1117],
  ] as const) {
    it(`generative (fast-check, seed ${seed}, width ${width}, ${ending} endings, threads ${threads}): on a file without quotes DuckDB splitting the fields reads the Node reader's records`, async () => {
      const engine = engines.get(threads) as DuckDbEngine;
      await fc.assert(
        fc.asyncProperty(plainFile(width, ending), async (bytes) => {
          const path = put(bytes);
          // Fields split by DuckDB only in a UTF-8 file (stop 20); DuckDB's reader is compared on every file.
          expect((await checkNativeLines(path)).fields).toBe(isUtf8(bytes));
          const rows = await engine.query({ sql: `SELECT * FROM ${nativeFieldsSql(path, ',', width, L, ending)}`, params: [] });
          const duck = rows.map((r) => Array.from({ length: width }, (_, i) => String(r[`c${i + 1}`])));
          expect(duck).toEqual(await nodeRecords(bytes, width));
        }),
        { numRuns: 20, seed },
      );
    }, 120_000);
  }

  for (const [width, ending, threads, seed] of [
    [1, 'lf', 4, 1131],
    [3, 'lf', 2, 1132],
    [5, 'lf', 1, 1133],
    [3, 'crlf', 4, 1134],
  ] as const) {
    it(`generative (fast-check, seed ${seed}, width ${width}, ${ending} endings, threads ${threads}): on a file whose lines are all below the limit, DuckDB's readers without the byte count read the Node reader's lines and records (issue 11)`, async () => {
      const engine = engines.get(threads) as DuckDbEngine;
      await fc.assert(
        fc.asyncProperty(plainFile(width, ending, true), async (bytes) => {
          const path = put(bytes);
          const check = await checkNativeLines(path, L);
          expect(check.fields).toBe(isUtf8(bytes));
          expect(check.shortLines).toBe(true);
          const rows = await engine.query({ sql: `SELECT * FROM ${nativeFieldsSql(path, ',', width, L, ending, true)}`, params: [] });
          const duck = rows.map((r) => Array.from({ length: width }, (_, i) => String(r[`c${i + 1}`])));
          expect(duck).toEqual(await nodeRecords(bytes, width));
          const lines = await engine.query({ sql: `SELECT line FROM ${nativeLinesSql(path, 1, L, ending, true)}`, params: [] });
          expect(lines.map((r) => String(r.line))).toEqual(await nodeLines(bytes));
        }),
        { numRuns: 20, seed },
      );
    }, 120_000);
  }

  it('the byte count matters: the check says shortLines exactly when every LF file line is below L, and without the byte count DuckDB would keep a record of L bytes or more that the Node reader drops', async () => {
    await fc.assert(
      fc.asyncProperty(plainFile(3), async (bytes) => {
        const check = await checkNativeLines(put(bytes), L);
        const longest = Math.max(
          ...bytes
            .toString('latin1')
            .split('\n')
            .map((l) => l.length),
        );
        expect(check.shortLines).toBe(longest < L);
      }),
      { numRuns: 20, seed: 1135 },
    );
    const engine = engines.get(2) as DuckDbEngine;
    const bytes = Buffer.from(`a,b,c\n1,2,3\n${'x'.repeat(L)},1,2\n4,5,6\n`);
    const path = put(bytes);
    expect((await checkNativeLines(path, L)).shortLines).toBe(false);
    const read = async (shortLines: boolean) =>
      (await engine.query({ sql: `SELECT * FROM ${nativeFieldsSql(path, ',', 3, L, 'lf', shortLines)}`, params: [] })).length;
    expect(await nodeRecords(bytes, 3)).toHaveLength(2);
    expect(await read(false)).toBe(2);
    expect(await read(true)).toBe(3);
  }, 120_000);

  it('generative (fast-check, seed 1136): lfRunsBelow says whether every LF-free run is below the limit, for any cut of the file into overlapping reads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0x61, 0x61, 0x61, 0x2c, 0x0a, 0x0d), { maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (list, limit, cuts) => {
          const bytes = Uint8Array.from(list);
          const runs = Buffer.from(bytes)
            .toString('latin1')
            .split('\n')
            .map((r) => r.length);
          const expected = Math.max(...runs) < limit;
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const tracker = lfRunsBelow(limit);
          let prev = 0;
          for (const c of [...at, bytes.length]) {
            if (c > prev) {
              const from = Math.max(0, prev - HAZARD_OVERLAP);
              tracker.feed(bytes.subarray(from, c), from);
            }
            prev = Math.max(prev, c);
          }
          expect(tracker.end(bytes.length)).toBe(expected);
        },
      ),
      { numRuns: 3000, seed: 1136 },
    );
  });

  it("the harness can fail: with a line ending other than the file's, a blank line or a lone CR, DuckDB misreads some files (LF and CR LF files alike) — and the check turns every such file away", async () => {
    const engine = engines.get(2) as DuckDbEngine;
    const misread = { lf: 0, crlf: 0 };
    // Files of short records ending in `eol`, one irregular ending placed at each offset around a thread split (256)
    // and a buffer boundary (1024).
    for (const [eol, members] of [
      ['\n', ['\r\n', '\n\n', '\r']],
      ['\r\n', ['\n', '\r', '\r\n\r\n', '\n\r']],
    ] as const) {
      const ending: LineEnding = eol === '\n' ? 'lf' : 'crlf';
      for (const member of members) {
        for (const around of [256, 1024]) {
          for (let at = around - 4; at <= around + 2; at++) {
            const parts = [`h1,h2${eol}`];
            let size = parts[0]?.length ?? 0;
            let k = 0;
            while (size < at - 12) {
              const r = `${k++},${'x'.repeat(k % 5)}${eol}`;
              parts.push(r);
              size += r.length;
            }
            parts.push(`${'y'.repeat(Math.max(1, at - size - 1))}${member}`);
            for (let j = 0; j < 200; j++) parts.push(`${k++},z${eol}`);
            const bytes = Buffer.from(parts.join(''));
            const path = put(bytes);
            const check = await checkNativeLines(path);
            expect(check.native).toBe(false);
            expect(check.lineEnding).toBe(ending);
            const duck = await duckLines(engine, path, ending);
            const node = await nodeLines(bytes);
            if (JSON.stringify(duck) !== JSON.stringify(node)) misread[ending]++;
          }
        }
      }
    }
    expect(misread.lf).toBeGreaterThan(0);
    expect(misread.crlf).toBeGreaterThan(0);
  }, 120_000);

  for (const [ending, seed, rule] of [
    ['lf', 1104, /\r|\0|\n\n|^\n|[\s\S]\xef\xbb\xbf/],
    ['crlf', 1114, /\0|[\s\S]\xef\xbb\xbf|\n\r|^\r|\r(?!\n)|(?<!\r)\n/],
  ] as const) {
    it(`generative (fast-check, seed ${seed}, ${ending}): the check decides as the byte rule says, for any cut of the file into overlapping reads`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(0x61, 0x2c, 0x0a, 0x0d, 0x0d, 0x0a, 0x00, 0xff, 0xef, 0xbb, 0xbf), { maxLength: 40 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          (list, cuts) => {
            const bytes = Uint8Array.from(list);
            const text = Buffer.from(bytes).toString('latin1');
            const expected = rule.test(text);
            const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
            let prev = 0;
            let hazard = false;
            for (const c of [...at, bytes.length]) {
              if (c > prev) {
                // Each read after the first starts with the last HAZARD_OVERLAP bytes of the file before it.
                const from = Math.max(0, prev - HAZARD_OVERLAP);
                hazard ||= hasLineHazard(bytes.subarray(from, c), from === 0, ending, c === bytes.length);
              }
              prev = Math.max(prev, c);
            }
            expect(hazard).toBe(expected);
            expect(hasLineHazard(bytes, true, ending, true)).toBe(expected);
          },
        ),
        { numRuns: 3000, seed },
      );
    });
  }

  it('a file written after open is checked again before the next statement: CRLF records appended are read by the Node reader, the count stays exact', async () => {
    const path = join(dir, 'grow.csv');
    writeFileSync(path, `pid,s\n${Array.from({ length: 50 }, (_, i) => `${i},a`).join('\n')}\n`);
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
    try {
      // The statement reads typed `pid` (a field other than the last), so each native version's first count runs the
      // forced scan and its fold, as before stop 25: `COUNT(*)` alone reads no typed field and runs on the text path,
      // deciding nothing (`duckdb-csv-choice.ts`, "A statement that reads no typed field") — sqlcsv stop 25.
      const count = async () =>
        Number((await engine.query({ sql: 'SELECT COUNT(*) AS n FROM t WHERE pid IS NULL OR pid IS NOT NULL', params: [] }))[0]?.n);
      const node = async () => (await readCsvRecords(readFileSync(path)))?.records.length;
      expect(await count()).toBe(50);
      appendFileSync(path, '50,b\r\n51,c\r\n\r\n52,d\n');
      expect(await count()).toBe(await node());
      expect(await count()).toBe(53);
      writeFileSync(path, 'pid,s\n1,a\n2,b\n');
      expect(await count()).toBe(2);
    } finally {
      await engine.close();
    }
  });

  it("at production size (34 MB: the 2^25 buffer boundary and the 2^23 thread splits), DP SQL's view counts what the Node reader counts, threads 2 and 4", async () => {
    const parts = ['pid,s\n'];
    let size = 6;
    let k = 0;
    // Line lengths cycle through 1..97 bytes of payload, so each boundary falls at some offset inside a line.
    while (size < (1 << 25) + 300_000) {
      const r = `${k},${'v'.repeat(k % 97)}\n`;
      parts.push(r);
      size += r.length;
      k++;
    }
    const bytes = Buffer.from(parts.join(''));
    for (const [threads, shift] of [
      [2, 'p'],
      [4, 'pppppppppppppppppppppppppppppppppp'],
    ] as const) {
      const path = put(Buffer.concat([Buffer.from(`pid,s\n0,${shift}\n`), bytes.subarray(6)]));
      expect((await checkNativeLines(path)).native).toBe(true);
      const engine = await DuckDbEngine.open({ threads, files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
      try {
        const rows = await engine.query({ sql: 'SELECT COUNT(*) AS n, COUNT(DISTINCT pid) AS d FROM t', params: [] });
        expect(Number(rows[0]?.n)).toBe(k + 1);
        expect(Number(rows[0]?.d)).toBe(k);
      } finally {
        await engine.close();
      }
    }
  }, 240_000);

  it("at production size, CR LF endings (a CR LF split by the 2^25 buffer boundary): DP SQL's view counts what the Node reader counts, threads 4", async () => {
    const parts = ['pid,s\r\n'];
    let size = 7;
    let k = 0;
    while (size < (1 << 25) + 300_000) {
      const r = `${k},${'v'.repeat(k % 97)}\r\n`;
      parts.push(r);
      size += r.length;
      k++;
    }
    const body = Buffer.from(parts.join(''));
    // Pad the first record (`0,ppp…` CR LF, 4 + pad bytes) so that a CR is the first buffer's last byte and its LF the
    // next buffer's first.
    const boundary = (1 << 25) - 1;
    const pad = boundary - 4 - body.lastIndexOf(0x0d, boundary - 4);
    const bytes = Buffer.concat([Buffer.from(`pid,s\r\n0,${'p'.repeat(pad)}\r\n`), body.subarray(7)]);
    expect([bytes[boundary], bytes[boundary + 1]]).toEqual([0x0d, 0x0a]);
    const path = put(bytes);
    const check = await checkNativeLines(path);
    expect(check.native).toBe(true);
    expect(check.lineEnding).toBe('crlf');
    const engine = await DuckDbEngine.open({ threads: 4, files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
    try {
      const rows = await engine.query({ sql: 'SELECT COUNT(*) AS n, COUNT(DISTINCT pid) AS d FROM t', params: [] });
      expect(Number(rows[0]?.n)).toBe(k + 1);
      expect(Number(rows[0]?.d)).toBe(k);
    } finally {
      await engine.close();
    }
  }, 240_000);
});
