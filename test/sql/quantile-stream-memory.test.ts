/**
 * The memory class of streamed DP SQL quantiles (class 11, reviews S64/S66; src/sql/quantile-stream-sql.ts): on the
 * fine grid every value is its own bin, so a held histogram would be one row per distinct value. Streamed, Node holds
 * one chunk and O(1) sampler state per released group, and one set of 3 passes serves every group (review stop 22
 * first), so MEDIAN per group is ANSWERED under a 128 MiB heap (a child process each; a heap exhaustion would end it
 * with no line) at sizes where the unfixed code aborts (CI time: the smallest sizes measured to abort unfixed, stop 23,
 * load 15–20): 8 declared groups × 60,000 distinct values (the histogram statement's rows held by `query`: aborts at
 * 128 MiB; 8 × 40,000 still answers held), and 10,000 selected groups × 20 rows (every group's sampler state held at
 * once, 7b0eb41: aborts at 128 MiB). On PostgreSQL (with TSDP_TEST_POSTGRES_URL; a server-side cursor,
 * `PostgresEngine.queryChunks`): 8 declared groups × 100,000 distinct values — the statement's rows held (`query`,
 * then handed on in chunks) abort at 128 MiB there, 8 × 60,000 held still answer (acct, second shift, load 4–5).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'quantile-stream-memory-child.ts');

function outcome(
  groups: number,
  perGroup: number,
  keys: 'declared' | 'selected',
  epsilon = 1,
  engine: 'duckdb' | 'postgres' = 'duckdb',
): { status: number | null; out: string } {
  const args = ['--max-old-space-size=128', '--import', 'tsx', CHILD, String(groups), String(perGroup), keys, String(epsilon), engine];
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 400_000,
  });
  return { status: r.status, out: r.stdout.trim() };
}

describe('streamed DP SQL quantiles: many groups × many distinct values under a 128 MiB heap', () => {
  it('8 declared groups × 60,000 distinct values (held: aborts at 128 MiB): answered, charged once', () => {
    expect(outcome(8, 60_000, 'declared')).toEqual({ status: 0, out: 'answered rows=8 charged=1' });
  }, 400_000);

  // Review stop 22 second (class 11): every released group's sampler state was held at once (≈ 18.7 KB a group), and
  // 20,000 selected groups of 20 rows aborted a 256 MiB process (7b0eb41 aborts with 10,000 at 128 MiB). One live
  // group per pass (quantile-stream.ts) holds n, the normaliser, the outcome and the two ends per group.
  it('10,000 selected groups × 20 rows (ε = 10⁶, every group selected): answered, charged once', () => {
    expect(outcome(10_000, 20, 'selected', 1e6)).toEqual({ status: 0, out: 'answered rows=10000 charged=1' });
  }, 400_000);

  it.skipIf(!process.env.TSDP_TEST_POSTGRES_URL)(
    'PostgreSQL: 8 declared groups × 100,000 distinct values (held: aborts at 128 MiB): answered, charged once',
    () => {
      expect(outcome(8, 100_000, 'declared', 1, 'postgres')).toEqual({ status: 0, out: 'answered rows=8 charged=1' });
    },
    400_000,
  );
});
