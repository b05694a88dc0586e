/**
 * Noise calibration: the smallest noise parameter whose composed ε stays at
 * or below a target, by bracketing and bisection. The returned value always
 * satisfies the target (never overshoots ε).
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import { Scale } from '../core/params.js';
import { edgeFunction, edgeRecord } from '../numeric/edge.js';
import { describeParameter } from '../numeric/errors.js';
import { PldAccountant } from './pld-accountant.js';
import type { AccountingMethod, PrivacyAccountant } from './privacy-accountant.js';
import { RdpAccountant } from './rdp-accountant.js';
import { ZcdpAccountant } from './zcdp-accountant.js';

/**
 * An accountant: a method name, a factory returning a fresh one, an accountant
 * class, or an instance (whose `fresh()` copies are used; what it has composed is ignored).
 */
export type AccountantChoice = AccountingMethod | (() => PrivacyAccountant) | (new () => PrivacyAccountant) | PrivacyAccountant;

/** Options of a calibration. */
export interface CalibrationOptions {
  /** The ε not to exceed. */
  targetEpsilon: number;
  /** δ at which ε is measured. */
  delta: number;
  /** Builds the event of the whole computation for a noise parameter. */
  makeEvent: (noise: number) => DpEvent;
  /** The accountant (default 'rdp'). */
  accountant?: AccountantChoice;
  /** Relative width of the final bracket (default 1e-6). */
  tolerance?: number;
  /** Smallest noise considered (default 1e-4). */
  lowerBound?: number;
  /** Largest noise considered (default 1e6). */
  upperBound?: number;
}

/** Creates a fresh accountant. @throws DpError INVALID_PARAMETER on an unknown method. */
export function makeAccountant(choice: AccountantChoice = 'rdp'): PrivacyAccountant {
  if (typeof choice === 'function') {
    if (/^class[\s{]/.test(Function.prototype.toString.call(choice))) return new (choice as new () => PrivacyAccountant)();
    return (choice as () => PrivacyAccountant)();
  }
  if (typeof choice === 'object' && choice !== null && typeof (choice as PrivacyAccountant).fresh === 'function') {
    return (choice as PrivacyAccountant).fresh();
  }
  switch (choice) {
    case 'rdp':
      return new RdpAccountant();
    case 'pld':
      return new PldAccountant();
    case 'zcdp':
      return new ZcdpAccountant();
    default:
      throw new DpError('INVALID_PARAMETER', `unknown accounting method ${String(choice)}`, {
        parameter: 'method',
        expected: 'rdp|pld|zcdp',
      });
  }
}

/**
 * The smallest noise parameter x (up to `tolerance`) with ε(makeEvent(x)) ≤ targetEpsilon — for any event
 * family: a Gaussian multiplier (`calibrateNoiseMultiplier`), a Laplace scale (`calibrateLaplaceScale`), or your own.
 * (Named apart from the statistics layer's internal noise calibration to a budget, so each name means one thing.)
 * ε is assumed non-increasing in x (true for every noise parameter of the events).
 * @param options - the target (ε, δ), the event family `makeEvent(x)`, the accountant and the tolerance.
 * @returns the calibrated parameter (a branded `Scale`), whose ε is ≤ the target.
 * @throws DpError INVALID_PARAMETER on bad options; NUMERICAL_ERROR when even the upper bound misses the target;
 *   UNSUPPORTED_EVENT when the accountant cannot price the event.
 * @privacy the returned parameter's ε, by the chosen accountant, is at most the target (never overshoots).
 * @example
 * calibrateNoiseParameter({ targetEpsilon: 1, delta: 0, accountant: 'zcdp', makeEvent: (b) => DpEvents.laplace(b) });
 */
export function calibrateNoiseParameter(options: CalibrationOptions): Scale {
  edgeRecord(options, 'options');
  edgeFunction(options.makeEvent, 'makeEvent');
  const { targetEpsilon, delta, makeEvent } = options;
  if (!(targetEpsilon > 0 && Number.isFinite(targetEpsilon))) {
    throw new DpError('INVALID_PARAMETER', `targetEpsilon must be a finite number > 0, got ${describeParameter(targetEpsilon)}`, {
      parameter: 'targetEpsilon',
    });
  }
  if (typeof delta !== 'number' || !(delta >= 0 && delta < 1))
    throw new DpError('INVALID_PARAMETER', `delta must be in [0, 1), got ${describeParameter(delta)}`, { parameter: 'delta' });
  const tol = options.tolerance ?? 1e-6;
  if (!(tol > 0 && tol < 1))
    throw new DpError('INVALID_PARAMETER', `tolerance must be in (0, 1), got ${describeParameter(tol)}`, { parameter: 'tolerance' });
  const epsilonOf = (x: number) => makeAccountant(options.accountant).compose(makeEvent(x)).epsilon(delta);
  // The gap in log ε: log ε is close to linear in log x, so the secant steps converge fast.
  const logTarget = Math.log(targetEpsilon);
  const gap = (x: number) => Math.log(epsilonOf(x)) - logTarget;
  const minX = options.lowerBound ?? 1e-4;
  const maxX = options.upperBound ?? 1e6;
  if (!(minX > 0 && maxX > minX)) throw new DpError('INVALID_PARAMETER', 'need 0 < lowerBound < upperBound', { parameter: 'lowerBound' });
  // Start from 1, or — for the PLD accountant, whose cost grows quickly as the noise
  // shrinks — from the RDP solution when RDP can price the event (RDP's ε is larger,
  // so the PLD answer lies just below it).
  let start = 1;
  let factor = 4;
  const isPld = options.accountant === 'pld' || (typeof options.accountant === 'object' && options.accountant?.method === 'pld');
  if (isPld && makeAccountant('rdp').supports(makeEvent(1))) {
    start = calibrateNoiseParameter({ ...options, accountant: 'rdp', tolerance: 1e-3 });
    factor = 1.25;
  }
  // Bracket [lo, hi] with ε(lo) > target ≥ ε(hi), growing geometrically.
  let lo = Math.min(Math.max(start, minX), maxX);
  let fLo = gap(lo);
  let hi = lo;
  let fHi = fLo;
  if (fLo <= 0) {
    // lo already satisfies: walk down.
    for (;;) {
      if (lo <= minX) return Scale.of(lo);
      hi = lo;
      fHi = fLo;
      lo = Math.max(minX, lo / factor);
      fLo = gap(lo);
      if (fLo > 0) break;
    }
  } else {
    for (;;) {
      if (hi >= maxX) {
        throw new DpError('NUMERICAL_ERROR', `no noise parameter up to ${maxX} reaches epsilon ${targetEpsilon}`, {
          routine: 'calibrateNoiseParameter',
        });
      }
      lo = hi;
      fLo = fHi;
      hi = Math.min(maxX, hi * factor);
      fHi = gap(hi);
      if (fHi <= 0) break;
    }
  }
  // Invariant: fLo > 0 ≥ fHi (hi meets the target). Illinois-modified regula falsi on
  // (log x, log ε) — nearly linear — with bisection as the safeguard; when the estimate falls
  // within the tolerance of hi, a probe just below hi (hi·(1 − 0.9·tol)) closes the bracket.
  // The answer is always the current hi.
  let gLo = fLo;
  let gHi = fHi;
  let side = 0;
  for (let it = 0; it < 200 && hi - lo > tol * hi; it++) {
    const a = Math.log(lo);
    const b = Math.log(hi);
    const w = b - a;
    let t = Number.isFinite(gLo) && Number.isFinite(gHi) && gLo !== gHi ? a + (w * gLo) / (gLo - gHi) : 0.5 * (a + b);
    if (!(t > a && t < b)) t = 0.5 * (a + b);
    let x = Math.exp(t);
    if (x > hi * (1 - tol)) x = hi * (1 - 0.9 * tol);
    else if (x < lo * (1 + tol)) x = lo * (1 + 0.9 * tol);
    const f = gap(x);
    if (f <= 0) {
      hi = x;
      gHi = f;
      if (side === 1) gLo /= 2;
      side = 1;
    } else {
      lo = x;
      gLo = f;
      if (side === -1) gHi /= 2;
      side = -1;
    }
  }
  // The result leaves as a brand: a validated noise parameter (finite, not subnormal).
  return Scale.of(hi);
}

/**
 * The smallest Gaussian noise multiplier σ (up to tolerance) for which
 * `makeEvent(σ)` is (targetEpsilon, delta)-DP under the accountant.
 * @example
 * calibrateNoiseMultiplier({ targetEpsilon: 3, delta: 1e-5, accountant: 'pld',
 *   makeEvent: (s) => DpEvents.selfComposed(DpEvents.poissonSampled(256 / 60000, DpEvents.gaussian(s)), 10_000) });
 * @throws as {@link calibrateNoiseParameter}.
 */
export function calibrateNoiseMultiplier(options: CalibrationOptions): Scale {
  return calibrateNoiseParameter(options);
}

/**
 * The smallest Laplace scale b (up to tolerance) for which `makeEvent(b)` is
 * (targetEpsilon, delta)-DP. Default accountant: PLD when δ > 0 (it prices
 * Laplace tightly up to discretisation), zCDP when δ = 0 (which reports the
 * exact pure Σε of Laplace compositions).
 * @throws as {@link calibrateNoiseParameter}.
 */
export function calibrateLaplaceScale(options: CalibrationOptions): Scale {
  edgeRecord(options, 'options');
  return calibrateNoiseParameter({ accountant: options.delta > 0 ? 'pld' : 'zcdp', ...options });
}
