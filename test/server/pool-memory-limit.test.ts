/**
 * The pooled DuckDB instances share DuckDB's one-instance default memory limit (review stop 26, review-server's
 * note on 67d0a76; rule in src/sql/engines/resource-limits.ts, `defaultDuckdbMemoryLimit`): each of the pool's n
 * instances is opened with 80 % of the machine ÷ n, so n instances together never commit more than one default
 * instance could (before: n × 80 %, a kill for memory after the charges when the data is large). Deterministic.
 */
import { totalmem } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDataset } from '../../src/server/datasets.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { defaultDuckdbMemoryLimit, MIN_LIMIT_BYTES } from '../../src/sql/engines/resource-limits.js';
import { stateDir, testConfig } from './_server.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the DuckDB pool shares the default memory limit among its instances', () => {
  it('defaultDuckdbMemoryLimit: 80 % of the machine for one, shared out for n, never below 1 MiB', () => {
    const machine = Math.min(totalmem(), process.constrainedMemory?.() || Number.POSITIVE_INFINITY);
    expect(defaultDuckdbMemoryLimit(1)).toBe(Math.max(MIN_LIMIT_BYTES, Math.floor(0.8 * machine)));
    for (const n of [1, 2, 3, 4, 7, 64]) {
      const each = defaultDuckdbMemoryLimit(n);
      expect(each).toBeGreaterThanOrEqual(MIN_LIMIT_BYTES);
      expect(n * each).toBeLessThanOrEqual(Math.max(n * MIN_LIMIT_BYTES, 0.8 * machine));
      expect(each).toBeLessThanOrEqual(defaultDuckdbMemoryLimit(1));
    }
    expect(defaultDuckdbMemoryLimit(4)).toBeLessThan(defaultDuckdbMemoryLimit(1));
  });

  it('openDataset with 1, 2 and 4 connections opens every instance with the shared limit', async () => {
    const config = testConfig(stateDir()).datasets.get('adult');
    if (!config) throw new Error('no adult data set in the test configuration');
    for (const n of [1, 2, 4]) {
      const open = vi.spyOn(DuckDbEngine, 'open');
      const d = await openDataset(config, 60_000, n);
      try {
        expect(open).toHaveBeenCalledTimes(n);
        for (const [options] of open.mock.calls) expect(options?.memoryLimitBytes).toBe(defaultDuckdbMemoryLimit(n));
      } finally {
        await d.engine.close();
        open.mockRestore();
      }
    }
  });
});
