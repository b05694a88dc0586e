/**
 * The stability of a join: how far adding or removing one privacy unit can
 * move the joined rows, derived from the schema by one rule (written out with
 * its proof in `join-stability.proof.md`). A join that the rule does not
 * bound is refused, naming the join and its line:column.
 *
 * - **Row-level plans** (each private row its own unit): a join with a public
 *   table must not repeat a private row. It is accepted only when one of its
 *   top-level `AND` conjuncts is `joined.key = earlier.column` (either order):
 *   `key` a column of the joined table declared `unique: true`, `column` a
 *   column of a table earlier in FROM, both plain column references (no cast,
 *   COALESCE, arithmetic or function on either side) of the same declared
 *   type. Then each earlier row meets at most one joined row.
 * - **Unit-level plans**: a public table may fan rows out (each unit's
 *   contributions are bounded after the join), but it must be linked by an
 *   equality of its column with an earlier column (no cross products); a
 *   private table is joined only with a top-level conjunct `joined.unit =
 *   earlier.unit` of the declared privacy-unit columns, plain and of the same
 *   type, so that every joined row belongs to the unit of the row it meets.
 *
 * A declared maximum fan-out (a schema field) is not offered: the schema has
 * no such field today, and the only accepted public fan-out is 1.
 * @module
 */
import type { CstNode } from '../_internal/cst.js';
import type { PlanExpr, PlanJoin } from '../plan.js';
import { type Ctx, isUnitColumn, type PlanColumn, refuse, tableOf } from './context.js';

/** The top-level AND conjuncts of an expression. */
export function conjuncts(e: PlanExpr): PlanExpr[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** The `column = column` conjuncts of a join condition, as (left, right) pairs. */
export function columnEqualities(on: PlanExpr): [PlanColumn, PlanColumn][] {
  return conjuncts(on).flatMap((c) =>
    c.kind === 'binary' && c.op === '=' && c.left.kind === 'column' && c.right.kind === 'column' ? [[c.left, c.right]] : [],
  );
}

/** The conjuncts `joined.column = earlier.column` of a join (either order), as (joined, earlier) pairs of the same declared type. */
export function joinLinks(ctx: Ctx, join: Pick<PlanJoin, 'source' | 'on'>): { mine: PlanColumn; other: PlanColumn }[] {
  const typeOf = (c: PlanColumn) => tableOf(ctx, c.source).columns.get(c.column)?.type;
  return columnEqualities(join.on).flatMap(([l, r]) => {
    const pair =
      l.source === join.source && r.source < join.source
        ? { mine: l, other: r }
        : r.source === join.source && l.source < join.source
          ? { mine: r, other: l }
          : undefined;
    return pair && typeOf(pair.mine) !== undefined && typeOf(pair.mine) === typeOf(pair.other) ? [pair] : [];
  });
}

/**
 * Refuses `join` unless the rule above bounds it.
 * @param node - the joined table's node, for the position in a refusal.
 * @param rowLevel - whether each private row is its own unit.
 * @throws DpError UNSUPPORTED_QUERY naming the join and its line:column when the rule does not bound it.
 */
export function checkJoinStability(ctx: Ctx, join: PlanJoin, node: CstNode, rowLevel: boolean): void {
  const alias = ctx.sources[join.source]?.alias ?? '';
  const links = joinLinks(ctx, join);
  if (join.kind === 'unit') {
    const mineUnit = tableOf(ctx, join.source).unit.column ?? undefined;
    // The earlier side must be the unit column of a private table (a schema built in code could put a unit on a public one).
    const unitLink = links.some(
      (p) => p.mine.column === mineUnit && isUnitColumn(ctx, p.other) && ctx.sources[p.other.source]?.isPublic === false,
    );
    if (rowLevel || mineUnit === undefined || !unitLink) {
      refuse(
        ctx,
        node,
        `the join of private table "${alias}"`,
        'private tables may be joined only ON equal privacy-unit columns (both tables need a declared privacyUnit of the same type); otherwise the join is unbounded',
      );
    }
    return;
  }
  if (rowLevel) {
    if (!links.some((p) => tableOf(ctx, p.mine.source).columns.get(p.mine.column)?.unique === true)) {
      refuse(
        ctx,
        node,
        `the join with "${alias}" that may repeat rows`,
        `each row is its own privacy unit here: join ON ${alias}.<column declared unique: true> = <column of an earlier table> (plain columns of the same type, in a top-level AND), or declare a privacyUnit`,
      );
    }
    return;
  }
  if (links.length === 0) {
    refuse(
      ctx,
      node,
      `the join with "${alias}"`,
      'join ON an equality between a column of it and a column of an earlier table (plain columns of the same type)',
    );
  }
}
