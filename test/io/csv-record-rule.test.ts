/**
 * The one record rule of private CSV (`src/io/csv-records.ts`; review S2, issue 10 class 3, ε = ∞ before): one
 * person's malformed record can only remove itself. Generative (fast-check, fixed seed): random valid records
 * (quoted fields with commas, quotes, Unicode; LF or CRLF endings) with random malformed records inserted at
 * random places — unclosed and stray quotes, text after a closing quote, too many and too few fields, NUL,
 * U+0001, a lone CR, a byte-order mark in the middle, bytes that are not UTF-8, a line over 1 MiB — read by all
 * three readers of private CSV: DP SQL's DuckDB view, `csvSource` (Session.fromSource) and `parseSynthCsv`.
 * For each reader, the good records it returns are exactly the file's good records (none lost, none changed),
 * nothing throws, and the three readers return the same records, malformed ones included (one rule, not three).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSynthCsv } from '../../src/cli/commands/synth.js';
import { CSV_MAX_LINE_BYTES, parseCsvLine } from '../../src/io/csv-records.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { csvSource } from '../../src/stats/csv-source.js';

const dir = mkdtempSync(join(tmpdir(), 'io-csv-rule-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

type Row = { pid: string; s: string };

/** RFC 4180 text of a value (quoted when it holds a comma or a quote). */
const quoteField = (v: string) => (/[",]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);

/** A good field value: letters, digits, commas, quotes, accents, no line break, no surrounding space. */
const goodValue = fc
  .array(fc.constantFrom('a', 'b', 'z', '0', '7', ',', '"', 'é', '中', '-', ' '), { maxLength: 8 })
  .map((cs) => cs.join('').trim());

/** A bad pid (≥ 1000): a malformed record never carries a good record's key. */
const badPid = fc.integer({ min: 1000, max: 9999 }).map(String);
const word = fc.stringMatching(/^[a-z0-9]{0,5}$/);

/** One malformed (or odd) line, as bytes; none may carry a good pid. */
const badLine: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    fc.tuple(badPid, word).map(([p, w]) => `${p},"${w}`), // unclosed quote (review S2)
    fc.tuple(badPid, word).map(([p, w]) => `"${p},${w}`), // unclosed quote in the first field
    fc.tuple(badPid, word, word).map(([p, a, b]) => `${p},${a}"${b}`), // stray quote
    fc.tuple(badPid, word, word).map(([p, a, b]) => `${p},"${a}"${b}`), // text after the closing quote
    fc.tuple(badPid, word, word).map(([p, a, b]) => `${p},${a},${b}`), // a field too many
    badPid, // a field too few
    fc.tuple(badPid, word).map(([p, w]) => `${p},${w}\u0000x`), // NUL
    fc.tuple(badPid, word).map(([p, w]) => `${p},${w}\u0001x`), // U+0001
    fc.tuple(badPid, badPid, word).map(([p, q, w]) => `${p},${w}\r${q},"${w}`), // a lone CR (CR-only ending) then more
    fc.tuple(badPid, word).map(([p, w]) => `\uFEFF${p},${w}`), // a byte-order mark in the middle
    fc.constantFrom('"', '"""', ',', '""', ',,,', '\t', 'pid,s'), // bare quotes and separators, the header again
    fc.tuple(badPid, word).map(([p, w]) => `${p},"${w}\\"`), // a backslash escape (not RFC 4180)
    fc.constant(`9000,${'x'.repeat(CSV_MAX_LINE_BYTES + 10)}`), // longer than the line limit
  )
  .map((t) => new TextEncoder().encode(t));
const notUtf8 = fc.tuple(badPid, fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xfe, 0xff])).map(([p, b]) => {
  const head = new TextEncoder().encode(`${p},x`);
  return Uint8Array.from([...head, ...b]);
});

const fileArb = fc.record({
  good: fc.array(goodValue, { minLength: 1, maxLength: 12 }),
  bad: fc.array(fc.tuple(fc.oneof({ weight: 6, arbitrary: badLine }, { weight: 1, arbitrary: notUtf8 }), fc.nat()), {
    minLength: 1,
    maxLength: 3,
  }),
  crlf: fc.boolean(),
});

function fileBytes(good: readonly string[], bad: readonly (readonly [Uint8Array, number])[], crlf: boolean): Uint8Array {
  const enc = new TextEncoder();
  const lines: Uint8Array[] = good.map((s, i) => enc.encode(`${i + 1},${quoteField(s)}`));
  for (const [line, at] of bad) lines.splice(at % (lines.length + 1), 0, line);
  const eol = enc.encode(crlf ? '\r\n' : '\n');
  const parts = [enc.encode('pid,s'), eol, ...lines.flatMap((l) => [l, eol])];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

async function readAll(bytes: Uint8Array): Promise<{ synth: Row[]; source: Row[]; sql: Row[] }> {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, bytes);
  const synth = (await parseSynthCsv(bytes)).map((r) => ({ pid: r.pid as string, s: r.s as string }));
  const source: Row[] = [];
  for await (const r of csvSource(path).rows()) source.push({ pid: String(r.pid), s: String(r.s) });
  const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'string', s: 'string' } } });
  try {
    const rows = await engine.query({ sql: 'SELECT pid, s FROM t', params: [] });
    return { synth, source, sql: rows.map((r) => ({ pid: String(r.pid), s: String(r.s) })) };
  } finally {
    await engine.close();
  }
}

const byKey = (a: Row, b: Row) => (a.pid + a.s < b.pid + b.s ? -1 : a.pid + a.s > b.pid + b.s ? 1 : 0);
const trimmed = (rows: readonly Row[]) => rows.map((r) => ({ pid: r.pid.trim(), s: r.s.trim() }));

describe('one record rule of private CSV (review S2): a malformed record removes only itself, in every reader', () => {
  it('generative (fast-check, seed 10): good records are read identically with random malformed records anywhere; the three readers agree', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async ({ good, bad, crlf }) => {
        const expected: Row[] = good.map((s, i) => ({ pid: String(i + 1), s }));
        const isGood = (r: Row) => /^[0-9]+$/.test(r.pid) && Number(r.pid) <= good.length;
        const { synth, source, sql } = await readAll(fileBytes(good, bad, crlf));
        expect(synth.filter(isGood)).toEqual(expected);
        expect(source.filter(isGood)).toEqual(expected);
        expect([...sql.filter(isGood)].sort(byKey)).toEqual([...expected].sort(byKey));
        // One rule, not three: the same records, malformed-but-parsable ones included (csvSource trims).
        expect([...sql].sort(byKey)).toEqual([...synth].sort(byKey));
        expect(source).toEqual(trimmed(synth));
      }),
      { numRuns: 30, seed: 10 },
    );
  }, 300_000);

  it('the one-line grammar: quoted fields, doubled quotes, empty fields; any other quote is malformed', () => {
    expect(parseCsvLine('a,"b,c","d""e",,""', ',')).toEqual(['a', 'b,c', 'd"e', '', '']);
    expect(parseCsvLine('a,', ',')).toEqual(['a', '']);
    for (const bad of ['99,"x', '99,x"y', '99,"x"y', '"', '"""', 'a,b\u0001']) expect(parseCsvLine(bad, ',')).toBeUndefined();
  });
});
