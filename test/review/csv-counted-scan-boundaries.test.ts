/**
 * Review stop 22, second shift (sqlcsv 634be18, class 14/3): the counted lenient scan decides 'typed' iff the lines
 * it produced equal the line check's count. That is sound only if the lenient reader (ignore_errors) produces a row
 * for exactly the lines the strict reader reads without error — never a spurious row (a line split at a buffer
 * boundary or thread split after a skipped line) that would make up for a skipped one. Generative over files the
 * check admits (fields, shortLines), many bad lines, small buffers (line limit 16: buffer 512 bytes), threads 1/2/4,
 * LF and CRLF, lines with too few / too many fields, the last line without its ending.
 * Property: strict succeeds ⇔ lenient count = dataLines; and when the counts are equal the lenient rows are the
 * strict rows. The readers are taken from `typedFieldsSql` (its `read_csv` call, `ignore_errors` set either way), and
 * the file's data lines are counted here from its bytes (and compared with the check's `dataLines` where it has one),
 * so the test runs on main and on wip/sqlcsv alike. Passes on wip/sqlcsv 7b0e3ef (threads 1, 2, 4).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { typedFieldsSql } from '../../src/sql/engines/duckdb-csv-typed.js';
import { checkNativeLines } from '../../src/sql/engines/line-check.js';
import { oracleAndFolder } from '../sql/csv-reader-state.js';

const { dir } = oracleAndFolder('review-counted-');
const engines = new Map<number, DuckDbEngine>();
beforeAll(async () => {
  for (const threads of [1, 2, 4]) engines.set(threads, await DuckDbEngine.open({ threads, allowExternalAccess: true }));
});
afterAll(async () => {
  for (const e of engines.values()) await e.close();
});

const TYPES = ['BIGINT', 'BIGINT', undefined] as const;
const LIMIT = 16;
const fieldArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -99, max: 999 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('x', '', '1x', '1e400', '9.2e18', '-', ' ', '0x1') },
);
const lineArb = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fieldArb, fieldArb, fc.constantFrom('s', 'tt', '')).map((f) => f.join(',')) },
  { weight: 1, arbitrary: fc.tuple(fieldArb, fieldArb).map((f) => f.join(',')) },
  { weight: 1, arbitrary: fieldArb.filter((x) => x !== '') },
  { weight: 1, arbitrary: fc.tuple(fieldArb, fieldArb, fc.constantFrom('s', ''), fc.constantFrom('e', '')).map((f) => f.join(',')) },
  { weight: 1, arbitrary: fc.tuple(fieldArb, fieldArb, fc.constantFrom('s'), fc.constantFrom('e'), fieldArb).map((f) => f.join(',')) },
);
const fileArb = fc.record({
  lines: fc.array(lineArb, { minLength: 0, maxLength: 400 }),
  crlf: fc.boolean(),
  lastEnding: fc.boolean(),
  bom: fc.boolean(),
});

let n = 0;
for (const [threads, seed] of [
  [1, 22201],
  [2, 22202],
  [4, 22203],
] as const) {
  describe(`counted lenient scan (threads ${threads})`, () => {
    it(`generative (fast-check, seed ${seed}): equal counts only when the strict reader reads every line, and then the same rows`, async () => {
      const engine = engines.get(threads) as DuckDbEngine;
      let admitted = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(fileArb, async (f) => {
          const eol = f.crlf ? '\r\n' : '\n';
          const body = ['a,b,s', ...f.lines].join(eol) + (f.lastEnding || f.lines.length === 0 ? eol : '');
          const path = join(dir, `f${n++}.csv`);
          writeFileSync(path, (f.bom ? '\uFEFF' : '') + body);
          const check = await checkNativeLines(path, LIMIT);
          if (!check.native || !check.fields || !check.shortLines) return;
          admitted++;
          const bytes = readFileSync(path);
          const lfs = bytes.reduce((m, b) => m + (b === 0x0a ? 1 : 0), 0);
          const dataLines = Math.max(0, lfs + (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a ? 0 : 1) - 1);
          const stated = (check as { dataLines?: number }).dataLines;
          if (stated !== undefined) expect(stated).toBe(dataLines);
          const strictCall = /read_csv\(.*ignore_errors = false\)/.exec(typedFieldsSql(path, ',', TYPES, check.lineEnding, LIMIT))?.[0];
          if (strictCall === undefined) throw new Error('typedFieldsSql has no read_csv call with ignore_errors = false');
          const rd = (lenient: boolean) => (lenient ? strictCall.replace('ignore_errors = false)', 'ignore_errors = true)') : strictCall);
          const lenient = (await engine.connection.runAndReadAll(`SELECT c1, c2, c3, c4 FROM ${rd(true)}`)).getRowsJS();
          let strict: unknown[][] | undefined;
          try {
            strict = (await engine.connection.runAndReadAll(`SELECT c1, c2, c3, c4 FROM ${rd(false)}`)).getRowsJS();
          } catch {
            strict = undefined;
          }
          const equal = lenient.length === dataLines;
          if (strict === undefined) refused++;
          expect({ equal, strictOk: strict !== undefined, lines: f.lines.length }).toEqual({
            equal: strict !== undefined,
            strictOk: strict !== undefined,
            lines: f.lines.length,
          });
          if (equal && strict) expect(lenient.map(String)).toEqual(strict.map(String));
        }),
        { seed, numRuns: 150 },
      );
      // The run exercises both outcomes on admitted files.
      expect(admitted).toBeGreaterThan(75);
      expect(refused).toBeGreaterThan(20);
      expect(admitted - refused).toBeGreaterThan(20);
    }, 300_000);
  });
}
