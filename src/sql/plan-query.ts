/**
 * The checker: parses one query and turns it into an immutable `QueryPlan`,
 * or refuses it with `DpError('UNSUPPORTED_QUERY')` naming the construct, its
 * line:column and what would make it acceptable. Everything not on the
 * allow-list below is refused.
 *
 * Accepted: one `SELECT` whose outputs are group-key columns and the
 * aggregates `COUNT(*)`, `COUNT(expr)`, `COUNT(DISTINCT unit)`, `SUM`, `AVG`,
 * `VAR`/`VARIANCE`/`VAR_SAMP`/`VAR_POP`, `STDDEV`/`STDDEV_SAMP`/`STDDEV_POP`,
 * `MEDIAN(x)`, `QUANTILE(x, p)`, `PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY
 * x)`, `MIN`/`MAX` (released as the extreme quantiles 0 and 1) over
 * expressions of arithmetic, `CASE`, `CAST` and a few scalar functions whose
 * bounds follow from the declared column bounds; `WHERE` on any column with
 * allow-listed operators and functions; `GROUP BY` columns (declared keys or
 * DP partition selection) and row expressions (`FLOOR(age / 10) * 10`, a
 * `CASE`, a condition), whose keys follow from the schema where they can
 * (see `expressionCategories`) or else pass DP partition selection; `HAVING`, `ORDER BY`, `LIMIT`/`OFFSET` over the
 * noisy outputs; output arithmetic over aggregates and keys such as
 * `SUM(x) / COUNT(*)` (post-processing of the noisy aggregates; an aggregate
 * named only there, or only in HAVING/ORDER BY, is released as a hidden,
 * charged output); inner/left joins with public tables, and between private
 * tables on the privacy unit.
 * @module
 */
import { DpError } from '../core/errors.js';
import { type CstNode, child, identifierName, isNode, keywordText, listItems } from './_internal/cst.js';
import { intervalOf, isBooleanExpr } from './_internal/interval.js';
import { parseOneStatement, positionOf, type SqlPosition } from './_internal/parse.js';
import {
  freezePlan,
  type PlanAggregate,
  type PlanBinaryOp,
  type PlanCastType,
  type PlanExpr,
  type PlanFunction,
  type PlanGroupKey,
  type PlanJoin,
  type PlanMeasure,
  type PlanOutput,
  type PlanPostExpr,
  type PlanSource,
  type QueryPlan,
} from './plan.js';
import type { SqlSchema, SqlTableSchema } from './schema.js';

const FUNCTIONS: Record<string, PlanFunction> = {
  abs: 'abs',
  round: 'round',
  floor: 'floor',
  ceil: 'ceil',
  ceiling: 'ceil',
  sign: 'sign',
  sqrt: 'sqrt',
  least: 'least',
  greatest: 'greatest',
  coalesce: 'coalesce',
  nullif: 'nullif',
  lower: 'lower',
  upper: 'upper',
  length: 'length',
  char_length: 'length',
  trim: 'trim',
};

const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'mean',
  'var',
  'variance',
  'var_samp',
  'var_pop',
  'stddev',
  'stddev_samp',
  'stddev_pop',
  'std',
  'median',
  'quantile',
  'quantile_cont',
  'percentile_cont',
  'min',
  'max',
]);

const BINARY_OPS: Record<string, PlanBinaryOp> = {
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '%': '%',
  '=': '=',
  '<>': '<>',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  AND: 'AND',
  OR: 'OR',
  LIKE: 'LIKE',
  'NOT LIKE': 'NOT LIKE',
  ILIKE: 'ILIKE',
  'NOT ILIKE': 'NOT ILIKE',
  '||': '||',
};

const CAST_TYPES: Record<string, PlanCastType> = {
  INT: 'integer',
  INTEGER: 'integer',
  BIGINT: 'integer',
  SMALLINT: 'integer',
  INT4: 'integer',
  INT8: 'integer',
  DOUBLE: 'double',
  'DOUBLE PRECISION': 'double',
  FLOAT: 'double',
  FLOAT8: 'double',
  REAL: 'double',
  NUMERIC: 'double',
  DECIMAL: 'double',
  VARCHAR: 'varchar',
  TEXT: 'varchar',
  BOOLEAN: 'boolean',
  BOOL: 'boolean',
  DATE: 'date',
};

/** Names refused with a specific reason (system, file, network or side-effect functions). */
const DANGEROUS =
  /^(read_|pg_|current_|session_|txn_|set_config|nextval|setval|lo_|dblink|copy|query|glob|getenv|load|install|random|gen_random|uuid|now|version|inet_|has_|col_description|obj_description|to_regclass|duckdb_|sqlite_|parquet_|json_|http)/i;

interface Ctx {
  readonly text: string;
  readonly schema: SqlSchema;
  readonly sources: PlanSource[];
}

function refuse(ctx: Ctx, node: CstNode | undefined, construct: string, hint: string): never {
  const position: SqlPosition = node?.range ? positionOf(ctx.text, node.range[0]) : { line: 1, column: 1 };
  throw new DpError('UNSUPPORTED_QUERY', `${construct} at ${position.line}:${position.column} is not supported: ${hint}`, {
    construct,
    position,
    hint,
  });
}

/** Refuses the window function `name(…) OVER` at `node`. */
function refuseWindow(ctx: Ctx, node: CstNode, name: string): never {
  return refuse(ctx, node, `the window function ${name}(…) OVER`, 'window functions are not supported; use GROUP BY');
}

/** The query text of `node`, trimmed ('' when it has no range): the default name of an output or group key. */
function sourceText(ctx: Ctx, node: CstNode): string {
  return ctx.text.slice(node.range?.[0] ?? 0, node.range?.[1] ?? 0).trim();
}

function tableOf(ctx: Ctx, source: number): SqlTableSchema {
  const s = ctx.sources[source];
  const t = s ? ctx.schema.tables.get(s.table) : undefined;
  if (!t) throw new DpError('INTERNAL', 'unknown source index');
  return t;
}

function resolveColumn(ctx: Ctx, node: CstNode): PlanExpr & { kind: 'column' } {
  let qualifier: string | undefined;
  let nameNode: CstNode;
  if (node.type === 'member_expr') {
    const obj = child(node, 'object');
    const prop = child(node, 'property');
    if (!obj || !prop || obj.type !== 'identifier' || prop.type !== 'identifier') {
      return refuse(ctx, node, 'a qualified name', 'write table.column or column');
    }
    qualifier = identifierName(obj);
    nameNode = prop;
  } else nameNode = node;
  const name = identifierName(nameNode);
  const matches: number[] = [];
  ctx.sources.forEach((s, i) => {
    if (qualifier !== undefined && s.alias !== qualifier) return;
    if (tableOf(ctx, i).columns.has(name)) matches.push(i);
  });
  if (matches.length === 0) {
    if (qualifier !== undefined && !ctx.sources.some((s) => s.alias === qualifier)) {
      return refuse(ctx, node, `the table or alias "${qualifier}"`, 'name a table of the FROM clause');
    }
    return refuse(ctx, node, `the column "${name}"`, 'use a column declared in the schema');
  }
  if (matches.length > 1) return refuse(ctx, node, `the ambiguous column "${name}"`, 'qualify it as table.column');
  return { kind: 'column', source: matches[0] as number, column: name };
}

function castType(ctx: Ctx, node: CstNode | undefined): PlanCastType {
  let n = node;
  if (n?.type === 'modified_data_type') n = child(n, 'dataType');
  // Type names are keywords (DOUBLE PRECISION) or, for some (text), plain identifiers.
  const name = n && n.type === 'data_type_name' ? keywordText(n.name) : n?.type === 'identifier' ? keywordText(n) : '';
  const t = CAST_TYPES[name];
  if (!t) return refuse(ctx, node, `the type ${name || 'given'}`, `cast to one of ${Object.keys(CAST_TYPES).join(', ')}`);
  return t;
}

interface ExprOptions {
  /** Where the expression sits, for messages. */
  readonly where: string;
}

function funcName(node: CstNode): string {
  const n = child(node, 'name');
  return n ? identifierName(n).toLowerCase() : '';
}

function funcArgs(node: CstNode): { args: CstNode[]; distinct: boolean; argsNode: CstNode | undefined } {
  const paren = child(node, 'args');
  const fa = paren ? child(paren, 'expr') : undefined;
  if (!fa) return { args: [], distinct: false, argsNode: paren };
  if (fa.type !== 'func_args') return { args: listItems(fa), distinct: false, argsNode: fa };
  return { args: listItems(child(fa, 'args')), distinct: fa.distinctKw !== undefined && fa.distinctKw !== null, argsNode: fa };
}

function isTextExpr(ctx: Ctx, e: PlanExpr): boolean {
  switch (e.kind) {
    case 'column':
      return tableOf(ctx, e.source).columns.get(e.column)?.type === 'string';
    case 'binary':
      return e.op === '||';
    case 'func':
      return (
        e.name === 'lower' || e.name === 'upper' || e.name === 'trim' || (e.name === 'coalesce' && e.args.some((a) => isTextExpr(ctx, a)))
      );
    case 'case':
      return e.whens.some((w) => isTextExpr(ctx, w.result)) || (e.otherwise !== null && isTextExpr(ctx, e.otherwise));
    case 'cast':
      return e.to === 'varchar';
    default:
      return false;
  }
}

/**
 * A CAST of text to another type could fail on some rows only, and that
 * failure would be a data-dependent signal (PostgreSQL has no TRY_CAST): such
 * casts are refused; casts of literals and of typed columns are fine.
 */
function checkedCast(ctx: Ctx, node: CstNode, arg: PlanExpr, to: PlanCastType): PlanExpr {
  if (to !== 'varchar' && isTextExpr(ctx, arg)) {
    return refuse(ctx, node, `a CAST of text to ${to}`, 'compare text as text, or declare the column with its real type in the schema');
  }
  return { kind: 'cast', arg, to };
}

/** Converts a scalar (row-level) expression. Aggregates are refused here. */
function scalar(ctx: Ctx, node: CstNode, opts: ExprOptions): PlanExpr {
  switch (node.type) {
    case 'identifier':
    case 'member_expr':
      return resolveColumn(ctx, node);
    case 'number_literal': {
      const v = Number(node.value);
      if (!Number.isFinite(v)) return refuse(ctx, node, 'a number literal', 'use a finite number');
      return { kind: 'literal', value: v };
    }
    case 'string_literal':
      return { kind: 'literal', value: String(node.value) };
    case 'boolean_literal':
      return { kind: 'literal', value: Boolean(node.value) };
    case 'null_literal':
      return { kind: 'literal', value: null };
    case 'date_literal': {
      const s = child(node, 'string');
      return { kind: 'cast', arg: { kind: 'literal', value: String(s?.value ?? '') }, to: 'date' };
    }
    case 'paren_expr': {
      const inner = child(node, 'expr');
      if (!inner) return refuse(ctx, node, 'empty parentheses', 'remove them');
      if (inner.type === 'select_stmt' || inner.type === 'compound_select_stmt')
        return refuse(ctx, node, 'a subquery', 'subqueries are not supported; join a public table or filter with WHERE instead');
      if (inner.type === 'list_expr') return refuse(ctx, node, 'a row value', 'compare single values');
      return scalar(ctx, inner, opts);
    }
    case 'prefix_op_expr': {
      const op = keywordText(node.operator);
      const arg = child(node, 'expr');
      if (!arg) return refuse(ctx, node, 'an operator', 'give it an operand');
      if (op === '-') return { kind: 'unary', op: '-', arg: scalar(ctx, arg, opts) };
      if (op === '+') return scalar(ctx, arg, opts);
      if (op === 'NOT') return { kind: 'unary', op: 'NOT', arg: scalar(ctx, arg, opts) };
      if (op === 'EXISTS') return refuse(ctx, node, 'EXISTS (subquery)', 'subqueries are not supported');
      return refuse(ctx, node, `the operator ${op}`, 'use arithmetic, comparison, AND/OR/NOT, IN, BETWEEN, LIKE or IS NULL');
    }
    case 'binary_expr': {
      const op = keywordText(node.operator);
      const left = child(node, 'left');
      const right = child(node, 'right');
      if (!left || !right) return refuse(ctx, node, 'an operator', 'give it two operands');
      if (op === 'IN' || op === 'NOT IN') {
        const inner = right.type === 'paren_expr' ? child(right, 'expr') : undefined;
        if (!inner || inner.type === 'select_stmt' || inner.type === 'compound_select_stmt')
          return refuse(ctx, right, 'IN (subquery)', 'list literal values: x IN (1, 2, 3)');
        return {
          kind: 'in',
          arg: scalar(ctx, left, opts),
          list: listItems(inner).map((i) => scalar(ctx, i, opts)),
          negated: op === 'NOT IN',
        };
      }
      if (op === 'IS' || op === 'IS NOT') {
        if (right.type !== 'null_literal') return refuse(ctx, node, `${op} with a non-NULL operand`, 'use IS NULL, IS NOT NULL or =');
        return { kind: 'isNull', arg: scalar(ctx, left, opts), negated: op === 'IS NOT' };
      }
      const mapped = BINARY_OPS[op];
      if (!mapped || mapped === '%')
        return refuse(ctx, node, `the operator ${op}`, 'use + - * /, comparison, AND/OR/NOT, IN, BETWEEN, LIKE or IS NULL');
      const r = scalar(ctx, right, opts);
      if (mapped === '/' && !(r.kind === 'literal' && typeof r.value === 'number' && r.value !== 0)) {
        // A data-dependent division by zero would raise a data-dependent engine error.
        return refuse(ctx, node, 'division by a non-constant', 'divide by a non-zero number literal');
      }
      if (mapped.includes('LIKE') && !(r.kind === 'literal' && typeof r.value === 'string' && likePatternIsSafe(r.value))) {
        // PostgreSQL raises "LIKE pattern must not end with escape character" only for the rows it reaches:
        // a data-dependent engine error (whether any row passes the rest of the WHERE clause).
        return refuse(ctx, node, `${op} with this pattern`, 'give a text literal pattern that does not end with a lone backslash');
      }
      return { kind: 'binary', op: mapped, left: scalar(ctx, left, opts), right: r };
    }
    case 'between_expr': {
      const kw = keywordText(node.betweenKw);
      const [a, lo, hi] = [child(node, 'left'), child(node, 'begin'), child(node, 'end')];
      if (!a || !lo || !hi) return refuse(ctx, node, 'BETWEEN', 'write x BETWEEN a AND b');
      if (kw.includes('SYMMETRIC')) return refuse(ctx, node, 'BETWEEN SYMMETRIC', 'write x BETWEEN a AND b with a <= b');
      return {
        kind: 'between',
        arg: scalar(ctx, a, opts),
        low: scalar(ctx, lo, opts),
        high: scalar(ctx, hi, opts),
        negated: kw.startsWith('NOT'),
      };
    }
    case 'case_expr': {
      const subject = child(node, 'expr');
      const subj = subject ? scalar(ctx, subject, opts) : null;
      const whens: { condition: PlanExpr; result: PlanExpr }[] = [];
      let otherwise: PlanExpr | null = null;
      for (const c of Array.isArray(node.clauses) ? node.clauses.filter(isNode) : []) {
        const res = child(c, 'result');
        if (!res) return refuse(ctx, c, 'a CASE branch', 'give each branch a result');
        if (c.type === 'case_when') {
          const cond = child(c, 'condition');
          if (!cond) return refuse(ctx, c, 'WHEN', 'give a condition');
          const w = scalar(ctx, cond, opts);
          whens.push({ condition: subj ? { kind: 'binary', op: '=', left: subj, right: w } : w, result: scalar(ctx, res, opts) });
        } else if (c.type === 'case_else') otherwise = scalar(ctx, res, opts);
        else return refuse(ctx, c, `the CASE clause ${c.type}`, 'use WHEN … THEN … ELSE … END');
      }
      return { kind: 'case', whens, otherwise };
    }
    case 'cast_expr': {
      const p = child(node, 'args');
      const arg = p ? child(p, 'expr') : undefined;
      const inner = arg ? child(arg, 'expr') : undefined;
      if (!arg || !inner) return refuse(ctx, node, 'CAST', 'write CAST(x AS type)');
      return checkedCast(ctx, node, scalar(ctx, inner, opts), castType(ctx, child(arg, 'dataType')));
    }
    case 'cast_operator_expr': {
      const left = child(node, 'left');
      if (!left) return refuse(ctx, node, '::', 'write x::type');
      return checkedCast(ctx, node, scalar(ctx, left, opts), castType(ctx, child(node, 'right')));
    }
    case 'func_call': {
      const name = funcName(node);
      if (node.over) return refuseWindow(ctx, node, name);
      if (AGGREGATES.has(name))
        return refuse(
          ctx,
          node,
          `the aggregate ${name.toUpperCase()} ${opts.where}`,
          'aggregates may appear only as SELECT outputs (or in HAVING/ORDER BY as copies of them)',
        );
      const f = FUNCTIONS[name];
      if (!f) {
        const why = DANGEROUS.test(name) ? 'system, file, catalog and side-effect functions are refused' : 'it is not on the allow-list';
        return refuse(ctx, node, `the function ${name}()`, `${why}; allowed: ${Object.keys(FUNCTIONS).join(', ')}`);
      }
      const { args, distinct } = funcArgs(node);
      if (distinct) return refuse(ctx, node, `DISTINCT in ${name}()`, 'remove DISTINCT');
      if (node.filter) return refuse(ctx, node, 'FILTER (WHERE …)', 'use CASE WHEN inside the aggregate instead');
      return { kind: 'func', name: f, args: args.map((a) => scalar(ctx, a, opts)) };
    }
    case 'all_columns':
      return refuse(ctx, node, '*', 'name the aggregates to release; raw rows are never released');
    case 'select_stmt':
      return refuse(ctx, node, 'a subquery', 'subqueries are not supported');
    case 'parameter':
      return refuse(ctx, node, 'a bind parameter', 'write the literal value; tsdp passes literals as parameters itself');
    default:
      return refuse(
        ctx,
        node,
        `the expression ${node.type.replace(/_/g, ' ')}`,
        'use columns, literals, arithmetic, CASE, CAST and allow-listed functions',
      );
  }
}

function numberLiteral(ctx: Ctx, node: CstNode | undefined, what: string): number {
  let n = node;
  let sign = 1;
  if (n?.type === 'prefix_op_expr' && keywordText(n.operator) === '-') {
    sign = -1;
    n = child(n, 'expr');
  }
  if (n?.type !== 'number_literal') return refuse(ctx, node, what, 'write a number literal');
  return sign * Number(n.value);
}

function isUnitColumn(ctx: Ctx, e: PlanExpr): boolean {
  if (e.kind !== 'column') return false;
  const t = tableOf(ctx, e.source);
  return t.privacyUnit === e.column;
}

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

function aggregate(ctx: Ctx, node: CstNode, rowLevel: boolean): PlanAggregate {
  const name = funcName(node);
  if (node.over) return refuseWindow(ctx, node, name);
  if (node.filter) return refuse(ctx, node, 'FILTER (WHERE …)', 'use CASE WHEN inside the aggregate instead');
  const { args, distinct } = funcArgs(node);
  const one = (): CstNode => {
    if (args.length !== 1) return refuse(ctx, node, `${name.toUpperCase()} with ${args.length} arguments`, 'give exactly one argument');
    return args[0] as CstNode;
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
      const [xNode, pNode] = name === 'percentile_cont' ? [args[1], args[0]] : [args[0], args[1]];
      const p = numberLiteral(ctx, pNode, 'the quantile level');
      if (!(p >= 0 && p <= 1)) return refuse(ctx, pNode, 'a quantile level outside [0, 1]', 'give p between 0 and 1');
      return { kind: 'quantile', measure: measure(ctx, xNode as CstNode, name), p, label: `quantile ${p}` };
    }
    default:
      return refuse(ctx, node, `the aggregate ${name}`, 'use COUNT, SUM, AVG, VARIANCE, STDDEV, MEDIAN, QUANTILE, MIN or MAX');
  }
}

function readSource(ctx: Ctx, node: CstNode): PlanSource {
  let tableNode = node;
  let alias: string | undefined;
  if (node.type === 'alias') {
    const e = child(node, 'expr');
    const a = child(node, 'alias');
    if (!e || !a) return refuse(ctx, node, 'an alias', 'write table AS alias');
    tableNode = e;
    alias = identifierName(a);
  }
  if (tableNode.type === 'func_call') {
    return refuse(
      ctx,
      tableNode,
      `the table function ${funcName(tableNode)}()`,
      'file, system and table functions are refused; query a table declared in the schema',
    );
  }
  if (tableNode.type === 'paren_expr') return refuse(ctx, tableNode, 'a subquery in FROM', 'query a table declared in the schema');
  if (tableNode.type === 'member_expr')
    return refuse(ctx, tableNode, 'a schema-qualified table', 'name a table declared in the schema, without schema prefix');
  if (tableNode.type !== 'identifier')
    return refuse(ctx, tableNode, `the FROM item ${tableNode.type.replace(/_/g, ' ')}`, 'name a table declared in the schema');
  const table = identifierName(tableNode);
  const t = ctx.schema.tables.get(table);
  if (!t)
    return refuse(
      ctx,
      tableNode,
      `the table "${table}"`,
      `query a table declared in the schema (${[...ctx.schema.tables.keys()].join(', ')})`,
    );
  const a = alias ?? table;
  if (ctx.sources.some((s) => s.alias === a))
    return refuse(ctx, tableNode, `the repeated table or alias "${a}"`, 'give each table a distinct alias');
  return { table, alias: a, isPublic: t.isPublic };
}

function conjuncts(e: PlanExpr): PlanExpr[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** The `column = column` conjuncts of a join condition, as (left, right) pairs. */
function columnEqualities(on: PlanExpr): [PlanExpr & { kind: 'column' }, PlanExpr & { kind: 'column' }][] {
  return conjuncts(on).flatMap((c) =>
    c.kind === 'binary' && c.op === '=' && c.left.kind === 'column' && c.right.kind === 'column' ? [[c.left, c.right]] : [],
  );
}

function readFrom(ctx: Ctx, node: CstNode | undefined): PlanJoin[] {
  if (!node) return refuse(ctx, undefined, 'a query without FROM', 'select FROM a table declared in the schema');
  const joins: PlanJoin[] = [];
  const walk = (n: CstNode): void => {
    if (n.type !== 'join_expr') {
      ctx.sources.push(readSource(ctx, n));
      return;
    }
    const left = child(n, 'left');
    const right = child(n, 'right');
    if (!left || !right) refuse(ctx, n, 'a join', 'write a JOIN b ON …');
    walk(left);
    const op = keywordText(n.operator);
    const type = op === 'JOIN' || op === 'INNER JOIN' ? 'inner' : op === 'LEFT JOIN' || op === 'LEFT OUTER JOIN' ? 'left' : undefined;
    if (!type) {
      refuse(
        ctx,
        n,
        op === ',' ? 'a comma join' : `${op}`,
        'use [INNER] JOIN or LEFT JOIN … ON with an equality; cross, right and full joins are unbounded',
      );
    }
    const index = ctx.sources.length;
    ctx.sources.push(readSource(ctx, right));
    const spec = child(n, 'specification');
    let on: PlanExpr;
    if (spec?.type === 'join_on_specification') {
      const e = child(spec, 'expr');
      if (!e) refuse(ctx, spec, 'ON', 'give a join condition');
      on = scalar(ctx, e, { where: 'in ON' });
    } else if (spec?.type === 'join_using_specification') {
      const p = child(spec, 'expr');
      const cols = listItems(p && p.type === 'paren_expr' ? child(p, 'expr') : p);
      const eqs: PlanExpr[] = cols.map((c) => {
        const name = identifierName(c);
        const r = resolveColumn(ctx, {
          type: 'member_expr',
          object: { type: 'identifier', text: ctx.sources[index]?.alias, name: ctx.sources[index]?.alias },
          property: c,
          range: c.range,
        } as CstNode);
        const prev = ctx.sources.findIndex((_, i) => i < index && tableOf(ctx, i).columns.has(name));
        if (prev < 0) refuse(ctx, c, `USING (${name})`, 'join on a column both tables declare');
        return { kind: 'binary', op: '=', left: { kind: 'column', source: prev, column: name }, right: r };
      });
      if (eqs.length === 0) refuse(ctx, spec, 'USING ()', 'name the join columns');
      on = eqs.reduce((a, b) => ({ kind: 'binary', op: 'AND', left: a, right: b }));
    } else refuse(ctx, n, 'a join without ON', 'join ON an equality of columns');
    const joined = ctx.sources[index] as PlanSource;
    const pairs = columnEqualities(on).map(([l, r]) => (l.source === index ? { mine: l, other: r } : { mine: r, other: l }));
    const linking = pairs.filter((p) => p.mine.source === index && p.other.source < index);
    if (joined.isPublic) {
      if (linking.length === 0)
        refuse(
          ctx,
          right,
          `the join with "${joined.alias}"`,
          'join ON an equality between a column of it and a column of an earlier table',
        );
      joins.push({ source: index, type, on, kind: 'public' });
    } else {
      const mineUnit = tableOf(ctx, index).privacyUnit;
      const unitLink = linking.find((p) => p.mine.column === mineUnit && isUnitColumn(ctx, p.other));
      if (!mineUnit || !unitLink) {
        refuse(
          ctx,
          right,
          `the join of private table "${joined.alias}"`,
          'private tables may be joined only ON equal privacy-unit columns (both tables need a declared privacyUnit); otherwise the join is unbounded',
        );
      }
      joins.push({ source: index, type, on, kind: 'unit' });
    }
  };
  walk(node);
  if (ctx.sources[0]?.isPublic)
    return refuse(
      ctx,
      node,
      `the public table "${ctx.sources[0].alias}" first in FROM`,
      'put the private table first and join public tables to it',
    );
  return joins;
}

/** True when a LIKE pattern does not end with an unescaped backslash (PostgreSQL's default escape character). */
function likePatternIsSafe(pattern: string): boolean {
  const trailing = /\\*$/.exec(pattern)?.[0].length ?? 0;
  return trailing % 2 === 0;
}

/** Every column an expression reads. */
function columnsOf(e: PlanExpr): (PlanExpr & { kind: 'column' })[] {
  switch (e.kind) {
    case 'column':
      return [e];
    case 'literal':
      return [];
    case 'unary':
    case 'cast':
    case 'isNull':
      return columnsOf(e.arg);
    case 'binary':
      return [...columnsOf(e.left), ...columnsOf(e.right)];
    case 'in':
      return [...columnsOf(e.arg), ...e.list.flatMap(columnsOf)];
    case 'between':
      return [...columnsOf(e.arg), ...columnsOf(e.low), ...columnsOf(e.high)];
    case 'case':
      return [
        ...e.whens.flatMap((w) => [...columnsOf(w.condition), ...columnsOf(w.result)]),
        ...(e.otherwise ? columnsOf(e.otherwise) : []),
      ];
    case 'func':
      return e.args.flatMap(columnsOf);
    default: {
      const never: never = e;
      throw new DpError('INTERNAL', `unknown expression ${JSON.stringify(never)}`);
    }
  }
}

/** The value of a numeric expression of one column at `v`, in double precision as the engines compute it; undefined when not evaluable here. */
function evalAt(e: PlanExpr, v: number): number | undefined {
  switch (e.kind) {
    case 'column':
      return v;
    case 'literal':
      return typeof e.value === 'number' ? e.value : undefined;
    case 'unary': {
      const a = e.op === '-' ? evalAt(e.arg, v) : undefined;
      return a === undefined ? undefined : -a;
    }
    case 'binary': {
      const a = evalAt(e.left, v);
      const b = evalAt(e.right, v);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return b === 0 ? undefined : a / b;
        default:
          return undefined;
      }
    }
    case 'func': {
      const args = e.args.map((x) => evalAt(x, v));
      if (args.some((x) => x === undefined) || args.length === 0) return undefined;
      const xs = args as number[];
      const a = xs[0] as number;
      switch (e.name) {
        case 'floor':
          return xs.length === 1 ? Math.floor(a) : undefined;
        case 'ceil':
          return xs.length === 1 ? Math.ceil(a) : undefined;
        case 'abs':
          return Math.abs(a);
        case 'least':
          return Math.min(...xs);
        case 'greatest':
          return Math.max(...xs);
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

/**
 * The exact set of values of an integer-valued expression of one bounded integer column (e.g.
 * FLOOR(age / 10) * 10 over age ∈ [17, 90]: 10, 20, …, 90), from the schema alone; null otherwise.
 */
function integerImage(ctx: Ctx, e: PlanExpr): number[] | null {
  const cols = columnsOf(e);
  const first = cols[0];
  if (!first || cols.some((c) => c.source !== first.source || c.column !== first.column)) return null;
  const spec = tableOf(ctx, first.source).columns.get(first.column);
  if (spec?.type !== 'integer' || spec.lower === undefined || spec.upper === undefined) return null;
  if (!(spec.upper - spec.lower < MAX_EXPRESSION_KEYS)) return null;
  const values = new Set<number>();
  for (let v = Math.ceil(spec.lower); v <= spec.upper; v++) {
    const x = evalAt(e, v);
    if (x === undefined || !Number.isSafeInteger(x)) return null;
    values.add(x === 0 ? 0 : x);
  }
  return [...values].sort((a, b) => a - b);
}

/** Most integer keys a GROUP BY expression may declare from its bounds. */
const MAX_EXPRESSION_KEYS = 1000;

/**
 * Public keys of a GROUP BY expression, from the schema alone: the literal results of a CASE
 * (the NULL group of a CASE without ELSE is not released), true/false for a condition, or every integer within the
 * bounds of an integer-valued expression (at most MAX_EXPRESSION_KEYS); otherwise null (DP
 * partition selection).
 */
function expressionCategories(ctx: Ctx, e: PlanExpr): (string | number | boolean)[] | null {
  if (e.kind === 'case') {
    const results = [...e.whens.map((w) => w.result), ...(e.otherwise ? [e.otherwise] : [])];
    if (results.every((r) => r.kind === 'literal' && r.value !== null)) {
      const values = results.map((r) => (r as { value: string | number | boolean }).value);
      return [...new Set(values)];
    }
  }
  if (isBooleanExpr(e, (src, c) => tableOf(ctx, src).columns.get(c)?.type)) return [true, false];
  const image = integerImage(ctx, e);
  if (image) return image;
  const iv = intervalOf(
    e,
    ctx.schema,
    ctx.sources.map((x) => x.table),
  );
  if (iv?.integral && iv.upper - iv.lower < MAX_EXPRESSION_KEYS) {
    return Array.from({ length: iv.upper - iv.lower + 1 }, (_, i) => iv.lower + i);
  }
  return null;
}

/** The aggregate outputs (indices into `outputs`) a post-processing expression reads. */
export function aggregatesIn(e: PlanPostExpr, outputs: readonly PlanOutput[]): Set<number> {
  switch (e.kind) {
    case 'output':
      return outputs[e.index]?.kind === 'aggregate' ? new Set([e.index]) : new Set();
    case 'literal':
      return new Set();
    case 'unary':
      return aggregatesIn(e.arg, outputs);
    case 'binary':
      return new Set([...aggregatesIn(e.left, outputs), ...aggregatesIn(e.right, outputs)]);
    default:
      return new Set();
  }
}

function sameExpr(a: PlanExpr, b: PlanExpr): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks `text` against the allow-list and returns its immutable plan.
 * @param text - one SQL SELECT statement (PostgreSQL syntax).
 * @param schema - the data set's privacy schema.
 * @returns the frozen plan.
 * @throws DpError UNSUPPORTED_QUERY naming the construct, its line:column and a fix.
 * @example
 * const plan = planDpQuery('SELECT education, COUNT(*) FROM adult GROUP BY education', schema);
 */
export function planDpQuery(text: string, schema: SqlSchema): QueryPlan {
  const ctx: Ctx = { text, schema, sources: [] };
  const stmt = parseOneStatement(text) as unknown as CstNode;
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

  // Privacy unit and contribution bounds.
  const privateSources = ctx.sources.map((s, i) => ({ s, i })).filter(({ s }) => !s.isPublic);
  const privTables = privateSources.map(({ i }) => tableOf(ctx, i));
  const rowLevel = privTables[0]?.privacyUnit === undefined;
  if (rowLevel && privTables.length > 1) {
    return refuse(
      ctx,
      fromClause,
      'a join between private tables without privacy units',
      'declare privacyUnit on both tables and join on it',
    );
  }
  for (const j of joins) {
    if (j.kind !== 'public' || !rowLevel) continue;
    // Each row is its own unit: a join must not repeat a private row, so the public side's join column must be unique.
    const uniqueLink = columnEqualities(j.on).some(([l, r]) => {
      const mine = l.source === j.source ? l : r.source === j.source ? r : undefined;
      return mine !== undefined && tableOf(ctx, mine.source).columns.get(mine.column)?.unique === true;
    });
    if (!uniqueLink) {
      return refuse(
        ctx,
        fromClause,
        `the join with "${ctx.sources[j.source]?.alias}" that may repeat rows`,
        'each row is its own privacy unit here: join on a column declared unique: true in the public table, or declare a privacyUnit',
      );
    }
  }
  const unitSource = privateSources[0];
  const privacy = rowLevel
    ? { rowLevel: true, unit: null, maxPartitions: 1, maxContributionsPerPartition: 1 }
    : {
        rowLevel: false,
        unit: { kind: 'column', source: unitSource?.i ?? 0, column: privTables[0]?.privacyUnit ?? '' } as PlanExpr,
        maxPartitions: Math.min(...privTables.map((t) => t.maxPartitions)),
        maxContributionsPerPartition: Math.min(...privTables.map((t) => t.maxContributionsPerPartition)),
      };

  const whereClause = byType.get('where_clause');
  const whereNode = whereClause ? child(whereClause, 'expr') : undefined;
  const where = whereNode ? scalar(ctx, whereNode, { where: 'in WHERE' }) : null;

  // SELECT items (names first, for GROUP BY aliases and ordinals).
  const items = listItems(child(select, 'columns')).map((item) => {
    if (item.type === 'alias') {
      const e = child(item, 'expr');
      const a = child(item, 'alias');
      if (!e || !a) return refuse(ctx, item, 'an alias', 'write expr AS name');
      return { node: e, name: identifierName(a), explicit: true };
    }
    return { node: item, name: '', explicit: false };
  });
  if (items.length === 0) return refuse(ctx, select, 'an empty SELECT list', 'name the aggregates to release');

  const groupClause = byType.get('group_by_clause');
  const groupBy: PlanGroupKey[] = [];
  for (const g of listItems(groupClause ? child(groupClause, 'columns') : undefined)) {
    let target = g;
    let item: (typeof items)[number] | undefined;
    if (g.type === 'number_literal') {
      const k = Number(g.value);
      const it = items[k - 1];
      if (!Number.isInteger(k) || !it) return refuse(ctx, g, `GROUP BY ${k}`, 'give the position of a SELECT column');
      target = it.node;
      item = it;
    } else if (g.type === 'identifier') {
      const alias = items.find((it) => it.explicit && it.name === identifierName(g));
      if (alias && !ctx.sources.some((_, i) => tableOf(ctx, i).columns.has(identifierName(g)))) {
        target = alias.node;
        item = alias;
      }
    }
    if (target.type !== 'identifier' && target.type !== 'member_expr') {
      // GROUP BY a row expression (FLOOR(age / 10), a CASE, …): evaluated in the engine like a column.
      const expr = scalar(ctx, target, { where: 'in GROUP BY' });
      if (columnsOf(expr).some((c) => isUnitColumn(ctx, c))) {
        return refuse(
          ctx,
          g,
          'GROUP BY an expression of the privacy unit',
          'results per person are never released; group by other columns',
        );
      }
      if (columnsOf(expr).length === 0) return refuse(ctx, g, 'GROUP BY a constant', 'group by columns or expressions of columns');
      if (groupBy.some((k) => sameExpr(k.expr, expr))) continue;
      const name = item?.explicit ? item.name : sourceText(ctx, target).toLowerCase();
      groupBy.push({ name, expr, categories: expressionCategories(ctx, expr) });
      continue;
    }
    const col = resolveColumn(ctx, target);
    if (isUnitColumn(ctx, col)) {
      return refuse(ctx, g, 'GROUP BY the privacy unit', 'results per person are never released; group by another column');
    }
    if (groupBy.some((k) => sameExpr(k.expr, col))) continue;
    const spec = tableOf(ctx, col.source).columns.get(col.column);
    groupBy.push({ name: col.column, expr: col, categories: spec?.categories ? [...spec.categories] : null });
  }

  // A SELECT item that is a GROUP BY expression (the same expression, or named by its alias or position).
  const expressionKeyOf = (node: CstNode): number => {
    if (!groupBy.some((k) => k.expr.kind !== 'column') || node.type === 'identifier' || node.type === 'member_expr') return -1;
    let expr: PlanExpr;
    try {
      expr = scalar(ctx, node, { where: 'in a SELECT output' });
    } catch (e) {
      // Not a row expression (it holds an aggregate, say): an output expression, planned below.
      if (e instanceof DpError && e.code === 'UNSUPPORTED_QUERY') return -1;
      throw e;
    }
    return groupBy.findIndex((k) => sameExpr(k.expr, expr));
  };
  const outputs: PlanOutput[] = [];
  // Output expressions over aggregates (e.g. SUM(x) / COUNT(*)), planned once every plain output is known.
  const derivedItems: { index: number; node: CstNode }[] = [];
  for (const it of items) {
    const node = it.node;
    if (node.type === 'func_call' && AGGREGATES.has(funcName(node))) {
      const agg = aggregate(ctx, node, privacy.rowLevel);
      const label = it.explicit ? it.name : (sourceText(ctx, node) || funcName(node)).toLowerCase();
      outputs.push({ kind: 'aggregate', name: label, aggregate: agg });
      continue;
    }
    if (node.type === 'all_columns')
      return refuse(ctx, node, 'SELECT *', 'name the group keys and aggregates to release; raw rows are never released');
    if (node.type === 'identifier' || node.type === 'member_expr') {
      const col = resolveColumn(ctx, node);
      const key = groupBy.findIndex((k) => sameExpr(k.expr, col));
      if (key < 0) {
        return refuse(ctx, node, `the raw column "${col.column}" in the output`, 'aggregate it (COUNT, SUM, AVG, …) or add it to GROUP BY');
      }
      outputs.push({ kind: 'key', name: it.explicit ? it.name : col.column, key });
      continue;
    }
    if (node.type === 'func_call' && node.over) return refuseWindow(ctx, node, funcName(node));
    const exprKey = expressionKeyOf(node);
    if (exprKey >= 0) {
      outputs.push({ kind: 'key', name: it.explicit ? it.name : (groupBy[exprKey] as PlanGroupKey).name, key: exprKey });
      continue;
    }
    if (['binary_expr', 'paren_expr', 'prefix_op_expr'].includes(node.type)) {
      const label = it.explicit ? it.name : sourceText(ctx, node).toLowerCase();
      derivedItems.push({ index: outputs.length, node });
      outputs.push({ kind: 'derived', name: label, expr: { kind: 'literal', value: null } });
      continue;
    }
    return refuse(
      ctx,
      node,
      `the output expression ${node.type.replace(/_/g, ' ')}`,
      'output group-key columns, DP aggregates, and arithmetic (+ - * /) over them',
    );
  }
  const names = new Set<string>();
  for (const o of outputs) {
    if (names.has(o.name)) return refuse(ctx, select, `the duplicate output name "${o.name}"`, 'give each output a distinct alias with AS');
    names.add(o.name);
  }
  if (!outputs.some((o) => o.kind === 'aggregate' || o.kind === 'derived'))
    return refuse(ctx, select, 'a SELECT without aggregates', 'add an aggregate such as COUNT(*)');

  // Post-processing over the noisy outputs: derived outputs, HAVING, ORDER BY. An aggregate they name that is not
  // a SELECT output becomes a hidden output: released with noise and charged like the others, but not printed.
  const outputRef = (n: CstNode): number => {
    if (n.type === 'identifier') {
      const name = identifierName(n);
      const byName = outputs.findIndex((o) => o.name === name);
      if (byName >= 0) return byName;
    }
    if (n.type === 'identifier' || n.type === 'member_expr') {
      const col = resolveColumn(ctx, n);
      const i = outputs.findIndex((o) => o.kind === 'key' && sameExpr(groupBy[o.key]?.expr as PlanExpr, col));
      if (i >= 0) return i;
      return refuse(ctx, n, `the column "${col.column}" after GROUP BY`, 'refer to an output of the SELECT list');
    }
    if (n.type === 'func_call' && AGGREGATES.has(funcName(n))) {
      const agg = aggregate(ctx, n, privacy.rowLevel);
      const i = outputs.findIndex((o) => o.kind === 'aggregate' && JSON.stringify(o.aggregate) === JSON.stringify(agg));
      if (i >= 0) return i;
      const label = (sourceText(ctx, n) || funcName(n)).toLowerCase();
      outputs.push({ kind: 'aggregate', name: label, aggregate: agg, hidden: true });
      return outputs.length - 1;
    }
    return -1;
  };
  let clause = 'HAVING';
  const post = (n: CstNode): PlanPostExpr => {
    const ref = outputRef(n);
    if (ref >= 0 && clause === 'an output expression' && outputs[ref]?.kind === 'derived')
      return refuse(ctx, n, `the output "${outputs[ref]?.name}" inside another output expression`, 'repeat its expression instead');
    if (ref >= 0) return { kind: 'output', index: ref };
    switch (n.type) {
      case 'number_literal':
        return { kind: 'literal', value: Number(n.value) };
      case 'string_literal':
        return { kind: 'literal', value: String(n.value) };
      case 'boolean_literal':
        return { kind: 'literal', value: Boolean(n.value) };
      case 'paren_expr': {
        const e = child(n, 'expr');
        if (!e) return refuse(ctx, n, 'empty parentheses', 'remove them');
        return post(e);
      }
      case 'prefix_op_expr': {
        const op = keywordText(n.operator);
        const e = child(n, 'expr');
        if (!e || (op !== '-' && op !== 'NOT'))
          return refuse(ctx, n, `the operator ${op} in ${clause}`, 'use arithmetic, comparisons, AND/OR/NOT');
        return { kind: 'unary', op, arg: post(e) };
      }
      case 'binary_expr': {
        const op = BINARY_OPS[keywordText(n.operator)];
        const l = child(n, 'left');
        const r = child(n, 'right');
        if (!op || !l || !r || op.includes('LIKE'))
          return refuse(ctx, n, `the operator ${keywordText(n.operator)} in ${clause}`, 'use arithmetic, comparisons, AND/OR/NOT');
        return { kind: 'binary', op, left: post(l), right: post(r) };
      }
      default:
        return refuse(
          ctx,
          n,
          `the expression ${n.type.replace(/_/g, ' ')} in ${clause}`,
          'use outputs, aggregates, group keys, literals, arithmetic and comparisons',
        );
    }
  };
  clause = 'an output expression';
  for (const d of derivedItems) {
    const expr = post(d.node);
    const name = (outputs[d.index] as PlanOutput).name;
    if (aggregatesIn(expr, outputs).size === 0)
      return refuse(
        ctx,
        d.node,
        `the output expression "${name}" without an aggregate`,
        'compute it from DP aggregates such as SUM(x) / COUNT(*)',
      );
    outputs[d.index] = { kind: 'derived', name, expr };
  }
  clause = 'HAVING';
  const havingClause = byType.get('having_clause');
  const havingNode = havingClause ? child(havingClause, 'expr') : undefined;
  const having = havingNode ? post(havingNode) : null;

  const orderBy: { output: number; descending: boolean }[] = [];
  const orderClause = byType.get('order_by_clause');
  for (const spec of listItems(orderClause ? child(orderClause, 'specifications') : undefined)) {
    const e = spec.type === 'sort_specification' ? child(spec, 'expr') : spec;
    if (!e) return refuse(ctx, spec, 'ORDER BY', 'order by an output');
    let index: number;
    if (e.type === 'number_literal') {
      index = Number(e.value) - 1;
      if (!Number.isInteger(index) || index < 0 || index >= outputs.length)
        return refuse(ctx, e, `ORDER BY ${e.value}`, 'give the position of a SELECT column');
    } else {
      index = outputRef(e);
      if (index < 0) return refuse(ctx, e, `ORDER BY ${e.type.replace(/_/g, ' ')}`, 'order by an output name, position or group key');
    }
    const dir = spec.type === 'sort_specification' ? child(spec, 'direction') : undefined;
    if (spec.type === 'sort_specification' && spec.nulls) return refuse(ctx, spec, 'NULLS FIRST/LAST', 'remove it');
    orderBy.push({ output: index, descending: dir?.type === 'sort_direction_desc' });
  }
  let limit: number | null = null;
  let offset = 0;
  const limitClause = byType.get('limit_clause');
  if (limitClause) {
    const count = child(limitClause, 'count');
    if (count) {
      limit = numberLiteral(ctx, count, 'LIMIT');
      if (!Number.isSafeInteger(limit) || limit < 0) return refuse(ctx, count, 'LIMIT', 'give a non-negative integer');
    }
    const off = child(limitClause, 'offset');
    if (off) {
      offset = numberLiteral(ctx, off, 'OFFSET');
      if (!Number.isSafeInteger(offset) || offset < 0) return refuse(ctx, off, 'OFFSET', 'give a non-negative integer');
    }
  }
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
