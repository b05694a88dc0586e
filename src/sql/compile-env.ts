/**
 * What the row-expression compiler (`compile-expr.ts`) carries: the statement's bind parameters (`Params`), the
 * compile environment (`Env`), identifier quoting, and the three NULL-keeping clamps every dialect's forms start from.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { ExpressionEnv, SqlDialect, SqlParam, SqlParamType } from './dialect.js';
import type { QueryPlan } from './plan.js';
import type { SqlSchema } from './schema.js';

/** The bind parameters of one statement. */
export class Params {
  readonly list: SqlParam[] = [];
  private readonly markers = new Map<string, string>();
  constructor(private readonly dialect: SqlDialect) {}
  /** A marker for `value`; equal values share one parameter, so equal expressions stay textually equal (the engine computes them once). */
  add(value: SqlParam['value'], type: SqlParamType): string {
    if (this.dialect.inlineLiteral && value !== null) return this.dialect.inlineLiteral(value, type);
    const key = `${type}:${typeof value}:${String(value)}`;
    const hit = this.markers.get(key);
    if (hit) return hit;
    this.list.push({ value, type });
    const marker = this.dialect.parameter(this.list.length, type);
    this.markers.set(key, marker);
    return marker;
  }
  int(v: number | bigint): string {
    return this.add(typeof v === 'bigint' ? v : BigInt(v), 'bigint');
  }
  dbl(v: number): string {
    return this.add(v, 'double');
  }
  /**
   * The statement with its parameters renumbered densely in order of use: a conversion may drop an operand
   * (a literal converted to a typed NULL), and both drivers refuse a bind value the statement does not use.
   */
  finish(sql: string): { sql: string; params: readonly SqlParam[] } {
    const order = new Map<number, number>();
    const params: SqlParam[] = [];
    const renumbered = sql.replace(/\$(\d+)(?!\d)/g, (_m, d: string) => {
      const old = Number(d);
      let next = order.get(old);
      if (next === undefined) {
        const param = this.list[old - 1];
        if (!param) throw new DpError('INTERNAL', 'a parameter marker without a value');
        params.push(param);
        next = params.length;
        order.set(old, next);
      }
      return `$${next}`;
    });
    return { sql: renumbered, params: Object.freeze(params) };
  }
}

/** What compiling an expression needs. */
export interface Env extends ExpressionEnv {
  readonly plan: QueryPlan;
  readonly d: SqlDialect;
  readonly p: Params;
  readonly schema: SqlSchema;
}

/** Quotes an identifier for the dialect. */
export function q(env: Env, name: string): string {
  return env.d.quoteIdentifier(name);
}

/*
 * NULL through clamps (compile.proof.md, "NULL is no value"). DuckDB's and PostgreSQL's LEAST and GREATEST
 * *ignore* NULL arguments: `LEAST(GREATEST(NULL, lo), hi)` is `lo`, not NULL. Every clamp, saturation and
 * floor the compiler writes is therefore one of the three helpers below, which keep NULL as NULL; a bare
 * LEAST/GREATEST is written only over values that cannot be NULL (counts). Without this, a NULL value
 * became the lower clamp: a unit whose values in a group were all NULL added −C·M to SUM/AVG, a NULL
 * operand of + − × ÷ became −1e300, SQRT(NULL) became 0 and a NULL quantile value fell into the top bin.
 */

/** `x` clamped to [lo, hi] in SQL, NULL staying NULL. */
export function clamp(x: string, lo: string, hi: string): string {
  return `(CASE WHEN ${x} IS NULL THEN NULL ELSE LEAST(GREATEST(${x}, ${lo}), ${hi}) END)`;
}

/** `max(x, lo)` in SQL, NULL staying NULL. */
export function atLeast(x: string, lo: string): string {
  return `(CASE WHEN ${x} IS NULL THEN NULL ELSE GREATEST(${x}, ${lo}) END)`;
}

/** `min(x, hi)` in SQL, NULL staying NULL. */
export function atMost(x: string, hi: string): string {
  return `(CASE WHEN ${x} IS NULL THEN NULL ELSE LEAST(${x}, ${hi}) END)`;
}
