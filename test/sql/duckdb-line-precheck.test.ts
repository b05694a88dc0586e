/**
 * A declared CSV/JSON file's line check starts before DuckDB opens (`DuckDbFileViews.linePrecheck`, issue 11, stop 26)
 * and `create` awaits it where it ran the check itself. The class: a check that moved earlier must still decide
 * everything it decided, and its failure must surface as before — never as an unhandled rejection, never lost.
 *
 * - A path the check cannot read (a directory) is INVALID_PARAMETER at open, as before.
 * - When open fails before any view is built (an invalid option), the failed check is dropped: no unhandled
 *   rejection (vitest fails the file on one).
 * - The precheck reads what `checkNativeLines` reads: same verdict and counts, for files the native reader admits
 *   and files it turns away (CR, blank line, NUL).
 * - The declared files are read once (S7 edge): each precheck goes to the view of the entry it checked, even when a
 *   getter would answer another file the second time (read twice, b's view would be built from a's check).
 * - A file rewritten after open is read new by the next statement (`refreshChanged` compares the checked version's
 *   identity), through the engine.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { DuckDbFileViews } from '../../src/sql/engines/duckdb-file-view.js';
import { checkNativeLines } from '../../src/sql/engines/line-check.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-precheck-'));

describe('DuckDB open: the line check started beside DuckDB', () => {
  it('a path the check cannot read (a directory named .csv) is INVALID_PARAMETER at open', async () => {
    const d = join(dir, 'adir.csv');
    mkdirSync(d);
    await expect(DuckDbEngine.open({ files: { t: d }, columnTypes: { t: { k: 'integer' } } })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
    });
  });

  it('open failing first (an invalid option) drops the failed check without an unhandled rejection', async () => {
    const d = join(dir, 'bdir.csv');
    mkdirSync(d);
    await expect(
      DuckDbEngine.open({ files: { t: d }, columnTypes: { t: { k: 'integer' } }, preparedStatements: -1 }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER', details: { parameter: 'preparedStatements' } });
    // Let the dropped check settle inside this test.
    await new Promise((r) => setTimeout(r, 50));
  });

  it('reads what checkNativeLines reads, admitted or turned away', async () => {
    const files: Record<string, string> = {
      plain: 'k,v\n1,2\n3,4\n',
      crlf: 'k,v\r\n1,2\r\n',
      mixed: 'k,v\r\n1,2\n',
      blank: 'k,v\n1,2\n\n3,4\n',
      nul: 'k,v\n1,\u00002\n',
      quoted: 'k,v\n"1",2\n',
    };
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, `${name}.csv`);
      writeFileSync(path, text);
      const pre = DuckDbFileViews.linePrecheck(path, { k: 'integer' });
      expect(pre, name).toBeDefined();
      const [a, b] = await Promise.all([pre, checkNativeLines(path)]);
      expect({ ...a, identity: undefined }, name).toEqual({ ...b, identity: undefined });
      expect(a?.identity, name).toEqual(b.identity);
    }
    // No check where open runs none: Parquet, no declared columns, a missing file.
    expect(DuckDbFileViews.linePrecheck(join(dir, 'x.parquet'), { k: 'integer' })).toBeUndefined();
    expect(DuckDbFileViews.linePrecheck(join(dir, 'plain.csv'), undefined)).toBeUndefined();
    expect(DuckDbFileViews.linePrecheck(join(dir, 'missing.csv'), { k: 'integer' })).toBeUndefined();
  });

  it('the declared files are read once (S7 edge): a getter that answers differently the second time is not read twice', async () => {
    const a = join(dir, 'once-a.csv');
    const b = join(dir, 'once-b.csv');
    writeFileSync(a, 'k\n1\n2\n');
    writeFileSync(b, 'k\n"1"\r\n2\r\n3\r\n');
    let reads = 0;
    const options = {
      get files() {
        reads++;
        return { t: reads === 1 ? a : b };
      },
      columnTypes: { t: { k: 'integer' as const } },
    };
    const engine = await DuckDbEngine.open(options);
    try {
      expect(reads).toBe(1);
      expect((await engine.query({ sql: 'SELECT COUNT(*) AS n FROM t', params: [] }))[0]).toEqual({ n: 2n });
    } finally {
      await engine.close();
    }
  });

  it('a file rewritten after open is read new by the next statement', async () => {
    const path = join(dir, 'rewritten.csv');
    writeFileSync(path, 'k\n1\n2\n');
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { k: 'integer' } } });
    try {
      const count = async () => (await engine.query({ sql: 'SELECT COUNT(*) AS n, SUM(k) AS s FROM t', params: [] }))[0];
      expect(await count()).toEqual({ n: 2n, s: 3n });
      writeFileSync(path, 'k\n5\n6\n7\n');
      expect(await count()).toEqual({ n: 3n, s: 18n });
    } finally {
      await engine.close();
    }
  });
});
