import { expect, test } from 'vitest';
import { dpMatchers } from '../../src/testing/index.js';

expect.extend(dpMatchers);

test('toSatisfyDP is typed on expect(...) through the module augmentation', () => {
  const m = { invoke: (x: number) => x };
  expect(m).toSatisfyDP({ epsilon: 1 }, { inputs: [0, 1], samples: 1_000, seed: 1 });
  expect(m).not.toSatisfyDP({ epsilon: 1, delta: 1e-6 });
  // @ts-expect-error a claim needs epsilon
  expect(m).toSatisfyDP({ delta: 1e-6 });
  // @ts-expect-error samples is a number
  expect(m).toSatisfyDP({ epsilon: 1 }, { samples: '1000' });
});
