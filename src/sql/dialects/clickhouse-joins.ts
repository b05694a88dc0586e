/**
 * JOINs on ClickHouse: the FROM clause of a plan with joins, written so that
 * 18.16 computes exactly the relation DuckDB and PostgreSQL compute for the
 * same plan. Which joins a plan may contain is decided before this, by the
 * one stability rule of every engine (`../plan/join-stability.proof.md`: a
 * public table linked by a declared unique key in a top-level conjunct, or a
 * private table linked on equal privacy units); this module only writes them.
 *
 * **Dialect facts (verified on 18.16) and how each is handled.**
 * | fact | consequence |
 * |---|---|
 * | one JOIN per SELECT ("more than one JOIN … not implemented") | left-deep nesting: `(SELECT * FROM (left) ALL INNER/LEFT JOIN (right) ON …)` per join |
 * | `ON` takes only equalities between a left and a right expression | the ON condition is split into conjuncts: equalities `earlier = joined` are the join keys; conjuncts on the joined table alone filter it before the join (`WHERE` in its subquery: the same for INNER and LEFT); other conjuncts go to the query's `WHERE` for an INNER join (the same relation), and for a LEFT join a conjunct on earlier tables alone turns the row's keys to NULL when false (NULL keys never match, tested), anything else is refused |
 * | LEFT JOIN fills missing columns with 0 / '' unless `join_use_nulls = 1` | every statement with a join ends with `SETTINGS join_use_nulls = 1` |
 * | the right side's key columns read back wrongly after a join (a matched row showed NULL) | keys are computed into their own columns (`tsdp_lk…`, `tsdp_rk…`) that nothing reads afterwards; the query reads the right table's columns from separate names |
 * | column-name clashes between the two sides, qualified names not resolved through nested joins | every column of source i is renamed `tsdp_j<i>_<k>` (k: its position in the schema) inside its own subquery |
 * | key types must match | both keys of an equality as `toNullable` of the same static type (integer and double unify to double); an equality of other mixed types is not a key |
 *
 * **What runs where on a cluster.** The statement runs on every shard, each
 * reading its local tables (no `GLOBAL`): a private table joined on the unit
 * must be sharded by the same function of its unit as the first table (all of
 * a unit's rows, in both tables, on one shard), and a public table must be a
 * full copy on every shard; `engines/clickhouse.ts` checks both before the
 * charge (docs/clickhouse.md: the cost of each).
 * @module
 */
import { DpError } from '../../core/errors.js';
import { compileCondition, compileTyped, convert, type SqlType } from '../compile-expr.js';
import type { PlanExpr } from '../plan.js';
import { type ClickHouseEnv, quoteClickHouse as q } from './clickhouse-expr.js';

function refuse(what: string, hint: string): never {
  throw new DpError('UNSUPPORTED_QUERY', `${what} is not supported on ClickHouse: ${hint}`, { construct: what, hint });
}

/** The settings every statement with a join ends with. */
export const JOIN_SETTINGS = ' SETTINGS join_use_nulls = 1';

/**
 * The name a column of source `source` has inside a joined FROM (`tsdp_j<source>_<position>`).
 * @throws DpError INTERNAL for a column the schema does not declare.
 */
export function joinedColumnName(env: ClickHouseEnv, source: number, column: string): string {
  const s = env.plan.sources[source];
  const cols = s ? env.schema.tables.get(s.table)?.columns : undefined;
  const k = cols ? [...cols.keys()].indexOf(column) : -1;
  if (k < 0) throw new DpError('INTERNAL', 'a plan column the schema does not declare');
  return `tsdp_j${source}_${k}`;
}

/** The sources an expression reads. */
function sourcesOf(e: unknown, out = new Set<number>()): Set<number> {
  if (Array.isArray(e)) for (const x of e) sourcesOf(x, out);
  else if (e && typeof e === 'object') {
    const node = e as { kind?: string; source?: number };
    if (node.kind === 'column' && typeof node.source === 'number') out.add(node.source);
    for (const v of Object.values(e)) sourcesOf(v, out);
  }
  return out;
}

function conjunctsOf(e: PlanExpr): PlanExpr[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...conjunctsOf(e.left), ...conjunctsOf(e.right)] : [e];
}

/** The declared columns of source `i`, renamed. */
function sourceSelect(env: ClickHouseEnv, i: number): string {
  const s = env.plan.sources[i];
  const table = s ? env.schema.tables.get(s.table) : undefined;
  if (!s || !table) throw new DpError('INTERNAL', 'unknown join source');
  const cols = [...table.columns.keys()].map((c) => `${q(c)} AS ${joinedColumnName(env, i, c)}`);
  return `SELECT ${cols.join(', ')} FROM ${q(s.table)}`;
}

/** Both keys of an equality as one ClickHouse type, or null when the two static types do not unify. */
function keyPair(env: ClickHouseEnv, earlier: PlanExpr, joined: PlanExpr): [string, string] | null {
  const a = compileTyped(env, earlier);
  const b = compileTyped(env, joined);
  const numeric = (t: SqlType) => t === 'integer' || t === 'double';
  if (a.type === 'null' || b.type === 'null') return null;
  if (a.type === b.type) return [`toNullable(${a.sql})`, `toNullable(${b.sql})`];
  if (numeric(a.type) && numeric(b.type)) return [`toNullable(${convert(env, a, 'double')})`, `toNullable(${convert(env, b, 'double')})`];
  return null;
}

/**
 * The FROM of a joined plan and the conditions its INNER joins move to WHERE.
 * `env.joined` must be true (columns compile to their `tsdp_j…` names).
 * @throws DpError UNSUPPORTED_QUERY for a LEFT JOIN conjunct that reads both sides and is not a key equality, or a join without a key equality.
 */
export function chJoinedFrom(env: ClickHouseEnv): { from: string; where: string[] } {
  const { plan } = env;
  if (!env.joined) throw new DpError('INTERNAL', 'a joined FROM compiled without joined column names');
  let left = `(${sourceSelect(env, 0)})`;
  const where: string[] = [];
  plan.joins.forEach((j, n) => {
    const i = j.source;
    const keys: [string, string][] = [];
    const rightOnly: string[] = [];
    const leftOnly: string[] = [];
    for (const c of conjunctsOf(j.on)) {
      const seen = sourcesOf(c);
      const mine = seen.has(i);
      const earlierOnly = [...seen].every((s) => s < i);
      if (!mine || seen.size === 0) {
        // A constant is a condition on the joined row too (the same for every row): filter the joined table.
        if (seen.size === 0) rightOnly.push(compileCondition(env, c));
        else if (earlierOnly) leftOnly.push(compileCondition(env, c));
        else throw new DpError('INTERNAL', 'a join condition on a later table');
        continue;
      }
      if (seen.size === 1) {
        rightOnly.push(compileCondition(env, c));
        continue;
      }
      if (c.kind === 'binary' && c.op === '=') {
        const ls = sourcesOf(c.left);
        const rs = sourcesOf(c.right);
        const isMine = (s: Set<number>) => s.size === 1 && s.has(i);
        const isEarlier = (s: Set<number>) => s.size > 0 && [...s].every((x) => x < i);
        const pair =
          isEarlier(ls) && isMine(rs) ? keyPair(env, c.left, c.right) : isMine(ls) && isEarlier(rs) ? keyPair(env, c.right, c.left) : null;
        if (pair) {
          keys.push(pair);
          continue;
        }
      }
      if (j.type === 'inner') where.push(compileCondition(env, c));
      else
        refuse(
          'this LEFT JOIN condition',
          'ClickHouse joins on equalities only: write conditions on both tables as equalities of an earlier column with a joined column, or use an INNER JOIN',
        );
    }
    if (keys.length === 0)
      refuse('a join without an equality of an earlier column and a joined column', 'link the joined table by an equality in ON');
    if (j.type === 'inner') where.push(...leftOnly);
    const gate = j.type === 'left' && leftOnly.length ? leftOnly.map((c) => `(${c})`).join(' AND ') : null;
    const lk = keys.map(([l], k) => `${gate ? `if(${gate}, ${l}, NULL)` : l} AS tsdp_lk${n}_${k}`);
    const rk = keys.map(([, r], k) => `${r} AS tsdp_rk${n}_${k}`);
    const on = keys.map((_, k) => `tsdp_lk${n}_${k} = tsdp_rk${n}_${k}`).join(' AND ');
    const rightWhere = rightOnly.length ? ` WHERE ${rightOnly.map((c) => `(${c})`).join(' AND ')}` : '';
    const right = `(SELECT *, ${rk.join(', ')} FROM (${sourceSelect(env, i)})${rightWhere})`;
    left = `(SELECT * FROM (SELECT *, ${lk.join(', ')} FROM ${left}) ALL ${j.type === 'left' ? 'LEFT' : 'INNER'} JOIN ${right} ON ${on})`;
  });
  return { from: left, where };
}
