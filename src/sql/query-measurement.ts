/**
 * A DP SQL query as a measurement (issue 10, "the calculus carries the load";
 * item 15): each released aggregate is one mechanism (discrete Laplace with
 * its share of ε, or discrete Gaussian with its share of ρ) and DP partition
 * selection is one more ((ε, δ)); the query is their adaptive composition.
 * Each component is a core `Measurement` (`defineMeasurement`) whose privacy
 * map states its loss; the query's privacy map is the exact composition of
 * their exact losses (`addLoss`: δ-approximate zCDP adds ε, δ and ρ), so ρ
 * stays ρ and the ledger converts the total once against its (ε, δ) cap.
 *
 * Rule: `runDpSql` charges exactly `privacyMap(1)`, the result's `loss` is
 * that same value, and it must equal the budget split's own statement of
 * cost (`split.charge`): a mismatch is an INTERNAL error, raised before the
 * charge. Each component's numeric map (the double its noise is calibrated
 * with) must be its exact share rounded down, and after the run the releases'
 * own stated losses must add up, exactly, to those doubles
 * (`checkReleasedLosses`), so the mechanisms that add the noise and the exact
 * loss that is charged cannot drift apart by any amount.
 * @module
 */
import { DpError } from '../core/errors.js';
import { addLoss, checkExactLoss, type ExactLoss, lossEquals, lossLe, statedExactLoss, ZERO_LOSS } from '../core/exact-loss.js';
import { approximate, type PrivacyLoss, pure, roundUpCost, zcdp } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { Rational } from '../numeric/rational.js';
import type { BudgetSplit } from './budget-split.js';
import type { QueryPlan } from './plan.js';

/** One mechanism of the query with its exact loss at distance 1. */
export interface QueryComponent {
  /** The output it releases, or 'partition selection'. */
  readonly name: string;
  /** The core measurement (its numeric privacy map states the mechanism's loss). */
  readonly measurement: Measurement<unknown, unknown>;
  /** Its exact loss at distance 1 (the share the split gives it). */
  readonly exact: ExactLoss;
}

/** The query as a composition of measurements, with an exact privacy map. */
export interface DpSqlMeasurement {
  readonly name: string;
  readonly components: readonly QueryComponent[];
  /**
   * The exact loss of the whole query for neighbouring data sets `dIn` apart (add/remove of `dIn` privacy units).
   * @throws DpError INVALID_PARAMETER for dIn ≠ 1 when a component is (ε, δ)-DP (its group privacy is not stated here).
   */
  privacyMap(dIn: number): ExactLoss;
  /**
   * The exact loss the noise is calibrated with: the sum of the components' numeric maps at distance 1, each double
   * read exactly (each is its share rounded down, so this is ≤ `privacyMap(1)` component by component). What the
   * releases state must add up to exactly this (`checkReleasedLosses`).
   */
  readonly calibrated: ExactLoss;
}

const UNIT = { kind: 'any' } as never;
const METRIC = 'symmetric-distance' as never;

/** A component measurement: the release itself happens in `release-group.ts`; this object states its privacy map. */
function component(name: string, loss: (dIn: number) => PrivacyLoss, exact: ExactLoss): QueryComponent {
  const measurement = defineMeasurement<unknown, unknown, PrivacyLoss['kind']>({
    name: `dp-sql ${name}`,
    inputDomain: UNIT,
    inputMetric: METRIC,
    outputMeasure: loss(1).kind,
    invoke: () => {
      throw new DpError('INTERNAL', 'a DP SQL component is released by runDpSql, not invoked alone');
    },
    privacyMap: (dIn) => loss(dIn) as never,
  });
  return { name, measurement: measurement as Measurement<unknown, unknown>, exact };
}

/** True when a double `x` is exactly the share `r` rounded down (as the releases calibrate): never more than the share. */
function agrees(x: number, r: Rational): boolean {
  return x === r.toNumberDown() && Rational.fromNumber(x).le(r);
}

/**
 * Builds the measurement of a planned query.
 * @param plan - the plan.
 * @param split - its budget split.
 * @returns the components and the exact privacy map.
 * @throws DpError INTERNAL when a component's numeric map disagrees with its exact share, or the composition with the split's statement.
 * @privacy the query is the adaptive composition of its components under add/remove of one privacy unit.
 */
export function dpSqlMeasurement(plan: QueryPlan, split: BudgetSplit): DpSqlMeasurement {
  const components: QueryComponent[] = [];
  const zero = Rational.ZERO;
  plan.outputs.forEach((o, i) => {
    const share = split.outputs[i];
    if (o.kind !== 'aggregate' || !share) return;
    const x = share.toNumberDown();
    if (split.noise === 'gaussian') components.push(component(o.name, (d) => zcdp(d * d * x), { epsilon: zero, delta: zero, rho: share }));
    else components.push(component(o.name, (d) => pure(d * x), { epsilon: share, delta: zero, rho: zero }));
  });
  // The bounding report (`reportBounding`): two counts of units, each of sensitivity 1, each with its share.
  const b = split.bounding;
  if (b) {
    const x = b.toNumberDown();
    for (const name of ['bounding report: units cut', 'bounding report: units']) {
      if (split.noise === 'gaussian') components.push(component(name, (d) => zcdp(d * d * x), { epsilon: zero, delta: zero, rho: b }));
      else components.push(component(name, (d) => pure(d * x), { epsilon: b, delta: zero, rho: zero }));
    }
  }
  const sel = split.selection;
  if (sel) {
    const e = sel.epsilon.toNumberDown();
    const d = sel.delta.toNumberDown();
    components.push(
      component(
        'partition selection',
        (dIn) => {
          if (dIn !== 1)
            throw new DpError('INVALID_PARAMETER', 'partition selection states its (ε, δ) for dIn = 1 only', { parameter: 'dIn' });
          return approximate(e, d);
        },
        { epsilon: sel.epsilon, delta: sel.delta, rho: zero },
      ),
    );
  }
  // Each component's numeric map (what calibrates the noise) agrees with its exact share.
  for (const c of components) {
    const l = c.measurement.privacyMap(1);
    const ok =
      l.kind === 'pure'
        ? agrees(l.epsilon, c.exact.epsilon)
        : l.kind === 'zcdp'
          ? agrees(l.rho, c.exact.rho)
          : agrees(l.epsilon, c.exact.epsilon) && agrees(l.delta, c.exact.delta);
    if (!ok) throw new DpError('INTERNAL', `the privacy map of ${c.name} disagrees with its share of the budget`, {});
  }
  const lossAt = (dIn: number): ExactLoss => {
    if (!(Number.isInteger(dIn) && dIn >= 0))
      throw new DpError('INVALID_PARAMETER', 'dIn must be a whole number of privacy units', { parameter: 'dIn' });
    const k = Rational.of(BigInt(dIn));
    return components.reduce((acc, c) => {
      if (c.exact.delta.isZero() === false && dIn !== 1)
        throw new DpError('INVALID_PARAMETER', 'partition selection states its (ε, δ) for dIn = 1 only', { parameter: 'dIn' });
      // Pure ε scales with dIn (group privacy); ρ with dIn².
      return addLoss(acc, { epsilon: c.exact.epsilon.mul(k), delta: c.exact.delta, rho: c.exact.rho.mul(k).mul(k) });
    }, ZERO_LOSS);
  };
  // The loss at distance 1 is read three times per query (the check below, the charge, the check after the release):
  // computed once (exact rationals, immutable), the same value each time (issue 15: allocation per query).
  const total = lossAt(1);
  const privacyMap = (dIn: number): ExactLoss => (dIn === 1 ? total : lossAt(dIn));
  if (!lossEquals(total, split.charge)) {
    throw new DpError('INTERNAL', 'the query measurement and the budget split state different costs', {});
  }
  const calibrated = components.reduce((acc, c) => addLoss(acc, statedExactLoss(c.measurement.privacyMap(1))), ZERO_LOSS);
  if (!lossLe(calibrated, total)) throw new DpError('INTERNAL', 'the noise is calibrated with more than the charge', {});
  return { name: 'dp-sql query', components, privacyMap, calibrated };
}

/**
 * The guarantee of an exact loss as a `PrivacyLoss`: pure ε, (ε, δ), or ρ-zCDP when it is only one of them;
 * a mix of (ε, δ) and ρ is stated as (ε + ρ + 2√(ρ ln(1/δ)), 2δ) (the ledger converts totals more tightly).
 * @param loss - the exact loss.
 * @returns the guarantee.
 */
export function guaranteeOf(loss: ExactLoss): PrivacyLoss {
  const e = loss.epsilon.toNumberUp();
  const d = loss.delta.toNumberUp();
  if (loss.rho.isZero()) return loss.delta.isZero() ? pure(e) : approximate(e, d);
  if (loss.epsilon.isZero() && loss.delta.isZero()) return zcdp(loss.rho.toNumberUp());
  const rho = loss.rho.toNumberUp();
  // The ρ part costs at most ρ + 2√(ρ ln(1/δ)) at δ (Bun & Steinke 2016, Prop. 1.3). Rule (issue 10, mixed
  // guarantees): every float step is rounded OUTWARD — δ read down inside the log (a smaller δ costs more), and
  // each of 1/x, log, ×, √, + moved up by roundUpCost's ulps past its ≤ 1-ulp error — so the stated ε is never
  // below the exact value (test/sql/guarantee-rounding.test.ts checks it against exact rationals).
  const dDown = loss.delta.toNumberDown();
  const logInv = roundUpCost(Math.log(roundUpCost(1 / dDown)));
  const root = roundUpCost(Math.sqrt(roundUpCost(rho * logInv)));
  const cks = roundUpCost(rho + 2 * root);
  return approximate(roundUpCost(e + cks), Math.min(1, 2 * d));
}

/**
 * The check after the release (review 22:46): the losses the releases themselves state — releaseTable's composition
 * of the outputs (from the budgets their noise was calibrated with), partition selection's, the bounding report's —
 * add up EXACTLY to the loss the query's measurement says its noise is calibrated with (`calibrated`), which is the
 * charge with each share rounded down to the double the noise uses (checked exactly, ≤ the charge, when the
 * measurement is built). Everything is exact rational arithmetic: a mismatch of any size — one ulp included — is
 * INTERNAL. This compares what the noise was set to with what was charged, independently of the split.
 *
 * Rule (class "the charge and the released guarantee come from different code"): no tolerance. Each release states
 * its loss exactly (`statedExactLoss` of the doubles its noise uses; `releaseTable`'s `exact` composition), the
 * measurement states the same doubles, so equal means equal; a tolerance would let a drift below it (a share moved
 * to another output, repeated without bound) pass. The charge is ≥ `calibrated` by construction (shares rounded
 * down), never less.
 * @param losses - the exact stated losses of every release of the query.
 * @param measurement - the query's measurement (its `calibrated` loss, and the charge `privacyMap(1)`).
 * @throws DpError INTERNAL on a mismatch (no data in the message).
 */
export function checkReleasedLosses(losses: readonly ExactLoss[], measurement: Pick<DpSqlMeasurement, 'calibrated' | 'privacyMap'>): void {
  let total: ExactLoss = ZERO_LOSS;
  try {
    for (const l of losses) total = addLoss(total, checkExactLoss(l, 'released loss'));
  } catch {
    // A stated loss that is not a valid loss is the library's fault after the charge, never the caller's.
    throw new DpError('INTERNAL', 'a release stated an invalid loss', {});
  }
  if (!lossEquals(total, measurement.calibrated) || !lossLe(total, measurement.privacyMap(1)))
    throw new DpError('INTERNAL', 'the released losses and the charge disagree', {});
}
