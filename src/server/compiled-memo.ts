/**
 * Compiled statements kept per query shape (issue 15): a distinct query whose plan was built from a shape template
 * (`shape-plans.ts`: the same text but for the number literals its WHERE compares against) takes the statements
 * compiled for an earlier plan of that template, with **its own** salt and literals bound fresh, instead of compiling
 * its plan again (≈ 0.3 ms of the main thread's CPU per distinct query on Adult).
 *
 * ## The rule (a memo hit is exactly `compileDpQuery(plan, dialect, salt, schema)`)
 * 1. **Key**: the template's variant (by identity: one kept template of one schema's shape cache) and the dialect
 *    object (by identity). Plans built from one variant differ only in the lifted literal nodes (`ShapeOrigin`: every
 *    other node is the template's own object), and the compiler is a pure function of (plan, dialect, salt, schema):
 *    by `Params` rule 2 (compile-env.ts, stop 24) their statement texts and parameter types are byte-identical, and
 *    only the **own** parameters — the salt and the plan's literals — carry per-query values.
 * 2. **Own values are never shared**: an entry keeps the statements' text and, per parameter, where its value comes
 *    from: a shared parameter (`Params` rule 1: a value the shape fixes) keeps its value; an own parameter whose slot is
 *    the salt is bound to **this query's salt**; one whose slot is a lifted literal node is bound to **this query's
 *    literal** (its token's value, converted as `compile-expr.ts`'s `literal` converts it); one whose slot is a
 *    template node that is not lifted keeps its value (that node, and so its value, is in every plan of the variant).
 *    Nothing of the query that filled the entry — its salt, its literals — is bound into another's statement.
 * 3. **Only what was understood is kept**: an entry is made only when every own parameter's slot is the salt or a
 *    literal node, and each lifted literal's bound value and type equal what rebinding computes from its token (so
 *    rebinding reproduces the first compile exactly); otherwise that compile is returned and nothing is kept. A
 *    rebinding whose literal class differs from the entry's compiles afresh.
 * 4. **Never on a dialect that inlines values** (`inlineLiteral`, ClickHouse) or has its own compiler: its text holds
 *    the values, so it is compiled every time.
 * 5. The compile's refusals (key text bytes, declared histogram rows) read the keys and the unit, never a WHERE
 *    literal (`shape-plans.ts` lifts only WHERE comparison operands), so a plan of the variant that the template's
 *    compile accepted is accepted; a refused compile keeps nothing.
 * 6. **Bounded memory** (review stop 25, class 14: availability): a compiled statement can be ~2,500× its text
 *    (nested `*` inside 40 aggregates: 4.5 K characters of text, 11 M of SQL), so the memo is an LRU over variants
 *    holding at most `MAX_MEMO_ENTRIES` variants and `MAX_MEMO_SQL` characters of statement text (Σ of every kept
 *    entry's main and histogram texts); an entry larger than `MAX_MEMO_ENTRY_SQL` is never kept (compiled every time).
 *    Without it the memo kept one compile per live variant — every variant the shape cache or a cached plan holds
 *    (≈ 10 MiB of heap per shape of that kind, GiBs within the shape cache's own text bound). The LRU holds its
 *    variants strongly (each one template plan of a text ≤ `MAX_CACHED_TEXT`), so they count in its entry bound.
 *    Guard: test/review/compiled-memo-memory.test.ts.
 * Tested in test/server/compiled-memo.test.ts (fast-check, fixed seeds: random shapes, literals and salts — the memo's
 * statements equal a fresh compile with this query's plan and salt, bit for bit, on DuckDB, PostgreSQL and ClickHouse;
 * and a unit case: the second query's statement holds none of the first query's salt or literals).
 * @module
 */
import { numberLiteralType, ownSlotOf } from '../sql/compile-env.js';
import { type CompiledDpQuery, dialectCompiler } from '../sql/compiled-query.js';
import type { CompiledStatement, SqlDialect, SqlParam, SqlParamType } from '../sql/dialect.js';
import type { QueryPlan } from '../sql/plan.js';
import { type ShapeOrigin, shapeOrigin } from './shape-plans.js';

/** Where one parameter's value comes from (rule 2). */
type Slot =
  | { readonly kind: 'shared'; readonly param: SqlParam }
  | { readonly kind: 'salt' }
  | { readonly kind: 'literal'; readonly token: number; readonly type: 'bigint' | 'double' };

/** One variant's statements for one dialect. */
interface Entry {
  readonly template: CompiledDpQuery;
  readonly main: readonly Slot[];
  readonly histograms: readonly (readonly Slot[])[];
  /** Its statements' text (UTF-16 units): what it retains (rule 6). */
  readonly sql: number;
}

/** The bind value of a lifted literal, as `compile-expr.ts`'s `literal` gives it, with its type. */
function literalParam(v: number): { value: bigint | number; type: 'bigint' | 'double' } {
  return numberLiteralType(v) === 'bigint' ? { value: BigInt(v), type: 'bigint' } : { value: v, type: 'double' };
}

/** Compiled statements per (shape template, dialect), rebound per query (see the module header). */
export class CompiledMemo {
  /** Kept entries per variant, least recently used first (rule 6). */
  private readonly entries = new Map<object, Map<SqlDialect, Entry>>();
  /** Compiles answered by rebinding a kept entry. */
  hits = 0;
  /** Statement text kept (UTF-16 units, Σ over every entry; ≤ `maxSql` after each call). */
  retainedSql = 0;
  private readonly maxEntries: number;
  private readonly maxSql: number;
  private readonly maxEntrySql: number;

  /**
   * @param limits - the bounds (rule 6; defaults `MAX_MEMO_ENTRIES`, `MAX_MEMO_SQL`, `MAX_MEMO_ENTRY_SQL`).
   */
  constructor(limits: { readonly maxEntries?: number; readonly maxSql?: number; readonly maxEntrySql?: number } = {}) {
    this.maxEntries = limits.maxEntries ?? MAX_MEMO_ENTRIES;
    this.maxSql = limits.maxSql ?? MAX_MEMO_SQL;
    this.maxEntrySql = Math.min(limits.maxEntrySql ?? MAX_MEMO_ENTRY_SQL, this.maxSql);
  }

  /** Variants with a kept entry (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The compiled statements of `plan` under `salt`: rebound from the entry of its shape template when one is kept,
   * else `compile()` (kept as the entry when rule 3 allows).
   * @param plan - the plan.
   * @param salt - this query's salt.
   * @param dialect - the engine's dialect object.
   * @param compile - `compileDpQuery(plan, dialect, salt, schema)`.
   * @returns the statements, equal to `compile()`'s.
   */
  compiled(plan: QueryPlan, salt: bigint, dialect: SqlDialect, compile: () => CompiledDpQuery): CompiledDpQuery {
    const origin = shapeOrigin(plan);
    if (!origin || dialect.inlineLiteral !== undefined || dialectCompiler(dialect) !== undefined) return compile();
    let byDialect = this.entries.get(origin.variant);
    if (byDialect) {
      this.entries.delete(origin.variant);
      this.entries.set(origin.variant, byDialect);
    }
    const entry = byDialect?.get(dialect);
    if (entry) {
      const rebound = rebind(entry, origin, salt);
      if (rebound) {
        this.hits++;
        return rebound;
      }
      return compile();
    }
    const compiled = compile();
    const made = record(compiled, origin, salt);
    if (made && made.sql <= this.maxEntrySql) {
      if (!byDialect) {
        byDialect = new Map();
        this.entries.set(origin.variant, byDialect);
      }
      byDialect.set(dialect, made);
      this.retainedSql += made.sql;
      while (this.entries.size > this.maxEntries || this.retainedSql > this.maxSql) {
        const oldest = this.entries.keys().next().value as object;
        for (const e of (this.entries.get(oldest) as Map<SqlDialect, Entry>).values()) this.retainedSql -= e.sql;
        this.entries.delete(oldest);
      }
    }
    return compiled;
  }
}

/** Variants with a kept entry (rule 6). */
export const MAX_MEMO_ENTRIES = 1024;
/** Statement text the memo keeps, UTF-16 units summed over its entries (rule 6): 16 Mi, ≈ 16–32 MiB. */
export const MAX_MEMO_SQL = 16 * 1024 * 1024;
/** The largest entry kept (UTF-16 units of its statements' texts); a larger one is compiled every time (rule 6). */
export const MAX_MEMO_ENTRY_SQL = 1024 * 1024;

/** The entry of a fresh compile, or undefined when one of its parameters is not understood (rule 3). */
function record(compiled: CompiledDpQuery, origin: ShapeOrigin, salt: bigint): Entry | undefined {
  const slots = (s: CompiledStatement): Slot[] | undefined => {
    const out: Slot[] = [];
    for (const p of s.params) {
      const slot = ownSlotOf(p);
      if (slot === undefined) out.push({ kind: 'shared', param: p });
      else if (slot === 'salt') {
        if (p.type !== 'bigint' || p.value !== salt) return undefined;
        out.push({ kind: 'salt' });
      } else if (typeof slot === 'object') {
        const token = origin.literals.get(slot as never);
        if (token === undefined) {
          // A template node that is not lifted: the same node and value in every plan of the variant.
          out.push({ kind: 'shared', param: p });
          continue;
        }
        const want = literalParam(origin.values[token] as number);
        if (p.type !== want.type || !Object.is(p.value, want.value)) return undefined;
        out.push({ kind: 'literal', token, type: want.type });
      } else return undefined;
    }
    return out;
  };
  const main = slots(compiled.main);
  if (!main) return undefined;
  const histograms: Slot[][] = [];
  for (const h of compiled.histograms) {
    const hs = slots(h);
    if (!hs) return undefined;
    histograms.push(hs);
  }
  const sql = compiled.histograms.reduce((n, h) => n + h.sql.length, compiled.main.sql.length);
  return { template: compiled, main, histograms, sql };
}

/** The entry's statements with this query's own values (rule 2), or undefined when a literal's class differs. */
function rebind(entry: Entry, origin: ShapeOrigin, salt: bigint): CompiledDpQuery | undefined {
  let ok = true;
  const bind = (slots: readonly Slot[]): readonly SqlParam[] =>
    Object.freeze(
      slots.map((s): SqlParam => {
        if (s.kind === 'shared') return s.param;
        if (s.kind === 'salt') return { value: salt, type: 'bigint' };
        const p = literalParam(origin.values[s.token] as number);
        if (p.type !== s.type) ok = false;
        return { value: p.value, type: p.type as SqlParamType };
      }),
    );
  const t = entry.template;
  const main = Object.freeze({ ...t.main, params: bind(entry.main) });
  const histograms = Object.freeze(t.histograms.map((h, i) => Object.freeze({ ...h, params: bind(entry.histograms[i] ?? []) })));
  if (!ok) return undefined;
  return Object.freeze({ ...t, main, histograms });
}
