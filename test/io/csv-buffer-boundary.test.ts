/**
 * Review S15 (issue 10 class 2/3, "one record can only remove itself"): DuckDB's own line reader read the record after
 * a 32 MiB buffer boundary twice, or dropped it, when two line-terminator bytes met at the boundary. The rule that
 * closes the class: where a line starts is a function of the bytes at that place only, at every offset and every
 * buffer or chunk boundary — so DP SQL's DuckDB view no longer lets DuckDB cut lines: the shared Node reader
 * (`csvLinesOfBytes`) cuts them and appends them to DuckDB (`loadFileLines`, src/sql/engines/duckdb-csv.ts).
 *
 * Generative (fast-check, seed 515): random lines with random terminators (LF, CR, CRLF, LF CR, blank lines), cut into
 * random chunks (so a terminator pair is split across chunks anywhere): the lines read are those of the whole text.
 * Regression: the review's two members at DuckDB's 2^25 boundary, read by the DuckDB view and the Node reader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { csvLinesOfBytes, readCsvRecords } from '../../src/io/csv-records.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'io-csv-boundary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(chunks: Uint8Array[]): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = [];
  for await (const l of csvLinesOfBytes(chunks)) out.push(l);
  return out;
}

describe('S15: where a line starts depends only on the bytes there, at every buffer boundary', () => {
  it('generative (fast-check, seed 515): random terminators cut into random chunks read the same lines as the whole text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.stringMatching(/^[a-z0-9,"]{0,6}$/), fc.constantFrom('\n', '\r', '\r\n', '\n\r', '\n\n', '\r\r')), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (lines, cuts) => {
          const text = lines.map(([l, eol]) => l + eol).join('');
          const bytes = new TextEncoder().encode(text);
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let prev = 0;
          for (const c of [...at, bytes.length]) {
            chunks.push(bytes.subarray(prev, c));
            prev = c;
          }
          const [first, ...rest] = text.split(/\r|\n/);
          const expected = [first, ...rest.filter((l) => l !== '')];
          expect(await collect(chunks)).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 515 },
    );
  });

  it("regression (review S15): a CRLF record at DuckDB's 2^25 boundary in an LF file, and a lone CR there in a CRLF file — the DuckDB view reads what the Node reader reads, and the neighbours differ by ≤ 1", async () => {
    const B = 1 << 25;
    const file = (name: string, eol: string, member: string, at: number) => {
      const parts: string[] = [`pid,s${eol}`];
      let off = parts[0]?.length ?? 0;
      let k = 1;
      const rec = (len: number) => {
        const head = `${k++},`;
        return head + 'x'.repeat(len - head.length - eol.length) + eol;
      };
      while (off + 64 < at) {
        const r = rec(4096);
        if (off + r.length + 64 >= at) break;
        parts.push(r);
        off += r.length;
      }
      parts.push(rec(at - off), member);
      for (let j = 0; j < 200; j++) parts.push(rec(32));
      const path = join(dir, name);
      writeFileSync(path, parts.join(''));
      return path;
    };
    const count = async (path: string) => {
      const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
      try {
        return Number((await engine.query({ sql: 'SELECT COUNT(*) AS n FROM t', params: [] }))[0]?.n);
      } finally {
        await engine.close();
      }
    };
    const { readFileSync } = await import('node:fs');
    const node = async (path: string) => (await readCsvRecords(readFileSync(path)))?.records.length ?? -1;
    for (const [eol, member, at] of [
      ['\n', '99,a\r\n', B - 1 - 4],
      ['\r\n', '\r', B],
    ] as const) {
      const without = file('without.csv', eol, '', at);
      const nWithout = [await count(without), await node(without)];
      const withX = file('with.csv', eol, member, at);
      const nWith = [await count(withX), await node(withX)];
      expect(nWith[0]).toBe(nWith[1]);
      expect(nWithout[0]).toBe(nWithout[1]);
      expect(Math.abs((nWith[0] as number) - (nWithout[0] as number))).toBeLessThanOrEqual(1);
    }
  }, 240_000);
});
