/**
 * The privacy-schema file format, defined once (zod 4). `parseSqlSchema`
 * validates with it, `scripts/generate-schema-json.ts` turns it into the JSON
 * Schema published as `tsdp/schema.json` (so editors complete and check
 * schema files, JSON and YAML alike), and `docs/schema.md` documents each
 * field (a test checks the three agree).
 *
 * Every error text below is the *expected* half of a message
 * `"<path>: expected <text>"`, so a refusal names the field path and what was
 * expected; none echoes the value it got (a schema is public, but the habit
 * keeps data out of messages).
 * @module
 */
import { z } from 'zod';
import { Rational } from '../numeric/rational.js';

/** The column types the DP SQL layer knows, and the spellings accepted for each (case-insensitive). */
export const SQL_TYPE_ALIASES = {
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
} as const;

type Alias = keyof typeof SQL_TYPE_ALIASES;
const ALIASES = Object.keys(SQL_TYPE_ALIASES) as [Alias, ...Alias[]];

/** A table or column name: letters, digits and `_`, not starting with a digit. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A table name: an identifier not starting with `tsdp_` (the rewrite's own names). */
const TABLE_NAME_PATTERN = /^(?![Tt][Ss][Dd][Pp]_)[A-Za-z_][A-Za-z0-9_]*$/;
/** A data-set or analyst name (a ledger key). */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
/** An exact amount written as text: a decimal (`0.5`, `1e-6`) or a fraction (`1/11`). */
const AMOUNT_TEXT = /^\s*(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|\d+\s*\/\s*[1-9]\d*)\s*$/;

/** Reads an amount the format accepts (a finite number or the text above) as an exact rational; undefined when unreadable. */
export function readSchemaAmount(x: number | string): Rational | undefined {
  try {
    return typeof x === 'number' ? Rational.fromNumberIntended(x) : Rational.parse(x.trim().replace(/\s+/g, ''));
  } catch {
    return undefined;
  }
}

const description = z
  .string({ error: 'a string' })
  .optional()
  .describe('Free text for people (ignored by tsdp): where the metadata comes from and why it is public.');

function amount(kind: 'epsilon' | 'delta') {
  const expected = kind === 'epsilon' ? 'a number > 0 or a fraction like "1/11"' : 'a number in [0, 1) or a fraction like "1/1000000"';
  const asNumber =
    kind === 'epsilon' ? z.number({ error: expected }).gt(0, { error: expected }) : z.number({ error: expected }).gte(0).lt(1);
  const asText = z
    .string({ error: expected })
    .regex(AMOUNT_TEXT, { error: expected })
    .refine(
      (s) => {
        const r = readSchemaAmount(s);
        return r !== undefined && (kind === 'epsilon' ? r.gt(Rational.ZERO) : r.lt(Rational.ONE));
      },
      { error: expected },
    );
  return z.union([asNumber, asText], { error: expected });
}

/** A budget: ε and optional δ, each a number or an exact fraction. */
export const budgetFormat = z
  .strictObject(
    {
      epsilon: amount('epsilon').describe('ε: the privacy-loss budget (> 0). A number, or an exact fraction as text ("1/3").'),
      delta: amount('delta')
        .optional()
        .describe('δ: the probability budget in [0, 1) (default 0: pure ε-DP). Needed by partition selection and Gaussian noise.'),
    },
    { error: (i) => (i.code === 'unrecognized_keys' ? 'only the keys epsilon, delta' : 'an object { epsilon, delta? }') },
  )
  .describe('A privacy budget { epsilon, delta? }, spent exactly (rationals) by the ledger.');

/** A calendar date written YYYY-MM-DD, years 0001–9999 (the date keys the engines return). */
export const ISO_DATE_PATTERN = /^(?!0000)\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

/** Whether `s` (matching {@link ISO_DATE_PATTERN}) names a day of the proleptic Gregorian calendar (not 2021-02-30). */
export function isCalendarDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** A column bound: a finite number (numeric columns) or a date (date columns; `columnFormat` checks which). */
const bound = z.union([z.number(), z.string().regex(ISO_DATE_PATTERN, { error: 'a date YYYY-MM-DD (date columns)' })], {
  error: 'a finite number (numeric columns) or a date YYYY-MM-DD (date columns)',
});

const category = z.union([z.string(), z.boolean(), z.number()], { error: 'a string, number or boolean' });

/** One column's public metadata. */
export const columnFormat = z
  .strictObject(
    {
      type: z
        .preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(ALIASES, { error: `one of ${ALIASES.join(', ')}` }))
        .describe(
          'The column type: integer (int, bigint, smallint), float (double, real, numeric, decimal), string (text, varchar), boolean (bool) or date. Data files are read with this type. Case-insensitive (editors suggest the lowercase spellings).',
        ),
      lower: bound
        .optional()
        .describe(
          'Lower bound (with upper). Numeric columns: the clamping bound, a finite number. Date columns: the earliest date, YYYY-MM-DD, so that year() and date_trunc() keys are public and need no delta. Must come from public knowledge, never from the data.',
        ),
      upper: bound
        .optional()
        .describe(
          'Upper bound (with lower). Numeric columns: greater than lower. Date columns: the latest date, YYYY-MM-DD, not before lower. Public knowledge only.',
        ),
      categories: z
        .array(category, { error: 'a non-empty list of values' })
        .min(1, { error: 'a non-empty list of values' })
        .optional()
        .describe(
          'The public list of values this column can take: GROUP BY on it releases exactly these groups (even empty ones) and needs no δ for partition selection. Public knowledge only.',
        ),
      unique: z
        .boolean({ error: 'a boolean' })
        .optional()
        .describe('On a public table: every value occurs at most once, so a join on this column cannot fan out.'),
      description,
    },
    {
      error: (i) =>
        i.code === 'unrecognized_keys'
          ? 'only the keys type, lower, upper, categories, unique, description'
          : 'an object { type, lower?, upper?, categories?, unique? }',
    },
  )
  .superRefine((c, ctx) => {
    const type = SQL_TYPE_ALIASES[c.type];
    if ((c.lower !== undefined || c.upper !== undefined) && type === 'date') {
      // Date bounds: the public range of the dates, so year() and date_trunc() keys are enumerated from the schema.
      const lower = typeof c.lower === 'string' && isCalendarDate(c.lower) ? c.lower : undefined;
      const upper = typeof c.upper === 'string' && isCalendarDate(c.upper) ? c.upper : undefined;
      if (lower === undefined) ctx.addIssue({ code: 'custom', path: ['lower'], message: 'a calendar date YYYY-MM-DD (with upper)' });
      else if (upper === undefined) ctx.addIssue({ code: 'custom', path: ['upper'], message: 'a calendar date YYYY-MM-DD (with lower)' });
      else if (upper < lower) ctx.addIssue({ code: 'custom', path: ['upper'], message: 'a date not before lower' });
    } else if (c.lower !== undefined || c.upper !== undefined) {
      if (type !== 'integer' && type !== 'float') {
        ctx.addIssue({ code: 'custom', path: ['lower'], message: 'bounds only on integer, float or date columns' });
        return;
      }
      if (typeof c.lower === 'string') ctx.addIssue({ code: 'custom', path: ['lower'], message: 'a finite number on a numeric column' });
      else if (typeof c.upper === 'string')
        ctx.addIssue({ code: 'custom', path: ['upper'], message: 'a finite number on a numeric column' });
      else if (c.lower === undefined) ctx.addIssue({ code: 'custom', path: ['lower'], message: 'a finite number (with upper)' });
      else if (c.upper === undefined) ctx.addIssue({ code: 'custom', path: ['upper'], message: 'a finite number (with lower)' });
      else if (!(c.lower < c.upper)) ctx.addIssue({ code: 'custom', path: ['upper'], message: 'a number greater than lower' });
      else if (type === 'integer' && !(Number.isSafeInteger(c.lower) && Number.isSafeInteger(c.upper)))
        ctx.addIssue({ code: 'custom', path: ['lower'], message: 'integer bounds on an integer column' });
    }
    const seen = new Set<string>();
    for (const [i, v] of (c.categories ?? []).entries()) {
      const key = `${typeof v}:${String(v)}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['categories', i], message: 'distinct values' });
      seen.add(key);
    }
  })
  .describe('One column: its type, and optionally public bounds or categories.');

/** One table's public metadata. */
export const tableFormat = z
  .strictObject(
    {
      public: z
        .boolean({ error: 'a boolean' })
        .optional()
        .describe('true for a public lookup table (not private): it may be joined and grouped on freely. Default false.'),
      privacyUnit: z
        .string({ error: 'the name of a declared column (or null for row-level privacy)' })
        .nullable()
        .optional()
        .describe(
          'The column that identifies the person (or other unit) protected; null or absent when each row is its own unit. All rows of one unit are protected together.',
        ),
      maxPartitions: z
        .number({ error: 'an integer >= 1' })
        .int({ error: 'an integer >= 1' })
        .min(1, { error: 'an integer >= 1' })
        .max(Number.MAX_SAFE_INTEGER, { error: 'an integer >= 1' })
        .optional()
        .describe('Groups (of a GROUP BY) one unit may contribute to; the rewrite drops the rest. Default 1.'),
      maxContributionsPerPartition: z
        .number({ error: 'an integer >= 1' })
        .int({ error: 'an integer >= 1' })
        .min(1, { error: 'an integer >= 1' })
        .max(Number.MAX_SAFE_INTEGER, { error: 'an integer >= 1' })
        .optional()
        .describe('Rows one unit may contribute to one group; the rewrite drops the rest. Default 1.'),
      lineBreaks: z
        .enum(['none', 'escaped', 'quoted'], { error: "'none', 'escaped' or 'quoted'" })
        .optional()
        .describe(
          "CSV files only: how the file's writer encodes a line break inside a field. 'none' (default): it never writes one; 'escaped': as text such as \\n; 'quoted': every field is quoted and line breaks sit inside the quotes (a record holding one is then dropped whole, and none of its pieces is read).",
        ),
      columns: z
        .record(z.string().regex(IDENTIFIER_PATTERN, { error: 'a column name of letters, digits and _' }), columnFormat, {
          error: 'an object naming each column',
        })
        .refine((o) => Object.keys(o).length > 0, { error: 'an object naming each column' })
        .meta({ minProperties: 1 })
        .describe('Every column of the table that queries may use, by name (case-insensitive in queries).'),
      publicGroupKeys: z
        .record(z.string({ error: 'a declared column' }), z.array(category, { error: 'a non-empty list of values' }), {
          error: 'an object { column: [keys…] }',
        })
        .optional()
        .describe('Older spelling of a column\'s categories: { column: [values…] }. Prefer "categories" on the column.'),
      description,
    },
    {
      error: (i) =>
        i.code === 'unrecognized_keys'
          ? 'only the keys public, privacyUnit, maxPartitions, maxContributionsPerPartition, lineBreaks, columns, publicGroupKeys, description'
          : 'an object { privacyUnit?, columns, … }',
    },
  )
  .superRefine((t, ctx) => {
    const declared = new Set(Object.keys(t.columns).map((c) => c.toLowerCase()));
    if (t.privacyUnit !== undefined && t.privacyUnit !== null) {
      if (!declared.has(t.privacyUnit.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: ['privacyUnit'], message: 'the name of a declared column (or null for row-level privacy)' });
      else if (t.public === true) ctx.addIssue({ code: 'custom', path: ['privacyUnit'], message: 'no privacy unit on a public table' });
    }
    for (const [c, keys] of Object.entries(t.publicGroupKeys ?? {})) {
      if (!declared.has(c.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['publicGroupKeys', c], message: 'a declared column' });
      else if (keys.length === 0) ctx.addIssue({ code: 'custom', path: ['publicGroupKeys', c], message: 'a non-empty list of values' });
    }
  })
  .describe('One table: private (the default) or public, its privacy unit, contribution bounds and columns.');

/** The whole privacy schema of one data set. */
export const sqlSchemaFormat = z
  .strictObject(
    {
      $schema: z
        .string({ error: 'a string (the JSON Schema of this file)' })
        .optional()
        .describe('The JSON Schema of this file, for editors.'),
      dataset: z
        .string({ error: 'a name of letters, digits, _ . -' })
        .regex(NAME_PATTERN, { error: 'a name of letters, digits, _ . -' })
        .optional()
        .describe("The data set's name: its key in the budget ledger. Default: the file name without .schema.json/.yaml."),
      description,
      budget: budgetFormat.describe("The data set's total budget: the sum of every charge, by every analyst, never passes it."),
      analysts: z
        .record(z.string().regex(NAME_PATTERN, { error: 'an analyst name of letters, digits, _ . -' }), budgetFormat, {
          error: 'an object { name: { epsilon, delta? } }',
        })
        .optional()
        .describe('Per-analyst budgets under the total: when present, only these analysts may query, each within their own budget.'),
      tables: z
        .record(
          z.string().regex(TABLE_NAME_PATTERN, {
            error: 'a table name of letters, digits and _ (not starting with tsdp_, which the rewrite uses)',
          }),
          tableFormat,
          { error: 'an object naming each table' },
        )
        .refine((o) => Object.keys(o).length > 0, { error: 'an object naming each table' })
        .meta({ minProperties: 1 })
        .describe('The tables queries may read, by name; at least one is private.'),
    },
    {
      error: (i) =>
        i.code === 'unrecognized_keys'
          ? 'only the keys $schema, dataset, description, budget, analysts, tables'
          : 'an object { dataset?, budget, tables }',
    },
  )
  .superRefine((s, ctx) => {
    if (Object.keys(s.tables).length > 0 && Object.values(s.tables).every((t) => t.public === true))
      ctx.addIssue({ code: 'custom', path: ['tables'], message: 'at least one private table' });
  })
  .describe('A tsdp privacy schema: the public metadata of one data set (tables, privacy unit, bounds, categories, budget).');

/** A schema file as written (before names are lower-cased and amounts made exact). */
export type SqlSchemaFile = z.input<typeof sqlSchemaFormat>;

/** Where the JSON Schema is published in the package (`tsdp/schema.json`). */
export const SQL_SCHEMA_JSON_PATH = 'schema/tsdp-schema.json';

/**
 * The JSON Schema (draft 2020-12) of schema files, generated from `sqlSchemaFormat`.
 * Refinements that span fields (bounds in order, the privacy unit declared) are checked by
 * `parseSqlSchema` only.
 * @returns a JSON value.
 * @example
 * writeFileSync('schema/tsdp-schema.json', `${JSON.stringify(sqlSchemaJsonSchema(), null, 2)}\n`);
 */
export function sqlSchemaJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(sqlSchemaFormat, { io: 'input', unrepresentable: 'any' }),
    title: 'tsdp privacy schema',
  };
}
