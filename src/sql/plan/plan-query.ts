/**
 * The checker: parses one query and turns it into an immutable `QueryPlan`,
 * or refuses it with `DpError('UNSUPPORTED_QUERY')` naming the construct, its
 * line:column and what would make it acceptable. Everything not on the
 * allow-list is refused. Each step lives in its own module:
 * - `names.ts`: every column reference resolved in text order (unknown names, did-you-mean);
 * - `joins.ts`, `join-stability.ts`: FROM and JOIN, and the rule that bounds each join
 *   (`join-stability.proof.md`);
 * - `row-cost.ts`: the per-row cost rule (patterns, concatenation);
 * - `privacy-unit.ts`: the privacy unit and contribution bounds;
 * - `expressions.ts`: row expressions (WHERE, ON, inside aggregates, GROUP BY);
 * - `aggregates.ts`: the DP aggregates and their clamping bounds;
 * - `group-by.ts`: group keys and the public keys of expressions;
 * - `outputs.ts`: the SELECT list;
 * - `post-process.ts`: derived outputs, HAVING, ORDER BY, LIMIT/OFFSET.
 *
 * Accepted: one `SELECT` whose outputs are group-key columns and the
 * aggregates `COUNT(*)`, `COUNT(expr)`, `COUNT(DISTINCT unit)`, `SUM`, `AVG`,
 * `VAR`/`VARIANCE`/`VAR_SAMP`/`VAR_POP`, `STDDEV`/`STDDEV_SAMP`/`STDDEV_POP`,
 * `MEDIAN(x)`, `QUANTILE(x, p)`, `PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY
 * x)`, `MIN`/`MAX` (released as the extreme quantiles 0 and 1) over
 * expressions of arithmetic, `CASE`, `CAST` and a few scalar functions whose
 * bounds follow from the declared column bounds (and, on date columns,
 * `EXTRACT(YEAR|QUARTER|MONTH|DAY FROM d)`, `year/quarter/month/day(d)`,
 * `date_trunc('year|quarter|month|day', d)`); `WHERE` on any column with
 * allow-listed operators and functions; `GROUP BY` columns (declared keys or
 * DP partition selection; a boolean column's keys are true and false) and row expressions (`FLOOR(age / 10) * 10`, a
 * `CASE`, a condition), whose keys follow from the schema where they can
 * or else pass DP partition selection; `HAVING`, `ORDER BY`, `LIMIT`/`OFFSET` over the
 * noisy outputs; output arithmetic over aggregates and keys such as
 * `SUM(x) / COUNT(*)` (post-processing of the noisy aggregates; an aggregate
 * named only there, or only in HAVING/ORDER BY, is released as a hidden,
 * charged output); inner/left joins with public tables, and between private
 * tables on the privacy unit.
 * @module
 */

import { DpError } from '../../core/errors.js';
import { edgeRecord, edgeString } from '../../numeric/edge.js';
import { type CstNode, child, isNode } from '../_internal/cst.js';
import { isBooleanExpr } from '../_internal/interval.js';
import { parseOneStatement } from '../_internal/parse.js';
import { freezePlan, type QueryPlan } from '../plan.js';
import type { SqlSchema } from '../schema.js';
import { type Ctx, refuse, tableOf } from './context.js';
import { scalar } from './expressions.js';
import { readGroupBy } from './group-by.js';
import { readFrom } from './joins.js';
import { checkNames } from './names.js';
import { readOutputs, readSelectItems } from './outputs.js';
import { readPostProcessing } from './post-process.js';
import { readPrivacy } from './privacy-unit.js';

/**
 * Checks `text` against the allow-list and returns its immutable plan.
 * @param text - one SQL SELECT statement (PostgreSQL syntax).
 * @param schema - the data set's privacy schema.
 * @returns the frozen plan.
 * @throws DpError UNSUPPORTED_QUERY naming the construct, its line:column and a fix; also for a query longer or
 * deeper than the limits of `_internal/parse.ts` (checked before parsing and before any walk of the tree).
 * @example
 * const plan = planDpQuery('SELECT education, COUNT(*) FROM adult GROUP BY education', schema);
 */
export function planDpQuery(text: string, schema: SqlSchema): QueryPlan {
  edgeString(text, 'text');
  edgeRecord(schema, 'schema');
  try {
    return planChecked(text, schema);
  } catch (e) {
    // The last guard of the depth limits (see _internal/parse.ts): the checks before and after parsing bound the
    // depth every walker recurses to, so this is not expected; if it happens, it is the same typed refusal.
    if (e instanceof RangeError) {
      throw new DpError('UNSUPPORTED_QUERY', 'the query is too deeply nested or too large to check', {
        construct: 'nesting depth',
        hint: 'simplify the query',
      });
    }
    throw e;
  }
}

function planChecked(text: string, schema: SqlSchema): QueryPlan {
  const ctx: Ctx = { text, schema, sources: [] };
  const stmt = parseOneStatement(text);
  if (stmt.type !== 'select_stmt') {
    return refuse(
      ctx,
      stmt,
      stmt.type === 'compound_select_stmt'
        ? 'UNION/INTERSECT/EXCEPT'
        : `the statement ${stmt.type
            .replace(/_stmt$/, '')
            .replace(/_/g, ' ')
            .toUpperCase()}`,
      'send one SELECT statement',
    );
  }
  const clauses = Array.isArray(stmt.clauses) ? stmt.clauses.filter(isNode) : [];
  const byType = new Map<string, CstNode>();
  for (const c of clauses) {
    const allowed = ['select_clause', 'from_clause', 'where_clause', 'group_by_clause', 'having_clause', 'order_by_clause', 'limit_clause'];
    if (!allowed.includes(c.type)) {
      const what =
        c.type === 'with_clause'
          ? 'WITH (common table expressions)'
          : c.type
              .replace(/_clause$/, '')
              .replace(/_/g, ' ')
              .toUpperCase();
      return refuse(ctx, c, what, 'use SELECT … FROM … WHERE … GROUP BY … HAVING … ORDER BY … LIMIT');
    }
    byType.set(c.type, c);
  }
  const select = byType.get('select_clause');
  if (!select) return refuse(ctx, stmt, 'a statement without SELECT', 'write SELECT …');
  const modifiers = Array.isArray(select.modifiers) ? select.modifiers.filter(isNode) : [];
  if (modifiers.length > 0)
    return refuse(
      ctx,
      modifiers[0],
      `SELECT ${modifiers[0]?.type.replace(/^select_/, '').toUpperCase()}`,
      'remove the modifier; group with GROUP BY instead',
    );

  const fromClause = byType.get('from_clause');
  const joins = readFrom(ctx, fromClause ? child(fromClause, 'expr') : undefined);
  checkNames(ctx, byType);
  const privacy = readPrivacy(ctx, fromClause);

  const whereClause = byType.get('where_clause');
  const whereNode = whereClause ? child(whereClause, 'expr') : undefined;
  const where = whereNode ? scalar(ctx, whereNode, { where: 'in WHERE' }) : null;

  const items = readSelectItems(ctx, select);
  const groupClause = byType.get('group_by_clause');
  const groupBy = readGroupBy(ctx, groupClause ? child(groupClause, 'columns') : undefined, items);
  const { outputs, derivedItems } = readOutputs(ctx, select, items, groupBy, privacy.rowLevel);
  const { having, orderBy, limit, offset } = readPostProcessing(ctx, byType, outputs, derivedItems, groupBy, privacy.rowLevel);
  // Group keys of public (declared) kinds need every key declared; a boolean WHERE is required to be boolean.
  if (where && !isBooleanExpr(where, (s, c) => tableOf(ctx, s).columns.get(c)?.type)) {
    return refuse(ctx, whereNode, 'a non-boolean WHERE', 'write a condition');
  }
  return freezePlan({
    text,
    sources: ctx.sources,
    joins,
    where,
    groupBy,
    outputs,
    privacy,
    having,
    orderBy,
    limit,
    offset,
  });
}
