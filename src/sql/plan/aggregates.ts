/**
 * DP aggregates of the SELECT list: COUNT (rows, values, distinct units), SUM,
 * AVG, VARIANCE/STDDEV and quantiles (MEDIAN, QUANTILE, PERCENTILE_CONT,
 * MIN/MAX as the extreme quantiles), each measure with the clamping interval
 * its expression's declared bounds imply.
 * @module
 */
import type { CstNode } from '../_internal/cst.js';
import { intervalOf } from '../_internal/interval.js';
import type { PlanAggregate, PlanMeasure } from '../plan.js';
import { type Ctx, funcArgs, funcName, isUnitColumn, refuse, refuseWindow } from './context.js';
import { numberLiteral, scalar } from './expressions.js';

function measure(ctx: Ctx, node: CstNode, name: string): PlanMeasure {
  const expr = scalar(ctx, node, { where: `inside ${name.toUpperCase()}` });
  const iv = intervalOf(
    expr,
    ctx.schema,
    ctx.sources.map((s) => s.table),
  );
  if (!iv) {
    return refuse(
      ctx,
      node,
      `the argument of ${name.toUpperCase()} without bounds`,
      'declare lower and upper for its numeric columns in the schema (bounds of arithmetic, CASE and CAST follow from them)',
    );
  }
  if (!(iv.lower < iv.upper)) {
    // A constant: widen by one so the clamping interval is proper.
    return { expr, lower: iv.lower, upper: iv.lower + 1, integral: iv.integral };
  }
  return { expr, lower: iv.lower, upper: iv.upper, integral: iv.integral };
}

/**
 * Plans the aggregate call `node`.
 * @throws DpError UNSUPPORTED_QUERY for an unknown aggregate, a bad argument or an unbounded measure.
 */
export function aggregate(ctx: Ctx, node: CstNode, rowLevel: boolean): PlanAggregate {
  const name = funcName(node);
  if (node.over) return refuseWindow(ctx, node, name);
  if (node.filter) return refuse(ctx, node, 'FILTER (WHERE …)', 'use CASE WHEN inside the aggregate instead');
  const { args, distinct } = funcArgs(node);
  const one = (): CstNode => {
    const [only] = args;
    if (args.length !== 1 || only === undefined)
      return refuse(ctx, node, `${name.toUpperCase()} with ${args.length} arguments`, 'give exactly one argument');
    return only;
  };
  if (distinct && name !== 'count')
    return refuse(ctx, node, `DISTINCT in ${name.toUpperCase()}`, 'only COUNT(DISTINCT privacy_unit) is supported');
  switch (name) {
    case 'count': {
      if (args.length === 1 && args[0]?.type === 'all_columns') {
        if (distinct) return refuse(ctx, node, 'COUNT(DISTINCT *)', 'use COUNT(*) or COUNT(DISTINCT privacy_unit)');
        return { kind: 'count' };
      }
      const arg = scalar(ctx, one(), { where: 'inside COUNT' });
      if (distinct) {
        if (rowLevel || !isUnitColumn(ctx, arg)) {
          return refuse(
            ctx,
            node,
            'COUNT(DISTINCT column)',
            rowLevel
              ? 'each row is its own privacy unit here: use COUNT(*)'
              : 'COUNT(DISTINCT …) is supported for the privacy-unit column only',
          );
        }
        return { kind: 'countUnits' };
      }
      return { kind: 'countValues', arg };
    }
    case 'sum':
      return { kind: 'sum', measure: measure(ctx, one(), name) };
    case 'avg':
    case 'mean':
      return { kind: 'mean', measure: measure(ctx, one(), name) };
    case 'var':
    case 'variance':
    case 'var_samp':
    case 'var_pop':
      return { kind: 'variance', measure: measure(ctx, one(), name), stddev: false };
    case 'stddev':
    case 'std':
    case 'stddev_samp':
    case 'stddev_pop':
      return { kind: 'variance', measure: measure(ctx, one(), name), stddev: true };
    case 'median':
      return { kind: 'quantile', measure: measure(ctx, one(), name), p: 0.5, label: 'median' };
    case 'min':
      return { kind: 'quantile', measure: measure(ctx, one(), name), p: 0, label: 'min' };
    case 'max':
      return { kind: 'quantile', measure: measure(ctx, one(), name), p: 1, label: 'max' };
    case 'quantile':
    case 'quantile_cont':
    case 'percentile_cont': {
      if (args.length !== 2)
        return refuse(
          ctx,
          node,
          `${name.toUpperCase()} with ${args.length} arguments`,
          'write QUANTILE(x, p) or PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x)',
        );
      // QUANTILE(x, p); PERCENTILE_CONT(p, x) after the WITHIN GROUP rewrite.
      const [first, second] = args;
      if (first === undefined || second === undefined) return refuse(ctx, node, name.toUpperCase(), 'give two arguments');
      const [xNode, pNode] = name === 'percentile_cont' ? [second, first] : [first, second];
      const p = numberLiteral(ctx, pNode, 'the quantile level');
      if (!(p >= 0 && p <= 1)) return refuse(ctx, pNode, 'a quantile level outside [0, 1]', 'give p between 0 and 1');
      return { kind: 'quantile', measure: measure(ctx, xNode, name), p, label: `quantile ${p}` };
    }
    default:
      return refuse(ctx, node, `the aggregate ${name}`, 'use COUNT, SUM, AVG, VARIANCE, STDDEV, MEDIAN, QUANTILE, MIN or MAX');
  }
}
