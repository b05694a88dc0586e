/**
 * Review stop 19, second shift: the shared body of the PostgreSQL and ClickHouse stored-extremes sweeps
 * (`pg-extremes-sweep.test.ts`, `clickhouse-extremes-sweep.test.ts`). One table per (stored type, raw extreme):
 * a privacy unit `pid`, one column `v` of the stored type; each declared type the catalog admits for that stored
 * type is queried in a battery of shapes; the outcome is `answered`, `refused …` (nothing charged) or
 * `charged-error CODE` — the class-3 failure (one person's stored value fails a charged query).
 */
import type { SqlEngine } from '../../src/sql/engine.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

export type Declared = 'integer' | 'float' | 'string' | 'date' | 'boolean';

/** Numeric shapes shared by the integer and float sweeps. */
const NUMERIC: readonly string[] = [
  'SELECT SUM(v) AS s, AVG(v) AS a, COUNT(*) AS n FROM t',
  'SELECT COUNT(*) AS n FROM t WHERE v > 0 AND -v < 5 AND ABS(v) > 1',
  'SELECT MEDIAN(v) AS m FROM t',
  'SELECT SUM(v * v) AS s, SUM(v / 3) AS q FROM t',
  'SELECT SUM(SQRT(ABS(v)) + FLOOR(v) + CEIL(v) + SIGN(v) + ROUND(v)) AS s FROM t',
  'SELECT SUM(LEAST(v, 1) + GREATEST(v, -1) + COALESCE(NULLIF(v, 0), 2)) AS s FROM t',
  'SELECT COUNT(*) AS n FROM t WHERE v BETWEEN -1 AND 1e300 OR v IN (1, 2.5) OR CAST(v AS BOOLEAN)',
  'SELECT COUNT(*) AS n FROM t WHERE v + 9223372036854775807 > 0 OR v - 1e308 < 0 OR v * 1e308 > 1',
  'SELECT CAST(v AS VARCHAR) AS k, COUNT(*) AS n FROM t GROUP BY CAST(v AS VARCHAR)',
];

/** Query shapes per declared type (the column is `v`, the table `t`). */
export const SHAPES: Record<Declared, readonly string[]> = {
  integer: [
    ...NUMERIC,
    'SELECT SUM(v * 1000 + 1) AS s FROM t',
    "SELECT COUNT(*) AS n FROM t WHERE CAST(v AS VARCHAR) = '1' OR CAST(v AS DOUBLE) > 0.5",
    'SELECT v, COUNT(*) AS n FROM t GROUP BY v',
  ],
  float: [
    ...NUMERIC,
    'SELECT SUM(v * 2 + 1) AS s, VARIANCE(v) AS va FROM t',
    "SELECT COUNT(*) AS n FROM t WHERE CAST(v AS INTEGER) = 1 OR CAST(v AS VARCHAR) = '1'",
    'SELECT ROUND(v) AS k, COUNT(*) AS n FROM t GROUP BY ROUND(v)',
  ],
  string: [
    'SELECT v, COUNT(*) AS n FROM t GROUP BY v',
    "SELECT COUNT(*) AS n FROM t WHERE LOWER(v) = 'a' OR LENGTH(v) > 3 OR v LIKE 'a%'",
    "SELECT UPPER(TRIM(v)) || 'x' AS k, COUNT(*) AS n FROM t GROUP BY UPPER(TRIM(v)) || 'x'",
    "SELECT COUNT(*) AS n FROM t WHERE v ILIKE '%A_' OR v NOT LIKE '' OR v IN ('a', 'b') OR v > 'm'",
    'SELECT COUNT(*) AS n FROM t WHERE LENGTH(v) > 3 AND LENGTH(v) < 1000000',
  ],
  date: [
    'SELECT v, COUNT(*) AS n FROM t GROUP BY v',
    "SELECT COUNT(*) AS n FROM t WHERE v > DATE '2020-01-01' OR EXTRACT(YEAR FROM v) = 2020",
    "SELECT DATE_TRUNC('month', v) AS k, COUNT(*) AS n FROM t GROUP BY DATE_TRUNC('month', v)",
    "SELECT COUNT(*) AS n FROM t WHERE CAST(v AS VARCHAR) = '2020-01-01'",
    'SELECT YEAR(v) AS y, COUNT(*) AS n FROM t GROUP BY YEAR(v)',
    'SELECT COUNT(*) AS n FROM t WHERE QUARTER(v) + MONTH(v) + DAY(v) > 3',
    "SELECT COUNT(*) AS n FROM t WHERE v BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' OR v IN (DATE '2020-01-01') OR CAST(v AS DATE) = v",
    'SELECT CAST(v AS VARCHAR) AS k, COUNT(*) AS n FROM t GROUP BY CAST(v AS VARCHAR)',
  ],
  boolean: [
    'SELECT v, COUNT(*) AS n FROM t GROUP BY v',
    'SELECT COUNT(*) AS n FROM t WHERE v OR NOT v',
    'SELECT SUM(CASE WHEN v THEN 1 ELSE 0 END) AS s FROM t',
  ],
};

export function sweepSchema(declared: Declared, table = 't'): SqlSchema {
  const v: Record<string, unknown> = { type: declared };
  if (declared === 'integer' || declared === 'float') Object.assign(v, { lower: -10, upper: 10 });
  return parseSqlSchema({
    dataset: 'sweep',
    budget: { epsilon: 1e6, delta: 1e-3 },
    tables: {
      [table]: { privacyUnit: 'pid', maxPartitions: 2, maxContributionsPerPartition: 1, columns: { pid: { type: 'integer' }, v } },
    },
  });
}

/** One query's outcome: answered, refused before the charge, or charged then failed (the hole). */
export async function outcome(engine: SqlEngine, schema: SqlSchema, sql: string): Promise<string> {
  const ledger = new MemoryLedger();
  try {
    await runDpSql({ sql, schema, engine, ledger, epsilon: 1, delta: 1e-6, rng: new SeededRandomSource(1) });
    return 'answered';
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return ledger.charges.length === 0 ? `refused ${err.code}` : `charged-error ${err.code}: ${err.message?.slice(0, 160)}`;
  }
}

/**
 * The charged failures of one stored type: for each raw value, `load` stores it (for one person) and `run` answers
 * every shape of each declared type (`outcome`'s strings, in order). Empty when every query was answered or refused.
 */
export async function chargedFailures(
  values: readonly string[],
  declared: readonly Declared[],
  load: (value: string) => Promise<void>,
  run: (declared: Declared) => Promise<readonly string[]>,
): Promise<string[]> {
  const charged: string[] = [];
  for (const value of values) {
    await load(value);
    for (const d of declared) {
      const got = await run(d);
      got.forEach((o, i) => {
        if (o.startsWith('charged')) charged.push(`${value.slice(0, 30)} as ${d}: ${SHAPES[d][i]} → ${o}`);
      });
    }
  }
  return charged;
}
