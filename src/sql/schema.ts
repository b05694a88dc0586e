/**
 * The privacy schema of a data set: which tables are private, who the privacy
 * unit is, each column's type and bounds or public categories, the
 * contribution bounds per unit and the data set's total budget. Read from JSON
 * or YAML and validated against the one definition of the format
 * (`schema-format.ts`, also published as the JSON Schema `tsdp/schema.json`
 * and documented field by field in `docs/schema.md`), with
 * `DpError('INVALID_SCHEMA')` errors that name the path and what was expected.
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
import { createRequire } from 'node:module';
import { basename, extname } from 'node:path';
import type { z } from 'zod';
import { DpError } from '../core/errors.js';
import { type PrivacyUnit, privacyUnit } from '../core/privacy-unit.js';
import { Rational } from '../numeric/rational.js';
import { readSchemaAmount, SQL_TYPE_ALIASES, sqlSchemaFormat } from './schema-format.js';

/** A schema file after validation (names as written, amounts as numbers or text). */
type ParsedSchemaFile = z.output<typeof sqlSchemaFormat>;

/** The column types the DP SQL layer knows. */
export type SqlColumnType = 'integer' | 'float' | 'string' | 'boolean' | 'date';

/** One column's public metadata. */
export interface SqlColumnSchema {
  readonly type: SqlColumnType;
  /** Lower clamping bound (numeric columns aggregated by SUM/AVG/…). */
  readonly lower?: number;
  /** Upper clamping bound. */
  readonly upper?: number;
  /**
   * Date columns: the public range of the dates, ISO `YYYY-MM-DD` (inclusive): `year(d)` and `date_trunc(unit, d)`
   * keys are enumerated from it, so they are declared keys and need no δ (a date outside the range is in no released group).
   */
  readonly dateRange?: { readonly lower: string; readonly upper: string };
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
  /**
   * The privacy unit (core's one type): the unit column (lower-cased; null when each row is its own unit, row-level
   * DP, and on a public table) and the contribution bounds the rewrite enforces (groups one unit may contribute to,
   * rows per group).
   */
  readonly unit: PrivacyUnit;
  readonly columns: ReadonlyMap<string, SqlColumnSchema>;
  /** CSV files: how the file's writer encodes a line break inside a field (rule 5 of `src/io/csv-records.ts`); absent: `'none'`. */
  readonly lineBreaks?: 'none' | 'escaped' | 'quoted';
}

/**
 * True for a column that identifies someone or something: the table's privacy unit, or a column declared `unique`
 * (the links of row-level joins). Such a column is compared only exactly, as stored (reviews S50–S52).
 */
export function isIdentityColumn(table: SqlTableSchema, column: string): boolean {
  return table.unit.column === column.toLowerCase() || table.columns.get(column)?.unique === true;
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

/** `$.tables.t.columns.x.upper`, `$.tables.t.columns.x.categories[2]`. */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${String(k)}`), '$');
}

/** The first issue as "<path>: expected <what>" (every error text in the format is an "expected" phrase). */
function schemaError(issues: readonly z.core.$ZodIssue[]): DpError<'INVALID_SCHEMA'> {
  const first = issues[0];
  if (!first) return new DpError('INVALID_SCHEMA', '$: expected a valid schema', { path: '$', expected: 'a valid schema' });
  let path = [...first.path];
  let expected = first.message;
  if (first.code === 'unrecognized_keys') path = [...path, first.keys[0] ?? ''];
  if (first.code === 'invalid_key') expected = first.issues[0]?.message ?? expected;
  const where = pathText(path);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new DpError('INVALID_SCHEMA', `${where}: expected ${expected}${more}`, { path: where, expected });
}

function exact(x: number | string | undefined): Rational {
  if (x === undefined) return Rational.ZERO;
  const r = readSchemaAmount(x);
  // The format accepted it, so it reads; a failure here is a bug, not bad input.
  if (!r) throw new DpError('INTERNAL', 'an amount the schema format accepted did not read as a rational');
  return r;
}

function toBudget(b: { epsilon: number | string; delta?: number | string | undefined }): ExactBudget {
  return Object.freeze({ epsilon: exact(b.epsilon), delta: exact(b.delta) });
}

type ColumnFile = ParsedSchemaFile['tables'][string]['columns'][string];

function toColumn(c: ColumnFile, categories: readonly (string | number | boolean)[] | undefined): SqlColumnSchema {
  const type = SQL_TYPE_ALIASES[c.type];
  return Object.freeze({
    type,
    // -0 is written 0 so the compiled SQL never shows a negative zero.
    ...(typeof c.lower === 'number' && typeof c.upper === 'number'
      ? { lower: c.lower === 0 ? 0 : c.lower, upper: c.upper === 0 ? 0 : c.upper }
      : {}),
    // The format accepts string bounds on date columns only.
    ...(typeof c.lower === 'string' && typeof c.upper === 'string' ? { dateRange: Object.freeze({ lower: c.lower, upper: c.upper }) } : {}),
    ...(categories ? { categories: Object.freeze([...categories]) } : {}),
    ...(c.unique !== undefined ? { unique: c.unique } : {}),
  });
}

/**
 * Validates a parsed schema object against the schema format.
 * @param raw - the parsed JSON/YAML value.
 * @param defaultDataset - the data set name when the schema has none.
 * @returns the frozen schema (table and column names lower-cased, amounts exact).
 * @throws DpError INVALID_SCHEMA naming the path of the first problem and what was expected.
 * @example
 * const schema = parseSqlSchema({ budget: { epsilon: 1 }, tables: { t: { columns: { age: { type: 'integer', lower: 0, upper: 120 } } } } });
 */
export function parseSqlSchema(raw: unknown, defaultDataset = 'default'): SqlSchema {
  const parsed = sqlSchemaFormat.safeParse(raw);
  if (!parsed.success) throw schemaError(parsed.error.issues);
  const file = parsed.data;
  const tables = new Map<string, SqlTableSchema>();
  for (const [t, spec] of Object.entries(file.tables)) {
    const name = t.toLowerCase();
    const groupKeys = new Map(Object.entries(spec.publicGroupKeys ?? {}).map(([c, keys]) => [c.toLowerCase(), keys]));
    const columns = new Map<string, SqlColumnSchema>();
    for (const [c, col] of Object.entries(spec.columns)) {
      const keys = groupKeys.get(c.toLowerCase());
      if (keys) {
        // publicGroupKeys is another spelling of categories: the merged column must pass the same rules.
        const merged = sqlSchemaFormat.shape.tables.safeParse({ [t]: { columns: { [c]: { ...col, categories: keys } } } });
        if (!merged.success) {
          throw schemaError(
            merged.error.issues.map((i) => ({ ...i, path: ['tables', t, 'publicGroupKeys', c, ...i.path.slice(4)] })) as z.core.$ZodIssue[],
          );
        }
      }
      columns.set(c.toLowerCase(), toColumn(col, keys ?? col.categories));
    }
    // The one privacy-unit type (core), validated once here; the format already checked the bounds' ranges.
    const unit = privacyUnit(spec.privacyUnit?.toLowerCase() ?? null, {
      maxPartitions: spec.maxPartitions ?? 1,
      maxContributionsPerPartition: spec.maxContributionsPerPartition ?? 1,
    });
    tables.set(
      name,
      Object.freeze({ name, isPublic: spec.public ?? false, unit, columns, ...(spec.lineBreaks ? { lineBreaks: spec.lineBreaks } : {}) }),
    );
  }
  const analysts = new Map(Object.entries(file.analysts ?? {}).map(([a, b]) => [a, toBudget(b)]));
  return Object.freeze({ dataset: file.dataset ?? defaultDataset, budget: toBudget(file.budget), analysts, tables });
}

/** The public cause of an unreadable file, from its error code. */
function readFailure(path: string, e: unknown): DpError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new DpError('NOT_FOUND', `schema file not found: ${path}`, { kind: 'schema file', name: path });
    case 'EISDIR':
      return new DpError('INVALID_SCHEMA', `${path}: expected a schema file, found a directory`, { path, expected: 'a file' });
    case 'EACCES':
    case 'EPERM':
      return new DpError('INVALID_SCHEMA', `${path}: expected a readable file (permission denied)`, { path, expected: 'a readable file' });
    default:
      return new DpError('INVALID_SCHEMA', `${path}: expected a readable schema file${code ? ` (${code})` : ''}`, {
        path,
        expected: 'a readable file',
      });
  }
}

/**
 * Reads and validates a schema file (`.json`, `.yaml` or `.yml`; any other name is read as JSON, then YAML).
 * @param path - the file.
 * @returns the frozen schema; its dataset defaults to the file's stem without `.schema`.
 * @throws DpError NOT_FOUND when the file does not exist; INVALID_SCHEMA when it is unreadable, not JSON/YAML
 *   (with the line and column of the syntax error) or not a valid schema (with the field's path).
 * @example
 * const schema = loadSqlSchema('examples/adult.schema.json');
 */
export function loadSqlSchema(path: string): SqlSchema {
  if (path === '') throw new DpError('INVALID_PARAMETER', 'a schema file is required (--schema file.yaml)', { parameter: 'schema' });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw readFailure(path, e);
  }
  const raw = parseSchemaText(path, text);
  const stem = basename(path, extname(path)).replace(/\.schema$/, '');
  return parseSqlSchema(raw, stem.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100) || 'default');
}

function parseSchemaText(path: string, text: string): unknown {
  const yaml = /\.ya?ml$/i.test(path);
  const json = /\.json$/i.test(path);
  if (!yaml) {
    try {
      return JSON.parse(text);
    } catch (e) {
      if (json) {
        const why = e instanceof Error ? e.message.split('\n')[0] : 'syntax error';
        throw new DpError('INVALID_SCHEMA', `${path}: expected JSON (${why})`, { path, expected: 'JSON' });
      }
    }
  }
  // yaml is loaded only for a file that is not JSON (importing it costs ≈ 50 ms of CPU).
  const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (e) {
    const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    throw new DpError('INVALID_SCHEMA', `${path}: expected ${yaml ? 'YAML' : 'JSON or YAML'} (syntax error${at})`, {
      path,
      expected: yaml ? 'YAML' : 'JSON or YAML',
    });
  }
}
