/**
 * The layout of a private JSON file is decided by its name, never by its content (review S9, issue 10 classes 3
 * and 5): `.json`, `.jsonl` and `.ndjson` are all read as newline-delimited JSON (one object per line), so a line
 * that is not one object is dropped alone wherever it is — first, last or in the middle — and never turns a
 * charged query into ENGINE_ERROR. Generative (fast-check, fixed seed): random good records with random malformed
 * lines at random places (a cut record, a bare brace or bracket, an array, a scalar, two objects on a line, a
 * pretty-printed object over several lines, a byte-order mark, NUL, bytes that are not UTF-8, a lone CR); the good
 * records the view returns are exactly the file's good records, and a DP COUNT is answered with one charge.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'io-json-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

const schema = parseSqlSchema({
  dataset: 'io_json_layout',
  budget: { epsilon: 1e6, delta: 1e-6 },
  tables: { t: { columns: { pid: { type: 'integer' }, s: { type: 'string' } } } },
});

const goodValue = fc
  .array(fc.constantFrom('a', 'z', '0', ',', '"', '\\', '{', '}', '[', 'é', '中', ' ', '\n'), { maxLength: 6 })
  .map((c) => c.join(''));
const badPid = fc.integer({ min: 1000, max: 9999 });
const enc = new TextEncoder();

/** One malformed (or odd) line as bytes; none carries a good pid. */
const badLine: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    badPid.map((p) => `{"pid": ${p}, "s": "x"`), // cut record (review S9)
    badPid.map((p) => `{"pid": ${p}, "s": "x`), // cut inside a string
    fc.constantFrom('{', '}', '[', ']', '', 'null', '5', '"text"', 'not json'), // bare braces, scalars
    badPid.map((p) => `[{"pid": ${p}, "s": "a"}]`), // an array on a line
    badPid.map((p) => `{"pid": ${p}}{"pid": ${p + 1}}`), // two objects on a line
    badPid.map((p) => `{\n"pid": ${p},\n"s": "y"\n}`), // a pretty-printed object over several lines
    badPid.map((p) => `{"pid": ${p},, "s": 1}`), // a syntax error
    badPid.map((p) => `\uFEFF{"pid": ${p}, "s": "b"}`), // a byte-order mark in the middle
    badPid.map((p) => `{"pid": ${p}, "s": "a\u0000b"}`), // a raw NUL inside a string
    badPid.map((p) => `{"pid": ${p}, "s": "a"}\r{"pid": ${p + 1}`), // a lone CR, then a cut record
  )
  .map((t) => enc.encode(t));
const notUtf8 = badPid.map((p) => Uint8Array.from([...enc.encode(`{"pid": ${p}, "s": "`), 0xff, 0xfe, ...enc.encode('"}')]));

const fileArb = fc.record({
  good: fc.array(goodValue, { minLength: 1, maxLength: 10 }),
  bad: fc.array(fc.tuple(fc.oneof({ weight: 6, arbitrary: badLine }, { weight: 1, arbitrary: notUtf8 }), fc.nat()), {
    minLength: 1,
    maxLength: 3,
  }),
  ext: fc.constantFrom('json', 'jsonl', 'ndjson'),
  first: fc.boolean(),
});

describe('JSON layout pinned by the file name (review S9): a malformed line is dropped alone, never an error', () => {
  it('generative (fast-check, seed 11; false-failure probability < 1e-15 per run from the DP count, none from the rest): good records intact, query answered and charged once', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async ({ good, bad, ext, first }) => {
        const lines: Uint8Array[] = good.map((s, i) => enc.encode(JSON.stringify({ pid: i + 1, s })));
        for (const [line, at] of bad) lines.splice(first ? 0 : at % (lines.length + 1), 0, line);
        const path = join(dir, `f${fileNo++}.${ext}`);
        writeFileSync(path, Buffer.concat(lines.flatMap((l) => [l, enc.encode('\n')])));
        const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
        try {
          const rows = await engine.query({ sql: 'SELECT pid, s FROM t WHERE pid <= 100 ORDER BY pid', params: [] });
          expect(rows.map((r) => ({ pid: Number(r.pid), s: r.s }))).toEqual(good.map((s, i) => ({ pid: i + 1, s })));
          const ledger = new MemoryLedger();
          // COUNT at ε = 40: discrete Laplace of scale 1/40, |noise| ≥ 1 with probability < 1e-17.
          const r = await runDpSql({
            sql: 'SELECT COUNT(*) AS n FROM t WHERE pid <= 100',
            schema,
            engine,
            ledger,
            epsilon: 40,
            rng: new SeededRandomSource(fileNo),
          });
          expect(Number(r.rows[0]?.[0])).toBe(good.length);
          expect(ledger.charges).toHaveLength(1);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 30, seed: 11 },
    );
  }, 300_000);

  it('regression (review S9): a .json file whose FIRST record is cut is answered, the record dropped alone', async () => {
    const path = join(dir, 'first.json');
    writeFileSync(
      path,
      `{"pid": 99, "s": "x"\n${Array.from({ length: 5 }, (_, k) => JSON.stringify({ pid: k + 1, s: 'p' })).join('\n')}\n`,
    );
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
    try {
      expect(await engine.query({ sql: 'SELECT COUNT(*) AS n FROM t', params: [] })).toEqual([{ n: 5n }]);
    } finally {
      await engine.close();
    }
  });
});
