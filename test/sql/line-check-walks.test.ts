/**
 * The line check in fewer walks of the buffer (issue 11, stop 24; `src/sql/engines/line-check.ts`): for an `'lf'`
 * file the walk that counts the LF bytes (`countLfPairs`) also finds two LF in a row and an LF first, so the check no
 * longer searches for LF LF on its own. Generative (fast-check, seeds 2401–2403): `countLfPairs` at every alignment
 * equals a byte-by-byte walk; the new `checkNativeLines`, reading in pieces of 3 bytes (the longest pattern it looks
 * for) to 4 MiB so that pieces meet everywhere, returns what the check before stop 24 decides on the whole file at
 * once (`referenceCheck`: its `'lf'` hazard searches as they were, the rest the unchanged helpers) on random files of
 * quoted newlines, CR LF, lone CR, byte-order marks, NUL and U+0001 bytes, bad UTF-8, bad fields, empty lines and
 * long lines (2402), and with one hazard at any place against the pieces (2403). Pinned: a bad UTF-8 byte ending a
 * 4 MiB read (the tail `utf8Pieces` kept was a view of the read buffer before stop 24).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkNativeLines,
  countLf,
  countLfPairs,
  hasLineHazard,
  type LineEnding,
  lfRunsBelow,
  lineEndingOf,
  utf8Pieces,
} from '../../src/sql/engines/line-check.js';
import { oracleAndFolder } from './csv-reader-state.js';

const { dir } = oracleAndFolder('line-check-walks-');
const LF = 0x0a;

/** The piece hazard before stop 24: the `'lf'` case by its own searches, the `'crlf'` case unchanged. */
function referenceHazard(bytes: Buffer, atFileStart: boolean, lineEnding: LineEnding, atFileEnd: boolean): boolean {
  if (lineEnding === 'crlf') return hasLineHazard(bytes, atFileStart, 'crlf', atFileEnd);
  if (bytes.length === 0) return false;
  if (bytes.indexOf(0x00) >= 0 || bytes.indexOf(Buffer.from([0xef, 0xbb, 0xbf]), atFileStart ? 1 : 0) >= 0) return true;
  return bytes.indexOf(0x0d) >= 0 || bytes.indexOf(Buffer.from([LF, LF])) >= 0 || (atFileStart && bytes[0] === LF);
}

/**
 * The check before stop 24 on the whole file as one piece (the file's bytes judged by the rules, no piece boundary to
 * get wrong; the line ending, as always, from the first read of `chunk` bytes): what the new check, reading in pieces
 * of any size, must return.
 */
function referenceCheck(bytes: Buffer, lineLimit: number, chunk: number) {
  // The line ending is the one the first read's bytes announce (as the check always did), however large the file.
  const lineEnding = lineEndingOf(bytes.subarray(0, chunk));
  const native = !referenceHazard(bytes, true, lineEnding, true);
  const runs = lfRunsBelow(lineLimit);
  runs.feed(bytes, 0);
  const utf8 = utf8Pieces();
  utf8.feed(bytes);
  const plain = bytes.indexOf(0x22) < 0 && bytes.indexOf(0x01) < 0;
  const lastByte = bytes.length === 0 ? LF : bytes[bytes.length - 1];
  return {
    native,
    lineEnding,
    fields: native && plain && utf8.end(),
    shortLines: native && runs.end(bytes.length),
    dataLines: native ? Math.max(0, countLf(bytes) + (lastByte === LF ? 0 : 1) - 1) : 0,
  };
}

/** Hostile pieces of a CSV file (module header): each file draws at most two kinds, so most of its hazards come alone. */
const HOSTILE = ['"a\nb"', '"a\r\nb"', '""', '"', '\r', '\n\n', '\r\n\r\n', '\n\r', '\uFEFF', '\u0000', '\u0001', 'é€😀'];
const file = fc
  .tuple(fc.subarray(HOSTILE, { maxLength: 2 }), fc.boolean(), fc.boolean(), fc.nat(7))
  .chain(([hostile, bom, crlfAll, badUtf8]) =>
    fc
      .array(
        fc.oneof(
          { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9]{0,9}$/) },
          { weight: 4, arbitrary: fc.constantFrom(',', ',,', '1.5', '-7', 'x,y,z') },
          { weight: 4, arbitrary: fc.constantFrom('\n', '\r\n') },
          { weight: 1, arbitrary: hostile.length > 0 ? fc.constantFrom(...hostile) : fc.constant('\n') },
        ),
        { maxLength: 60 },
      )
      .map((parts) => {
        let text = parts.join('');
        if (crlfAll) text = text.replace(/\r?\n/g, '\r\n');
        const bytes = Buffer.from((bom ? '\uFEFF' : '') + text, 'utf8');
        if (badUtf8 !== 0 || bytes.length === 0) return bytes;
        return Buffer.concat([bytes.subarray(0, bytes.length >> 1), Buffer.from([0xff]), bytes.subarray(bytes.length >> 1)]);
      }),
  );

describe('the line check in fewer walks answers as before', () => {
  it('countLfPairs equals a byte-by-byte walk at every offset and length (fast-check, seed 2401)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), fc.boolean(), fc.nat(3), (raw, cut, lfBefore, density) => {
        const bytes = Uint8Array.from(raw, (b) => (b % (density + 2) === 0 ? LF : b));
        const piece = bytes.subarray(Math.min(cut, bytes.length));
        let count = 0;
        let pair = false;
        let prev = lfBefore;
        for (const b of piece) {
          if (b === LF) {
            count++;
            if (prev) pair = true;
          }
          prev = b === LF;
        }
        expect(countLfPairs(piece, lfBefore)).toEqual({ count, pair });
      }),
      { seed: 2401, numRuns: 3000 },
    );
  });

  it('checkNativeLines equals the check before stop 24 on hostile files in pieces of every size (fast-check, seed 2402)', async () => {
    let n = 0;
    let admitted = 0;
    await fc.assert(
      fc.asyncProperty(
        file,
        fc.constantFrom(3, 4, 5, 6, 7, 16, 4 << 20),
        fc.integer({ min: 1, max: 40 }),
        async (bytes, chunk, lineLimit) => {
          const path = join(dir, `f${++n}.csv`);
          writeFileSync(path, bytes);
          const { identity: _, ...got } = await checkNativeLines(path, lineLimit, chunk);
          expect(got).toEqual(referenceCheck(bytes, lineLimit, chunk));
          if (got.native) admitted++;
        },
      ),
      { seed: 2402, numRuns: 500 },
    );
    // Both outcomes were compared many times (not an assertion-free run of refusals).
    expect(admitted).toBeGreaterThan(50);
    expect(admitted).toBeLessThan(n - 50);
  });

  it('one hazard at any place against the pieces is found as before (fast-check, seed 2403)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z0-9,]{1,6}$/), { minLength: 2, maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.constantFrom('\n\n', '\n', '\r', '\r\n', '\n\r', '\u0000', '\uFEFF', '\xFF'),
        fc.nat(),
        fc.integer({ min: 3, max: 9 }),
        async (lines, ending, hazard, at, chunk) => {
          const text = lines.join(ending);
          const cut = at % (text.length + 1);
          const bytes = Buffer.concat([
            Buffer.from(text.slice(0, cut)),
            hazard === '\xFF' ? Buffer.from([0xff]) : Buffer.from(hazard),
            Buffer.from(text.slice(cut)),
          ]);
          const path = join(dir, `h${++n}.csv`);
          writeFileSync(path, bytes);
          const { identity: _, ...got } = await checkNativeLines(path, 64, chunk);
          expect(got).toEqual(referenceCheck(bytes, 64, chunk));
        },
      ),
      { seed: 2403, numRuns: 1500 },
    );
  });

  it('a bad UTF-8 byte in the last bytes of a 4 MiB read is not judged by the next read (the tail copy)', async () => {
    // Before stop 24 utf8Pieces kept its tail as a view of the read buffer: the next read overwrote it, so this file
    // (one 0xFF byte ending the first 4 MiB read, ASCII lines around it) was admitted with `fields` true.
    const line = Buffer.from('abcdefg,1,2\n');
    const bytes = Buffer.alloc(8 << 20);
    for (let i = 0; i < bytes.length; i += line.length) line.copy(bytes, i);
    bytes[bytes.length - 1] = LF;
    let k = (4 << 20) - 1;
    while (bytes[k] === LF) k--;
    bytes[k] = 0xff;
    const path = join(dir, 'bad-utf8-at-read-end.csv');
    writeFileSync(path, bytes);
    const check = await checkNativeLines(path);
    expect(check.native).toBe(true);
    expect(check.fields).toBe(false);
  });
});
