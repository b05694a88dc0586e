/**
 * The line check's count of a file's lines after the header (`NativeLineCheck.dataLines`, `line-check.ts`): the count
 * the typed CSV reader's decision compares its counted scan with (`duckdb-csv-choice.ts`, "Counting"). Generative
 * (fast-check, seeds 2201–2202): `countLf` at every alignment equals a byte-by-byte count, and `dataLines` of an
 * admitted file equals its lines less the header, with and without a final line ending, LF and CR LF.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNativeLines, countLf } from '../../src/sql/engines/line-check.js';
import { oracleAndFolder } from './csv-reader-state.js';

const { dir } = oracleAndFolder('line-count-');

describe('the line check counts the lines after the header', () => {
  it('countLf equals a byte-by-byte count at every offset and length (fast-check, seed 2201)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), fc.constantFrom(0x0a, 0x0b, 0x09, 0x8a, 0x0a0a), (raw, cut, extra) => {
        const bytes = Uint8Array.from(raw, (b, i) => (i % 3 === 0 ? 0x0a : b ^ (extra & 0xff)));
        const piece = bytes.subarray(Math.min(cut, bytes.length));
        expect(countLf(piece)).toBe(piece.filter((b) => b === 0x0a).length);
      }),
      { seed: 2201, numRuns: 2000 },
    );
  });

  it('dataLines of an admitted file is its lines less the header (fast-check, seed 2202)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z0-9,]{1,12}$/), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.constantFrom('\n', '\r\n'),
        async (lines, finalEnding, ending) => {
          const path = join(dir, `f${++n}.csv`);
          writeFileSync(path, lines.join(ending) + (finalEnding ? ending : ''));
          const check = await checkNativeLines(path);
          expect(check.native).toBe(true);
          expect(check.dataLines).toBe(lines.length - 1);
        },
      ),
      { seed: 2202, numRuns: 200 },
    );
  });
});
