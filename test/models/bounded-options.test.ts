/**
 * The six bounded models share one base (src/learn/classic/bounded-model.ts) and one validation order: options,
 * epsilon, bounds, maxRowL1, then each model's own parameters. A multi-error input reports the first bad
 * parameter in that order (the order changed for KMeans — clusters used to come before bounds — and for the
 * models that checked their own parameters before maxRowL1; bounded-model.ts documents it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as learn from '../../src/learn/index.js';

const GOOD = {
  epsilon: 1,
  bounds: { lower: [0, 0], upper: [1, 1] },
  maxRowL1: 1,
  classes: 2,
  clusters: 2,
  components: 1,
  labelBounds: { lower: 0, upper: 1 },
  trees: 2,
  maxDepth: 2,
  iterations: 2,
};
const BAD: Record<string, unknown> = {
  epsilon: -1,
  bounds: { lower: [1], upper: [0] },
  maxRowL1: Number.NaN,
  classes: 1,
  clusters: 0,
  components: 0,
  labelBounds: { lower: 2, upper: 1 },
  trees: 0,
  maxDepth: 0,
  iterations: 0,
};
const SHARED = ['epsilon', 'bounds', 'maxRowL1'];
const MODELS: [string, readonly string[], (o: Record<string, unknown>) => unknown][] = [
  ['GaussianNB', ['classes'], (o) => new learn.GaussianNB(o as never)],
  ['KMeans', ['clusters', 'iterations'], (o) => new learn.KMeans(o as never)],
  ['LinearRegression', ['labelBounds'], (o) => new learn.LinearRegression(o as never)],
  ['PCA', ['components'], (o) => new learn.PCA(o as never)],
  ['StandardScaler', [], (o) => new learn.StandardScaler(o as never)],
  ['RandomForestClassifier', ['classes', 'trees', 'maxDepth'], (o) => new learn.RandomForestClassifier(o as never)],
  ['DecisionTreeClassifier', ['classes', 'maxDepth'], (o) => new learn.DecisionTreeClassifier(o as never)],
];

function reported(make: () => unknown): string | undefined {
  try {
    make();
    return undefined;
  } catch (e) {
    expect((e as { code?: string }).code).toBe('INVALID_PARAMETER');
    return (e as { details?: { parameter?: string } }).details?.parameter;
  }
}

describe('bounded models: one validation order', () => {
  it('regression: KMeans with bad clusters AND bad bounds reports bounds (the shared parameters come first)', () => {
    expect(reported(() => new learn.KMeans({ ...GOOD, clusters: 0, bounds: BAD.bounds } as never))).toBe('bounds');
  });

  it('generative: any set of bad parameters reports the first in the order epsilon, bounds, maxRowL1, then the model’s own', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MODELS.length - 1 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        (which, flags) => {
          const [, own, make] = MODELS[which] as (typeof MODELS)[number];
          const order = [...SHARED, ...own];
          const broken = order.filter((_, i) => flags[i]);
          const options: Record<string, unknown> = { ...GOOD };
          for (const p of broken) options[p] = BAD[p];
          const parameter = reported(() => make(options));
          expect(parameter).toBe(broken[0]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
