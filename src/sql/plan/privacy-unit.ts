/**
 * The privacy unit of a query and its contribution bounds: row-level (each
 * row of the private table is its own unit; a single private table) or
 * unit-level (the declared `privacyUnit` column of the first private table,
 * with the tightest `maxPartitions` and `maxContributionsPerPartition` of the
 * private tables joined).
 * @module
 */
import { DpError } from '../../core/errors.js';
import { privacyUnit } from '../../core/privacy-unit.js';
import type { CstNode } from '../_internal/cst.js';
import type { PlanPrivacy } from '../plan.js';
import { type Ctx, refuse, tableOf } from './context.js';

/**
 * Derives the privacy unit and contribution bounds from the sources read.
 * @param fromClause - the FROM clause, for positions in refusals.
 * The stability of each join was checked as it was read (`join-stability.ts`).
 * @throws DpError UNSUPPORTED_QUERY for private tables joined without units.
 */
export function readPrivacy(ctx: Ctx, fromClause: CstNode | undefined): PlanPrivacy {
  const privateSources = ctx.sources.flatMap((s, i) => (s.isPublic ? [] : [i]));
  const privTables = privateSources.map((i) => tableOf(ctx, i));
  const [unitSource] = privateSources;
  const [first] = privTables;
  if (unitSource === undefined || first === undefined) throw new DpError('INTERNAL', 'a plan without a private source');
  const unitColumn = first.unit.column;
  if (unitColumn === null && privTables.length > 1) {
    return refuse(
      ctx,
      fromClause,
      'a join between private tables without privacy units',
      'declare privacyUnit on both tables and join on it',
    );
  }
  if (unitColumn === null)
    return { rowLevel: true, unit: null, maxPartitions: 1, maxContributionsPerPartition: 1, privacyUnit: privacyUnit(null) };
  const maxPartitions = Math.min(...privTables.map((t) => t.unit.maxPartitions));
  const maxContributionsPerPartition = Math.min(...privTables.map((t) => t.unit.maxContributionsPerPartition));
  return {
    rowLevel: false,
    unit: { kind: 'column', source: unitSource, column: unitColumn },
    maxPartitions,
    maxContributionsPerPartition,
    privacyUnit: privacyUnit(unitColumn, { maxPartitions, maxContributionsPerPartition }),
  };
}
