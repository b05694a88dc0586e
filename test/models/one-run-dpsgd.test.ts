/**
 * The one-run audit of DP-SGD (Steinke, Nasr, Jagielski 2023): a correct
 * trainer stays below its claimed ε; the planted bugs — no noise, clipping
 * switched off — are caught. Setting: logistic regression on 10 base
 * features plus one private coordinate per canary (canary i is 100·e_{10+i},
 * label 1), so each canary alone moves its own weight: the cleanest black-box
 * canary there is (their "input-space" canaries).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrateNoiseMultiplier } from '../../src/accounting/index.js';
import { dpSgdStepEvent } from '../../src/learn/dp-sgd-accounting.js';
import {
  accountHistory,
  dpSgdAuditSubject,
  logisticRegression,
  type MembershipMatchers,
  makePrivate,
  membershipMatchers,
  type NoiseSource,
  oneRunAudit,
  oneRunEpsilonLowerBound,
  oneRunPValue,
  sgd,
} from '../../src/learn/index.js';
import { binomialPmf, SeededRandomSource } from '../../src/testing/index.js';

declare module 'vitest' {
  interface Assertion<T> extends MembershipMatchers<T> {}
}
expect.extend(membershipMatchers);

const CANARIES = 1000;
const BASE = 400;
const WIDTH = 10 + CANARIES;
const N = BASE + CANARIES / 2; // the declared public N
const BATCH = 100;
const STEPS = 40;
// δ small enough that the theorem's 2mδ term does not hide everything at confidence 1 − 1e-6.
const DELTA = 1e-9;
const CLAIMED = 1;
const q = BATCH / N;

function data(seed: number) {
  const rng = new SeededRandomSource(seed);
  const u = () => rng.nextUint32() / 2 ** 32 - 0.5;
  const base = { inputs: new Float64Array(BASE * WIDTH), labels: new Int32Array(BASE), size: BASE };
  for (let r = 0; r < BASE; r++) {
    let s = 0;
    for (let f = 0; f < 10; f++) {
      const v = u();
      base.inputs[r * WIDTH + f] = v;
      s += v * (f - 4.5);
    }
    base.labels[r] = s > 0 ? 1 : 0;
  }
  const canaries = { inputs: new Float64Array(CANARIES * WIDTH), labels: new Int32Array(CANARIES).fill(1), size: CANARIES };
  for (let i = 0; i < CANARIES; i++) canaries.inputs[i * WIDTH + 10 + i] = 100;
  return { base, canaries };
}

// σ for (CLAIMED, DELTA) over STEPS steps at q, by the same PLD accounting the trainer uses.
const sigma = calibrateNoiseMultiplier({
  targetEpsilon: CLAIMED,
  delta: DELTA,
  accountant: 'pld',
  makeEvent: (s) => ({ type: 'selfComposed', event: dpSgdStepEvent(q, s * 0.999), count: STEPS }),
});

const zeroNoise: NoiseSource = { fill: (out) => out.fill(0) };

function subject(kind: 'correct' | 'no-noise' | 'no-clipping', seed: number) {
  const { base, canaries } = data(seed);
  return dpSgdAuditSubject({
    base,
    canaries,
    claimedEpsilon: CLAIMED,
    delta: DELTA,
    steps: STEPS,
    makeTrainer: (d) =>
      makePrivate({
        model: logisticRegression(WIDTH, new SeededRandomSource(seed + 1)),
        optimizer: sgd({ learningRate: 5 }),
        data: d,
        datasetSize: N,
        expectedBatchSize: BATCH,
        // 'no-clipping': the clip norm is effectively off (10⁶) while the noise stays σ·1, the correct run's.
        maxGradNorm: kind === 'no-clipping' ? 1e6 : 1,
        noiseMultiplier: kind === 'no-clipping' ? sigma / 1e6 : sigma,
        rng: new SeededRandomSource(seed + 2),
        ...(kind === 'no-noise' ? { noise: zeroNoise } : {}),
      }),
  });
}

describe('one-run audit of DP-SGD (seeded; a correct trainer fails with probability ≤ 1e-6)', () => {
  it('the correct trainer claims ≤ ε = 1 (its own accountant) and its one-run bound stays below it', async () => {
    const trainer = makePrivate({
      model: logisticRegression(WIDTH),
      optimizer: sgd({ learningRate: 5 }),
      data: data(1).base,
      datasetSize: N,
      expectedBatchSize: BATCH,
      maxGradNorm: 1,
      noiseMultiplier: sigma,
    });
    expect(accountHistory([], 'pld').compose(trainer.dpStepEvent, STEPS).epsilon(DELTA)).toBeLessThanOrEqual(CLAIMED);
    await expect(subject('correct', 11)).toResistMembershipInference({ rng: new SeededRandomSource(3) });
  });

  it('a trainer with no noise is caught: the bound passes the claimed ε', async () => {
    await expect(subject('no-noise', 12)).not.toResistMembershipInference({ rng: new SeededRandomSource(4) });
    const r = await oneRunAudit({ ...subject('no-noise', 12), confidence: 1 - 1e-6, rng: new SeededRandomSource(4) });
    expect(r.epsilonLowerBound).toBeGreaterThan(CLAIMED);
    expect(r.correct).toBeGreaterThanOrEqual(0.95 * r.guesses);
  });

  it('a trainer with clipping switched off is caught', async () => {
    await expect(subject('no-clipping', 13)).not.toResistMembershipInference({ rng: new SeededRandomSource(5) });
  });
});

describe('the one-run theorem', () => {
  it('with δ = 0 the p-value is the binomial tail P[Bin(r, e^ε/(1+e^ε)) ≥ v]', () => {
    for (const [r, v, e] of [
      [50, 40, 0.5],
      [200, 120, 1],
      [10, 10, 0],
    ] as const) {
      const p = 1 / (1 + Math.exp(-e));
      let tail = 0;
      for (let k = v; k <= r; k++) tail += binomialPmf(r, p, k);
      const got = oneRunPValue(1000, r, v, e, 0);
      // An upper bound, widened by a relative 1e-9 for rounding.
      expect(got).toBeGreaterThanOrEqual(tail);
      expect(got).toBeLessThanOrEqual(tail * (1 + 1e-8) + 1e-300);
    }
  });

  it('the p-value grows with ε and δ, and the ε bound falls as the correct count falls (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (r, a, b) => {
          const v = Math.ceil(r * 0.8);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(oneRunPValue(1000, r, v, lo, 0)).toBeLessThanOrEqual(oneRunPValue(1000, r, v, hi, 0) * (1 + 1e-9) + 1e-300);
          expect(oneRunPValue(1000, r, v, lo, 0)).toBeLessThanOrEqual(oneRunPValue(1000, r, v, lo, 1e-3) * (1 + 1e-9) + 1e-300);
          expect(oneRunEpsilonLowerBound(1000, r, Math.max(v - 1, 0))).toBeLessThanOrEqual(oneRunEpsilonLowerBound(1000, r, v) + 1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a fair coin (an algorithm that ignores its input) refutes nothing, over many seeds (property; each false alarm has probability ≤ 0.05)', async () => {
    let alarms = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new SeededRandomSource(100 + seed);
      const r = await oneRunAudit({
        canaries: 200,
        train: () => Float64Array.from({ length: 200 }, () => rng.nextUint32()),
        rng: new SeededRandomSource(seed),
      });
      if (r.epsilonLowerBound > 0) alarms++;
    }
    // P[≥ 6 alarms of 20 at rate ≤ 0.05] < 1e-3 … and with these fixed seeds the count is what it is: at most 5.
    expect(alarms).toBeLessThanOrEqual(5);
  });
});
