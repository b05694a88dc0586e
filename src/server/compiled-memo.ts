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
}

/** The bind value of a lifted literal, as `compile-expr.ts`'s `literal` gives it, with its type. */
function literalParam(v: number): { value: bigint | number; type: 'bigint' | 'double' } {
  return numberLiteralType(v) === 'bigint' ? { value: BigInt(v), type: 'bigint' } : { value: v, type: 'double' };
}

/** Compiled statements per (shape template, dialect), rebound per query (see the module header). */
export class CompiledMemo {
  private readonly entries = new WeakMap<object, Map<SqlDialect, Entry>>();
  /** Compiles answered by rebinding a kept entry. */
  hits = 0;

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
    if (made) {
      if (!byDialect) {
        byDialect = new Map();
        this.entries.set(origin.variant, byDialect);
      }
      byDialect.set(dialect, made);
    }
    return compiled;
  }
}

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
  return { template: compiled, main, histograms };
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
