/**
 * The shared fixtures of the join tests (test/sql/join-stability.test.ts on DuckDB, test/clickhouse/joins.test.ts on
 * a ClickHouse cluster): the tables' columns, the public lookup tables, the private base rows and the column
 * references by alias that the random ON conditions draw from. Each test adds what only it needs (ClickHouse: a
 * table sharded by another function of its unit, a public table that is not a full copy, a few more rows).
 */

/** A cell of a fixture row. */
export type Value = number | string | null;

/** `people`: row-level private (each row its own unit). */
export const PEOPLE_COLUMNS = {
  id: { type: 'integer' },
  x: { type: 'integer' },
  code: { type: 'integer' },
  s: { type: 'string' },
  v: { type: 'integer', lower: 0, upper: 10 },
} as const;
/** `visits`: unit-level private, unit `pid`. */
export const VISITS_COLUMNS = { pid: { type: 'integer' }, x: { type: 'integer' }, s: { type: 'string' } } as const;
/** `extra`: unit-level private, unit `pid` (x bounded for SUM/AVG over a join). */
export const EXTRA_COLUMNS = { pid: { type: 'integer' }, x: { type: 'integer', lower: 0, upper: 5 }, tag: { type: 'string' } } as const;
/** `lookup`: public, three unique columns. */
export const LOOKUP_COLUMNS = {
  code: { type: 'integer', unique: true },
  x: { type: 'integer' },
  name: { type: 'string', unique: true },
  y: { type: 'integer' },
  label: { type: 'string', unique: true },
} as const;
/** `lookup2`: public, unique `k`. */
export const LOOKUP2_COLUMNS = { k: { type: 'integer', unique: true }, code: { type: 'integer' } } as const;

// Public tables: unique columns hold distinct non-NULL values (and NULLs), chosen so that any function of them
// (ABS, COALESCE, LOWER, arithmetic, a cast to text) collides: -1/1, NULL/NULL/0, 'a'/'A'/' a'.
/** Rows of `lookup` (columns in `LOOKUP_COLUMNS` order). */
export const LOOKUP: readonly (readonly Value[])[] = [
  [-1, 0, 'a', 1, 'p'],
  [1, 0, 'A', 1, 'q'],
  [0, 1, ' a', 2, 'r'],
  [2, 1, 'b', null, 's'],
  [null, 2, 'B', 0, null],
  [null, null, null, 0, null],
];
/** Rows of `lookup2`. */
export const LOOKUP2: readonly (readonly Value[])[] = [
  [0, 0],
  [1, 0],
  [2, 1],
  [-1, null],
];
/** Base rows of `people`. */
export const PEOPLE: readonly (readonly Value[])[] = [
  [1, 0, 1, 'a', 3],
  [2, 1, -1, 'A', 10],
  [3, 2, 0, 'b', 0],
  [4, null, 2, null, 7],
  [5, 0, null, 'a', 5],
  [6, -1, 1, ' a', 1],
];
/** Base rows of `visits`. */
export const VISITS: readonly (readonly Value[])[] = [
  [1, 0, 'a'],
  [1, 1, 'b'],
  [2, 1, 'A'],
  [3, 2, 'a'],
  [3, 2, 'a'],
  [3, 0, null],
];
/** Base rows of `extra`. */
export const EXTRA: readonly (readonly Value[])[] = [
  [1, 0, 'a'],
  [2, 1, 'b'],
  [2, 1, 'b'],
  [3, 0, 'a'],
];

/** A column reference and its type (random conditions compare columns of one type). */
export type Col = { readonly ref: string; readonly type: 'int' | 'text' };

/** Column references by alias: `p` people, `a` visits, `b` extra, `l` lookup, `m` lookup2. */
export const JOIN_COLUMNS: Readonly<Record<'p' | 'a' | 'b' | 'l' | 'm', readonly Col[]>> = {
  p: [
    { ref: 'p.id', type: 'int' },
    { ref: 'p.x', type: 'int' },
    { ref: 'p.code', type: 'int' },
    { ref: 'p.s', type: 'text' },
  ],
  a: [
    { ref: 'a.pid', type: 'int' },
    { ref: 'a.x', type: 'int' },
    { ref: 'a.s', type: 'text' },
  ],
  b: [
    { ref: 'b.pid', type: 'int' },
    { ref: 'b.x', type: 'int' },
    { ref: 'b.tag', type: 'text' },
  ],
  l: [
    { ref: 'l.code', type: 'int' },
    { ref: 'l.x', type: 'int' },
    { ref: 'l.name', type: 'text' },
    { ref: 'l.y', type: 'int' },
    { ref: 'l.label', type: 'text' },
  ],
  m: [
    { ref: 'm.k', type: 'int' },
    { ref: 'm.code', type: 'int' },
  ],
};
