/**
 * `tsdp synth`'s CSV reader (`parseSynthCsv`) is total on the rows: the header is the public schema,
 * and a malformed record (a field too many or too few, a stray quote) is dropped by a fixed rule,
 * never an error. Generative check on neighbouring files: inserting hostile lines anywhere gives the
 * same records as the file without them, so the outcome (and the charge, fixed before the data is
 * read) does not depend on them; a header that is not CSV is a public error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSynthCsv } from '../../src/cli/commands/synth.js';
import { isDpError } from '../../src/core/index.js';

const header = 'colour,n';
const good = Array.from({ length: 30 }, (_, i) => `${i % 2 ? 'red' : 'green'},${i % 10}`);
const text = (lines: readonly string[]) => `${header}\n${lines.join('\n')}\n`;

const word = fc.stringMatching(/^[a-z0-9 ]{0,6}$/);
const hostileLine = fc.oneof(
  // a field too many (or several)
  fc.array(word, { minLength: 3, maxLength: 6 }).map((f) => f.join(',')),
  // a field too few (non-empty, so not a blank line)
  fc.stringMatching(/^[a-z0-9]{1,6}$/),
  // a stray quote inside an unquoted field
  fc.tuple(word, fc.stringMatching(/^[a-z0-9]{1,4}$/), word).map(([a, b, c]) => `${a},${b}"${c}`),
  // salary text in an extra field
  fc.constant('red,3,secret salary=123456'),
);

describe('synth CSV reader: a malformed record is dropped, never an error', () => {
  it('neighbouring files: hostile lines inserted anywhere do not change the records', async () => {
    const expected = await parseSynthCsv(text(good));
    expect(expected).toHaveLength(good.length);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(hostileLine, fc.nat({ max: good.length })), { minLength: 1, maxLength: 5 }), async (ins) => {
        const lines = [...good];
        for (const [line, at] of ins) lines.splice(Math.min(at, lines.length), 0, line);
        expect(await parseSynthCsv(text(lines))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
  it('a byte-order mark and blank lines are ignored; an unclosed quote drops its one line only (review S2: records never span lines)', async () => {
    expect(await parseSynthCsv(`\uFEFF${header}\n\nred,1\n\ngreen,2\n`)).toEqual([
      { colour: 'red', n: '1' },
      { colour: 'green', n: '2' },
    ]);
    expect(await parseSynthCsv(`${header}\nred,1\ngreen,"2\nred,3\n`)).toEqual([
      { colour: 'red', n: '1' },
      { colour: 'red', n: '3' },
    ]);
  });
  it('a missing or malformed header is a public error (no data text)', async () => {
    for (const t of ['', '\n\n', 'a,"b\n1,2\n']) {
      const e = await parseSynthCsv(t).catch((x: unknown) => x);
      expect(isDpError(e)).toBe(true);
      expect((e as Error).message).not.toMatch(/1,2/);
    }
  });
});
