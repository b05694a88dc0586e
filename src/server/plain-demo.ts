/**
 * The playground's **non-private** side: exact answers of a query on a data
 * set the operator marked `nonPrivateDemo: true` — what a plain SQL endpoint
 * (any database without DP) would answer, so that the attack demo shows the
 * leak with the server's own engine and data instead of arithmetic in the page.
 *
 * ## Why this does not weaken the server
 * - It answers **only** on data sets the configuration marks `nonPrivateDemo`
 *   (made-up data: the example's donors). On every other data set it answers
 *   NOT_FOUND — the same reply as a missing data set — before reading anything.
 *   Such a data set has no DP guarantee at all, and `GET /v1/datasets` says so.
 * - The query must be in the DP SQL subset (`explainDpSql` plans it, so the
 *   allow-listed grammar and functions apply: no catalog, file, network or
 *   side-effect function), and runs on the data set's engine as its query role
 *   with its statement timeout. Only the text the planner accepted is run.
 * - It charges nothing and is in the audit log like every keyed request.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { EngineValue } from '../sql/engine.js';
import { explainDpSql } from '../sql/explain-dp-sql.js';
import type { OpenDataset } from './datasets.js';

/** An exact answer, marked as not private. */
export interface PlainAnswer {
  readonly dataset: string;
  readonly nonPrivate: true;
  readonly columns: readonly string[];
  readonly rows: readonly (string | number | boolean | null)[][];
}

function jsonValue(v: EngineValue): string | number | boolean | null {
  if (typeof v !== 'bigint') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/**
 * Answers a query exactly on a non-private demo data set.
 * @param d - the data set (must be marked `nonPrivateDemo`).
 * @param sql - a query in the DP SQL subset.
 * @returns the exact columns and rows, marked `nonPrivate`.
 * @throws DpError NOT_FOUND when the data set is not a non-private demo; UNSUPPORTED_QUERY / INVALID_PARAMETER when the
 *   planner refuses the query; ENGINE_ERROR (data-independent) when the engine fails or times out.
 * @privacy NONE: the answer is exact. Only for data sets the operator declared non-private (made-up demo data).
 * @example
 * const { rows } = await runPlainDemoQuery(datasets.get('donors'), 'SELECT COUNT(*) AS n FROM donors');
 */
export async function runPlainDemoQuery(d: OpenDataset, sql: string): Promise<PlainAnswer> {
  if (!d?.config?.nonPrivateDemo) {
    // The same reply as for a missing data set or one that is not the caller's (app.ts): which private data sets exist is not told.
    throw new DpError('NOT_FOUND', 'no such data set for this API key (GET /v1/datasets lists yours)', { kind: 'data set' });
  }
  if (typeof sql !== 'string' || sql.length === 0) throw new DpError('INVALID_PARAMETER', 'sql must be a query text', { parameter: 'sql' });
  // The planner's allow-list decides what may run (ε only stands in: nothing is charged or released with noise).
  const plan = explainDpSql(sql, d.schema, d.engine.dialect, { epsilon: 1, delta: 1e-9 });
  const rows = await d.engine.query({ sql, params: [] });
  const columns = rows[0]
    ? Object.keys(rows[0])
    : plan.plan.outputs.filter((o) => !(o.kind === 'aggregate' && o.hidden)).map((o) => o.name);
  return { dataset: d.name, nonPrivate: true, columns, rows: rows.map((r) => columns.map((c) => jsonValue(r[c] ?? null))) };
}
