/**
 * Row expressions: the allow-list of scalar operators, functions and casts,
 * and the conversion of a CST expression into a `PlanExpr` (evaluated per row
 * in the engine). Aggregates, subqueries, window functions and everything off
 * the allow-list are refused here.
 * @module
 */
import { assertNever } from '../../core/errors.js';
import { type CstNode, child, isNode, keywordText, listItems } from '../_internal/cst.js';
import { DATE_TRUNC_UNITS, type PlanBinaryOp, type PlanCastType, type PlanExpr, type PlanFunction } from '../plan.js';
import { AGGREGATES } from './aggregate-names.js';
import { type Ctx, funcArgs, funcName, type PlanColumn, refuse, refuseWindow, resolveColumn, tableOf } from './context.js';
import { concatenationGrows, likePatternProblem } from './row-cost.js';

/** Allow-listed scalar functions, by their SQL names. */
export const FUNCTIONS: Record<string, PlanFunction> = {
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
  year: 'year',
  quarter: 'quarter',
  month: 'month',
  day: 'day',
  date_trunc: 'date_trunc',
};

/** The date parts EXTRACT(part FROM d) accepts, as the functions they compile to. */
const EXTRACT_PARTS: Record<string, PlanFunction> = { YEAR: 'year', QUARTER: 'quarter', MONTH: 'month', DAY: 'day' };

/** True when `e` is statically a date (a date column, a cast to date, a date literal, date_trunc). */
function isDateExpr(ctx: Ctx, e: PlanExpr): boolean {
  switch (e.kind) {
    case 'column':
      return tableOf(ctx, e.source).columns.get(e.column)?.type === 'date';
    case 'cast':
      return e.to === 'date';
    case 'func':
      return e.name === 'date_trunc';
    default:
      return false;
  }
}

/** Plans a date function (`year`, `quarter`, `month`, `day`, `date_trunc`) over planned arguments. */
function dateFunction(ctx: Ctx, node: CstNode, name: PlanFunction, args: readonly PlanExpr[]): PlanExpr {
  const upper = name.toUpperCase();
  if (name === 'date_trunc') {
    const [unit, date] = args;
    const unitName = unit?.kind === 'literal' && typeof unit.value === 'string' ? unit.value.toLowerCase() : '';
    if (args.length !== 2 || date === undefined || !DATE_TRUNC_UNITS.includes(unitName))
      return refuse(
        ctx,
        node,
        'DATE_TRUNC with these arguments',
        `write date_trunc('<unit>', date) with unit one of ${DATE_TRUNC_UNITS.join(', ')}`,
      );
    if (!isDateExpr(ctx, date))
      return refuse(ctx, node, 'DATE_TRUNC of a value that is not a date', 'give it a date column or CAST(… AS DATE)');
    return { kind: 'func', name, args: [{ kind: 'literal', value: unitName }, date] };
  }
  const [date] = args;
  if (args.length !== 1 || date === undefined) return refuse(ctx, node, `${upper} with ${args.length} arguments`, 'give it one date');
  if (!isDateExpr(ctx, date))
    return refuse(ctx, node, `${upper} of a value that is not a date`, 'give it a date column or CAST(… AS DATE)');
  return { kind: 'func', name, args: [date] };
}

/** Allow-listed binary operators, by their SQL spelling. */
export const BINARY_OPS: Record<string, PlanBinaryOp> = {
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
export const DANGEROUS =
  /^(read_|pg_|current_|session_|txn_|set_config|nextval|setval|lo_|dblink|copy|query|glob|getenv|load|install|random|gen_random|uuid|now|version|inet_|has_|col_description|obj_description|to_regclass|duckdb_|sqlite_|parquet_|json_|http)/i;

function castType(ctx: Ctx, node: CstNode | undefined): PlanCastType {
  let n = node;
  if (n?.type === 'modified_data_type') n = child(n, 'dataType');
  // Type names are keywords (DOUBLE PRECISION) or, for some (text), plain identifiers.
  const name = n && n.type === 'data_type_name' ? keywordText(n.name) : n?.type === 'identifier' ? keywordText(n) : '';
  const t = CAST_TYPES[name];
  if (!t) return refuse(ctx, node, `the type ${name || 'given'}`, `cast to one of ${Object.keys(CAST_TYPES).join(', ')}`);
  return t;
}

export interface ExprOptions {
  /** Where the expression sits, for messages. */
  readonly where: string;
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

/**
 * Most nodes a row expression may expand to in compiled SQL, counting each operand of `*`, `/` and `%`
 * three times, of `+`, `-` and of a CAST twice: the compiler repeats them (the NULL test of a saturation,
 * overflow and division guards; compile-expr.ts `clamp`), so nesting them multiplies the SQL's size per
 * level, and a short query could otherwise compile to gigabytes (issue 10, item 13).
 */
export const MAX_EXPANDED_SIZE = 4096;

/** The expanded size of `e` (see MAX_EXPANDED_SIZE), stopping early once above `cap`. */
function expandedSize(e: PlanExpr, cap: number): number {
  const sum = (xs: readonly PlanExpr[], factor: number): number => {
    let total = 1;
    for (const x of xs) {
      total += factor * expandedSize(x, cap);
      if (total > cap) return total;
    }
    return total;
  };
  switch (e.kind) {
    case 'column':
    case 'literal':
      return 1;
    case 'unary':
    case 'isNull':
      return sum([e.arg], 1);
    case 'cast':
      return sum([e.arg], 2);
    case 'binary':
      return sum([e.left, e.right], e.op === '*' || e.op === '/' || e.op === '%' ? 3 : e.op === '+' || e.op === '-' ? 2 : 1);
    case 'in':
      return sum([e.arg, ...e.list], 1);
    case 'between':
      return sum([e.arg, e.low, e.high], 1);
    case 'case':
      return sum([...e.whens.flatMap((w) => [w.condition, w.result]), ...(e.otherwise ? [e.otherwise] : [])], 1);
    case 'func':
      // Date functions repeat their date (a guard for infinite dates).
      return sum(
        e.args,
        e.name === 'date_trunc' ? 3 : e.name === 'year' || e.name === 'quarter' || e.name === 'month' || e.name === 'day' ? 2 : 1,
      );
    default:
      return assertNever(e, 'plan expression');
  }
}

/**
 * Converts a scalar (row-level) expression. Aggregates are refused here.
 * @throws DpError UNSUPPORTED_QUERY for anything off the allow-list, or an expression larger than MAX_EXPANDED_SIZE.
 */
export function scalar(ctx: Ctx, node: CstNode, opts: ExprOptions): PlanExpr {
  const expr = rowExpr(ctx, node, opts);
  if (expandedSize(expr, MAX_EXPANDED_SIZE) > MAX_EXPANDED_SIZE) {
    return refuse(
      ctx,
      node,
      `an expression ${opts.where} this large`,
      `expressions may expand to at most ${MAX_EXPANDED_SIZE} terms (each operand of * / % counts three times per level, of + - and CAST twice); simplify it`,
    );
  }
  return expr;
}

/** U+0000, kept out of regular expressions (Biome refuses control characters there). */
const NUL = String.fromCharCode(0);

/**
 * A text literal every engine can bind: no U+0000 (PostgreSQL refuses it in text) and well-formed
 * UTF-16 (no unpaired surrogate). Checked here, before the charge, because an engine that refused
 * the bind after the charge would charge a query for a public cause (review finding 4).
 */
function bindableText(ctx: Ctx, node: CstNode, text: string): string {
  if (text.includes(NUL) || /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) {
    return refuse(ctx, node, 'a text literal with a NUL character or an unpaired surrogate', 'no engine can bind it; remove the character');
  }
  return text;
}

/** The recursive step of `scalar`. */
function rowExpr(ctx: Ctx, node: CstNode, opts: ExprOptions): PlanExpr {
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
      return { kind: 'literal', value: bindableText(ctx, node, String(node.value)) };
    case 'boolean_literal':
      return { kind: 'literal', value: Boolean(node.value) };
    case 'null_literal':
      return { kind: 'literal', value: null };
    case 'date_literal': {
      const s = child(node, 'string');
      return { kind: 'cast', arg: { kind: 'literal', value: bindableText(ctx, node, String(s?.value ?? '')) }, to: 'date' };
    }
    case 'paren_expr': {
      const inner = child(node, 'expr');
      if (!inner) return refuse(ctx, node, 'empty parentheses', 'remove them');
      if (inner.type === 'select_stmt' || inner.type === 'compound_select_stmt')
        return refuse(ctx, node, 'a subquery', 'subqueries are not supported; join a public table or filter with WHERE instead');
      if (inner.type === 'list_expr') return refuse(ctx, node, 'a row value', 'compare single values');
      return rowExpr(ctx, inner, opts);
    }
    case 'prefix_op_expr': {
      const op = keywordText(node.operator);
      const arg = child(node, 'expr');
      if (!arg) return refuse(ctx, node, 'an operator', 'give it an operand');
      if (op === '-') return { kind: 'unary', op: '-', arg: rowExpr(ctx, arg, opts) };
      if (op === '+') return rowExpr(ctx, arg, opts);
      if (op === 'NOT') return { kind: 'unary', op: 'NOT', arg: rowExpr(ctx, arg, opts) };
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
          arg: rowExpr(ctx, left, opts),
          list: listItems(inner).map((i) => rowExpr(ctx, i, opts)),
          negated: op === 'NOT IN',
        };
      }
      if (op === 'IS' || op === 'IS NOT') {
        if (right.type !== 'null_literal') return refuse(ctx, node, `${op} with a non-NULL operand`, 'use IS NULL, IS NOT NULL or =');
        return { kind: 'isNull', arg: rowExpr(ctx, left, opts), negated: op === 'IS NOT' };
      }
      const mapped = BINARY_OPS[op];
      if (!mapped || mapped === '%')
        return refuse(ctx, node, `the operator ${op}`, 'use + - * /, comparison, AND/OR/NOT, IN, BETWEEN, LIKE or IS NULL');
      const r = rowExpr(ctx, right, opts);
      if (mapped === '/' && !(r.kind === 'literal' && typeof r.value === 'number' && r.value !== 0)) {
        // A data-dependent division by zero would raise a data-dependent engine error.
        return refuse(ctx, node, 'division by a non-constant', 'divide by a non-zero number literal');
      }
      if (mapped.includes('LIKE')) {
        // Rule 1 of row-cost.ts: bounded per-row matching time, the same meaning on both engines, no row-dependent
        // error (PostgreSQL raises "LIKE pattern must not end with escape character" only for the rows it reaches).
        if (!(r.kind === 'literal' && typeof r.value === 'string'))
          return refuse(ctx, node, `${op} with a pattern that is not a text literal`, 'give the pattern as a text literal');
        const problem = likePatternProblem(r.value);
        if (problem !== null) return refuse(ctx, node, `${op} with this pattern`, problem);
      }
      const l = rowExpr(ctx, left, opts);
      if (mapped === '||' && concatenationGrows(l, r)) {
        return refuse(
          ctx,
          node,
          'a concatenation of two row values',
          'values may not grow with the data: concatenate one column with literals only (see the per-row cost rule)',
        );
      }
      return { kind: 'binary', op: mapped, left: l, right: r };
    }
    case 'between_expr': {
      const kw = keywordText(node.betweenKw);
      const [a, lo, hi] = [child(node, 'left'), child(node, 'begin'), child(node, 'end')];
      if (!a || !lo || !hi) return refuse(ctx, node, 'BETWEEN', 'write x BETWEEN a AND b');
      if (kw.includes('SYMMETRIC')) return refuse(ctx, node, 'BETWEEN SYMMETRIC', 'write x BETWEEN a AND b with a <= b');
      return {
        kind: 'between',
        arg: rowExpr(ctx, a, opts),
        low: rowExpr(ctx, lo, opts),
        high: rowExpr(ctx, hi, opts),
        negated: kw.startsWith('NOT'),
      };
    }
    case 'case_expr': {
      const subject = child(node, 'expr');
      const subj = subject ? rowExpr(ctx, subject, opts) : null;
      const whens: { condition: PlanExpr; result: PlanExpr }[] = [];
      let otherwise: PlanExpr | null = null;
      for (const c of Array.isArray(node.clauses) ? node.clauses.filter(isNode) : []) {
        const res = child(c, 'result');
        if (!res) return refuse(ctx, c, 'a CASE branch', 'give each branch a result');
        if (c.type === 'case_when') {
          const cond = child(c, 'condition');
          if (!cond) return refuse(ctx, c, 'WHEN', 'give a condition');
          const w = rowExpr(ctx, cond, opts);
          whens.push({ condition: subj ? { kind: 'binary', op: '=', left: subj, right: w } : w, result: rowExpr(ctx, res, opts) });
        } else if (c.type === 'case_else') otherwise = rowExpr(ctx, res, opts);
        else return refuse(ctx, c, `the CASE clause ${c.type}`, 'use WHEN … THEN … ELSE … END');
      }
      return { kind: 'case', whens, otherwise };
    }
    case 'cast_expr': {
      const p = child(node, 'args');
      const arg = p ? child(p, 'expr') : undefined;
      const inner = arg ? child(arg, 'expr') : undefined;
      if (!arg || !inner) return refuse(ctx, node, 'CAST', 'write CAST(x AS type)');
      return checkedCast(ctx, node, rowExpr(ctx, inner, opts), castType(ctx, child(arg, 'dataType')));
    }
    case 'cast_operator_expr': {
      const left = child(node, 'left');
      if (!left) return refuse(ctx, node, '::', 'write x::type');
      return checkedCast(ctx, node, rowExpr(ctx, left, opts), castType(ctx, child(node, 'right')));
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
      const planned = args.map((a) => rowExpr(ctx, a, opts));
      if (f === 'year' || f === 'quarter' || f === 'month' || f === 'day' || f === 'date_trunc') return dateFunction(ctx, node, f, planned);
      return { kind: 'func', name: f, args: planned };
    }
    case 'extract_expr': {
      const paren = child(node, 'args');
      const from = paren ? child(paren, 'expr') : undefined;
      const unit = from ? child(from, 'unit') : undefined;
      const arg = from ? child(from, 'expr') : undefined;
      const part = EXTRACT_PARTS[keywordText(unit?.unitKw)];
      if (!arg || !part)
        return refuse(ctx, node, 'EXTRACT of this part', `extract one of ${Object.keys(EXTRACT_PARTS).join(', ')} FROM a date`);
      return dateFunction(ctx, node, part, [rowExpr(ctx, arg, opts)]);
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

/** The value of a (possibly negated) number literal, or a refusal naming `what`. */
export function numberLiteral(ctx: Ctx, node: CstNode | undefined, what: string): number {
  let n = node;
  let sign = 1;
  if (n?.type === 'prefix_op_expr' && keywordText(n.operator) === '-') {
    sign = -1;
    n = child(n, 'expr');
  }
  if (n?.type !== 'number_literal') return refuse(ctx, node, what, 'write a number literal');
  return sign * Number(n.value);
}

/** Every column an expression reads. */
export function columnsOf(e: PlanExpr): PlanColumn[] {
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
    default:
      return assertNever(e, 'plan expression');
  }
}
