/**
 * Plans shared by the queries of one shape (issue 15, stop 22): texts that differ only in the number literals their
 * WHERE compares against (`age >= 17` / `age >= 40`) reuse one planned query, the literals put in anew, instead of
 * parsing and planning each text (≈ 55 KB and most of a distinct query's planning CPU, bench/server/README.md).
 *
 * ## The rule (privacy first: a shared plan is exactly the plan `planDpQuery(text, schema)` gives)
 * A plan is kept as a **template** only when its text is in the parser's fast grammar (`fastParseSelect` accepts it:
 * `_internal/fast-parse.ts` builds sql-parser-cst's exact tree, and its tokenizer is the only one read here). A
 * text's **shape key** is the text with each number token cut out and replaced by its class (digits / digits with a
 * fraction: a literal's type is never lifted). Two texts with one key tokenize alike and the fast path gives them
 * the same tree but for those number literals and the ranges, which the planner reads only for refusal positions and
 * output names (`nodeText`). A number token is **lifted** (its value taken from the new text) only when, in the
 * template's plan:
 * 1. its value occurs in no other number token of the text, and exactly once in the whole plan (every number of
 *    every field but `text`), as a literal that is a direct operand of a comparison (`= <> < <= > >=`) in `where`;
 * 2. its text occurs in no string of the plan but `text` (no output or key name holds it).
 * So the token's only trace in the plan is that literal: the WHERE is planned once, from its own subtree, and a
 * comparison's number operand is checked only for being finite (`expressions.ts`); a declared-key filter, a LIMIT,
 * a bound, a divisor, a LIKE pattern, a GROUP BY or an aggregate's constant is never lifted — each stays in the key
 * as its exact text (a variant of the shape holds those texts, and a text matches it only when they are equal).
 * A lifted value must be finite and the text no longer than the cache's limit, or the text is planned afresh.
 * The cache never refuses: a text it cannot answer exactly is planned by `planDpQuery`, so a refusal is always the
 * planner's, from the query's own inputs (class 12), never from what ran before.
 * Tested in test/server/shape-plans.test.ts (fast-check: random shapes × literals, hostile literals included, in
 * random order — the shared plan deep-equals a fresh one; a refusal is the same with and without the cache).
 * @module
 */
import { numberLiteralType } from '../sql/compile-env.js';
import { fastNumberTokens, fastParseSelect, type NumberToken } from '../sql/number-tokens.js';
import { freezePlan, type PlanExpr, type QueryPlan } from '../sql/plan.js';

/** The comparisons whose number operands may be lifted. */
const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);
/** Variants (distinct fixed literals) kept per shape key. */
const VARIANTS_PER_SHAPE = 4;
/**
 * The template text (UTF-16 units, summed over every variant of every shape) one schema's shape cache may retain:
 * a quarter of the exact-text cache's 1,024 × 8 KiB, so the two together stay within plan-cache.ts's stated bound
 * plus 25% — a template outlives its text's eviction from the exact cache, so its text counts here (review stop
 * 22: 1,024 shapes × 4 templates of 8 KiB texts retained 46 MiB against the exact cache's 10).
 */
export const MAX_SHAPE_TEXT = (1024 * 8192) / 4;

/** One template of a shape: the fixed tokens' texts, the template's plan and its lifted literal nodes. */
interface Variant {
  /** Per number token: its exact text when fixed, undefined when lifted. */
  readonly fixed: readonly (string | undefined)[];
  readonly template: QueryPlan;
  /** The template's literal node of each lifted token (by token index). */
  readonly lifted: ReadonlyMap<PlanExpr, number>;
}

/** The template text a shape's variants retain (UTF-16 units). */
function textOf(variants: readonly Variant[]): number {
  let n = 0;
  for (const v of variants) n += v.template.text.length;
  return n;
}

/**
 * The text with each number token replaced by its class (the shape key): digits or a fraction, and the SQL type the
 * compiler gives its value (`numberLiteralType`: bigint for a safe integer, else double), so two texts of one key
 * compile to one statement text (compile-env.ts, `Params` rule 2) — `1.0` and `1.5`, `9007199254740991` and
 * `9007199254740993` are different shapes.
 */
function shapeKey(text: string, tokens: readonly NumberToken[]): string {
  let key = '';
  let at = 0;
  for (const t of tokens) {
    // U+0000 cannot occur in a text the fast tokenizer accepts, so the markers cannot be forged by the text.
    key += `${text.slice(at, t.start)}\u0000${t.text.includes('.') ? 'd' : 'i'}${numberLiteralType(Number(t.text))[0]}`;
    at = t.end;
  }
  return key + text.slice(at);
}

/** A bounded LRU of shape templates (one per schema object; the caller keys by schema). */
export class ShapePlans {
  private readonly byKey = new Map<string, Variant[]>();
  /** The template text retained, Σ over every kept variant (≤ MAX_SHAPE_TEXT after each `add`). */
  private retainedText = 0;

  /** @param maxShapes - shape keys kept (least recently used evicted first). */
  constructor(private readonly maxShapes: number) {}

  /**
   * Keeps `plan` (= `planDpQuery(text, schema)` for this cache's schema) as a template of its shape, when it can be
   * one and lifts at least one literal.
   * @param text - the query text.
   * @param plan - its fresh plan.
   */
  add(text: string, plan: QueryPlan): void {
    if (this.maxShapes <= 0 || text.length > MAX_SHAPE_TEXT || fastParseSelect(text) === undefined) return;
    const tokens = fastNumberTokens(text);
    if (!tokens || tokens.length === 0) return;
    const lifted = liftable(plan, tokens);
    if (lifted.size === 0) return;
    const liftedTokens = new Set(lifted.values());
    const key = shapeKey(text, tokens);
    const fixed = tokens.map((t, i) => (liftedTokens.has(i) ? undefined : t.text));
    const variants = (this.byKey.get(key) ?? []).filter((v) => !sameFixed(v.fixed, fixed));
    variants.unshift({ fixed, template: plan, lifted });
    this.dropKey(key);
    const kept = variants.slice(0, VARIANTS_PER_SHAPE);
    this.byKey.set(key, kept);
    this.retainedText += textOf(kept);
    while (this.byKey.size > this.maxShapes || this.retainedText > MAX_SHAPE_TEXT) {
      this.dropKey(this.byKey.keys().next().value as string);
    }
  }

  /** Forgets a shape key and the text its variants retained. */
  private dropKey(key: string): void {
    const variants = this.byKey.get(key);
    if (variants === undefined) return;
    this.retainedText -= textOf(variants);
    this.byKey.delete(key);
  }

  /**
   * The plan of `text` built from a template of its shape, or undefined (the caller plans it afresh).
   * @param text - the query text.
   * @returns a fresh frozen plan equal to `planDpQuery(text, schema)`, or undefined.
   */
  get(text: string): QueryPlan | undefined {
    if (this.byKey.size === 0) return undefined;
    const tokens = fastNumberTokens(text);
    if (!tokens || tokens.length === 0) return undefined;
    const key = shapeKey(text, tokens);
    const variants = this.byKey.get(key);
    if (!variants) return undefined;
    for (const v of variants) {
      if (!v.fixed.every((f, i) => f === undefined || f === tokens[i]?.text)) continue;
      const values = tokens.map((t) => Number(t.text));
      // A literal the planner would refuse (not finite) is left to the planner.
      if (![...v.lifted.values()].every((i) => Number.isFinite(values[i]))) return undefined;
      this.byKey.delete(key);
      this.byKey.set(key, variants);
      const literals = new Map<PlanExpr, number>();
      const plan = freezePlan({
        ...v.template,
        text,
        where: v.template.where && substitute(v.template.where, v.lifted, values, literals),
      });
      ORIGINS.set(plan, { variant: v, literals, values });
      return plan;
    }
    return undefined;
  }
}

/**
 * Where a plan built from a template (`ShapePlans.get`) came from: the template's variant (one object per kept
 * template, compared by identity), each of this plan's new literal nodes with its token's index, and the number
 * tokens' values. Every other node of such a plan is the template's own object, the same in every plan built from
 * the variant. A plan that was planned afresh has no origin.
 */
export interface ShapeOrigin {
  readonly variant: object;
  readonly literals: ReadonlyMap<PlanExpr, number>;
  readonly values: readonly number[];
}

const ORIGINS = new WeakMap<QueryPlan, ShapeOrigin>();

/**
 * The origin of a plan `ShapePlans.get` built (see `ShapeOrigin`), or undefined.
 * @param plan - a plan.
 * @returns its origin, or undefined.
 */
export function shapeOrigin(plan: QueryPlan): ShapeOrigin | undefined {
  return ORIGINS.get(plan);
}

function sameFixed(a: readonly (string | undefined)[], b: readonly (string | undefined)[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * `e` with each lifted literal node replaced by its token's new value (the rest copied); each new literal node is
 * recorded in `literals` with its token's index.
 */
function substitute(
  e: PlanExpr,
  lifted: ReadonlyMap<PlanExpr, number>,
  values: readonly number[],
  literals: Map<PlanExpr, number>,
): PlanExpr {
  const i = lifted.get(e);
  if (i !== undefined) {
    const node: PlanExpr = { kind: 'literal', value: values[i] as number };
    literals.set(node, i);
    return node;
  }
  const s = (x: PlanExpr) => substitute(x, lifted, values, literals);
  switch (e.kind) {
    case 'column':
    case 'literal':
      return e;
    case 'unary':
      return { ...e, arg: s(e.arg) };
    case 'binary':
      return { ...e, left: s(e.left), right: s(e.right) };
    case 'in':
      return { ...e, arg: s(e.arg), list: e.list.map(s) };
    case 'between':
      return { ...e, arg: s(e.arg), low: s(e.low), high: s(e.high) };
    case 'isNull':
    case 'cast':
      return { ...e, arg: s(e.arg) };
    case 'case':
      return {
        ...e,
        whens: e.whens.map((w) => ({ condition: s(w.condition), result: s(w.result) })),
        otherwise: e.otherwise && s(e.otherwise),
      };
    case 'func':
      return { ...e, args: e.args.map(s) };
  }
}

/** The template's liftable literal nodes, each with its token's index (rules 1 and 2 of the module header). */
function liftable(plan: QueryPlan, tokens: readonly NumberToken[]): Map<PlanExpr, number> {
  const numbers = new Map<number, number>();
  const strings: string[] = [];
  for (const [k, v] of Object.entries(plan)) if (k !== 'text') collect(v, numbers, strings);
  const candidates = new Map<number, PlanExpr>();
  if (plan.where) comparisonLiterals(plan.where, candidates);
  const out = new Map<PlanExpr, number>();
  tokens.forEach((t, i) => {
    const v = Number(t.text);
    const node = candidates.get(v);
    if (!node || numbers.get(v) !== 1) return;
    if (tokens.some((u, j) => j !== i && Number(u.text) === v)) return;
    if (strings.some((s) => s.includes(t.text))) return;
    out.set(node, i);
  });
  return out;
}

/** Every number (counted) and string held anywhere in `x`. */
function collect(x: unknown, numbers: Map<number, number>, strings: string[]): void {
  if (typeof x === 'number') numbers.set(x, (numbers.get(x) ?? 0) + 1);
  else if (typeof x === 'string') strings.push(x);
  else if (typeof x === 'object' && x !== null) for (const v of Object.values(x)) collect(v, numbers, strings);
}

/** The number literals that are direct operands of a comparison in `e`, by value (a value met twice is dropped). */
function comparisonLiterals(e: PlanExpr, out: Map<number, PlanExpr>): void {
  const seen = (x: PlanExpr) => {
    if (x.kind !== 'literal' || typeof x.value !== 'number') return;
    out.set(x.value, out.has(x.value) ? { kind: 'literal', value: null } : x);
  };
  switch (e.kind) {
    case 'binary':
      if (COMPARISONS.has(e.op)) {
        seen(e.left);
        seen(e.right);
      }
      comparisonLiterals(e.left, out);
      comparisonLiterals(e.right, out);
      return;
    case 'unary':
    case 'isNull':
    case 'cast':
      comparisonLiterals(e.arg, out);
      return;
    case 'in':
      comparisonLiterals(e.arg, out);
      for (const x of e.list) comparisonLiterals(x, out);
      return;
    case 'between':
      for (const x of [e.arg, e.low, e.high]) comparisonLiterals(x, out);
      return;
    case 'case':
      for (const w of e.whens) {
        comparisonLiterals(w.condition, out);
        comparisonLiterals(w.result, out);
      }
      if (e.otherwise) comparisonLiterals(e.otherwise, out);
      return;
    case 'func':
      for (const x of e.args) comparisonLiterals(x, out);
      return;
    default:
      return;
  }
}
