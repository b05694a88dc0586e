/**
 * The memory class of streamed DP SQL quantiles (class 11, reviews S64/S66; src/sql/quantile-stream-sql.ts): on the
 * fine grid every value is its own bin, so a held histogram would be one row per distinct value (≈ 300–450 B each:
 * 1.2·10⁶ values ≈ 0.4–0.5 GB, past a 256 MiB heap). Streamed, Node holds one chunk and O(1) sampler state per
 * released group, and one set of 3 passes serves every group (review stop 22 first: per-group passes ran 3·G
 * statements and the 8 × 150,000 case ended ENGINE_ERROR after the charge), so MEDIAN per group over many groups ×
 * many distinct values is ANSWERED under a 256 MiB heap (a child process each; a heap exhaustion would end it with no
 * line); smaller data are answered, declared and selected.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'quantile-stream-memory-child.ts');

function outcome(groups: number, perGroup: number, keys: 'declared' | 'selected', epsilon = 1): { status: number | null; out: string } {
  const args = ['--max-old-space-size=256', '--import', 'tsx', CHILD, String(groups), String(perGroup), keys, String(epsilon)];
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 400_000,
  });
  return { status: r.status, out: r.stdout.trim() };
}

describe('streamed DP SQL quantiles: many groups × many distinct values under a 256 MiB heap', () => {
  it('control: 4 declared groups × 20,000 and 3 selected groups × 20,000 distinct values are answered and charged once', () => {
    expect(outcome(4, 20_000, 'declared')).toEqual({ status: 0, out: 'answered rows=4 charged=1' });
    expect(outcome(3, 20_000, 'selected')).toEqual({ status: 0, out: 'answered rows=3 charged=1' });
  }, 400_000);

  it('8 declared groups × 150,000 distinct values (held: ≈ 0.4–0.5 GB): answered, charged once', () => {
    expect(outcome(8, 150_000, 'declared')).toEqual({ status: 0, out: 'answered rows=8 charged=1' });
  }, 400_000);

  // Review stop 22 second (class 11): every released group's sampler state was held at once (≈ 18.7 KB a group), and
  // 20,000 selected groups of 20 rows aborted a 256 MiB process; main fc4aeaa (the histogram held) aborts at 40,000.
  // One live group per pass (quantile-stream.ts) holds n, the normaliser and the outcome per group: 40,000 answered.
  it('40,000 selected groups × 20 rows (ε = 10⁶, every group selected): answered, charged once', () => {
    expect(outcome(40_000, 20, 'selected', 1e6)).toEqual({ status: 0, out: 'answered rows=40000 charged=1' });
  }, 400_000);
});
