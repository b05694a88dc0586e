/**
 * The privacy unit of a query and its contribution bounds: row-level (each
 * row of the private table is its own unit; a single private table) or
 * unit-level (the declared `privacyUnit` column of the first private table,
 * with the tightest `maxPartitions` and `maxContributionsPerPartition` of the
 * private tables joined).
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { CstNode } from '../_internal/cst.js';
import type { PlanJoin, PlanPrivacy } from '../plan.js';
import { type Ctx, refuse, tableOf } from './context.js';
import { columnEqualities } from './joins.js';

/**
 * Derives the privacy unit and contribution bounds from the sources read.
 * @param fromClause - the FROM clause, for positions in refusals.
 * @throws DpError UNSUPPORTED_QUERY for private tables joined without units, or a row-level join that may repeat rows.
 */
export function readPrivacy(ctx: Ctx, joins: readonly PlanJoin[], fromClause: CstNode | undefined): PlanPrivacy {
  const privateSources = ctx.sources.flatMap((s, i) => (s.isPublic ? [] : [i]));
  const privTables = privateSources.map((i) => tableOf(ctx, i));
  const [unitSource] = privateSources;
  const [first] = privTables;
  if (unitSource === undefined || first === undefined) throw new DpError('INTERNAL', 'a plan without a private source');
  const unitColumn = first.privacyUnit;
  if (unitColumn === undefined && privTables.length > 1) {
    return refuse(
      ctx,
      fromClause,
      'a join between private tables without privacy units',
      'declare privacyUnit on both tables and join on it',
    );
  }
  for (const j of joins) {
    if (j.kind !== 'public' || unitColumn !== undefined) continue;
    // Each row is its own unit: a join must not repeat a private row, so the public side's join column must be unique.
    const uniqueLink = columnEqualities(j.on).some(([l, r]) => {
      const mine = l.source === j.source ? l : r.source === j.source ? r : undefined;
      return mine !== undefined && tableOf(ctx, mine.source).columns.get(mine.column)?.unique === true;
    });
    if (!uniqueLink) {
      return refuse(
        ctx,
        fromClause,
        `the join with "${ctx.sources[j.source]?.alias}" that may repeat rows`,
        'each row is its own privacy unit here: join on a column declared unique: true in the public table, or declare a privacyUnit',
      );
    }
  }
  if (unitColumn === undefined) return { rowLevel: true, unit: null, maxPartitions: 1, maxContributionsPerPartition: 1 };
  return {
    rowLevel: false,
    unit: { kind: 'column', source: unitSource, column: unitColumn },
    maxPartitions: Math.min(...privTables.map((t) => t.maxPartitions)),
    maxContributionsPerPartition: Math.min(...privTables.map((t) => t.maxContributionsPerPartition)),
  };
}
