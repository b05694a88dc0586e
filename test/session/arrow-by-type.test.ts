/**
 * Review S43 (class 2: how values are read must not come from the data): an Arrow column is read one way whatever
 * its values — by its Arrow type — so one person's null never changes how another cell is read. Rule:
 * src/stats/data-source.ts `readArrowColumn` / `toArrayIsGet`.
 *
 * Generative (fast-check, seed 43): over Arrow types (Float16/32/64, Int8/32/64, Uint8, Timestamp s/ms/µs) × random
 * values × with or without one null cell, every non-null cell reads as the vector's own `get` — the same reading
 * with and without the null.
 */
import {
  Float16,
  Float32,
  Float64,
  Int8,
  Int32,
  Int64,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampSecond,
  Uint8,
  vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tableFromArrow } from '../../src/stats/data-source.js';

const TYPES = [
  { make: () => new Float16(), value: (i: number) => i / 4 },
  { make: () => new Float32(), value: (i: number) => i / 4 },
  { make: () => new Float64(), value: (i: number) => i / 3 },
  { make: () => new Int8(), value: (i: number) => i - 50 },
  { make: () => new Int32(), value: (i: number) => i * 1000 },
  { make: () => new Int64(), value: (i: number) => BigInt(i) * 10_000_000_000n },
  { make: () => new Uint8(), value: (i: number) => i },
  { make: () => new TimestampSecond(), value: (i: number) => new Date(i * 1000) },
  { make: () => new TimestampMillisecond(), value: (i: number) => new Date(i * 7) },
  { make: () => new TimestampMicrosecond(), value: (i: number) => new Date(i * 11) },
] as const;

/** The column as tableFromArrow reads it. */
function read(values: unknown[], type: unknown): ArrayLike<unknown> {
  const vector = vectorFromArray(values as never, type as never);
  return tableFromArrow(new Table({ h: vector }) as never).column('h');
}

describe('Arrow columns are read by type, never by nullCount (S43)', () => {
  it('generative (fast-check, seed 43): each cell reads the same with and without one null elsewhere, and equals get', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES), fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 20 }), (t, ints) => {
        const values = ints.map((i) => t.value(i));
        const plain = read(values, t.make());
        const withNull = read([...values, null], t.make());
        const vector = vectorFromArray(values as never, t.make() as never);
        for (let i = 0; i < values.length; i++) {
          expect(plain[i]).toEqual(withNull[i]);
          expect(plain[i]).toEqual(vector.get(i));
        }
      }),
      { numRuns: 300, seed: 43 },
    );
  });
});
