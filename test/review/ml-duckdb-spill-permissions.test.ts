/**
 * Review ML (reviewml, stop 17 session 4), finding M17 — files tsdp makes hold private rows readable by other local
 * users (review S46's neighbour: S46 was the ledger lock's owner record). Medium-low: needs a local account on the host
 * of the server or CLI; then it reads raw private rows (the spilled sort/aggregation runs of DP SQL statements).
 * Owner: trust (`src/sql/engines/resource-limits.ts`, new this stop in 0606812; `duckdb.ts` uses it for every engine
 * the server's pool and the CLI open).
 *
 * Where: `duckdbLimits` makes the spill directory `join(tmpdir(), 'tsdp-duckdb-<uuid>')` but does not create it: DuckDB
 * creates it on the first spill with the process umask — 0755 (drwxr-xr-x) under the usual 022 — and writes its
 * `duckdb_temp_storage_*.tmp` files 0644 inside. /tmp is listable by everyone, so the random name hides nothing: any
 * local user can open the files while a statement spills, and after a SIGKILL (the server's crash test) they stay.
 * Before 0606812 DuckDB's default was `.tmp` in the working directory.
 *
 * Rule that would close the class: every directory or file tsdp (or an engine on tsdp's behalf) writes that can hold
 * data or ledger state is created by tsdp first, owner-only (mkdtemp + 0700 for directories, 0600 for files), before
 * the engine may write into it; stale `tsdp-duckdb-*` directories of dead processes removed at start; a test over every
 * such path (ledger, state dir, LDP state, spill dirs) that nothing is group/other-readable.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

/** Runs a statement that spills under a small memory limit and records the spill directory's and files' modes meanwhile. */
async function spillModes(): Promise<{ sawDirectory: boolean; modes: number[] }> {
  const engine = await DuckDbEngine.open({ memoryLimitBytes: 32 * 2 ** 20 });
  const dir = (engine as unknown as { pinned: { ownTempDirectory: string | null } }).pinned.ownTempDirectory;
  if (dir === null) throw new Error('fixture: the engine has no own temporary directory');
  const connection = (engine as unknown as { connection: { run(sql: string): Promise<unknown> } }).connection;
  const run = connection
    .run('SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS s FROM range(4000000) t(i) ORDER BY s) x')
    .then(
      () => 'done',
      () => 'failed', // an out-of-memory stop after the spill is fine: the files were written
    );
  let finished = false;
  void run.then(() => {
    finished = true;
  });
  const modes: number[] = [];
  let sawDirectory = false;
  for (let k = 0; k < 600 && !finished && modes.length < 2; k++) {
    await new Promise((r) => setTimeout(r, 50));
    if (!existsSync(dir)) continue;
    sawDirectory = true;
    try {
      const files = readdirSync(dir);
      if (files.length > 0) {
        modes.push(statSync(dir).mode & 0o777, statSync(`${dir}/${files[0]}`).mode & 0o777);
      }
    } catch {
      // the directory went away between the calls: try again
    }
  }
  await run;
  await engine.close();
  return { sawDirectory, modes };
}

describe('review ML M17: DuckDB spill files in /tmp are readable by other local users', () => {
  // Fixed (trust 3bac756, resource-limits.ts): tsdp creates the spill directory itself, owner-only (mkdtemp 0700), before
  // DuckDB may write into it, and removes those a dead process left. DuckDB still creates its files with the umask
  // (0644), but without search permission on the directory no other user can open them: the lead judged the directory
  // the protection that closes the class (a file's own mode is moot under a 0700 parent), so the test asserts it.
  it('M17 (fixed: the spill directory is created by tsdp, owner-only 0700): no other local user can reach the spilled rows', async () => {
    const { sawDirectory, modes } = await spillModes();
    expect(sawDirectory).toBe(true); // fixture: the statement spilled (it does under 32 MiB: ≈ 5.7 MB written here)
    expect(modes.length).toBeGreaterThan(0);
    expect((modes[0] as number) & 0o077).toBe(0); // the directory: main b08ea94 had 0o755
  }, 120_000);
});
