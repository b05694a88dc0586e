/**
 * Review stop 22, second shift (sqlcsv 634be18, class 14/3): the counted deciding statement on the edge files of the
 * line-count argument — header only (with and without its LF), a BOM, CR LF, a last line without its ending, lines
 * with too few or too many fields beside a bad field — answers exactly as the text path, decides the version's one
 * bit (typed iff the strict typed reader reads every line), and a second statement answers the same. The text path's
 * answer comes from a second engine on the same file whose state is set to 'text' before its first statement. Runs
 * on main (the strict fold) and on wip/sqlcsv (the counted fold).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { oracleAndFolder, readerState, viewSql, wholeFileParses } from '../sql/csv-reader-state.js';

const { dir, oracle } = oracleAndFolder('review-counted-edges-');
const COLUMNS = { pid: 'integer', a: 'integer', b: 'float', s: 'string' } as const;
const H = 'pid,a,b,s';
const CASES: Record<string, string> = {
  'header only, LF': `${H}\n`,
  'header only, no LF': H,
  'BOM, good': `\uFEFF${H}\n1,2,0.5,x\n2,3,1.5,y\n`,
  'BOM, one bad': `\uFEFF${H}\n1,2,0.5,x\n2,q,1.5,y\n`,
  'CRLF, last line bad without its ending': `${H}\r\n1,2,0.5,x\r\n2,3,1.5,y\r\n3,z,1,w`,
  'CRLF, good, last line without its ending': `${H}\r\n1,2,0.5,x\r\n3,4,1,w`,
  'too few fields beside a bad one': `${H}\n1,2\n2,q,1.5,y\n3,4,1,w\n`,
  'too few fields, all else good': `${H}\n1,2\n3,4,1,w\n5\n`,
  'too many fields (5), all else good': `${H}\n1,2,0.5,x,extra\n3,4,1,w\n`,
  'too many fields (6) beside a bad one': `${H}\n1,2,0.5,x,e,f\n3,q,1,w\n`,
  'too many fields with a bad typed field': `${H}\n1,x,0.5,s,e\n3,4,1,w\n`,
  'bad field in a too-few line': `${H}\n1,x\n3,4,1,w\n`,
  'empty typed field, last': `${H}\n1,2,,s\n3,4,1,w`,
  'one line, bad, no LF': `${H}\n1,2,b,s`,
};
const STATEMENTS = [
  'SELECT COUNT(*) AS n, SUM(a) AS sa, SUM(b) AS sb, COUNT(s) AS cs FROM t',
  'SELECT a AS k, COUNT(*) AS n FROM t GROUP BY a ORDER BY k NULLS FIRST',
  'SELECT COUNT(*) AS n FROM t WHERE b > 0.7',
];
const text = (rows: unknown) => JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

describe('counted deciding statement on the line-count edge files', () => {
  let n = 0;
  for (const [name, body] of Object.entries(CASES)) {
    for (const first of STATEMENTS) {
      it(`${name}: ${first.slice(0, 40)}… answers as the text path and decides the version's bit`, async () => {
        const path = join(dir, `e${n++}.csv`);
        writeFileSync(path, body);
        const folded = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: COLUMNS } });
        const textual = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: COLUMNS } });
        try {
          const variable = /getvariable\('(tsdp_csv_reader_\d+)'\)/.exec(await viewSql(textual))?.[1];
          // Every case but the header-only files reads through the typed/text choice (no stop-19 fallback).
          if (!name.startsWith('header only')) expect(variable).toBeDefined();
          if (variable !== undefined) await textual.connection.run(`SET VARIABLE ${variable} = 'text'`);
          const q = (e: DuckDbEngine, sql: string) => e.query({ sql, params: [] }).then(text, (err: Error) => `error ${err.message}`);
          expect(await q(folded, first)).toBe(await q(textual, first));
          if (variable !== undefined) {
            const parses = await wholeFileParses(oracle(), path);
            expect(await readerState(folded)).toBe(parses ? 'typed' : 'text');
          }
          for (const sql of STATEMENTS) expect(await q(folded, sql)).toBe(await q(textual, sql));
        } finally {
          await folded.close();
          await textual.close();
        }
      });
    }
  }
});
