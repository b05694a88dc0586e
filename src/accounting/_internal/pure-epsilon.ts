/**
 * The pure ε of a leaf event, when it has one.
 * @internal
 */
import type { DpEvent } from '../../core/dp-event.js';
import { divUp } from '../../numeric/directed-rounding.js';
import { Rational } from '../../numeric/rational.js';
import { costUp } from './filter-helpers.js';

/** The pure ε of an event, or null when it is not pure DP. */
export function pureEpsilon(e: DpEvent): number | null {
  switch (e.type) {
    case 'laplace':
      // A quotient rounds to nearest: rounded up so the ε is never below 1/m (float-sums.proof.md).
      return e.noiseMultiplier === 0 ? Number.POSITIVE_INFINITY : divUp(1, e.noiseMultiplier);
    case 'discreteLaplace':
      return divUp(e.sensitivity, e.scale);
    case 'exponential':
    case 'permuteAndFlip':
      return e.epsilon;
    case 'epsilonDelta':
      return e.delta === 0 ? e.epsilon : null;
    case 'zcdp':
      // 0-zCDP: every Rényi divergence is 0, so the outputs are identically distributed (0-DP).
      return e.rho === 0 ? 0 : null;
    case 'randomizedResponse': {
      const { noiseParameter: p, numBuckets: k } = e;
      if (k === 1 || p === 1) return 0;
      if (p === 0) return Number.POSITIVE_INFINITY;
      return costUp(Math.log1p((k * (1 - p)) / p), 4);
    }
    default:
      return null;
  }
}

/**
 * The pure ε of a leaf as an exact rational (null: not pure, or +∞). Quotients of the event's own
 * doubles are exact (1/m, Δ/b); an ε given as a double is that double; a log is rounded up first.
 */
function pureEpsilonExact(e: DpEvent): Rational | null {
  switch (e.type) {
    case 'laplace':
      return e.noiseMultiplier === 0 ? null : Rational.ONE.div(Rational.fromNumber(e.noiseMultiplier));
    case 'discreteLaplace':
      return Rational.fromNumber(e.sensitivity).div(Rational.fromNumber(e.scale));
    default: {
      const x = pureEpsilon(e);
      return x === null || !Number.isFinite(x) ? null : Rational.fromNumber(x);
    }
  }
}

/** Σ count·ε over the tree, exactly; null when a leaf is not pure DP (or its ε is +∞). */
function treeExact(e: DpEvent): Rational | null {
  switch (e.type) {
    case 'noOp':
      return Rational.ZERO;
    case 'selfComposed': {
      if (e.count === 0) return Rational.ZERO;
      const inner = treeExact(e.event);
      return inner === null ? null : inner.mul(Rational.of(e.count));
    }
    case 'composed': {
      let sum = Rational.ZERO;
      for (const x of e.events) {
        const t = treeExact(x);
        if (t === null) return null;
        sum = sum.add(t);
      }
      return sum;
    }
    default:
      return pureEpsilonExact(e);
  }
}

/**
 * The pure ε of a whole event tree under basic composition: Σ count·ε over
 * its leaves, summed exactly and rounded up once, or +∞ when any leaf is not
 * pure DP (sampled events included). Rule: float-sums.proof.md.
 * @internal
 */
export function pureEpsilonOfTree(e: DpEvent): number {
  const exact = treeExact(e);
  return exact === null ? Number.POSITIVE_INFINITY : exact.toNumberUp();
}

/** The same as an exact rational (null: +∞), for running totals kept exactly. @internal */
export function pureEpsilonOfTreeExact(e: DpEvent): Rational | null {
  return treeExact(e);
}
