/**
 * The record of every value a release path treats as public (issue 10: "make
 * SQL and the Session record every value they treat as public").
 *
 * ## Rule
 * Whatever a release reads without noise — declared bounds, declared group
 * keys and categories, contribution caps, the privacy unit's name, bins,
 * quantiles, budgets — must be public (declared by the data owner or the
 * analyst, never computed from the rows). Each such value passes through
 * `tracePublicParameter` before the release, so a grey-box audit
 * (`core/trace.ts`'s hook) sees the full list and can check that none of them
 * moves between neighbouring datasets. The Session records its query's public
 * parameters in `recordPublicParameters` (session-query.ts); DP SQL records its
 * own (run-dp-sql.ts `tracePublics`). Test: test/session/public-trace.test.ts.
 * @module
 */
import { tracePublic } from '../core/trace.js';

/**
 * Records a public value on the trace hook (for grey-box audits): a no-op
 * unless a trace hook is installed.
 * @param name - what the value is (e.g. `mean_age.bounds`).
 * @param value - the value (public: never a data value).
 * @privacy none: the value is public by declaration.
 * @example
 * tracePublicParameter('maxContributionsPerPartition', 2);
 */
export function tracePublicParameter(name: string, value: unknown): void {
  tracePublic(name, value);
}
