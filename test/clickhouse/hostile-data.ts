/** The hostile table's rows for ClickHouse (test/sql/hostile.ts's values, plus what only ClickHouse can store: invalid UTF-8, NUL bytes). */
import { lit } from './cluster.js';

/** Hostile values per column as ClickHouse literals (invalid UTF-8, NUL and control bytes included: ClickHouse stores bytes). */
const INTS = [0, -1, 1, 42, 9223372036854775807n, -9223372036854775808n, null];
const FLOATS = [0, -0, 1e308, -1e308, 5e-324, 1e-310, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2.5, null];
export const HOSTILE_STRINGS: (string | null)[] = [
  '',
  'abc',
  'NaN',
  'Infinity',
  '-inf',
  '1e400',
  '1e-400',
  ' 12 ',
  '+1.5',
  '-0',
  '2020-02-30',
  '2020-02-29',
  '2019-02-29',
  '0000-01-01',
  '10000-01-01',
  '\\',
  "'; DROP TABLE x; --",
  '%_',
  'true',
  '😀ü',
  'a\tb\nc\0d',
  '9'.repeat(500),
  'x'.repeat(100_000),
  null,
];
const RAW_STRINGS = ["'\\xFF\\xFE'", "'\\xC3'"];
const BOOLS = [1, 0, null];
const DATES = ["toDate('2020-01-01')", 'toDate(0)', "toDate('2105-12-31')", 'NULL'];

export function hostileRows(): string[] {
  const strings = [...HOSTILE_STRINGS.map(lit), ...RAW_STRINGS];
  const n = Math.max(INTS.length, FLOATS.length, strings.length, BOOLS.length, DATES.length);
  return Array.from(
    { length: n },
    (_, k) =>
      `(${k + 1}, ${lit(INTS[k % INTS.length])}, ${lit(FLOATS[k % FLOATS.length])}, ${strings[k % strings.length]}, ${lit(BOOLS[k % BOOLS.length])}, ${DATES[k % DATES.length]})`,
  );
}
