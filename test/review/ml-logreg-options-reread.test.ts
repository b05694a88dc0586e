/**
 * Review ML (reviewml, 2026-12-06), finding M7 — issue 10 class 12 ("validates once at the edge and uses only the
 * snapshot"; S21's read-once member) and the calculus rule ("the charge is the privacy map of the release"), in the
 * classic models. Low severity: both the priced run and the run that happens meet `epsilon` (each is calibrated by
 * makePrivateWithEpsilon), so the excess of what ran over what was charged is within the calibration's tolerance —
 * but the charge is not the map of the release. Owner: models (src/learn/classic/logistic-regression.ts).
 *
 * Where: `LogisticRegression` keeps the caller's options object (`this.#options = options`) and `makeTrainer`
 * re-reads `epochs`, `batchSize`, `datasetSize`, `learningRate`, `maxGradNorm` from it every time. With
 * `method: 'dp-sgd'`, `fit` prices the charge with one trainer (`privacyMap(1)` → `dpSgdLoss()` builds trainer A)
 * and then trains another (`this.makeTrainer(data, rng)`, trainer B), each from a fresh read of the options. A
 * getter `epochs` returning 1 on its first reads and 3 afterwards: the charge and the stated guarantee are
 * trainer A's ε (T_A = ⌈1/q⌉ steps at σ_A), while the run takes 3·⌈1/q⌉ steps at σ_B (counted here by the trace
 * hook) — a different mechanism, whose own ε is not what was charged.
 *
 * Rule: snapshot the options once in the constructor (a frozen copy of every public field, validated there) and
 * build both the priced trainer and the trained one from that snapshot — better, from ONE trainer, priced by its
 * own `dpStepEvent` and `maxSteps`; test: getters on every option, the charge equals the ε of the trainer that runs.
 *
 * FIXED on main 5272cf8 (models aba9cf6): every classic model snapshots its options at construction
 * (`_internal/options-snapshot.ts`); 'dp-sgd' prices the one trainer that runs and compares it with privacyMap(1)
 * before charging. Flipped to a regression.
 */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { LogisticRegression } from '../../src/learn/classic/logistic-regression.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { startTrace } from '../../src/testing/index.js';

const rows = Array.from({ length: 40 }, (_, i) => [((i * 7) % 11) / 11, ((i * 3) % 5) / 5]);
const labels = rows.map((r) => ((r[0] as number) > 0.5 ? 1 : 0));

async function fitWith(epochsAfterFirstReads: number): Promise<{ steps: number; charged: number; stated: number }> {
  let reads = 0;
  const options: Record<string, unknown> = {
    epsilon: 1,
    featureCount: 2,
    dataNorm: 1,
    method: 'dp-sgd',
    delta: 1e-3,
    datasetSize: 40,
    batchSize: 10,
  };
  Object.defineProperty(options, 'epochs', {
    enumerable: true,
    get: () => {
      reads++;
      return reads <= 1 ? 1 : epochsAfterFirstReads;
    },
  });
  const model = new LogisticRegression(options as never);
  const budget = PrivacyBudget.approximate(10, 1e-2);
  const trace = startTrace();
  let report: Awaited<ReturnType<LogisticRegression['fit']>>;
  try {
    report = await model.fit(rows, labels, { budget, rng: new SeededRandomSource('m7') });
  } finally {
    trace.stop();
  }
  const steps = trace.noise.filter((r) => r.primitive === 'dp-sgd-gaussian').length;
  const charged = (report.budgetAfter?.spentExact.epsilon.toNumber() ?? Number.NaN) as number;
  return { steps, charged, stated: (report.guarantee as { epsilon: number }).epsilon };
}

describe('review ML M7: LogisticRegression (dp-sgd) prices one trainer and trains another', () => {
  it('control (holds): plain options — the run takes the ⌈1/q⌉·epochs steps that were priced, charge = guarantee', async () => {
    const r = await fitWith(1);
    expect(r.steps).toBe(4); // q = 10/40: 4 steps per epoch, 1 epoch
    expect(r.charged).toBeCloseTo(r.stated, 12);
    expect(r.stated).toBeLessThanOrEqual(1);
  });

  // Was BUG M7 (priced for 4 steps at σ_A, 12 steps ran at σ_B); fixed on 5272cf8.
  it('an options getter cannot make the run differ from the priced run (steps run = steps priced)', async () => {
    const r = await fitWith(3);
    expect(r.steps).toBe(4);
  });
});
