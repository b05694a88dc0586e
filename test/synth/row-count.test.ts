/**
 * Review S11: without `rows`, the number of records sampled was the model's noisy total with no public bound
 * (ε = 1e-12: a RangeError after the charge, or a V8 crash). Rule: every size a release allocates has a public
 * bound decided before the charge — explicit `rows` ≤ MAX_SYNTH_ROWS (refused first, nothing charged), the
 * default min(estimate, DEFAULT_ROWS_CAP) (post-processing of the DP estimate).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/index.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { DEFAULT_ROWS_CAP, MAX_SYNTH_ROWS, makeSynthesizer, type SynthSchema, synthesize } from '../../src/synth/index.js';
import { rowsToSample } from '../../src/synth/synthesize.js';

const schema: SynthSchema = {
  columns: [
    { name: 'x', type: 'integer', min: 0, max: 9 },
    { name: 's', type: 'categorical', categories: ['a', 'b'] },
  ],
};
const data = Array.from({ length: 100 }, (_, i) => ({ x: i % 10, s: 'a' }));

describe('synthesize: the number of rows has a public bound (review S11)', () => {
  it('the default is the estimate rounded, clamped to [0, DEFAULT_ROWS_CAP], 0 when not finite (generative)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.constantFrom(1e300, -1e300, 9440928501, Number.NaN, Number.POSITIVE_INFINITY)), (t) => {
        const r = rowsToSample(undefined, t);
        expect(Number.isSafeInteger(r) && r >= 0 && r <= DEFAULT_ROWS_CAP).toBe(true);
        if (Number.isFinite(t) && t >= 0 && t <= DEFAULT_ROWS_CAP) expect(r === Math.round(t)).toBe(true);
      }),
    );
    expect(rowsToSample(7, 1e12)).toBe(7);
  });

  it('explicit rows above MAX_SYNTH_ROWS (or not an integer) are refused before the charge, nothing recorded (generative)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: MAX_SYNTH_ROWS + 1, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(-1, 1.5, Number.NaN, 1e300)),
        async (rows) => {
          const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'synth-rows-')) });
          try {
            const scope = { dataset: 'people', cap: { epsilon: Rational.of(1n), delta: Rational.parse('1e-6') } };
            const outcome = await synthesize({
              data,
              schema,
              epsilon: 0.5,
              delta: 1e-9,
              method: 'mst',
              rows,
              budget: { ledger, scope },
            }).then(
              () => 'ok',
              (e: unknown) => (isDpError(e) ? e.code : 'not a DpError'),
            );
            expect(outcome).toBe('INVALID_PARAMETER');
            expect((await ledger.entries('people')).length).toBe(0);
          } finally {
            await ledger.close();
          }
        },
      ),
      { numRuns: 8 },
    );
    expect(() =>
      makeSynthesizer({ columns: [], names: [], sizes: [], cuts: [], quantileColumns: [] } as never, 1, {
        method: 'mst',
        rows: MAX_SYNTH_ROWS + 1,
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it("at ε = 1e-12 (the review's seed) the run answers with at most DEFAULT_ROWS_CAP rows, no RangeError", async () => {
    const out = await synthesize({
      data,
      schema,
      epsilon: 1e-12,
      delta: 1e-9,
      method: 'mst',
      iterations: 5,
      rng: new SeededRandomSource(3),
    });
    expect(out.records.length).toBeLessThanOrEqual(DEFAULT_ROWS_CAP);
  }, 60_000);
});
