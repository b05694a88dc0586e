/**
 * Review stop 22 (first shift), acct's `DuckDbEngine.queryChunks` (wip/acct 223dd36, merged c76b1e5): the streamed
 * twin of `query` runs its statement without the CSV reader choice (`duckdb-csv-choice.ts`). On a file version that is
 * still undecided (`'force'`: after open, after each rebuild) and holds one field the typed reader refuses, `query`
 * decides the version `'text'` and answers every line; `queryChunks` runs the forced typed scan, gets the typed
 * reader's refusal and fails with ENGINE_ERROR. Class 3 with S62's rule (an engine error that depends on the data —
 * whether one field of the version parses — rather than on the statement; in a release it comes after the charge).
 * Repro: open a declared CSV with one bad integer field, call `queryChunks` first: ENGINE_ERROR; `query`: answers.
 * Found on wip/acct 2083206 (ENGINE_ERROR); fixed on wip/acct 48489bf (undecided readers decided by their own scan
 * before the stream), so flipped to `it`. Skipped where `DuckDbEngine` has no `queryChunks` (main before the merge).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import type { EngineRow } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { oracleAndFolder } from '../sql/csv-reader-state.js';

const { dir } = oracleAndFolder('review-chunks-');

/** `queryChunks` when the engine has it (wip/acct), typed without depending on it. */
type Chunked = { queryChunks?: (s: CompiledStatement, rows: number, on: (r: EngineRow[]) => void) => Promise<void> };

function version(): string {
  const lines = ['pid,a,b'];
  for (let i = 0; i < 1000; i++) lines.push(`${i},${i === 500 ? 'x' : i % 5},${i / 4}`);
  const path = join(dir, 'one-bad.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function answer(path: string, streamed: boolean): Promise<EngineRow[]> {
  const engine = await DuckDbEngine.open({
    files: { t: path },
    columnTypes: { t: { pid: 'integer', a: 'integer', b: 'float' } },
    threads: 1,
  });
  const statement = { sql: 'SELECT a, count(*) AS n FROM t GROUP BY a ORDER BY a', params: [] };
  try {
    if (!streamed) return await engine.query(statement);
    const rows: EngineRow[] = [];
    const chunked = (engine as unknown as Chunked).queryChunks;
    if (!chunked) throw new Error('no queryChunks on this engine');
    await chunked.call(engine, statement, 100, (r) => {
      rows.push(...r);
    });
    return rows;
  } finally {
    await engine.close();
  }
}

const hasChunks = typeof (DuckDbEngine.prototype as unknown as Chunked).queryChunks === 'function';

describe.skipIf(!hasChunks)('review stop 22 (first): queryChunks on an undecided CSV version answers as query does (class 3, S62)', () => {
  it('one unparsable field: query answers every line on the text path; queryChunks as the first statement gives the same rows', async () => {
    const path = version();
    const viaQuery = await answer(path, false);
    expect(viaQuery.reduce((s, r) => s + Number(r.n), 0)).toBe(1000);
    expect(await answer(path, true)).toEqual(viaQuery);
  }, 60_000);
});
