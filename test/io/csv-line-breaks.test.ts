/**
 * Rule 5 of the one record rule of private CSV (`src/io/csv-records.ts`, `csv-records.proof.md`): a line break
 * inside a free-text field. With `lineBreaks: 'quoted'` (the writer quotes every field and writes line breaks
 * inside the quotes), no piece of a multi-line record is ever read as a record, so one person's record yields at
 * most one record — their own, whole — and never a record of another unit. With `'none'`/`'escaped'` (the writer
 * never writes a raw line break in a field), a record is one line.
 *
 * Generative (fast-check, fixed seeds): random people with free-text fields holding hostile text — LF, CR and CRLF,
 * whole other records written raw and quoted (`\n99,evil,x\n`, `\n"99","evil","x"\n`), quotes, delimiters, only
 * quotes — written by an RFC 4180 writer, with raw malformed lines (review S2 members) at random places; for every
 * neighbouring pair (one person's record removed), in all three readers (DP SQL's DuckDB view, `csvSource`,
 * `parseSynthCsv`): every record read is some person's record verbatim (nothing injected, nothing altered), the
 * records read change by at most that one person's record, and the readers agree.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSynthCsv } from '../../src/cli/commands/synth.js';
import { type CsvLineBreaks, parseCsvLine } from '../../src/io/csv-records.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { csvSource } from '../../src/stats/csv-source.js';

const dir = mkdtempSync(join(tmpdir(), 'io-csv-breaks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

type Row = { pid: string; note: string; city: string };
const HEADER = 'pid,note,city';

/** RFC 4180, every field quoted (`csv.QUOTE_ALL`): the writer `lineBreaks: 'quoted'` declares. */
const quoteAll = (r: Row) => [r.pid, r.note, r.city].map((v) => `"${v.replace(/"/g, '""')}"`).join(',');
/** RFC 4180, minimal quoting (the writer of `'none'`/`'escaped'`: its values hold no line break). */
const minimal = (r: Row) => [r.pid, r.note, r.city].map((v) => (/[",]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v)).join(',');

/** Hostile free text: line breaks of every kind, other records written raw and quoted, quotes, delimiters. */
const piece = fc.oneof(
  fc.constantFrom('\n', '\r', '\r\n', '\n\n', ',', '"', '""', '","', '"\n"', ' ', 'a', 'é', '中', '7'),
  fc.constantFrom('99,evil,x', '"99","evil","x"', '""99"",""evil""', '99,"evil', '","99","evil","', '",",","'),
  fc.constantFrom('\n99,evil,x\n', '\n"99","evil","x"\n', '\r"98","evil","y"\r', '\n","\n', '\n"\n'),
);
const freeText = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
const person = fc.record({ note: freeText, city: freeText });

/** Raw malformed lines (review S2 members; none written by the declared writer), never a good pid. */
const rawLine = fc.constantFrom(
  '5000,"x',
  '"5001,x',
  '5002,a"b',
  '5003,"a"b',
  '"',
  '"""',
  ',,',
  '"5004","x',
  '5005,"x","y"',
  'pid,note,city',
);

const fileArb = fc.record({
  people: fc.array(person, { minLength: 1, maxLength: 8 }),
  raw: fc.array(fc.tuple(rawLine, fc.nat()), { maxLength: 2 }),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  drop: fc.nat(),
});

function fileText(rows: readonly Row[], raw: readonly (readonly [string, number])[], eol: string, write: (r: Row) => string): string {
  const lines = rows.map(write);
  for (const [line, at] of raw) lines.splice(at % (lines.length + 1), 0, line);
  return [HEADER, ...lines].map((l) => l + eol).join('');
}

async function readAll(text: string, lineBreaks: CsvLineBreaks): Promise<{ synth: Row[]; source: Row[]; sql: Row[] }> {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, text);
  const pick = (r: Record<string, unknown>): Row => ({ pid: String(r.pid), note: String(r.note), city: String(r.city) });
  const synth = (await parseSynthCsv(text, lineBreaks)).map(pick);
  const source: Row[] = [];
  for await (const r of csvSource(path, { lineBreaks }).rows()) source.push(pick(r));
  const engine = await DuckDbEngine.open({
    files: { t: path },
    columnTypes: { t: { pid: 'string', note: 'string', city: 'string' } },
    csvLineBreaks: { t: lineBreaks },
  });
  try {
    const rows = await engine.query({ sql: 'SELECT pid, note, city FROM t', params: [] });
    return { synth, source, sql: rows.map(pick) };
  } finally {
    await engine.close();
  }
}

const key = (r: Row) => JSON.stringify([r.pid, r.note, r.city]);
const sorted = (rows: readonly Row[]) => rows.map(key).sort();
const trimmed = (rows: readonly Row[]) => rows.map((r) => ({ pid: r.pid.trim(), note: r.note.trim(), city: r.city.trim() }));
const hasBreak = (r: Row) => /[\r\n]/.test(r.note + r.city);

/** Multiset difference a − b, as keys. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = [...b];
  return a.filter((k) => {
    const i = left.indexOf(k);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

/** The readers' records of a file and of its neighbour without person `drop`, checked against the rule. */
async function checkNeighbours(
  people: readonly Row[],
  raw: readonly (readonly [string, number])[],
  eol: string,
  drop: number,
  lineBreaks: CsvLineBreaks,
  write: (r: Row) => string,
  readable: (r: Row) => boolean,
): Promise<void> {
  const j = drop % people.length;
  const without = people.filter((_, i) => i !== j);
  const a = await readAll(fileText(people, raw, eol, write), lineBreaks);
  const b = await readAll(fileText(without, raw, eol, write), lineBreaks);
  for (const [read, all] of [
    [a, people],
    [b, without],
  ] as const) {
    // Nothing injected or altered: exactly the people's readable records, and the raw lines that parse on their own
    // (the same in both neighbours; the others are dropped alone).
    const rawRecords = raw
      .map(([line]) => parseCsvLine(line, ',', lineBreaks))
      .filter((f): f is string[] => f?.length === 3)
      .map((f) => ({ pid: f[0] as string, note: f[1] as string, city: f[2] as string }));
    const expected = [...all.filter(readable), ...rawRecords];
    expect(sorted(read.sql)).toEqual(sorted(expected));
    expect(sorted(read.synth)).toEqual(sorted(expected));
    // One rule, not three (csvSource trims its fields).
    expect(read.source).toEqual(trimmed(read.synth));
  }
  // Neighbours: the records read differ by at most the one person's own record.
  const added = minus(sorted(a.sql), sorted(b.sql));
  expect(minus(sorted(b.sql), sorted(a.sql))).toEqual([]);
  expect(added.length).toBeLessThanOrEqual(1);
  if (added.length === 1) expect(added[0]).toBe(key(people[j] as Row));
}

const withPids = (people: readonly { note: string; city: string }[]): Row[] => people.map((p, i) => ({ pid: String(i + 1), ...p }));

describe("rule 5 (a line break in a free-text field): no piece of one person's record is read as a record", () => {
  it("generative (fast-check, seed 510): lineBreaks 'quoted', quote-all RFC 4180 writer, hostile free text and raw malformed lines — neighbours differ by ≤ 1 record, their own, in all three readers", async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async ({ people, raw, eol, drop }) => {
        // Readable: a record with no line break in its fields and some character other than " and , (rule 5).
        const readable = (r: Row) => !hasBreak(r) && parseCsvLine(quoteAll(r), ',', 'quoted') !== undefined;
        await checkNeighbours(withPids(people), raw, eol, drop, 'quoted', quoteAll, readable);
      }),
      { numRuns: 25, seed: 510 },
    );
  }, 300_000);

  it("generative (fast-check, seed 511): lineBreaks 'escaped', minimal-quoting writer escaping line breaks — every person is one record, neighbours differ by their own", async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async ({ people, raw, eol, drop }) => {
        // The writer escapes line breaks; the reader keeps the escapes as text (the values read are the escaped ones).
        const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
        const rows = withPids(people).map((r) => ({ pid: r.pid, note: esc(r.note), city: esc(r.city) }));
        await checkNeighbours(rows, raw, eol, drop, 'escaped', minimal, () => true);
      }),
      { numRuns: 15, seed: 511 },
    );
  }, 300_000);

  it('regression: a quoted line break followed by another unit\'s record (`\\n"99","evil","x"\\n`) injects nothing under \'quoted\'', async () => {
    const people: Row[] = [
      { pid: '1', note: 'ok', city: 'a' },
      { pid: '2', note: 'hi\n"99","evil","x"\n99,evil,x\n","\nbye', city: 'b' },
      { pid: '3', note: 'fine', city: 'c' },
      // A junction piece (between line breaks in two fields) that parses as three fields of quotes and commas only.
      { pid: '4', note: '\n","","', city: '\n99,evil,x\n' },
    ];
    const text = fileText(people, [], '\n', quoteAll);
    const { synth, source, sql } = await readAll(text, 'quoted');
    const want = [people[0], people[2]] as Row[];
    expect(synth).toEqual(want);
    expect(source).toEqual(want);
    expect(sorted(sql)).toEqual(sorted(want));
    // The declaration matters: read as 'none' (a false declaration for this writer), the pieces pass as records.
    const none = await parseSynthCsv(text, 'none');
    expect(none.some((r) => r.pid === '99')).toBe(true);
  }, 60_000);

  it("a line of only quotes and delimiters, an unquoted field or a trailing delimiter is not a record under 'quoted'", () => {
    for (const line of ['"",""', '""""', '","', '",",","', '"1",x', '"1","x",', '1,"x"', '"1","x"y'])
      expect(parseCsvLine(line, ',', 'quoted')).toBeUndefined();
    expect(parseCsvLine('"1","a,""b""",""', ',', 'quoted')).toEqual(['1', 'a,"b"', '']);
    expect(parseCsvLine('"1"\t"x"', '\t', 'quoted')).toEqual(['1', 'x']);
  });

  it("the schema's table `lineBreaks` reaches DP SQL's reader (openDataSource), and a bad value is INVALID_SCHEMA", async () => {
    const path = join(dir, `schema${fileNo++}.csv`);
    writeFileSync(
      path,
      fileText(
        [
          { pid: '1', note: 'a', city: 'b' },
          { pid: '2', note: 'x\n99,evil,x\ny', city: 'c' },
        ],
        [],
        '\n',
        quoteAll,
      ),
    );
    const { openDataSource } = await import('../../src/sql/open-data.js');
    const { parseSqlSchema } = await import('../../src/sql/schema.js');
    const columns = { pid: { type: 'string' }, note: { type: 'string' }, city: { type: 'string' } };
    const read = async (lineBreaks?: string) => {
      const schema = parseSqlSchema({
        budget: { epsilon: 1 },
        tables: { t: { privacyUnit: 'pid', columns, ...(lineBreaks ? { lineBreaks } : {}) } },
      });
      const opened = await openDataSource({ data: [`t=${path}`], home: dir }, schema);
      try {
        return (await opened.engine.query({ sql: 'SELECT pid FROM t ORDER BY pid', params: [] })).map((r) => String(r.pid));
      } finally {
        await opened.engine.close();
        await opened.ledger.close();
      }
    };
    expect(await read('quoted')).toEqual(['1']);
    expect(await read()).toEqual(['1', '99']); // 'none' (the default) is a false declaration for this writer
    expect(() => parseSqlSchema({ budget: { epsilon: 1 }, tables: { t: { columns, lineBreaks: 'rfc' } } })).toThrow(
      expect.objectContaining({ code: 'INVALID_SCHEMA' }),
    );
  }, 60_000);

  it('a declaration that is not one of the three values is refused (INVALID_PARAMETER) before anything is read', async () => {
    expect(() => csvSource(join(dir, 'x.csv'), { lineBreaks: 'rfc' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    await expect(parseSynthCsv('a\n1\n', 'yes' as never)).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    await expect(DuckDbEngine.open({ csvLineBreaks: { t: 'x' as never } })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
  });
});
