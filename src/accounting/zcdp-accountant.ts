/**
 * Zero-concentrated DP accountant (Bun & Steinke 2016): adds ρ of Gaussian,
 * discrete Gaussian, zCDP and pure-ε events; converts with the
 * Canonne–Kamath–Steinke bound.
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { zcdp, zcdpToApproximate } from '../core/loss.js';
import { addAbove, divBelow, expUp, log1pUp, logDown, mulAbove } from '../numeric/directed-libm.js';
import { addUp, divUp, mulDown, mulUp } from '../numeric/directed-rounding.js';
import { edgeNumber } from '../numeric/edge.js';
import { minimizeUnimodal } from '../numeric/minimize.js';
import { pureEpsilon } from './_internal/pure-epsilon.js';
import { BaseAccountant, checkDeltaArg, checkEpsilonArg } from './privacy-accountant.js';

/**
 * δ(ε) of ρ-zCDP by the CKS conversion: min over α > 1 of
 * exp((α−1)(αρ−ε) + α·log(1−1/α) − log(α−1)) (capped at 1).
 * @see Canonne, Kamath, Steinke (2020), Corollary 13.
 */
export function zcdpDelta(rho: number, epsilon: number): number {
  edgeNumber(rho, 'rho');
  edgeNumber(epsilon, 'epsilon');
  if (rho === 0) return 0;
  if (!Number.isFinite(rho)) return 1;
  let bestT = 0;
  let bestF = Number.POSITIVE_INFINITY;
  const f = (t: number) => {
    const a = 1 + Math.exp(t);
    const v = (a - 1) * (a * rho - epsilon) + a * Math.log1p(-1 / a) - Math.log(a - 1);
    if (v < bestF) {
      bestF = v;
      bestT = t;
    }
    return v;
  };
  // The bound holds at EVERY order α > 1, so the minimiser (found to nearest) only picks α; the δ reported is the
  // bound at that α evaluated with every step rounded toward a larger δ (float-sums.proof.md, "Terms").
  minimizeUnimodal(f, -30, 30, 1e-13);
  const a = 1 + Math.exp(bestT);
  return Math.min(1, zcdpDeltaAtOrderUp(rho, epsilon, a > 1 ? a : 1 + 2 ** -52));
}

/**
 * Upper bound of the CKS δ at one order α > 1 (α < 2⁵³, so α − 1 is exact):
 * exp((α−1)(αρ−ε) + α·log1p(−1/α) − log(α−1)), each step directed toward the larger value.
 */
export function zcdpDeltaAtOrderUp(rho: number, epsilon: number, alpha: number): number {
  const am1 = alpha - 1; // exact: Sterbenz for α ≤ 2, a multiple of ulp(α) ≤ 1 above
  const t1 = mulAbove(am1, addAbove(mulAbove(alpha, rho), -epsilon));
  const t2 = mulAbove(alpha, log1pUp(-divBelow(1, alpha)));
  return expUp(addAbove(addAbove(t1, t2), -logDown(am1)));
}

/**
 * zCDP accountant: ρ adds up under composition. Gaussian σ: ρ = 1/(2σ²);
 * discrete Gaussian: Δ²/(2σ²) (Canonne et al. 2020); pure ε: ε²/2
 * (Bun & Steinke 2016, Prop. 1.4), except the exponential mechanism: ε²/8
 * (Cesar & Rogers 2021). (ε, δ) with δ > 0 and subsampled events are refused.
 * All-pure compositions also report the basic Σε when it is smaller.
 * Σρ is a float sum rounded up: each term's products and quotients rounded up, each addition toward +∞
 * (`addUp`), so ρ is never below the exact sum (`float-sums.proof.md`).
 * @example new ZcdpAccountant().compose(DpEvents.gaussian(2), 10).epsilon(1e-6)
 */
export class ZcdpAccountant extends BaseAccountant {
  readonly method = 'zcdp' as const;
  private rhoTotal = 0;

  /** A new, empty accountant. */
  fresh(): ZcdpAccountant {
    return new ZcdpAccountant();
  }

  /** The ρ composed so far. */
  get rho(): number {
    return this.rhoTotal;
  }

  protected visit(event: DpEvent, count: number, apply: boolean): string | null {
    return this.walk(event, count, apply, (e, c) => {
      switch (e.type) {
        case 'nonPrivate':
          if (apply) this.rhoTotal = Number.POSITIVE_INFINITY;
          return null;
        case 'gaussian':
          if (apply) {
            const s = e.noiseMultiplier;
            this.rhoTotal = addUp(this.rhoTotal, s === 0 ? Number.POSITIVE_INFINITY : divUp(c, mulDown(2 * s, s)));
          }
          return null;
        case 'discreteGaussian':
          if (apply)
            this.rhoTotal = addUp(this.rhoTotal, divUp(mulUp(c, mulUp(e.sensitivity, e.sensitivity)), mulDown(2 * e.sigma, e.sigma)));
          return null;
        case 'zcdp':
          if (apply) this.rhoTotal = addUp(this.rhoTotal, mulUp(c, e.rho));
          return null;
        default: {
          const eps = pureEpsilon(e);
          if (eps === null) return 'only Gaussian, discrete Gaussian, zCDP and pure-ε events have a zCDP guarantee';
          if (apply) this.rhoTotal = addUp(this.rhoTotal, divUp(mulUp(c, mulUp(eps, eps)), e.type === 'exponential' ? 8 : 2));
          return null;
        }
      }
    });
  }

  /** ε for δ: the CKS conversion of ρ (or Σε for all-pure compositions, when smaller). */
  protected epsilonFor(delta: number): number {
    checkDeltaArg(delta);
    if (this.rhoTotal === 0) return 0;
    if (delta === 0 || delta === 1) return delta === 1 ? 0 : this.pureBound;
    if (!Number.isFinite(this.rhoTotal)) return Number.POSITIVE_INFINITY;
    return Math.min(this.pureBound, zcdpToApproximate(zcdp(this.rhoTotal), delta).epsilon);
  }

  /** δ for ε by the CKS conversion (0 when ε ≥ Σε of an all-pure composition). */
  protected deltaFor(epsilon: number): number {
    checkEpsilonArg(epsilon);
    if (epsilon >= this.pureBound) return 0;
    return zcdpDelta(this.rhoTotal, epsilon);
  }
}
