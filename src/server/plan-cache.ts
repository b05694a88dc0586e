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
 *
 * **Kept salt** (only for the schemas named by `keepSaltFor`: data sets whose
 * exact aggregates are cached, `exact-aggregate-cache.ts`): the bounding salt
 * of a cached plan is drawn from the CSPRNG once, at its first query, and kept
 * with the plan, so a repeated query compiles to the same statement and its
 * exact aggregates can be reused. The salt only orders a unit's contributions
 * for bounding; bounding is stable for every salt value, and a salt drawn
 * independently of the data is as good as a fresh one for the guarantee (each
 * answer is a stable function of the data plus fresh noise, charged in full).
 * An evicted plan's salt goes with it (the next one is drawn afresh). With
 * the salt fixed, the compiled statements are a pure function of the plan too
 * (`compileDpQuery(plan, dialect, salt, schema)`), so they are kept with it
 * (deep-frozen): a repeated query skips compiling as well as planning. Their
 * public row bounds are declared from the plan as they are kept
 * (`declarePlanRowBounds`): an exact-aggregate cache keeps only a declared
 * statement's rows, decided before the run (review S27).
 *
 * **Queries of one shape** (issue 15): the key is the exact text, but a text missing here may still be answered from
 * a template of its shape (`shape-plans.ts`): texts that differ only in number literals a WHERE comparison reads
 * share the template's plan with those literals put in anew, and the result is exactly `planDpQuery(text, schema)`
 * (that file states the rule). A literal that decides a privacy-relevant part of the plan — `SUM(age * k)`,
 * `LEAST(age, k)`, `CASE … THEN k`, a GROUP BY constant, a LIMIT, a declared-key filter's value — is never lifted
 * (test/review/ml-server-cache-shape.test.ts holds the charge and the interval widths of a shape's new literals to
 * the uncached library's). A shape-built plan is stored under its own text, so its salt and compiled statements are
 * its own; what queries of one shape share lower down is their compiled statements' one text (literals and the
 * salt are bind values), so DuckDB's prepared statement is reused (`src/sql/engines/duckdb-prepared.ts`).
 * @module
 */
import type { CompiledDpQuery } from '../sql/compile.js';
import type { SqlDialect } from '../sql/dialect.js';
import type { QueryPlan } from '../sql/plan.js';
import type { DpSqlPlanCache } from '../sql/run-dp-sql.js';
import type { SqlSchema } from '../sql/schema.js';
import { CompiledMemo } from './compiled-memo.js';
import { declarePlanRowBounds } from './exact-aggregate-cache.js';
import { ShapePlans } from './shape-plans.js';

/** The longest query text (UTF-16 units) whose plan is kept: 1024 keys × 8 KiB bounds a schema's cache to ≈ 16 MiB of text. */
export const MAX_CACHED_TEXT = 8192;

/** A bounded LRU of plans per schema object. */
export class PlanCache implements DpSqlPlanCache {
  private readonly bySchema = new WeakMap<SqlSchema, Map<string, QueryPlan>>();
  private readonly salts = new WeakMap<QueryPlan, bigint>();
  private readonly compiledOf = new WeakMap<QueryPlan, { salt: bigint; dialect: SqlDialect; compiled: CompiledDpQuery }>();
  /** Compiled statements per shape template, rebound per query (compiled-memo.ts has the rule). */
  readonly memo = new CompiledMemo();
  private readonly keepsSalt = new WeakSet<SqlSchema>();
  /** Lookups that found a plan. */
  hits = 0;
  /** Lookups that did not. */
  misses = 0;
  /** Lookups answered by a template of the text's shape (counted in neither of the above). */
  shapeHits = 0;
  private readonly shapes = new WeakMap<SqlSchema, ShapePlans>();

  /**
   * @param maxPerSchema - plans kept per schema (least recently used evicted first; default 1024).
   * @param maxShapes - shape templates kept per schema (shape-plans.ts; 0: none, every new text planned afresh).
   */
  constructor(
    private readonly maxPerSchema = 1024,
    private readonly maxShapes = maxPerSchema,
  ) {}

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
      // Another text of a kept shape: its plan built from the shape's template (shape-plans.ts has the rule).
      const shaped = sql.length <= MAX_CACHED_TEXT ? this.shapes.get(schema)?.get(sql) : undefined;
      if (shaped) {
        this.shapeHits++;
        this.store(sql, schema, shaped);
        return shaped;
      }
      this.misses++;
      return undefined;
    }
    m.delete(sql);
    m.set(sql, plan);
    this.hits++;
    return plan;
  }

  /**
   * Keeps the bounding salt of this schema's cached plans (see the module header): for data sets whose exact
   * aggregates are cached.
   * @param schema - the data set's schema (by identity).
   */
  keepSaltFor(schema: SqlSchema): void {
    this.keepsSalt.add(schema);
  }

  /**
   * The salt to compile (sql, schema) with: the one kept with its cached plan (drawn at its first use), or `draw()`
   * when the schema's salts are not kept or the plan is not cached.
   * @param sql - the query text.
   * @param schema - the schema (by identity).
   * @param draw - a fresh salt from the CSPRNG.
   * @returns the salt.
   */
  salt(sql: string, schema: SqlSchema, draw: () => bigint): bigint {
    const plan = this.keepsSalt.has(schema) ? this.bySchema.get(schema)?.get(sql) : undefined;
    if (!plan) return draw();
    let s = this.salts.get(plan);
    if (s === undefined) {
      s = draw();
      this.salts.set(plan, s);
    }
    return s;
  }

  /**
   * The compiled statements of a plan under its kept salt: compiled once, deep-frozen and kept with the plan (a pure
   * function of plan, salt, dialect and schema, and a cached plan belongs to one schema); `compile()` for anything else.
   * @param plan - the plan (a kept one only when this cache stored it, for a schema whose salts it keeps).
   * @param salt - the salt it is compiled with (a kept one only for the plan's kept salt).
   * A plan built from a shape template is compiled through the memo of its shape (compiled-memo.ts: the template's
   * statements with this query's own salt and literals bound, equal to `compile()`'s).
   * @param dialect - the engine's dialect object (by identity).
   * @param compile - compiles it.
   * @returns the compiled statements.
   */
  compiled(plan: QueryPlan, salt: bigint, dialect: SqlDialect, compile: () => CompiledDpQuery): CompiledDpQuery {
    const build = () => this.memo.compiled(plan, salt, dialect, compile);
    if (this.salts.get(plan) !== salt) return build();
    const known = this.compiledOf.get(plan);
    if (known && known.salt === salt && known.dialect === dialect) return known.compiled;
    const compiled = deepFreeze(build());
    // Kept statements repeat: their public row bounds decide whether an exact-aggregate cache may keep their rows.
    declarePlanRowBounds(plan, compiled);
    this.compiledOf.set(plan, { salt, dialect, compiled });
    return compiled;
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
    this.store(sql, schema, plan);
    let shapes = this.shapes.get(schema);
    if (!shapes) {
      shapes = new ShapePlans(this.maxShapes);
      this.shapes.set(schema, shapes);
    }
    shapes.add(sql, plan);
  }

  /** Keeps a plan under its exact text (LRU). */
  private store(sql: string, schema: SqlSchema, plan: QueryPlan): void {
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

/** Freezes an object and everything it holds (compiled statements are plain data: objects, arrays, bigints, text). */
function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}
