/**
 * Vitest matchers for differential privacy: `toSatisfyDP` audits a mechanism
 * with `tsdp/audit` and passes when the samples refute nothing.
 * @module
 */

// Type-only: brings vitest's declarations into the program so the augmentation below can merge with them.
import type {} from 'vitest';
import { type AuditOptions, type AuditResult, auditPrivacy, type PrivacyClaim } from '../audit/audit-privacy.js';
import { DpError } from '../core/errors.js';
import type { RandomSource } from '../random/source.js';
import { SeededRandomSource } from './seeded-source.js';

/** Options of `toSatisfyDP`: the audit's options plus a seed. */
export interface DpMatcherOptions<I = unknown, O = unknown> extends Omit<AuditOptions<I, O>, 'claimed' | 'rng'> {
  /** Seed of a deterministic source (reproducible CI runs); ignored when `rng` is given. */
  readonly seed?: number;
  /** The randomness; default: a seeded source when `seed` is given, else the CSPRNG. */
  readonly rng?: RandomSource;
}

/** What `toSatisfyDP` returns to Vitest: the verdict, a message, and the bound (actual) against the claim (expected). */
export interface DpMatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

function show(x: unknown): string {
  try {
    return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  } catch {
    return String(x);
  }
}

function summary(r: AuditResult): string {
  const w = r.witness;
  const witness = w
    ? `\n  witness: inputs ${show(w.inputs[0])} vs ${show(w.inputs[1])}, event ${w.description}` +
      ` (P ≥ ${w.probabilityLower.toPrecision(4)} vs P' ≤ ${w.probabilityUpper.toPrecision(4)})`
    : '';
  return (
    `claimed (ε=${r.claimed.epsilon}, δ=${r.claimed.delta}); certified lower bound ε ≥ ${r.lowerBound.toFixed(4)}` +
    ` at confidence ${r.confidence} from ${r.samples} samples per input${witness}`
  );
}

/**
 * Matchers for `expect.extend`: `toSatisfyDP(claim, options)` audits the
 * received mechanism (a Measurement, any `{ invoke(input, rng) }`, or a function
 * `(input, rng) => output`) and passes when the certified lower bound on ε does
 * not exceed the claimed ε. A correct mechanism fails with probability at most
 * 1 − confidence (default 1e-6).
 * @example
 * import { dpMatchers } from 'tsdp/testing';
 * expect.extend(dpMatchers);
 * expect(makeLaplace({ scale: 1 })).toSatisfyDP({ epsilon: 1 }, { inputs: [0, 1], samples: 200_000, seed: 1 });
 */
export const dpMatchers = {
  /**
   * Passes when an audit finds no violation of the (ε, δ) claim.
   * @throws DpError INVALID_PARAMETER on a received value that is not a mechanism, or bad options.
   */
  toSatisfyDP(this: { isNot?: boolean }, received: unknown, claim: PrivacyClaim, options: DpMatcherOptions = {}): DpMatcherResult {
    const isFunction = typeof received === 'function';
    const isMechanism =
      typeof received === 'object' && received !== null && typeof (received as { invoke?: unknown }).invoke === 'function';
    if (!isFunction && !isMechanism) {
      throw new DpError('INVALID_PARAMETER', 'toSatisfyDP expects a measurement or a function (input, rng) => output', {
        parameter: 'received',
      });
    }
    const { seed, rng, ...rest } = options;
    const source = rng ?? (seed === undefined ? undefined : new SeededRandomSource(seed));
    const auditOptions: AuditOptions<unknown, unknown> = source ? { ...rest, claimed: claim, rng: source } : { ...rest, claimed: claim };
    const result = auditPrivacy(received as Parameters<typeof auditPrivacy<unknown, unknown>>[0], auditOptions);
    return {
      pass: !result.violated,
      message: () =>
        result.violated
          ? `expected the mechanism to satisfy the claim, but the audit refutes it: ${summary(result)}`
          : `expected the audit to refute the claim, but it did not: ${summary(result)}`,
      actual: result.lowerBound,
      expected: claim.epsilon,
    };
  },
};

/** The matcher's signature as it appears on `expect(...)`. */
export interface DpMatchers<R = unknown> {
  /**
   * Audits the received mechanism against an (ε, δ) claim (see {@link dpMatchers}).
   * @param claim - the claimed ε and δ (δ defaults to 0).
   * @param options - neighbouring inputs or pairs, samples, seed, confidence, features.
   */
  toSatisfyDP(claim: PrivacyClaim, options?: DpMatcherOptions): R;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must repeat vitest's own declaration to merge with it.
  interface Assertion<T = any> extends DpMatchers<void> {}
  interface AsymmetricMatchersContaining extends DpMatchers<void> {}
}
