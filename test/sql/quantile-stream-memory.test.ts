/**
 * The memory class of streamed DP SQL quantiles (class 11, reviews S64/S66; src/sql/quantile-stream-sql.ts): on the
 * fine grid every value is its own bin, so a held histogram would be one row per distinct value (≈ 300–450 B each:
 * 1.2·10⁶ values ≈ 0.4–0.5 GB, past a 256 MiB heap). Streamed, Node holds one chunk and one group's sampler state,
 * so MEDIAN per group over many groups × many distinct values is answered under a 256 MiB heap, with declared keys
 * and with partition selection (a child process each; a heap exhaustion would end it with no line).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'quantile-stream-memory-child.ts');

function outcome(groups: number, perGroup: number, keys: 'declared' | 'selected'): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', CHILD, String(groups), String(perGroup), keys], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 400_000,
  });
  return { status: r.status, out: r.stdout.trim() };
}

describe('streamed DP SQL quantiles: many groups × many distinct values under a 256 MiB heap', () => {
  it('8 declared groups × 150,000 distinct values: answered, every group released, charged once', () => {
    expect(outcome(8, 150_000, 'declared')).toEqual({ status: 0, out: 'answered rows=8 charged=1' });
  }, 400_000);

  it('6 selected groups × 200,000 distinct values: answered (every group kept: 200,000 units each), charged once', () => {
    expect(outcome(6, 200_000, 'selected')).toEqual({ status: 0, out: 'answered rows=6 charged=1' });
  }, 400_000);
});
