/**
 * Interval arithmetic over plan expressions: the bounds a value expression
 * takes when its columns lie within their declared bounds. The rewrite clamps
 * the expression to this interval *after* evaluating it, so the bound holds
 * whatever the stored values are.
 * @module
 */
import type { PlanExpr } from '../plan.js';
import type { SqlSchema } from '../schema.js';

/** A numeric interval and whether the values are integers. */
export interface NumericInterval {
  readonly lower: number;
  readonly upper: number;
  readonly integral: boolean;
}

function hull(a: NumericInterval, b: NumericInterval): NumericInterval {
  return { lower: Math.min(a.lower, b.lower), upper: Math.max(a.upper, b.upper), integral: a.integral && b.integral };
}

function finite(i: NumericInterval): NumericInterval | null {
  return Number.isFinite(i.lower) && Number.isFinite(i.upper) ? i : null;
}

/** True when `e` is boolean-valued. */
export function isBooleanExpr(e: PlanExpr, columnType: (source: number, column: string) => string | undefined): boolean {
  switch (e.kind) {
    case 'column':
      return columnType(e.source, e.column) === 'boolean';
    case 'literal':
      return typeof e.value === 'boolean';
    case 'unary':
      return e.op === 'NOT';
    case 'binary':
      return !['+', '-', '*', '/', '%', '||'].includes(e.op);
    case 'in':
    case 'between':
    case 'isNull':
      return true;
    default:
      return false;
  }
}

/**
 * The interval of `e`, or null when no bound follows from the schema.
 * @param sources - the table name of each source index.
 */
export function intervalOf(e: PlanExpr, schema: SqlSchema, sources: readonly string[]): NumericInterval | null {
  const colType = (s: number, c: string) => schema.tables.get(sources[s] ?? '')?.columns.get(c)?.type;
  const rec = (x: PlanExpr): NumericInterval | null => intervalOf(x, schema, sources);
  switch (e.kind) {
    case 'column': {
      const col = schema.tables.get(sources[e.source] ?? '')?.columns.get(e.column);
      if (!col) return null;
      if (col.type === 'boolean') return { lower: 0, upper: 1, integral: true };
      if (col.lower === undefined || col.upper === undefined) return null;
      return { lower: col.lower, upper: col.upper, integral: col.type === 'integer' };
    }
    case 'literal':
      if (typeof e.value === 'number') return { lower: e.value, upper: e.value, integral: Number.isInteger(e.value) };
      if (typeof e.value === 'boolean') return { lower: Number(e.value), upper: Number(e.value), integral: true };
      return null;
    case 'unary': {
      if (e.op === 'NOT') return { lower: 0, upper: 1, integral: true };
      const a = rec(e.arg);
      return a && { lower: -a.upper, upper: -a.lower, integral: a.integral };
    }
    case 'binary': {
      if (isBooleanExpr(e, colType)) return { lower: 0, upper: 1, integral: true };
      const a = rec(e.left);
      const b = rec(e.right);
      if (!a || !b) return null;
      switch (e.op) {
        case '+':
          return finite({ lower: a.lower + b.lower, upper: a.upper + b.upper, integral: a.integral && b.integral });
        case '-':
          return finite({ lower: a.lower - b.upper, upper: a.upper - b.lower, integral: a.integral && b.integral });
        case '*': {
          const p = [a.lower * b.lower, a.lower * b.upper, a.upper * b.lower, a.upper * b.upper];
          return finite({ lower: Math.min(...p), upper: Math.max(...p), integral: a.integral && b.integral });
        }
        case '/': {
          // Only division by a non-zero constant keeps a bound; integer division semantics differ by engine.
          if (b.lower !== b.upper || b.lower === 0) return null;
          // The compiler evaluates arithmetic in double precision, so there is no integer division.
          const p = [a.lower / b.lower, a.upper / b.lower];
          return finite({ lower: Math.min(...p), upper: Math.max(...p), integral: false });
        }
        default:
          return null;
      }
    }
    case 'case': {
      let acc: NumericInterval | null = null;
      const branches = [...e.whens.map((w) => w.result), ...(e.otherwise ? [e.otherwise] : [])];
      for (const br of branches) {
        if (br.kind === 'literal' && br.value === null) continue;
        const i = rec(br);
        if (!i) return null;
        acc = acc ? hull(acc, i) : i;
      }
      return acc;
    }
    case 'cast': {
      if (e.to === 'varchar' || e.to === 'date') return null;
      if (e.to === 'boolean') return { lower: 0, upper: 1, integral: true };
      if (isBooleanExpr(e.arg, colType)) return { lower: 0, upper: 1, integral: true };
      const a = rec(e.arg);
      if (!a) return null;
      return e.to === 'integer' ? { lower: Math.floor(a.lower), upper: Math.ceil(a.upper), integral: true } : { ...a, integral: false };
    }
    case 'func': {
      const args = e.args.map(rec);
      const a = args[0];
      switch (e.name) {
        case 'abs':
          if (!a) return null;
          if (a.lower >= 0) return a;
          if (a.upper <= 0) return { lower: -a.upper, upper: -a.lower, integral: a.integral };
          return { lower: 0, upper: Math.max(-a.lower, a.upper), integral: a.integral };
        case 'round':
        case 'floor':
        case 'ceil':
          if (!a || e.args.length !== 1) return null;
          return { lower: Math.floor(a.lower), upper: Math.ceil(a.upper), integral: true };
        case 'sign':
          return { lower: -1, upper: 1, integral: true };
        case 'sqrt':
          if (!a || a.upper < 0) return null;
          return { lower: Math.sqrt(Math.max(0, a.lower)), upper: Math.sqrt(a.upper) * (1 + 2 ** -50), integral: false };
        case 'least':
        case 'greatest': {
          if (args.some((x) => x === null) || args.length === 0) return null;
          const xs = args as NumericInterval[];
          const pick = e.name === 'least' ? Math.min : Math.max;
          return {
            lower: pick(...xs.map((x) => x.lower)),
            upper: pick(...xs.map((x) => x.upper)),
            integral: xs.every((x) => x.integral),
          };
        }
        case 'coalesce': {
          if (args.some((x) => x === null) || args.length === 0) return null;
          return (args as NumericInterval[]).reduce(hull);
        }
        case 'nullif':
          return a ?? null;
        default:
          return null;
      }
    }
    case 'in':
    case 'between':
    case 'isNull':
      return { lower: 0, upper: 1, integral: true };
    default:
      return null;
  }
}
