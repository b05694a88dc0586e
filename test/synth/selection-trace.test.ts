/**
 * Trace rule (review M12; `selectExponential` in src/synth/selection.ts): every exponential-mechanism selection is
 * traced like every measurement — one `exponential-mechanism` record per `exponential` DpEvent of the release, in the
 * same order, with the private utilities, the declared sensitivity and the temperature 2Δ/ε of the ε charged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { synthesize } from '../../src/synth/index.js';
import { selectExponential } from '../../src/synth/selection.js';
import { startTrace } from '../../src/testing/index.js';

const cats = ['a', 'b', 'c'];
const schema = { columns: ['w', 'x', 'y'].map((name) => ({ name, type: 'categorical' as const, categories: cats })) };

describe('the trace hook sees every exponential-mechanism selection of a synthesis', () => {
  it('regression: one direct selection is one record with its utilities, Δ and T = 2Δ/ε', () => {
    const trace = startTrace();
    selectExponential([3, -1, 7.5], 2, 0.5, new SeededRandomSource(1));
    trace.stop();
    const records = trace.noise.filter((r) => r.primitive === 'exponential-mechanism');
    expect(records.length).toBe(1);
    expect(records[0]?.value).toBe(7.5);
    expect(records[0]?.sensitivity).toBe(2);
    expect(records[0]?.scale).toBe(8);
    expect(records[0]?.extra).toEqual({ epsilon: 0.5, candidates: 3, utilities: [3, -1, 7.5] });
  });

  it('for random data, ε and methods: selections traced = exponential events, in order, same ε (generative)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('mst' as const, 'aim' as const, 'mwem' as const),
        fc.double({ min: 0.2, max: 6, noNaN: true }),
        fc.array(fc.record({ w: fc.constantFrom(...cats), x: fc.constantFrom(...cats), y: fc.constantFrom(...cats) }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        async (method, epsilon, data, seed) => {
          const trace = startTrace();
          let out: Awaited<ReturnType<typeof synthesize>>;
          try {
            out = await synthesize({
              data,
              schema,
              epsilon,
              delta: 1e-9,
              method,
              rows: 3,
              iterations: 3,
              rng: new SeededRandomSource(seed),
            });
          } finally {
            trace.stop();
          }
          const events = out.events.filter((e) => e.type === 'exponential');
          const records = trace.noise.filter((r) => r.primitive === 'exponential-mechanism');
          expect(events.length).toBeGreaterThan(0);
          expect(records.length).toBe(events.length);
          records.forEach((r, i) => {
            const e = events[i] as { epsilon: number };
            const extra = r.extra as { epsilon: number; utilities: number[] };
            expect(extra.epsilon).toBe(e.epsilon);
            expect(r.scale).toBeCloseTo((2 * r.sensitivity) / e.epsilon, 9);
            expect(r.value).toBe(Math.max(...extra.utilities));
            // MST and MWEM score L1 errors (Δ = 1); AIM weighted ones (Δ = the largest weight ≥ 1).
            if (method === 'aim') expect(r.sensitivity).toBeGreaterThanOrEqual(1);
            else expect(r.sensitivity).toBe(1);
          });
        },
      ),
      { numRuns: 15, seed: 12 },
    );
  });
});
