/**
 * Every classic model charges exactly its measurement's privacyMap(1) — to a
 * PrivacyBudget, a Session or a file ledger — states that same loss as its
 * guarantee, and charges nothing when it refuses.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactLoss, isDpError, lossEquals, PrivacyBudget, pure, Rational } from '../../src/index.js';
import {
  DecisionTreeClassifier,
  type FitReport,
  GaussianNB,
  KMeans,
  LinearRegression,
  LogisticRegression,
  type ModelBudget,
  PCA,
  RandomForestClassifier,
  StandardScaler,
} from '../../src/learn/index.js';
import { FileLedger } from '../../src/ledger/index.js';
import { Session } from '../../src/session/index.js';
import { SeededRandomSource } from '../../src/testing/index.js';

const bounds = { lower: [0, 0, 0], upper: [1, 1, 1] };
const rows = Array.from({ length: 60 }, (_, i) => [(i % 7) / 7, (i % 3) / 3, i % 2]);
const labels = rows.map((r) => ((r[2] as number) > 0.5 ? 1 : 0));

/** The models and how each one fits, at ε. */
function models(epsilon: number) {
  const supervised =
    (m: { fit(x: unknown, y: unknown, o: { budget: ModelBudget; rng: SeededRandomSource }): Promise<FitReport> }) =>
    (budget: ModelBudget) =>
      m.fit(rows, labels, { budget, rng: new SeededRandomSource(1) });
  const unsupervised =
    (m: { fit(x: unknown, o: { budget: ModelBudget; rng: SeededRandomSource }): Promise<FitReport> }) => (budget: ModelBudget) =>
      m.fit(rows, { budget, rng: new SeededRandomSource(1) });
  const nb = new GaussianNB({ epsilon, bounds, classes: 2, maxRowL1: 2 });
  const lin = new LinearRegression({ epsilon, bounds, labelBounds: { lower: 0, upper: 1 } });
  const obj = new LogisticRegression({ epsilon, featureCount: 3, dataNorm: 2 });
  const out = new LogisticRegression({ epsilon, featureCount: 3, dataNorm: 2, method: 'output' });
  const km = new KMeans({ epsilon, clusters: 2, bounds, iterations: 3 });
  const pca = new PCA({ epsilon, components: 2, bounds });
  const rf = new RandomForestClassifier({ epsilon, bounds, classes: 2, trees: 3, maxDepth: 3 });
  const tree = new DecisionTreeClassifier({ epsilon, bounds, classes: 2, maxDepth: 3 });
  const sc = new StandardScaler({ epsilon, bounds });
  return [
    { name: 'GaussianNB', map: (d: number) => nb.measurement.privacyMap(d), fitModel: supervised(nb) },
    { name: 'LinearRegression', map: (d: number) => lin.measurement.privacyMap(d), fitModel: supervised(lin) },
    { name: 'LogisticRegression objective', map: (d: number) => obj.privacyMap(d), fitModel: supervised(obj) },
    { name: 'LogisticRegression output', map: (d: number) => out.privacyMap(d), fitModel: supervised(out) },
    { name: 'KMeans', map: (d: number) => km.measurement.privacyMap(d), fitModel: unsupervised(km) },
    { name: 'PCA', map: (d: number) => pca.measurement.privacyMap(d), fitModel: unsupervised(pca) },
    { name: 'RandomForestClassifier', map: (d: number) => rf.measurement.privacyMap(d), fitModel: supervised(rf) },
    { name: 'DecisionTreeClassifier', map: (d: number) => tree.measurement.privacyMap(d), fitModel: supervised(tree) },
    { name: 'StandardScaler', map: (d: number) => sc.measurement.privacyMap(d), fitModel: unsupervised(sc) },
  ];
}

describe('classic models charge exactly their privacy map', () => {
  for (const { name, map, fitModel } of models(0.7)) {
    it(`${name}: the PrivacyBudget is charged privacyMap(1) (≤ ε), which is the stated guarantee`, async () => {
      const budget = PrivacyBudget.pure(1);
      const report = await fitModel(budget);
      const loss = map(1);
      expect(report.guarantee).toEqual(loss);
      expect(loss.kind).toBe('pure');
      expect((loss as { epsilon: number }).epsilon).toBeLessThanOrEqual(0.7);
      expect((loss as { epsilon: number }).epsilon).toBeGreaterThan(0.69);
      expect(lossEquals(exactLoss(report.budgetAfter?.spent ?? pure(99)), exactLoss(loss))).toBe(true);
      expect(report.notForRelease).toBe(true);
    });

    it(`${name}: a budget too small refuses with BUDGET_EXHAUSTED and a Session is left unchanged`, async () => {
      const session = Session.fromRecords([], { columns: [], budget: PrivacyBudget.pure(0.5) });
      await expect(fitModel(session)).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
      expect(session.remaining).toEqual(pure(0.5));
    });

    it(`${name}: a person-level Session refuses the per-row loss (DOMAIN_MISMATCH), charging nothing`, async () => {
      const session = Session.fromRecords([], { columns: ['pid'], budget: PrivacyBudget.pure(5), privacyUnit: 'pid' });
      await expect(fitModel(session)).rejects.toMatchObject({ code: 'DOMAIN_MISMATCH' });
      expect(session.remaining).toEqual(pure(5));
    });

    it(`${name}: a row-level Session is charged exactly the map`, async () => {
      const session = Session.fromRecords([], {
        columns: [],
        budget: PrivacyBudget.pure(5),
      });
      const report = await fitModel(session);
      expect(lossEquals(exactLoss(session.budget.spent), exactLoss(report.guarantee))).toBe(true);
    });

    it(`${name}: the privacy map is 0 at 0, monotone, and group privacy at k rows is at most k times one row (property)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const e = (d: number) => (map(d) as { epsilon: number }).epsilon;
          expect(e(0)).toBe(0);
          expect(e(lo)).toBeLessThanOrEqual(e(hi));
          expect(e(hi)).toBeLessThanOrEqual(hi * e(1) * (1 + 1e-9) + 1e-12);
        }),
        { numRuns: 30 },
      );
    });
  }

  it('the file ledger records exactly the guarantee, durably, before the model exists', async () => {
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-models-')) });
    const scope = { dataset: 'adult', cap: { epsilon: Rational.of(2n), delta: Rational.ZERO } };
    const nb = new GaussianNB({ epsilon: 0.5, bounds, classes: 2 });
    const report = await nb.fit(rows, labels, { budget: { ledger, scope }, rng: new SeededRandomSource(2) });
    const status = await ledger.status(scope);
    expect(lossEquals(status.dataset.spent, exactLoss(report.guarantee))).toBe(true);
    expect(report.ledgerStatus).toBeDefined();
    const second = new GaussianNB({ epsilon: 1.6, bounds, classes: 2 });
    await expect(second.fit(rows, labels, { budget: { ledger, scope } })).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    expect(lossEquals((await ledger.status(scope)).dataset.spent, exactLoss(report.guarantee))).toBe(true);
  });

  it('bad options and wrong public shapes refuse with INVALID_PARAMETER before any charge', async () => {
    const session = Session.fromRecords([], { columns: [], budget: PrivacyBudget.pure(5) });
    expect(() => new GaussianNB({ epsilon: 0, bounds, classes: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => new KMeans({ epsilon: 1, clusters: 2, bounds: { lower: [1], upper: [0] } })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    expect(() => new LogisticRegression({ epsilon: 1, featureCount: 3, dataNorm: 1, method: 'dp-sgd' })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    expect(() => new LogisticRegression({ epsilon: 0.1, featureCount: 3, dataNorm: 1, regularization: 0.1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    const nb = new GaussianNB({ epsilon: 1, bounds, classes: 2 });
    // Two columns where the model has three: a public shape.
    await expect(nb.fit({ values: new Float64Array(4), rows: 2, columns: 2 }, [0, 1], { budget: session })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
    });
    await expect(nb.fit(rows, [0, 1], { budget: session })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    await expect(nb.fit(rows, labels, { budget: 'lots' as unknown as ModelBudget })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    for (const hostile of [undefined, null, 42, 'x', {}]) {
      await expect(nb.fit(hostile as never, labels, { budget: session })).rejects.toSatisfy(isDpError);
    }
    expect(session.remaining).toEqual(pure(5));
    expect(() => nb.predict(rows)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});
