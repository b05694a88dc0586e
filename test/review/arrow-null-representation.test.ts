/**
 * Review S43 (session 9; class 2 "a schema — here, how values are read — taken from the data"; sensitivity
 * understated without bound): `tableFromArrow` (`src/stats/data-source.ts`, `Session.fromArrow`) reads a column as
 * `vector.toArray()` when its `nullCount` is 0 and through `vector.get(i)` otherwise. For several Arrow types the two
 * give DIFFERENT numbers for the same cell (apache-arrow 21):
 * - Float16: `toArray()` is the Uint16Array of raw bits (1.5 → 15872), `get` the value (1.5);
 * - Timestamp[s] / Timestamp[µs] (and [ns]): `toArray()` is the BigInt64Array in the column's unit, `get` milliseconds.
 * So whether ONE person's cell is null decides how EVERY other cell is read: 100 × 1.5 in a Float16 column, SUM
 * bounds [0, 10] → exact sum 1000 (raw bits, clamped); one more row with a null → 150. The sum moves by 850 against a
 * sensitivity of 10, and the move grows with n. Timestamp[s]: ×1000 between the two readings.
 *
 * Rule that would close the class: a column is read one way whatever its values — by its Arrow TYPE (public: the
 * schema), e.g. always through `get` (or `toArray` only for the types where it equals `get`: Float32/64, Int8–64,
 * Uint8–64), and the reading is a function of each cell alone; a generative test over Arrow types × (with/without
 * one null) comparing the two readings cell by cell. Owner: trust (stats: data-source.ts).
 */
import { Float16, Float32, Table, TimestampSecond, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { pure } from '../../src/core/loss.js';
import { Session } from '../../src/session/session.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

/** The released sum of column h (ε = 100: Laplace scale bound/100), from a fixed seed. */
function releasedSum(values: unknown[], type: unknown, bound: number): number {
  const vector = vectorFromArray(values as never, type as never);
  const session = Session.fromArrow(new Table({ h: vector }) as never, { budget: pure(1000), rng: new SeededRandomSource(7) });
  const result = session
    .query()
    .sum('h', { bounds: [0, bound] })
    .release({ epsilon: 100 });
  return result.rows[0]?.values.sum_h?.value as number;
}

describe('review S43: an Arrow column is read as raw storage or as values depending on whether any cell is null', () => {
  // The sensitivity of the sum is `bound`; noise at ε = 100 has scale bound/100, so 5·bound/100 is 5 scales
  // (each side; the seed is fixed, so the outcome is deterministic).
  it('S43 (fixed: read by Arrow type): Float16 — one null row moves SUM over [0, 10] of 100 × 1.5 from 1000 (raw bits) to 150', () => {
    const base = Array<number | null>(100).fill(1.5);
    const without = releasedSum(base, new Float16(), 10);
    const withNull = releasedSum([...base, null], new Float16(), 10);
    expect(Math.abs(withNull - without)).toBeLessThanOrEqual(10 + 2 * 0.5);
  });

  it('S43 (fixed: read by Arrow type): Timestamp[s] — one null row moves SUM over [0, 10000] of 10 × 5 s from 50 (seconds) to 50,000 (milliseconds)', () => {
    const base = Array<Date | null>(10).fill(new Date(5000));
    const without = releasedSum(base, new TimestampSecond(), 10_000);
    const withNull = releasedSum([...base, null], new TimestampSecond(), 10_000);
    expect(Math.abs(withNull - without)).toBeLessThanOrEqual(10_000 + 2 * 500);
  });

  // Control (held): a Float32 column reads the same either way, so adding a null moves the sum by at most its bound.
  it('control: Float32 reads the same with or without a null', () => {
    const base = Array<number | null>(100).fill(1.5);
    const without = releasedSum(base, new Float32(), 10);
    const withNull = releasedSum([...base, null], new Float32(), 10);
    expect(Math.abs(withNull - without)).toBeLessThanOrEqual(10 + 2 * 0.5);
  });
});
