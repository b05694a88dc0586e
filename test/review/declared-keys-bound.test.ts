/**
 * Review stop 21 (second shift), S67 (class 11, "rows held in Node after the charge"), on S65's fix (wip/keys 7e243f2):
 * with every GROUP BY key declared, the histogram rows a quantile query brings into Node are now bounded by a public
 * number checked before the charge (`checkDeclaredHistogramRows`: declared combinations × bins ≤ 2²⁰) — but that
 * bound is larger than what the process that S65's test used holds. 256 declared groups × the 4,096-bin grid
 * (exactly 2²⁰, accepted) with every bin non-empty abort a 256 MiB process after the charge on DuckDB (662 MB RSS;
 * 128 × 4,096 answers at 503 MB) and on ClickHouse (3 shards, 421 MB RSS); PostgreSQL's 256 × 4,096 answers (401 MB), while the same query over one row per
 * group answers: whether it aborts is decided by how many bins the data fill. Fixed on wip/keys by 116fca7 (limit 2¹⁸:
 * refused before the charge; 64 × 4,096 answers, ClickHouse too with 3 rows per bin across shards): flip to `it` there. Rule wanted: a bound on the rows held
 * that the process provably holds (rows folded into per-group state as they arrive, or streamed per group as
 * src/stats/quantile-stream.ts does, or a smaller public bound), checked before the charge.
 * Repro: `node --max-old-space-size=256 --import tsx test/review/declared-keys-bound-child.ts 256 4096`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminExec, clickhouseAvailable, type TestCluster, testCluster } from '../clickhouse/cluster.js';

const CHILD = fileURLToPath(new URL('./declared-keys-bound-child.ts', import.meta.url));

function outcome(args: readonly string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', CHILD, ...args], {
    encoding: 'utf8',
    env: process.env,
    timeout: 240_000,
  });
  return { status: r.status, out: r.stdout.trim() };
}

describe('review S67: declared keys × quantile bins at the public bound, under 256 MiB (DuckDB)', () => {
  it('control: 64 declared groups of one row each, and 64 × 4,096 filled bins (2¹⁸ rows), answer', () => {
    expect(outcome(['64', '1'])).toEqual({ status: 0, out: 'answered rows=64 charged=1' });
    expect(outcome(['64', '4096'])).toEqual({ status: 0, out: 'answered rows=64 charged=1' });
  }, 240_000);

  it('256 declared groups × 4,096 filled bins (2²⁰ rows, accepted before the charge): answered, ENGINE_ERROR or refused before the charge, never an abort', () => {
    const r = outcome(['256', '4096']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^((answered rows=256|ENGINE_ERROR) charged=1|UNSUPPORTED_QUERY charged=0)$/);
  }, 240_000);
});

let cluster: TestCluster | undefined;
beforeAll(() => {
  if (clickhouseAvailable) cluster = testCluster();
});
afterAll(async () => {
  if (cluster) for (const s of cluster.shards) await adminExec(s, 'DROP DATABASE IF EXISTS rv_declared_bound_db');
  cluster?.stop?.();
});

describe.skipIf(!clickhouseAvailable)('review S67: the ClickHouse member (3 shards), under 256 MiB', () => {
  it('control: 64 declared groups × 3 rows in each of 4,096 bins (2¹⁸ (key, bin) pairs, on several shards) answer', () => {
    expect(outcome(['64', '12288', 'clickhouse', ...(cluster as TestCluster).shards])).toEqual({
      status: 0,
      out: 'answered rows=64 charged=1',
    });
  }, 240_000);

  it('256 declared groups × 4,096 filled bins: answered, ENGINE_ERROR or refused before the charge, never an abort', () => {
    const r = outcome(['256', '4096', 'clickhouse', ...(cluster as TestCluster).shards]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^((answered rows=256|ENGINE_ERROR) charged=1|UNSUPPORTED_QUERY charged=0)$/);
  }, 240_000);
});
