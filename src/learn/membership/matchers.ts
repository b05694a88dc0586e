/**
 * A Vitest matcher that keeps a privacy check in CI:
 * `await expect(subject).toResistMembershipInference({ seed })` runs a one-run
 * membership audit (Steinke, Nasr, Jagielski 2023) of `subject` — one-run
 * audit options, e.g. `dpSgdAuditSubject(...)` — and passes when the ε lower
 * bound stays at or below the subject's claimed ε. A correct (ε, δ)-DP
 * trainer fails with probability at most 1 − confidence (default 1e-6).
 *
 * No import of vitest or of src/testing here (production code): the matcher
 * is a plain async function; a test file registers it with
 * `expect.extend(membershipMatchers)` and declares the type with
 * {@link MembershipMatchers}.
 * @module
 */
import { DpError } from '../../core/index.js';
import type { RandomSource } from '../../random/index.js';
import { type OneRunAuditOptions, type OneRunAuditResult, oneRunAudit } from './one-run.js';

/** Options of the matcher. */
export interface MembershipMatcherOptions {
  /** Confidence of the bound (default 1 − 1e-6: a correct trainer fails at most once in a million runs). */
  readonly confidence?: number;
  /** Randomness of the inclusion draws (a seeded source makes CI reproducible). */
  readonly rng?: RandomSource;
}

/** The matcher's result, in Vitest's shape. */
export interface MembershipMatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

/** For `declare module 'vitest' { interface Assertion<T> extends MembershipMatchers<T> {} }`. */
export interface MembershipMatchers<R = unknown> {
  toResistMembershipInference(options?: MembershipMatcherOptions): Promise<R>;
}

function describeResult(r: OneRunAuditResult): string {
  return (
    `one-run audit: ε ≥ ${r.epsilonLowerBound.toFixed(3)} at confidence ${r.confidence} ` +
    `(${r.correct}/${r.guesses} guesses right, ${r.included}/${r.canaries} canaries included), claimed ε = ${r.claimedEpsilon}`
  );
}

/**
 * Matchers for `expect.extend`.
 * @example
 * import { membershipMatchers, dpSgdAuditSubject } from 'tsdp/learn';
 * expect.extend(membershipMatchers);
 * await expect(dpSgdAuditSubject({ base, canaries, makeTrainer, claimedEpsilon: 2, delta: 1e-5 }))
 *   .toResistMembershipInference({ rng: new SeededRandomSource(1) });
 */
export const membershipMatchers = {
  /**
   * Passes when the one-run ε lower bound of `received` stays at or below its claimed ε.
   * @param received - one-run audit options with a claimedEpsilon (e.g. from dpSgdAuditSubject).
   * @param options - confidence and randomness.
   * @returns the verdict.
   * @throws DpError INVALID_PARAMETER when received has no claimedEpsilon.
   */
  async toResistMembershipInference(
    received: OneRunAuditOptions,
    options: MembershipMatcherOptions = {},
  ): Promise<MembershipMatcherResult> {
    if (typeof received !== 'object' || received === null || typeof received.claimedEpsilon !== 'number') {
      throw new DpError('INVALID_PARAMETER', 'toResistMembershipInference needs one-run audit options with a claimedEpsilon', {
        parameter: 'received',
      });
    }
    const result = await oneRunAudit({
      ...received,
      confidence: options.confidence ?? 1 - 1e-6,
      ...(options.rng ? { rng: options.rng } : {}),
    });
    const pass = result.consistent === true;
    return {
      pass,
      message: () =>
        pass
          ? `expected the audit to refute the claim, but ${describeResult(result)}`
          : `membership leaks beyond the claim: ${describeResult(result)}`,
      actual: result.epsilonLowerBound,
      expected: result.claimedEpsilon,
    };
  },
};
