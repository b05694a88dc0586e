/**
 * The progress line (src/cli/progress.ts): shown on a terminal after the delay,
 * with DuckDB's percentage; erased at the end; quiet when stderr is not a
 * terminal or with --json. Time is simulated (fake timers), never slept.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startProgress } from '../../src/cli/progress.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (t: string) => writes.push(t) } };
}

describe('progress line', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('on a terminal: nothing before the delay, then the percentage and seconds, erased at the end', () => {
    const { writes, stream } = sink(true);
    let pct: number | null = 41.7;
    const done = startProgress({ stream, enabled: true, percent: () => pct, delayMs: 2000, intervalMs: 500 });
    vi.advanceTimersByTime(1500);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(writes.at(-1)).toBe('\r\x1b[Krunning… 41% · 3 s');
    pct = null;
    vi.advanceTimersByTime(500);
    expect(writes.at(-1)).toBe('\r\x1b[Krunning… 3 s');
    done();
    expect(writes.at(-1)).toBe('\r\x1b[K');
    const n = writes.length;
    vi.advanceTimersByTime(5000);
    expect(writes).toHaveLength(n);
  });

  it('quiet when the stream is not a terminal, when disabled (--json), and when the query ends before the delay', () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const { writes, stream } = sink(isTTY);
      const done = startProgress({ stream, enabled, percent: () => 50 });
      vi.advanceTimersByTime(60_000);
      done();
      expect(writes, `isTTY ${isTTY}, enabled ${enabled}`).toEqual([]);
    }
    const { writes, stream } = sink(true);
    const done = startProgress({ stream, enabled: true, percent: () => 50, delayMs: 2000 });
    vi.advanceTimersByTime(1999);
    done();
    expect(writes).toEqual([]);
  });
});
