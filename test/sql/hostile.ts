/**
 * A table of hostile values of every column type, loaded identically into
 * PostgreSQL and DuckDB, and a generator of random row expressions over the
 * planner's whole allow-list (functions, operators, casts), for the totality
 * tests: no accepted query may raise an engine error, whatever the rows hold.
 */
import fc from 'fast-check';
import pg from 'pg';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';

export const HOSTILE_TABLE = 'hostile';

/** Hostile values per column, as SQL text of a literal of the column's type (NULL included). */
const INTS = ['0', '-1', '1', '42', '9223372036854775807', '-9223372036854775808', 'NULL'];
const FLOATS = ['0', '-0.0', '1e308', '-1e308', '5e-324', '1e-310', "'NaN'", "'Infinity'", "'-Infinity'", '2.5', 'NULL'];
const LONG = 'x'.repeat(100_000);
const STRINGS = [
  '',
  'abc',
  'NaN',
  'Infinity',
  '-inf',
  '1e400',
  '1e-400',
  ' 12 ',
  '1.5',
  '-0',
  '2020-02-30',
  '2020-02-29',
  '2019-02-29',
  '0000-01-01',
  '10000-01-01',
  '\\',
  '%_',
  'true',
  'yes',
  '😀ü',
  '9'.repeat(500),
  `1e${'9'.repeat(20)}`,
  LONG,
  'NULL',
];
const BOOLS = ['true', 'false', 'NULL'];
const DATES = ["'2020-01-01'", "'1970-01-01'", "'0001-01-01'", "'9999-12-31'", 'NULL'];

function sqlText(s: string): string {
  return s === 'NULL' ? 'NULL' : `'${s.replace(/'/g, "''")}'`;
}

/** The rows: enough that every hostile value of every column appears, with every id distinct. */
function rows(): string[][] {
  const n = Math.max(INTS.length, FLOATS.length, STRINGS.length, BOOLS.length, DATES.length);
  return Array.from({ length: n }, (_, k) => [
    String(k + 1),
    INTS[k % INTS.length] as string,
    FLOATS[k % FLOATS.length] as string,
    sqlText(STRINGS[k % STRINGS.length] as string),
    BOOLS[k % BOOLS.length] as string,
    DATES[k % DATES.length] as string,
  ]);
}

/** The schema of the hostile table (bounds on the numeric columns so SUM/AVG/quantiles plan). */
export function hostileSchema(): SqlSchema {
  return parseSqlSchema({
    dataset: 'hostile',
    budget: { epsilon: 1000, delta: 0.5 },
    tables: {
      [HOSTILE_TABLE]: {
        privacyUnit: 'id',
        maxPartitions: 3,
        maxContributionsPerPartition: 2,
        columns: {
          id: { type: 'integer' },
          i: { type: 'integer', lower: -10, upper: 10 },
          f: { type: 'float', lower: -10, upper: 10 },
          s: { type: 'string' },
          b: { type: 'boolean' },
          d: { type: 'date' },
        },
      },
    },
  });
}

/** Loads the hostile table into a fresh PostgreSQL table and a fresh in-memory DuckDB. */
/** The statement timeout of the hostile PostgreSQL engine (engine-timeout.ts reruns a failure under the same). */
export const HOSTILE_PG_TIMEOUT_MS = 20_000;
/** The statement deadline of the hostile DuckDB engine (its default, named). */
export const HOSTILE_DUCK_TIMEOUT_MS = 60_000;

export async function openHostileEngines(url: string): Promise<{ pgEngine: PostgresEngine; duck: DuckDbEngine }> {
  const values = rows()
    .map(
      ([id, i, f, s, b, d]) =>
        `(${id}, CAST(${i} AS bigint), CAST(${f} AS double precision), CAST(${s} AS text), CAST(${b} AS boolean), CAST(${d} AS date))`,
    )
    .join(', ');
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query(`DROP TABLE IF EXISTS ${HOSTILE_TABLE}`);
    await c.query(`CREATE TABLE ${HOSTILE_TABLE} (id bigint, i bigint, f double precision, s text, b boolean, d date)`);
    await c.query(`INSERT INTO ${HOSTILE_TABLE} VALUES ${values}`);
  } finally {
    await c.end();
  }
  const pgEngine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: HOSTILE_PG_TIMEOUT_MS });
  const duck = await DuckDbEngine.open({ allowExternalAccess: true, statementTimeoutMs: HOSTILE_DUCK_TIMEOUT_MS });
  await duck.connection.run(`CREATE TABLE ${HOSTILE_TABLE} (id BIGINT, i BIGINT, f DOUBLE, s VARCHAR, b BOOLEAN, d DATE)`);
  await duck.connection.run(`INSERT INTO ${HOSTILE_TABLE} VALUES ${values.replace(/double precision/g, 'DOUBLE')}`);
  return { pgEngine, duck };
}

/** Hostile literals of each type, as query text. */
export const HOSTILE_LITERALS: readonly string[] = [
  '0',
  '1',
  '-1',
  '2.5',
  '1e308',
  '-1e308',
  '1e-308',
  '9223372036854775807',
  "''",
  "'abc'",
  "'NaN'",
  "'Infinity'",
  "'1e400'",
  "' 7 '",
  "'2020-02-30'",
  "'2020-02-29'",
  "'true'",
  "'😀'",
  `'${'9'.repeat(400)}'`,
  'TRUE',
  'FALSE',
  'NULL',
  "DATE '2020-01-01'",
];
export const COLUMNS: readonly string[] = ['i', 'f', 's', 'b', 'd', 'id'];
export const CAST_TYPES: readonly string[] = ['INTEGER', 'BIGINT', 'DOUBLE', 'REAL', 'NUMERIC', 'VARCHAR', 'TEXT', 'BOOLEAN', 'DATE'];
export const FUNCTIONS: readonly [string, number][] = [
  ['ABS', 1],
  ['ROUND', 1],
  ['ROUND', 2],
  ['FLOOR', 1],
  ['CEIL', 1],
  ['CEILING', 1],
  ['SIGN', 1],
  ['SQRT', 1],
  ['LEAST', 2],
  ['GREATEST', 3],
  ['COALESCE', 2],
  ['NULLIF', 2],
  ['LOWER', 1],
  ['UPPER', 1],
  ['LENGTH', 1],
  ['CHAR_LENGTH', 1],
  ['TRIM', 1],
];
export const BINARY_OPS: readonly string[] = ['+', '-', '*', '/', '||', '=', '<>', '!=', '<', '<=', '>', '>=', 'AND', 'OR'];
export const LIKE_OPS: readonly string[] = ['LIKE', 'NOT LIKE', 'ILIKE', 'NOT ILIKE'];
export const PATTERNS: readonly string[] = ["'%'", "'a%'", "'_'", "'%\\%%'", "'\\_x'", "''", "'%😀%'"];

/** Random row expressions over the whole allow-list (many are refused by the planner: those are skipped). */
export function expressionArbitrary(): fc.Arbitrary<string> {
  const leaf = fc.oneof(fc.constantFrom(...COLUMNS), fc.constantFrom(...HOSTILE_LITERALS));
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { maxDepth: 4, depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('expr'), fc.constantFrom(...BINARY_OPS), tie('expr')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(tie('expr'), fc.constantFrom('2', '0.5', '-3', '1e-300', '1e300')).map(([a, k]) => `(${a} / ${k})`),
      fc.tuple(tie('expr'), fc.constantFrom(...LIKE_OPS), fc.constantFrom(...PATTERNS)).map(([a, op, p]) => `(${a} ${op} ${p})`),
      tie('expr').map((a) => `(-${a})`),
      tie('expr').map((a) => `(NOT ${a})`),
      fc.tuple(tie('expr'), fc.boolean()).map(([a, n]) => `(${a} IS ${n ? 'NOT ' : ''}NULL)`),
      fc
        .tuple(tie('expr'), fc.array(tie('expr'), { minLength: 1, maxLength: 3 }), fc.boolean())
        .map(([a, xs, n]) => `(${a} ${n ? 'NOT ' : ''}IN (${xs.join(', ')}))`),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([a, lo, hi]) => `(${a} BETWEEN ${lo} AND ${hi})`),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, t, e]) => `(CASE WHEN ${c} THEN ${t} ELSE ${e} END)`),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([s, w, t]) => `(CASE ${s} WHEN ${w} THEN ${t} END)`),
      fc.tuple(tie('expr'), fc.constantFrom(...CAST_TYPES), fc.boolean()).map(([a, t, op]) => (op ? `(${a})::${t}` : `CAST(${a} AS ${t})`)),
      fc
        .tuple(fc.constantFrom(...FUNCTIONS), fc.array(tie('expr'), { minLength: 3, maxLength: 3 }), fc.integer({ min: -25, max: 25 }))
        .map(([[f, n], xs, digits]) => (f === 'ROUND' && n === 2 ? `ROUND(${xs[0]}, ${digits})` : `${f}(${xs.slice(0, n).join(', ')})`)),
    ),
  }));
  return expr;
}

export { LONG as HOSTILE_LONG_STRING };
