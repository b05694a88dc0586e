/**
 * Measuring marginals under zCDP. Each marginal is a histogram of the
 * records over some attributes; adding or removing one record changes one
 * cell by 1, so its L2 sensitivity is 1 and the exact discrete Gaussian of
 * variance σ² on every cell is (1/(2σ²))-zCDP (Canonne, Kamath, Steinke 2020,
 * Thm. 4). Exponential-mechanism selections count ε²/8 (bounded range,
 * Cesar & Rogers 2021; `selection.ts`). A {@link ZcdpFilter} adds every piece exactly (rationals) and
 * refuses a piece that would pass the planned total: the filter, not the
 * round count, bounds the loss of an adaptive run (a zCDP privacy filter:
 * Whitehouse, Ramdas, Rogers, Wu 2023).
 * @module
 */
import { validateDpEvent } from '../accounting/index.js';
import { fitsPin, pinBudget } from '../core/budget-filter.js';
import { DpError, type DpEvent, exactLoss, readAmount, traceNoise, zcdp } from '../core/index.js';
import { nextUp, Rational } from '../numeric/index.js';
import { type RandomSource, sampleDiscreteGaussian } from '../random/index.js';
import type { MarginalMeasurement } from './estimation.js';
import { cellCount } from './factor.js';
import { checkAttrs, checkColumns, checkSizes } from './params.js';

/**
 * The histogram of `columns` over `attrs`.
 * @param columns - the encoded data, one array per attribute.
 * @param sizes - each attribute's domain size.
 * @param attrs - the attributes (sorted).
 * @returns the counts, row-major over `attrs`.
 */
export function countMarginal(columns: readonly Int32Array[], sizes: readonly number[], attrs: readonly number[]): Float64Array {
  checkColumns(columns, 'columns');
  checkSizes(sizes, 'sizes');
  checkAttrs(attrs, 'attrs', Math.min(columns.length, sizes.length));
  const shape = attrs.map((a) => sizes[a] as number);
  const out = new Float64Array(cellCount(shape));
  const n = columns[0]?.length ?? 0;
  const cols = attrs.map((a) => columns[a] as Int32Array);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let k = 0; k < cols.length; k++) j = j * (shape[k] as number) + ((cols[k] as Int32Array)[i] as number);
    out[j] = (out[j] as number) + 1;
  }
  return out;
}

/** The exact ρ = 1/(2σ²) of a discrete Gaussian of variance σ² on a sensitivity-1 histogram. */
export function gaussianRho(sigmaSquared: Rational): Rational {
  return Rational.ONE.div(sigmaSquared.mul(Rational.of(2n)));
}

/**
 * The smallest convenient σ² (a double, exact as a rational) with 1/(2σ²) ≤ ρ.
 * @param rho - ρ > 0 (a double).
 */
export function sigmaSquaredForRho(rho: number): Rational {
  let s2 = 1 / (2 * rho);
  let exact = Rational.fromNumber(s2);
  while (gaussianRho(exact).gt(Rational.fromNumber(rho))) {
    s2 = nextUp(s2);
    exact = Rational.fromNumber(s2);
  }
  return exact;
}

/**
 * Which δ the one conversion of ρ to (ε, δ) may use when ρ is calibrated (see {@link rhoForEpsilonDelta}).
 * - `'whole-delta'`: all of δ. The release owns its (ε, δ): no budget is passed, so nothing else will ever
 *   spend δ against it; ρ = ρ_CKS(ε, δ), the ρ Private-PGM's mechanisms run at.
 * - `'budget-reserve'`: half of δ — the caller's `PrivacyBudget`, `Session` or ledger converts Σρ at its own
 *   D_c, which is D/2 unless the budget declared otherwise (`src/core/budget-filter.ts`: the other half is kept
 *   for later spends that carry their own δ, e.g. DP partition selection). ρ = ρ_CKS(ε, δ/2), so that a fresh
 *   (ε, δ) budget accepts the charge: at δ/2 → δ a budget of exactly (ε, δ) would refuse it.
 */
export type RhoCalibration = 'whole-delta' | 'budget-reserve';

/**
 * The largest double ρ whose ρ-zCDP guarantee meets the (ε, δ) target by the Canonne–Kamath–Steinke conversion,
 * decided by the very check a budget makes (`fitsPin` on a zcdp pin) with the conversion's δ set by `calibration`:
 * `'whole-delta'` a zcdp pin declaring D_c = δ (a budget that never spends δ: one conversion at all of δ),
 * `'budget-reserve'` the pin a fresh `PrivacyBudget.approximate(ε, δ)` takes at its first ρ spend (D_c = δ/2).
 * The conversion rounds toward more loss (`zcdpEpsilonBound`: ρ up, δ down), so ε_CKS(ρ, D_c) ≤ ε holds for the
 * returned ρ, and (ε, δ) stated from the privacy map's ρ (`zcdpToApproximate(zcdp(ρ), δ)`) is at most the target.
 * @param epsilon - ε > 0.
 * @param delta - δ ∈ (0, 1).
 * @param calibration - which δ the conversion may use (default `'budget-reserve'`, the rule before stop 17).
 * @returns ρ.
 * @throws DpError INVALID_PARAMETER when ε or δ is out of range, or the calibration is unknown.
 * @privacy public parameters only.
 * @example
 * rhoForEpsilonDelta(1, 1e-9, 'whole-delta'); // ≈ 0.014973 (Private-PGM's cdp_rho(1, 1e-9))
 */
export function rhoForEpsilonDelta(epsilon: number, delta: number, calibration: RhoCalibration = 'budget-reserve'): number {
  if (!(Number.isFinite(epsilon) && epsilon > 0))
    throw new DpError('INVALID_PARAMETER', 'epsilon must be finite and > 0', { parameter: 'epsilon' });
  if (!(Number.isFinite(delta) && delta > 0 && delta < 1))
    throw new DpError('INVALID_PARAMETER', 'delta must be in (0, 1)', { parameter: 'delta' });
  if (calibration !== 'whole-delta' && calibration !== 'budget-reserve')
    throw new DpError('INVALID_PARAMETER', "calibration must be 'whole-delta' or 'budget-reserve'", { parameter: 'calibration' });
  // The target as a PrivacyBudget reads it (decimal-intended rationals).
  const cap = { epsilon: readAmount(epsilon, 'epsilon'), delta: readAmount(delta, 'delta') };
  const choice = calibration === 'whole-delta' ? ({ mode: 'zcdp', conversionDelta: cap.delta } as const) : undefined;
  const fits = (rho: number) => fitsPin(pinBudget(cap, exactLoss(zcdp(rho)), choice), exactLoss(zcdp(rho)));
  let lo = 0;
  let hi = epsilon; // grow hi until it does not fit
  while (fits(hi)) hi *= 2;
  for (let i = 0; i < 80 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  if (!(lo > 0)) throw new DpError('INVALID_PARAMETER', 'epsilon is too small for this delta', { parameter: 'epsilon' });
  return lo;
}

function checkRho(x: unknown, name: string): asserts x is Rational {
  if (!(x instanceof Rational) || x.isNegative()) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a Rational >= 0`, { parameter: name });
  }
}

/** The running total of an adaptive zCDP run against a planned total. */
export class ZcdpFilter {
  private spentExact = Rational.ZERO;
  private readonly log: DpEvent[] = [];
  /**
   * @param total - the planned total ρ (exact, ≥ 0).
   * @throws DpError INVALID_PARAMETER unless it is a Rational ≥ 0 (S7 edge; review S24).
   */
  constructor(readonly total: Rational) {
    checkRho(total, 'total');
  }
  /** What has been spent (exact). */
  get spent(): Rational {
    return this.spentExact;
  }
  /** What is left (exact, ≥ 0). */
  get remaining(): Rational {
    const r = this.total.sub(this.spentExact);
    return r.isNegative() ? Rational.ZERO : r;
  }
  /** The events of every piece spent, in order. */
  get events(): readonly DpEvent[] {
    return this.log;
  }
  /**
   * Spends `rho` for `event`.
   * @throws DpError INTERNAL when it would pass the total (a planning bug; nothing is released).
   */
  spend(rho: Rational, event: DpEvent): void {
    // S7 edge (review S24, issue 10 class 9): a spend is a Rational ≥ 0 (a negative one used to LOWER the spent total,
    // so a run could pass its planned ρ) and the event is a valid DpEvent, both checked before anything changes.
    checkRho(rho, 'rho');
    const checked = validateDpEvent(event); // the log keeps this normalised copy
    const next = this.spentExact.add(rho);
    if (next.gt(this.total)) {
      throw new DpError('INTERNAL', 'a synthesis step would pass its planned privacy total', { routine: 'ZcdpFilter.spend' });
    }
    this.spentExact = next;
    this.log.push(checked);
  }
}

/**
 * Measures the marginal over `attrs` with discrete Gaussian noise of variance σ² on every cell,
 * charging 1/(2σ²) to `filter` first.
 * @param columns - the encoded data.
 * @param sizes - the attribute sizes.
 * @param attrs - the attributes (sorted).
 * @param sigmaSquared - σ² (exact).
 * @param filter - the run's filter.
 * @param rng - the random source.
 * @returns the noisy marginal with weights 1/σ.
 * @privacy (1/(2σ²))-zCDP under adding or removing one record.
 */
export function measureMarginal(
  columns: readonly Int32Array[],
  sizes: readonly number[],
  attrs: readonly number[],
  sigmaSquared: Rational,
  filter: ZcdpFilter,
  rng: RandomSource,
): MarginalMeasurement {
  const sigma = Math.sqrt(sigmaSquared.toNumber());
  filter.spend(gaussianRho(sigmaSquared), { type: 'discreteGaussian', sigma, sensitivity: 1 });
  const counts = countMarginal(columns, sizes, attrs);
  const values = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    traceNoise({ primitive: 'discrete-gaussian', value: c, sensitivity: 1, scale: sigma, extra: { attrs: attrs.join(','), cell: i } });
    values[i] = c + Number(sampleDiscreteGaussian(sigmaSquared, rng));
  }
  return { attrs: [...attrs], values, weights: new Float64Array(counts.length).fill(1 / sigma) };
}
