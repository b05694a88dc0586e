/**
 * A declared CSV file is read with a DECLARED dialect (RFC 4180; TAB for .tsv) and its header line's columns:
 * nothing is sniffed from the records, so adding one record can change no other row's values (review finding
 * csv-dialect-sniffed: one record `99,"x,y"` flipped the sniffed quote and changed 20 other rows).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitCsvLine } from '../../src/sql/engines/csv-header.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-csv-dialect-'));
const base = ['n,s', ...Array.from({ length: 20 }, (_, i) => `${i},'abc'`), ...Array.from({ length: 5 }, (_, i) => `${i},"q,r"`)];

/** How many rows of `lines` read s = value, through a declared view. */
async function countWhere(lines: readonly string[], name: string, value: string): Promise<number> {
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { n: 'integer', s: 'string' } } });
  try {
    const r = await engine.query({ sql: 'SELECT COUNT(*) AS c FROM t WHERE s = $1', params: [{ value, type: 'text' }] } as never);
    return Number(r[0]?.c);
  } finally {
    await engine.close();
  }
}

describe('declared CSV dialect', () => {
  it('keeps 20 rows reading \'abc\' (quotes included) when one record 99,"x,y" is added (regression)', async () => {
    expect(await countWhere(base, 'a', "'abc'")).toBe(20);
    expect(await countWhere([...base, '99,"x,y"'], 'b', "'abc'")).toBe(20);
    expect(await countWhere([...base, '99,"x,y"'], 'c', 'q,r')).toBe(5);
  });

  it('generative: one added record of quotes, commas and letters changes no other row (fast-check, seed 5)', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z0-9,'"]{0,8}$/), async (s) => {
        const extra = `99,${s}`;
        expect(await countWhere([...base, extra], `g${k++}`, "'abc'")).toBe(20);
      }),
      { numRuns: 12, seed: 5 },
    );
  });

  it('splits a header line by RFC 4180', () => {
    expect(splitCsvLine('a,"b,c","d""e", f ', { delim: ',', quote: '"', escape: '"' })).toEqual(['a', 'b,c', 'd"e', 'f']);
  });
});
