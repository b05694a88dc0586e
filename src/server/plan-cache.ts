/**
 * The server's plan cache: a repeated DP SQL query skips parsing and planning
 * (the largest CPU cost of a query on a small table, about 1.6 ms of the
 * 2–3 ms of JavaScript per query on Adult).
 *
 * Rule (the cache never changes a guarantee or a charge): a plan is a pure,
 * deep-frozen function of exactly two inputs, `planDpQuery(sql, schema)`, and
 * the key is exactly those two — the schema by **identity** (each configured
 * data set's schema is built once, frozen, at start; a changed schema is a new
 * object, so nothing planned under the old one can be returned for it) and the
 * query text **byte for byte** (no normalisation that could make two different
 * queries one key). Nothing that depends on ε, δ, ρ, the noise, the confidence
 * or the analyst is cached: the budget split, the compiled SQL (with its fresh
 * salt), the public checks and the charge are computed for every query
 * (`runDpSql`), so a cached plan with another ε is charged that ε. A refused
 * query is never cached (only a plan that was built is stored).
 * Tested in test/server/plan-cache.test.ts (a schema change and another ε,
 * with fast-check over random query texts and budgets: the same charge as
 * without the cache).
 * @module
 */
import type { QueryPlan } from '../sql/plan.js';
import type { DpSqlPlanCache } from '../sql/run-dp-sql.js';
import type { SqlSchema } from '../sql/schema.js';

/** The longest query text (UTF-16 units) whose plan is kept: 1024 keys × 8 KiB bounds a schema's cache to ≈ 16 MiB of text. */
export const MAX_CACHED_TEXT = 8192;

/** A bounded LRU of plans per schema object. */
export class PlanCache implements DpSqlPlanCache {
  private readonly bySchema = new WeakMap<SqlSchema, Map<string, QueryPlan>>();
  /** Lookups that found a plan. */
  hits = 0;
  /** Lookups that did not. */
  misses = 0;

  /** @param maxPerSchema - plans kept per schema (least recently used evicted first; default 1024). */
  constructor(private readonly maxPerSchema = 1024) {}

  /**
   * The plan stored for this very schema object and this exact text.
   * @param sql - the query text.
   * @param schema - the schema (by identity).
   * @returns the plan, or undefined.
   */
  get(sql: string, schema: SqlSchema): QueryPlan | undefined {
    const m = this.bySchema.get(schema);
    const plan = m?.get(sql);
    if (!m || !plan) {
      this.misses++;
      return undefined;
    }
    m.delete(sql);
    m.set(sql, plan);
    this.hits++;
    return plan;
  }

  /**
   * Stores a plan built by `planDpQuery(sql, schema)`.
   * @param sql - the query text.
   * @param schema - the schema it was planned under.
   * @param plan - the (deep-frozen) plan.
   */
  set(sql: string, schema: SqlSchema, plan: QueryPlan): void {
    // Memory stays bounded by keys × text: a text longer than MAX_CACHED_TEXT is planned every time.
    if (this.maxPerSchema <= 0 || sql.length > MAX_CACHED_TEXT) return;
    let m = this.bySchema.get(schema);
    if (!m) {
      m = new Map();
      this.bySchema.set(schema, m);
    }
    m.set(sql, plan);
    while (m.size > this.maxPerSchema) {
      const oldest = m.keys().next().value as string;
      m.delete(oldest);
    }
  }
}
