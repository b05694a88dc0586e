/**
 * Drafting a privacy schema for the data owner (`tsdp schema init`).
 *
 * What goes into the draft, and why it is safe:
 * - column names and types come from the engine's catalogue: DuckDB's
 *   `DESCRIBE` of a CSV/Parquet file (a Parquet file's own schema; for a CSV,
 *   the header and DuckDB's type sniffing) or PostgreSQL's
 *   `information_schema.columns`. Structure, not values;
 * - bounds and categories are **never** read from the data: they are left as
 *   commented placeholders marked `CONFIRM`, for the owner to fill from public
 *   knowledge — unless `--dp-bounds ε` asks for DP estimates, which are
 *   released by `releaseApproximateBounds` (log-histogram, pure ε) and DP
 *   partition selection (ε, δ), **charged to the data set's budget in the
 *   ledger before any row is read**, and marked as DP estimates in the draft.
 *
 * Privacy of the estimates: each column's estimate reads at most one row per
 * privacy unit (`--privacy-unit`; each row is a unit otherwise), so each
 * histogram or partition count has sensitivity 1 under add/remove of one unit;
 * the k estimates share ε equally and the category estimates share δ equally
 * (basic composition), so the whole draft is (ε, δ)-DP with δ = 0 when no
 * category is estimated.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { SqlColumnType } from '../sql/schema.js';

/** A column as the engine describes it. */
export interface DraftColumn {
  readonly name: string;
  /** The engine's type name (`BIGINT`, `character varying`, …). */
  readonly engineType: string;
  /** The schema type, or undefined when the engine type has none (left out of the draft, commented). */
  readonly type: SqlColumnType | undefined;
  /**
   * Why a column whose engine type has a schema type is still left out (a stored encoding that opening the data
   * would refuse), or how its type is read (a Parquet TIMESTAMP drafted as `date`); printed beside the column.
   */
  readonly note?: string;
}

/** A DP estimate of one column, released and charged. */
export type DraftEstimate =
  | { readonly kind: 'bounds'; readonly bounds: readonly [number, number] | undefined }
  | { readonly kind: 'categories'; readonly categories: readonly (string | number | boolean)[]; readonly tooMany: boolean };

/** Maps an engine type name (DuckDB or PostgreSQL) to a schema type. */
export function schemaTypeOf(engineType: string): SqlColumnType | undefined {
  const t = engineType
    .toUpperCase()
    .replace(/\(.*\)$/, '')
    .trim();
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT[248]|SERIAL|BIGSERIAL|SMALLSERIAL|UHUGEINT)$/.test(t)) return 'integer';
  if (/^(DOUBLE( PRECISION)?|FLOAT[48]?|REAL|DECIMAL|NUMERIC)$/.test(t)) return 'float';
  if (/^(VARCHAR|TEXT|STRING|CHARACTER VARYING|CHARACTER|CHAR|BPCHAR|CITEXT)$/.test(t)) return 'string';
  if (/^(BOOLEAN|BOOL)$/.test(t)) return 'boolean';
  if (t === 'DATE') return 'date';
  return undefined;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A budget amount as written: a plain number unquoted, a fraction quoted (YAML would read 1/3 as text anyway). */
function amountScalar(text: string): string {
  return /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? text : JSON.stringify(text);
}

/** YAML flow scalar for a public name or value (JSON strings are valid YAML). */
function scalar(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Everything the draft says. */
export interface DraftInput {
  readonly source: string;
  readonly dataset: string;
  readonly table: string;
  readonly columns: readonly DraftColumn[];
  readonly budget: { readonly epsilon: string; readonly delta: string };
  readonly privacyUnit: string | undefined;
  /** DP estimates per column name, with what they cost. */
  readonly estimates?: {
    readonly byColumn: ReadonlyMap<string, DraftEstimate>;
    readonly epsilon: string;
    readonly delta: string;
    readonly ledger: string;
  };
  /** Where the JSON Schema is, for the editor comment. */
  readonly jsonSchema: string;
}

/**
 * The budget line's comment. With DP estimates the ledger has pinned this budget at the charge (the data set's first
 * spend, or refused when another was pinned before): it is fixed, not for the owner to confirm — a different one
 * would make every query refused (reviewml, issue 11). Without, the owner chooses it.
 */
function budgetNote(d: DraftInput): string {
  return d.estimates
    ? `PINNED: the ledger fixed this data set's total budget when the DP estimates were charged; keep it (another is refused) or name a new dataset`
    : 'CONFIRM: the total budget the owner allows for this data set';
}

/**
 * Writes the draft as commented YAML. Every line the owner must confirm carries `# CONFIRM`.
 * @returns the YAML text (it loads with `loadSqlSchema` as it is).
 */
export function draftSchemaYaml(d: DraftInput): string {
  const out: string[] = [
    `# yaml-language-server: $schema=${d.jsonSchema}`,
    `# Draft privacy schema for ${d.source}, written by \`tsdp schema init\`.`,
    '#',
    '# Everything in this file is PUBLIC: it can appear in errors, --explain and results.',
    '# Each line marked CONFIRM needs a public justification before anyone queries the data:',
    '# bounds and categories must come from public knowledge (a code book, a questionnaire,',
    "# a legal range), never from the data's own values. Field reference: docs/schema.md.",
  ];
  if (d.estimates) {
    out.push(
      '#',
      `# Bounds and categories marked "DP estimate" were released with differential privacy`,
      `# (ε=${d.estimates.epsilon}, δ=${d.estimates.delta} in total, charged to data set "${d.dataset}" in ${d.estimates.ledger}).`,
      '# They are noisy: widen bounds that look tight, add categories the data may lack.',
    );
  }
  out.push(
    '',
    `dataset: ${scalar(d.dataset)}`,
    `budget: { epsilon: ${amountScalar(d.budget.epsilon)}, delta: ${amountScalar(d.budget.delta)} }  # ${budgetNote(d)}`,
    'tables:',
    `  ${d.table}:`,
    d.privacyUnit === undefined
      ? '    privacyUnit: null  # CONFIRM: the column identifying a person (or household…), or null when each row is a different person'
      : `    privacyUnit: ${d.privacyUnit}  # CONFIRM: all rows with the same ${d.privacyUnit} belong to one protected unit`,
    '    maxPartitions: 1  # CONFIRM: how many groups of a GROUP BY one unit may contribute to',
    '    maxContributionsPerPartition: 1  # CONFIRM: how many rows one unit may contribute to one group',
    '    columns:',
  );
  for (const c of d.columns) {
    if (!IDENT.test(c.name)) {
      out.push(
        `      # ${JSON.stringify(c.name)} (${c.engineType}): left out, its name is not an identifier (letters, digits, _); rename it in the data`,
      );
      continue;
    }
    if (!c.type) {
      out.push(`      # ${c.name} (${c.engineType}): left out, ${c.note ?? `tsdp has no column type for ${c.engineType}`}`);
      continue;
    }
    const est = d.estimates?.byColumn.get(c.name);
    out.push(`      ${c.name}:`, `        type: ${c.type}  # ${c.engineType} in the engine${c.note ? `, ${c.note}` : ''}; CONFIRM`);
    if (c.type === 'integer' || c.type === 'float') {
      if (est?.kind === 'bounds' && est.bounds) {
        out.push(`        lower: ${est.bounds[0]}  # DP estimate; CONFIRM or replace with a public bound`);
        out.push(`        upper: ${est.bounds[1]}  # DP estimate; CONFIRM or replace with a public bound`);
      } else {
        if (est?.kind === 'bounds') out.push('        # DP estimate: too few rows to estimate bounds');
        out.push('        # lower: ?  # CONFIRM: a public lower bound (needed for SUM, AVG, quantiles)');
        out.push('        # upper: ?  # CONFIRM: a public upper bound');
      }
    } else if (c.type === 'string' || c.type === 'boolean') {
      if (c.type === 'boolean') {
        out.push('        categories: [false, true]  # the two values of a boolean; CONFIRM');
      } else if (est?.kind === 'categories' && est.categories.length > 0 && !est.tooMany) {
        out.push(`        categories: [${est.categories.map(scalar).join(', ')}]  # DP estimate; CONFIRM or replace with the public list`);
      } else {
        if (est?.kind === 'categories')
          out.push(
            est.tooMany
              ? `        # DP estimate: more than ${est.categories.length} values, not a category list`
              : '        # DP estimate: no value frequent enough to release',
          );
        out.push('        # categories: [?]  # CONFIRM: the public list of values, if there is one (GROUP BY then needs no δ)');
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** The generic SQL of a value's log-scale bin, `logBinIndex` of `src/stats` (exact comparisons, no logarithms). */
export function logBinSql(x: string): string {
  const steps = (v: string) => Array.from({ length: 63 }, (_, j) => `CASE WHEN ${v} >= ${2 ** j} THEN 1 ELSE 0 END`).join(' + ');
  return `CASE WHEN ${x} >= 0 THEN ${steps(x)} ELSE -1 - (${steps(`(-(${x}))`)}) END`;
}

/** A plain-identifier check for names put into generated SQL. */
export function checkIdentifier(name: string, what: string): string {
  if (!IDENT.test(name))
    throw new DpError('INVALID_PARAMETER', `${what} must be letters, digits and _, got ${JSON.stringify(name)}`, { parameter: what });
  return name;
}
