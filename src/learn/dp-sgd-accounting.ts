/**
 * The privacy events of DP-SGD and their price: one
 * poissonSampled(q, gaussian(σ)) per logical step, composed by the PLD or
 * RDP accountant of `tsdp/accounting`.
 * @module
 */

import { DpEvents, PldAccountant, type PrivacyAccountant, RdpAccountant } from '../accounting/index.js';
import type { DpEvent } from '../core/index.js';
import { DpError } from '../core/index.js';

/** The accountant a trainer uses. */
export type LearnAccountant = 'pld' | 'rdp';

/**
 * The event of one DP-SGD step: a Poisson subsample at rate q, then the
 * Gaussian mechanism with noise multiplier σ (noise σ·C on a sum of
 * sensitivity C).
 * @param sampleRate - q ∈ (0, 1].
 * @param noiseMultiplier - σ > 0.
 * @returns poissonSampled(q, gaussian(σ)).
 * @throws DpError INVALID_PARAMETER when q or σ is out of range.
 * @privacy the step's guarantee under add/remove one example.
 * @example
 * dpSgdStepEvent(256 / 60000, 1.1);
 */
export function dpSgdStepEvent(sampleRate: number, noiseMultiplier: number): DpEvent {
  return DpEvents.poissonSampled(sampleRate, DpEvents.gaussian(noiseMultiplier));
}

/**
 * A fresh accountant of the chosen kind.
 * @param kind - 'pld' or 'rdp'.
 * @returns the accountant (add/remove one neighbouring relation).
 * @throws DpError INVALID_PARAMETER on another kind.
 * @example
 * makeLearnAccountant('pld');
 */
export function makeLearnAccountant(kind: LearnAccountant): PrivacyAccountant {
  if (kind === 'pld') return new PldAccountant();
  if (kind === 'rdp') return new RdpAccountant();
  throw new DpError('INVALID_PARAMETER', "accountant must be 'pld' or 'rdp'", { parameter: 'accountant' });
}

/**
 * Composes a step history with one accountant: runs of equal consecutive
 * events are composed as one self-composition (the PLD accountant then
 * raises one spectrum to a power instead of T convolutions).
 * @param events - the history, in order.
 * @param kind - 'pld' or 'rdp'.
 * @returns the accountant holding the whole history.
 * @throws DpError INVALID_PARAMETER / UNSUPPORTED_EVENT from the accountant.
 * @privacy adaptive composition of the steps.
 * @example
 * accountHistory(trainer.events, 'pld').epsilon(1e-5);
 */
export function accountHistory(events: readonly DpEvent[], kind: LearnAccountant): PrivacyAccountant {
  const accountant = makeLearnAccountant(kind);
  let i = 0;
  while (i < events.length) {
    const e = events[i] as DpEvent;
    const key = JSON.stringify(e);
    let j = i + 1;
    while (j < events.length && JSON.stringify(events[j]) === key) j++;
    accountant.compose(e, j - i);
    i = j;
  }
  return accountant;
}
