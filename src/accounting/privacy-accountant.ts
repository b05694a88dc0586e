/**
 * The interface every accountant implements, and the shared traversal of
 * event trees (`selfComposed`, `composed`) with all-or-nothing composition.
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import { type DeltaBound, deltaBound, type EpsilonBound, epsilonBound } from '../core/params.js';
import { describeParameter } from '../numeric/errors.js';
import { Rational } from '../numeric/rational.js';
import { pureEpsilonOfTreeExact } from './_internal/pure-epsilon.js';
import { describeEvent, validateDpEvent } from './dp-events.js';

/**
 * Which data sets are neighbouring for an accountant (`dp_accounting`'s `NeighboringRelation`; named `Adjacency` here so the project has one spelling, *neighbouring*, and stats' `NeighbouringRelation` (the privacy unit) is a different thing):
 * adding or removing one record (default); replacing one record by another;
 * replacing one record by a special "absent" value.
 */
export type Adjacency = 'addOrRemoveOne' | 'replaceOne' | 'replaceSpecial';

/** The name of an accounting method. */
export type AccountingMethod = 'rdp' | 'pld' | 'zcdp';

/**
 * An accountant prices DpEvents: it composes them into its state and answers
 * `epsilon(delta)` and `delta(epsilon)` for everything composed so far.
 */
export interface PrivacyAccountant {
  /** The method's name. */
  readonly method: AccountingMethod;
  /** True when `compose(event)` would succeed. */
  supports(event: DpEvent): boolean;
  /**
   * Adds `event` (repeated `count` times) to the state. Nothing is added when the event is refused.
   * @throws DpError UNSUPPORTED_EVENT when the accountant cannot price the event; INVALID_PARAMETER on a bad event or count.
   */
  compose(event: DpEvent, count?: number): this;
  /**
   * The smallest ε the accountant can prove for `delta`: a brand (a number, ≥ 0 or +∞, never NaN).
   * @throws DpError INVALID_PARAMETER unless δ ∈ [0, 1].
   */
  epsilon(delta: number): EpsilonBound;
  /** The smallest δ the accountant can prove for `epsilon`: a brand (a number in [0, 1], never NaN). @throws DpError INVALID_PARAMETER unless ε ≥ 0. */
  delta(epsilon: number): DeltaBound;
  /** A new, empty accountant with the same options. */
  fresh(): PrivacyAccountant;
}

/** Base class: validation, the traversal and the atomic compose. */
export abstract class BaseAccountant implements PrivacyAccountant {
  abstract readonly method: AccountingMethod;

  /**
   * ε of everything composed so far by basic pure-DP composition (+∞ once a
   * non-pure event is composed). Both this and an accountant's own bound are
   * valid, so accountants report the smaller: a pure Laplace release has ε at
   * δ = 0 even where a PLD's truncation mass or RDP's conversion gives ∞.
   */
  protected pureBound = 0;
  /** The exact Σε behind `pureBound` (null once a non-pure event is composed). */
  private pureExact: Rational | null = Rational.ZERO;

  /**
   * Visits `event` repeated `count` times; with `apply` false it only checks.
   * Returns a reason when the event is unsupported, otherwise null.
   */
  protected abstract visit(event: DpEvent, count: number, apply: boolean): string | null;

  /** Walks selfComposed / composed nodes, delegating leaves to `leaf`. */
  protected walk(event: DpEvent, count: number, apply: boolean, leaf: (e: DpEvent, c: number) => string | null): string | null {
    if (event.type === 'selfComposed') return this.walk(event.event, count * event.count, apply, leaf);
    if (event.type === 'composed') {
      for (const e of event.events) {
        const r = this.walk(e, count, apply, leaf);
        if (r !== null) return r;
      }
      return null;
    }
    if (event.type === 'noOp' || count === 0) return null;
    return leaf(event, count);
  }

  supports(event: DpEvent): boolean {
    try {
      return this.visit(validateDpEvent(event), 1, false) === null;
    } catch {
      return false;
    }
  }

  compose(event: DpEvent, count = 1): this {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new DpError('INVALID_PARAMETER', `count must be an integer >= 0, got ${describeParameter(count)}`, { parameter: 'count' });
    }
    const e = validateDpEvent(event);
    const reason = this.visit(e, count, false);
    if (reason !== null) {
      throw new DpError('UNSUPPORTED_EVENT', `the ${this.method} accountant cannot price ${describeEvent(e)}: ${reason}`, {
        event: describeEvent(e),
        accountant: this.method,
      });
    }
    this.visit(e, count, true);
    // Kept exactly and rounded up once (float-sums.proof.md): the report is never below the exact Σε.
    if (count > 0 && this.pureExact !== null) {
      const tree = pureEpsilonOfTreeExact(e);
      this.pureExact = tree === null ? null : this.pureExact.add(tree.mul(Rational.of(count)));
      this.pureBound = this.pureExact === null ? Number.POSITIVE_INFINITY : this.pureExact.toNumberUp();
    }
    return this;
  }

  /**
   * The smallest ε proven for `delta`, as an `EpsilonBound` (never NaN: see `epsilonBound`).
   * @param delta - δ ∈ [0, 1].
   * @returns the bound.
   * @throws DpError INVALID_PARAMETER unless δ ∈ [0, 1].
   */
  epsilon(delta: number): EpsilonBound {
    return epsilonBound(this.epsilonFor(checkDeltaArg(delta)));
  }
  /**
   * The smallest δ proven for `epsilon`, as a `DeltaBound` (never NaN: see `deltaBound`).
   * @param epsilon - ε ≥ 0.
   * @returns the bound.
   * @throws DpError INVALID_PARAMETER unless ε ≥ 0.
   */
  delta(epsilon: number): DeltaBound {
    return deltaBound(this.deltaFor(checkEpsilonArg(epsilon)));
  }
  /** The accountant's own ε for a validated δ (a float; `epsilon` brands it). */
  protected abstract epsilonFor(delta: number): number;
  /** The accountant's own δ for a validated ε (a float; `delta` brands it). */
  protected abstract deltaFor(epsilon: number): number;
  abstract fresh(): PrivacyAccountant;
}

/** @throws DpError INVALID_PARAMETER unless δ ∈ [0, 1]. */
export function checkDeltaArg(delta: number): number {
  if (typeof delta !== 'number' || !(delta >= 0 && delta <= 1)) {
    throw new DpError('INVALID_PARAMETER', `delta must be in [0, 1], got ${describeParameter(delta)}`, { parameter: 'delta' });
  }
  return delta;
}

/** @throws DpError INVALID_PARAMETER unless ε ≥ 0 (∞ allowed). */
export function checkEpsilonArg(epsilon: number): number {
  if (typeof epsilon !== 'number' || !(epsilon >= 0)) {
    throw new DpError('INVALID_PARAMETER', `epsilon must be >= 0, got ${describeParameter(epsilon)}`, { parameter: 'epsilon' });
  }
  return epsilon;
}
