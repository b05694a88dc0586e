/**
 * What the row-expression compiler (`compile-expr.ts`) carries: the statement's bind parameters (`Params`), the
 * compile environment (`Env`), identifier quoting, and the three NULL-keeping clamps every dialect's forms start from.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { ExpressionEnv, SqlDialect, SqlParam, SqlParamType } from './dialect.js';
import type { QueryPlan } from './plan.js';
import type { SqlSchema } from './schema.js';

/**
 * The bind parameters of one statement.
 *
 * ## The rule: a statement's text and parameter list are functions of public, keyed values only (stop 24)
 * A memo of compiled statements per query shape (the server's shape plans: the same template with other WHERE
 * literals) may hand one statement text to every query of the shape, so the text and the parameter list must not
 * depend on the values that differ between those queries. Two kinds of markers:
 * 1. **Shared** (`add`, `int`, `dbl`): values the statement's shape fixes — the compiler's own constants, the
 *    schema's declared bounds and keys, the privacy parameters, grids. Equal values share one marker, so equal
 *    expressions stay textually equal (the engine computes them once); which values are equal is a function of the
 *    shape, so sharing changes nothing between two queries of one shape.
 * 2. **Own** (`own`): every per-query value — a literal of the plan (a lifted WHERE literal differs between queries
 *    of one shape), the salt, any bound or noise input a query supplies. Its marker belongs to its slot (the plan
 *    node, or a named slot such as `salt`) and is never shared with another slot or a shared value, even an equal
 *    one: compiling one slot twice gives its one marker, two slots never merge. Its bind type is given by the caller
 *    from public facts (the schema, the literal's class `numberLiteralType`), never chosen here from the value.
 * So two queries whose plans differ only in own-slot values give byte-identical statement text and parameter types.
 * A dialect that inlines literals (`inlineLiteral`, ClickHouse) writes values into the text and cannot be memoised by
 * text. Tested in test/sql/own-params.test.ts (fast-check: one shape, random literals equal or not to each other
 * and to the bounds; same text, same answers as the value-shared compile, on DuckDB and PostgreSQL).
 */
export class Params {
  readonly list: SqlParam[] = [];
  private readonly markers = new Map<string, string>();
  private readonly owned = new Map<unknown, { readonly marker: string; readonly param: SqlParam }>();
  constructor(private readonly dialect: SqlDialect) {}
  /** A shared marker for `value` (rule 1: values the shape fixes); equal values share one parameter. */
  add(value: SqlParam['value'], type: SqlParamType): string {
    if (this.dialect.inlineLiteral && value !== null) return this.dialect.inlineLiteral(value, type);
    const key = `${type}:${typeof value}:${String(value)}`;
    const hit = this.markers.get(key);
    if (hit) return hit;
    const marker = this.push(value, type);
    this.markers.set(key, marker);
    return marker;
  }
  /**
   * The marker of a per-query value's slot (rule 2): never shared with another slot or a shared value.
   * @param slot - what the value belongs to (a plan node, or a named slot such as `'salt'`), compared by identity.
   * @param value - its value (a slot met again must carry the same value and type).
   * @param type - its bind type, from public facts only.
   */
  own(slot: object | string, value: SqlParam['value'], type: SqlParamType): string {
    if (this.dialect.inlineLiteral && value !== null) return this.dialect.inlineLiteral(value, type);
    const hit = this.owned.get(slot);
    if (hit) {
      if (hit.param.type !== type || !Object.is(hit.param.value, value)) throw new DpError('INTERNAL', 'a parameter slot with two values');
      return hit.marker;
    }
    const marker = this.push(value, type);
    const param = this.list[this.list.length - 1] as SqlParam;
    this.owned.set(slot, { marker, param });
    OWN_SLOTS.set(param, slot);
    return marker;
  }
  private push(value: SqlParam['value'], type: SqlParamType): string {
    this.list.push({ value, type });
    return this.dialect.parameter(this.list.length, type);
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

/** Each own parameter's slot (rule 2), by the parameter object `finish` hands on in the statement's list. */
const OWN_SLOTS = new WeakMap<SqlParam, object | string>();

/**
 * The slot of a statement's parameter when it is an own one (rule 2: a plan literal node, or a named slot such as
 * `'salt'`), undefined when it is shared (rule 1: a value the statement's shape fixes). A memo of compiled statements
 * per shape (`src/server/compiled-memo.ts`) reads it to know which bind values are this query's own.
 * @param param - a parameter of a compiled statement (the very object in its `params`).
 * @returns its slot, or undefined.
 */
export function ownSlotOf(param: SqlParam): object | string | undefined {
  return OWN_SLOTS.get(param);
}

/**
 * The SQL type of a number literal: `bigint` for a safe integer, `double` otherwise. A memo that lifts number
 * literals out of a template must state this class for each lifted literal in its key (the server's shape key
 * does), since the literal's static type shapes the statement around it (rule 2 of `Params`).
 */
export function numberLiteralType(v: number): 'bigint' | 'double' {
  return Number.isSafeInteger(v) ? 'bigint' : 'double';
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
