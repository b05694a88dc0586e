/**
 * The pure ε of a leaf event, when it has one.
 * @internal
 */
import type { DpEvent } from '../../core/dp-event.js';

/** The pure ε of an event, or null when it is not pure DP. */
export function pureEpsilon(e: DpEvent): number | null {
  switch (e.type) {
    case 'laplace':
      return e.noiseMultiplier === 0 ? Number.POSITIVE_INFINITY : 1 / e.noiseMultiplier;
    case 'discreteLaplace':
      return e.sensitivity / e.scale;
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
      return Math.log1p((k * (1 - p)) / p);
    }
    default:
      return null;
  }
}

/**
 * The pure ε of a whole event tree under basic composition: Σ count·ε over
 * its leaves, or +∞ when any leaf is not pure DP (sampled events included).
 * @internal
 */
export function pureEpsilonOfTree(e: DpEvent): number {
  switch (e.type) {
    case 'noOp':
      return 0;
    case 'selfComposed':
      return e.count === 0 ? 0 : e.count * pureEpsilonOfTree(e.event);
    case 'composed':
      return e.events.reduce((sum, x) => sum + pureEpsilonOfTree(x), 0);
    default:
      return pureEpsilon(e) ?? Number.POSITIVE_INFINITY;
  }
}
