/**
 * The shared harness of the golden-SQL tests (test/sql/golden.test.ts for DuckDB and PostgreSQL,
 * test/clickhouse/golden.test.ts for ClickHouse): the query shapes every dialect pins, and the pinning rule
 * (a missing or different file fails; files are written only with UPDATE_GOLDEN=1, then reviewed).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** A golden case: its file name, the DP query, and the schema it reads (`rows`: row-level sales; `visits`: unit-level). */
export type GoldenCase = readonly [name: string, sql: string, schema: 'rows' | 'visits'];

/** The shapes every dialect pins (each dialect adds its own join cases). */
export const GOLDEN_CASES: readonly GoldenCase[] = [
  ['row-level', "SELECT shop, COUNT(*) AS n, SUM(qty) AS q, AVG(price) AS p FROM sales WHERE item <> 'x' GROUP BY shop", 'rows'],
  [
    'unit-level',
    'SELECT region, COUNT(*) AS n, SUM(amount) AS s, AVG(minutes) AS m, STDDEV(day) AS sd FROM visits GROUP BY region',
    'visits',
  ],
  ['unit-no-group', 'SELECT COUNT(DISTINCT person_id) AS u, COUNT(city) AS c FROM visits', 'visits'],
  ['quantile', 'SELECT region, MEDIAN(amount) AS m FROM visits GROUP BY region', 'visits'],
  [
    'group-expression',
    "SELECT FLOOR(minutes / 10) AS m10, CASE WHEN day > 15 THEN 'late' ELSE 'early' END AS half, COUNT(*) AS n FROM visits GROUP BY 1, 2",
    'visits',
  ],
];

/**
 * Checks `text` against the golden file `dir/file` (written first when UPDATE_GOLDEN=1).
 * @param dir - the golden folder.
 * @param file - the file name.
 * @param text - the compiled SQL as rendered by the test.
 */
export function expectGolden(dir: string, file: string, text: string): void {
  const path = join(dir, file);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, text);
  }
  // A missing golden file fails: it is written only when asked for (UPDATE_GOLDEN=1), then reviewed.
  expect(existsSync(path), `missing golden file ${path}: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(text).toBe(readFileSync(path, 'utf8'));
}
