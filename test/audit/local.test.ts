/**
 * Local randomizers audited as measurements on one person's value (every two
 * values are neighbours). Confidence 1 − 1e-6 per audit: a correct randomizer
 * fails a test with probability at most 1e-6.
 */
import { describe, expect, it } from 'vitest';
import { auditPrivacy } from '../../src/audit/index.js';
import { encodeGrr, encodeHr, encodeOlh, grrParams, hrInSupport, hrParams, olhHash, olhParams } from '../../src/local/index.js';
import type { RandomSource } from '../../src/random/source.js';

describe('local randomizers pass their audit (false-failure probability ≤ 1e-6 per test)', () => {
  it('generalized randomized response over 4 values, close to its ε', () => {
    const params = grrParams(1, 4);
    const r = auditPrivacy((v: number, rng: RandomSource) => encodeGrr(params, v, rng).y, {
      claimed: { epsilon: 1 },
      pairs: [
        [0, 1],
        [2, 3],
      ],
      samples: 100_000,
      seed: 21,
    });
    expect(r.violated).toBe(false);
    expect(r.lowerBound).toBeGreaterThan(0.8);
  });

  it('optimized local hashing, with a user feature "the report supports the first input" (the event its proof bounds)', () => {
    const params = olhParams(1, 16);
    const report = (v: number, rng: RandomSource) => encodeOlh(params, v, rng);
    const r = auditPrivacy(report, {
      claimed: { epsilon: 1 },
      inputs: [3, 9],
      samples: 50_000,
      seed: 22,
      featurize: (o) => ({
        supports3: olhHash(o.s, 3, o.g, params.valueBits) === o.y,
        supports9: olhHash(o.s, 9, o.g, params.valueBits) === o.y,
      }),
    });
    expect(r.violated).toBe(false);
    // Without the feature the seed/hash pair looks like noise; with it the bound nears ln(p·g) ≈ 0.64, the most this event can show.
    expect(r.lowerBound).toBeGreaterThan(0.4);
  });

  it('Hadamard response, with the support of each input as features', () => {
    const params = hrParams(1, 8);
    const r = auditPrivacy((v: number, rng: RandomSource) => encodeHr(params, v, rng).y, {
      claimed: { epsilon: 1 },
      inputs: [2, 5],
      samples: 100_000,
      seed: 23,
      featurize: (y) => [hrInSupport(2, y), hrInSupport(5, y)],
    });
    expect(r.violated).toBe(false);
    expect(r.lowerBound).toBeGreaterThan(0.5);
  });
});
