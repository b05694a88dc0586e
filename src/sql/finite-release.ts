/**
 * Every released value is finite (issue 10, item 4). The rule, checked from
 * public numbers only (the plan's bounds, the contribution bounds and the
 * budget split) **before** anything is charged:
 *
 * - A measure's bounds are finite, with lower ≤ upper (a constant measure,
 *   lower = upper, is widened to include 0 so that its grid is well defined).
 * - The largest exact aggregate is bounded by `B · 2⁶³` (B = max |bound|; an
 *   engine counts at most 2⁶³ rows), and the noise added to it by
 *   `NOISE_REACH` noise scales, where one scale is at most
 *   `P · C · 2B / min(ε_out, √(2ρ_out))` (P partitions per unit, C
 *   contributions per partition). Their sum must stay below `FINITE_LIMIT`
 *   (1e300, far inside the double range, so the release's own arithmetic —
 *   interval ends, unit conversions — cannot reach ±Infinity either).
 * - Variances and standard deviations square the range: (2B)² must stay
 *   below the limit too.
 *
 * Queries that break the rule are refused with `UNSUPPORTED_QUERY` naming the
 * output and the bound. Noise beyond `NOISE_REACH` scales has probability
 * below e⁻⁶⁴ ≈ 1.6e-28; should it happen, `finiteValue` saturates the release
 * to ±`Number.MAX_VALUE` (post-processing of the noisy value, so it costs no
 * privacy) instead of releasing ±Infinity or NaN.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { BudgetSplit } from './budget-split.js';
import type { PlanMeasure, QueryPlan } from './plan.js';

/** Magnitudes a release may reach, with margin to the largest double. */
export const FINITE_LIMIT = 1e300;
/** Rows an engine may count (2⁶³). */
const MAX_ROWS = 2 ** 63;
/** Noise scales covered by the static check. */
const NOISE_REACH = 64;

/** The clamp bounds a measure is released with: its planned bounds, widened to include 0 when they are a single point. */
export function measureBounds(m: PlanMeasure): readonly [number, number] {
  if (m.upper > m.lower) return [m.lower, m.upper];
  const v = m.lower;
  return v > 0 ? [0, v] : v < 0 ? [v, 0] : [0, 1];
}

/**
 * Refuses a query whose release could be non-finite (see the module header).
 * @param plan - the checked plan.
 * @param split - its budget split.
 * @throws DpError UNSUPPORTED_QUERY when an output's bounds or budget could overflow a double.
 */
export function checkFiniteRelease(plan: QueryPlan, split: BudgetSplit): void {
  const P = split.partitions;
  const C = plan.privacy.maxContributionsPerPartition;
  plan.outputs.forEach((o, i) => {
    if (o.kind !== 'aggregate') return;
    const share = split.outputs[i];
    if (!share) return;
    const a = o.aggregate;
    const amount = share.toNumberDown();
    // ε per output, or √(2ρ) (the scale of a Gaussian per unit of L2 sensitivity is 1/√(2ρ)).
    const privacy = split.noise === 'gaussian' ? Math.sqrt(2 * amount) : amount;
    const refuse = (why: string) => {
      throw new DpError('UNSUPPORTED_QUERY', `${o.name}: ${why}, so its release could overflow to ±Infinity; nothing was charged`, {
        construct: o.name,
        hint: why,
      });
    };
    if (!(privacy > 0)) refuse('its share of the budget is too small to calibrate noise');
    if (a.kind === 'count' || a.kind === 'countValues' || a.kind === 'countUnits') {
      const noise = (NOISE_REACH * P * C) / privacy;
      if (!(MAX_ROWS + noise < FINITE_LIMIT)) refuse(`its share of the budget (${amount}) is too small for ${P}×${C} contributions`);
      return;
    }
    const m = a.measure;
    if (!Number.isFinite(m.lower) || !Number.isFinite(m.upper) || m.lower > m.upper) refuse('its bounds are not finite');
    const [lo, hi] = measureBounds(m);
    const B = Math.max(Math.abs(lo), Math.abs(hi));
    const noise = (NOISE_REACH * P * C * 2 * B) / privacy;
    const biggest = B * MAX_ROWS + noise;
    if (!(biggest < FINITE_LIMIT))
      refuse(`the bounds [${lo}, ${hi}] with ${P} partition(s) × ${C} contribution(s) per unit and this budget reach ${biggest}`);
    if (a.kind === 'variance' && !((2 * B) ** 2 * NOISE_REACH < FINITE_LIMIT)) refuse(`the squared range of [${lo}, ${hi}] is too large`);
  });
}

/**
 * A released number made finite: ±Infinity saturates to ±`Number.MAX_VALUE`, NaN becomes `fallback`.
 * Post-processing of a noisy value (no privacy cost); with `checkFiniteRelease` it happens with probability below e⁻⁶⁴.
 */
export function finiteValue(x: number, fallback: number): number {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return Number.isFinite(fallback) ? fallback : 0;
  return x > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
}
