/**
 * The privacy schema of a data set: which tables are private, who the privacy
 * unit is, each column's type and bounds or public categories, the
 * contribution bounds per unit and the data set's total budget. Read from JSON
 * or YAML and validated with `DpError('INVALID_SCHEMA')` errors that name the
 * path and what was expected.
 *
 * ```yaml
 * dataset: adult                  # ledger key (default: the file's stem)
 * budget: { epsilon: 10, delta: 1e-6 }   # the per-dataset cap
 * analysts:                       # optional per-analyst budgets under the cap
 *   alice: { epsilon: 2 }
 * tables:
 *   adult:
 *     privacyUnit: person_id      # omit (or null) when each row is its own unit
 *     maxPartitions: 1            # groups one unit may contribute to
 *     maxContributionsPerPartition: 1   # rows one unit may contribute per group
 *     columns:
 *       age: { type: integer, lower: 17, upper: 90 }
 *       education: { type: string, categories: [Bachelors, Masters] }  # public group keys
 *   regions:
 *     public: true                # a public lookup table: may be joined freely
 *     columns:
 *       code: { type: string, unique: true }
 * ```
 * @module
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DpError } from '../core/errors.js';
import { Rational } from '../numeric/rational.js';

/** The column types the DP SQL layer knows. */
export type SqlColumnType = 'integer' | 'float' | 'string' | 'boolean' | 'date';

/** One column's public metadata. */
export interface SqlColumnSchema {
  readonly type: SqlColumnType;
  /** Lower clamping bound (numeric columns aggregated by SUM/AVG/…). */
  readonly lower?: number;
  /** Upper clamping bound. */
  readonly upper?: number;
  /** Public categories: the declared group keys (emitted even when empty). */
  readonly categories?: readonly (string | number | boolean)[];
  /** On a public table: the column's values are unique (a join on it cannot fan out). */
  readonly unique?: boolean;
}

/** One table's public metadata. */
export interface SqlTableSchema {
  readonly name: string;
  /** A public table (not private): its rows may be joined and grouped on freely. */
  readonly isPublic: boolean;
  /** The privacy-unit column; undefined when each row is its own unit (row-level DP). */
  readonly privacyUnit?: string;
  /** Groups one unit may contribute to (enforced by the rewrite). */
  readonly maxPartitions: number;
  /** Rows one unit may contribute to one group (enforced by the rewrite). */
  readonly maxContributionsPerPartition: number;
  readonly columns: ReadonlyMap<string, SqlColumnSchema>;
}

/** An exact budget: ε and δ as rationals. */
export interface ExactBudget {
  readonly epsilon: Rational;
  readonly delta: Rational;
}

/** The whole schema of one data set. */
export interface SqlSchema {
  /** The ledger key of this data set. */
  readonly dataset: string;
  /** The per-dataset cap (total budget). */
  readonly budget: ExactBudget;
  /** Per-analyst budgets below the cap; empty when analysts are not modelled. */
  readonly analysts: ReadonlyMap<string, ExactBudget>;
  readonly tables: ReadonlyMap<string, SqlTableSchema>;
}

const TYPE_ALIASES: Record<string, SqlColumnType> = {
  integer: 'integer',
  int: 'integer',
  bigint: 'integer',
  smallint: 'integer',
  float: 'float',
  double: 'float',
  real: 'float',
  numeric: 'float',
  decimal: 'float',
  string: 'string',
  text: 'string',
  varchar: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  date: 'date',
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(path: string, expected: string): never {
  throw new DpError('INVALID_SCHEMA', `${path}: expected ${expected}`, { path, expected });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkKeys(obj: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) fail(`${path}.${k}`, `one of the known keys (${allowed.join(', ')})`);
  }
}

function readAmount(x: unknown, path: string, { allowZero }: { allowZero: boolean }): Rational {
  let r: Rational;
  if (typeof x === 'number' && Number.isFinite(x)) r = Rational.fromNumberIntended(x);
  else if (typeof x === 'string') {
    try {
      r = Rational.parse(x);
    } catch {
      return fail(path, 'a number or a fraction like "1/11"');
    }
  } else return fail(path, 'a finite number');
  if (r.isNegative() || (!allowZero && r.isZero())) fail(path, allowZero ? 'a number >= 0' : 'a number > 0');
  return r;
}

function readBudget(x: unknown, path: string): ExactBudget {
  if (!isRecord(x)) return fail(path, 'an object { epsilon, delta? }');
  checkKeys(x, path, ['epsilon', 'delta']);
  const epsilon = readAmount(x.epsilon, `${path}.epsilon`, { allowZero: false });
  const delta = x.delta === undefined ? Rational.ZERO : readAmount(x.delta, `${path}.delta`, { allowZero: true });
  if (delta.ge(Rational.ONE)) fail(`${path}.delta`, 'a number in [0, 1)');
  return { epsilon, delta };
}

function readPositiveInt(x: unknown, path: string, fallback: number): number {
  if (x === undefined) return fallback;
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) fail(path, 'an integer >= 1');
  return x;
}

function readColumn(x: unknown, path: string): SqlColumnSchema {
  if (!isRecord(x)) return fail(path, 'an object { type, lower?, upper?, categories? }');
  checkKeys(x, path, ['type', 'lower', 'upper', 'categories', 'unique', 'description']);
  const t = typeof x.type === 'string' ? TYPE_ALIASES[x.type.toLowerCase()] : undefined;
  if (!t) fail(`${path}.type`, `one of ${[...new Set(Object.values(TYPE_ALIASES))].join(', ')}`);
  const col: { -readonly [K in keyof SqlColumnSchema]: SqlColumnSchema[K] } = { type: t };
  if (x.lower !== undefined || x.upper !== undefined) {
    if (t !== 'integer' && t !== 'float') fail(`${path}.lower`, 'bounds only on integer or float columns');
    if (typeof x.lower !== 'number' || !Number.isFinite(x.lower)) fail(`${path}.lower`, 'a finite number (with upper)');
    if (typeof x.upper !== 'number' || !Number.isFinite(x.upper)) fail(`${path}.upper`, 'a finite number (with lower)');
    if (!(x.lower < x.upper)) fail(`${path}.upper`, 'a number greater than lower');
    if (t === 'integer' && !(Number.isSafeInteger(x.lower) && Number.isSafeInteger(x.upper)))
      fail(`${path}.lower`, 'integer bounds on an integer column');
    col.lower = x.lower === 0 ? 0 : x.lower;
    col.upper = x.upper === 0 ? 0 : x.upper;
  }
  if (x.categories !== undefined) {
    if (!Array.isArray(x.categories) || x.categories.length === 0) fail(`${path}.categories`, 'a non-empty list of values');
    const seen = new Set<string>();
    for (const [i, v] of x.categories.entries()) {
      const ok = typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) fail(`${path}.categories[${i}]`, 'a string, number or boolean');
      const key = `${typeof v}:${String(v)}`;
      if (seen.has(key)) fail(`${path}.categories[${i}]`, 'distinct values');
      seen.add(key);
    }
    col.categories = Object.freeze([...(x.categories as (string | number | boolean)[])]);
  }
  if (x.unique !== undefined) {
    if (typeof x.unique !== 'boolean') fail(`${path}.unique`, 'a boolean');
    col.unique = x.unique;
  }
  return Object.freeze(col);
}

function readTable(name: string, x: unknown, path: string): SqlTableSchema {
  if (!isRecord(x)) return fail(path, 'an object { privacyUnit?, columns, … }');
  checkKeys(x, path, [
    'public',
    'privacyUnit',
    'maxPartitions',
    'maxContributionsPerPartition',
    'columns',
    'publicGroupKeys',
    'description',
  ]);
  const isPublic = x.public === undefined ? false : x.public;
  if (typeof isPublic !== 'boolean') fail(`${path}.public`, 'a boolean');
  if (!isRecord(x.columns) || Object.keys(x.columns).length === 0) fail(`${path}.columns`, 'an object naming each column');
  const columns = new Map<string, SqlColumnSchema>();
  for (const [c, spec] of Object.entries(x.columns)) {
    if (!IDENTIFIER.test(c)) fail(`${path}.columns.${c}`, 'a column name of letters, digits and _');
    columns.set(c.toLowerCase(), readColumn(spec, `${path}.columns.${c}`));
  }
  if (x.publicGroupKeys !== undefined) {
    if (!isRecord(x.publicGroupKeys)) fail(`${path}.publicGroupKeys`, 'an object { column: [keys…] }');
    for (const [c, keys] of Object.entries(x.publicGroupKeys)) {
      const col = columns.get(c.toLowerCase());
      if (!col) fail(`${path}.publicGroupKeys.${c}`, 'a declared column');
      const merged = readColumn({ ...col, categories: keys }, `${path}.publicGroupKeys.${c}`);
      columns.set(c.toLowerCase(), merged);
    }
  }
  let privacyUnit: string | undefined;
  if (x.privacyUnit !== undefined && x.privacyUnit !== null) {
    if (typeof x.privacyUnit !== 'string' || !columns.has(x.privacyUnit.toLowerCase()))
      fail(`${path}.privacyUnit`, 'the name of a declared column (or null for row-level privacy)');
    if (isPublic) fail(`${path}.privacyUnit`, 'no privacy unit on a public table');
    privacyUnit = x.privacyUnit.toLowerCase();
  }
  return Object.freeze({
    name,
    isPublic,
    privacyUnit,
    maxPartitions: readPositiveInt(x.maxPartitions, `${path}.maxPartitions`, 1),
    maxContributionsPerPartition: readPositiveInt(x.maxContributionsPerPartition, `${path}.maxContributionsPerPartition`, 1),
    columns,
  });
}

/**
 * Validates a parsed schema object.
 * @param raw - the parsed JSON/YAML value.
 * @param defaultDataset - the data set name when the schema has none.
 * @returns the frozen schema.
 * @throws DpError INVALID_SCHEMA naming the path and what was expected.
 */
export function parseSqlSchema(raw: unknown, defaultDataset = 'default'): SqlSchema {
  if (!isRecord(raw)) return fail('$', 'an object { dataset?, budget, tables }');
  checkKeys(raw, '$', ['dataset', 'budget', 'analysts', 'tables', 'description', '$schema']);
  const dataset = raw.dataset === undefined ? defaultDataset : raw.dataset;
  if (typeof dataset !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(dataset)) fail('$.dataset', 'a name of letters, digits, _ . -');
  const budget = readBudget(raw.budget, '$.budget');
  const analysts = new Map<string, ExactBudget>();
  if (raw.analysts !== undefined) {
    if (!isRecord(raw.analysts)) fail('$.analysts', 'an object { name: { epsilon, delta? } }');
    for (const [a, b] of Object.entries(raw.analysts)) {
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(a)) fail(`$.analysts.${a}`, 'an analyst name of letters, digits, _ . -');
      analysts.set(a, readBudget(b, `$.analysts.${a}`));
    }
  }
  if (!isRecord(raw.tables) || Object.keys(raw.tables).length === 0) fail('$.tables', 'an object naming each table');
  const tables = new Map<string, SqlTableSchema>();
  for (const [t, spec] of Object.entries(raw.tables)) {
    if (!IDENTIFIER.test(t) || /^tsdp_/i.test(t))
      fail(`$.tables.${t}`, 'a table name of letters, digits and _ (not starting with tsdp_, which the rewrite uses)');
    tables.set(t.toLowerCase(), readTable(t.toLowerCase(), spec, `$.tables.${t}`));
  }
  if (![...tables.values()].some((t) => !t.isPublic)) fail('$.tables', 'at least one private table');
  return Object.freeze({ dataset, budget, analysts, tables });
}

/**
 * Reads and validates a schema file (`.json`, `.yaml` or `.yml`).
 * @param path - the file.
 * @throws DpError INVALID_SCHEMA when unreadable, unparsable or invalid.
 * @example
 * const schema = loadSqlSchema('examples/adult.schema.json');
 */
export function loadSqlSchema(path: string): SqlSchema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return fail(path, 'a readable schema file');
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    return fail(
      path,
      `valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'} (${e instanceof Error ? e.message.split('\n')[0] : 'parse error'})`,
    );
  }
  const stem = basename(path, extname(path)).replace(/\.schema$/, '');
  return parseSqlSchema(raw, stem.replace(/[^A-Za-z0-9_.-]/g, '_') || 'default');
}
