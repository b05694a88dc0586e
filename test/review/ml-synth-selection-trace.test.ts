/**
 * Review ML (reviewml, session 3, 2026-12-06), finding M12 — issue 14 ("each measurement recorded as a DpEvent and
 * by the trace hook") / SECURITY §9 ("a trace hook that records every call to a noise primitive (value, declared
 * sensitivity, scale) … so that grey-box audits can check this"). Low: no leak; an audit gap exactly where a
 * synthesizer's sensitivity is least obvious.
 * Owner: synth (`src/synth/selection.ts` `selectExponential`, called by MST, AIM and MWEM).
 *
 * Where: the marginals' discrete Gaussian traces every cell (`measureMarginal` → `traceNoise`), but the
 * selections — MST's tree edges, AIM's marginals (utilities w·(‖x − est‖₁ − bias), sensitivity = the round's largest
 * weight), MWEM's queries — are sampled by `selectExponential`, which never calls `traceNoise`. They are recorded as
 * `exponential` DpEvents (so the charge is right), but a grey-box audit through `tsdp/testing`'s `startTrace()` sees
 * no selection at all: it cannot check the utilities' declared sensitivity (AIM's max weight) or the temperature
 * against the charged ε, as it can for every other noise primitive (tsdp/mechanisms' exponential mechanism traces
 * 'permute-and-flip').
 *
 * Rule that would close the class: every primitive that consumes randomness for a release traces itself (value =
 * the utilities or the exact value, sensitivity, scale), so that the trace's records and the release's DpEvents are
 * in one-to-one correspondence; a test for each synthesizer that the trace and the events match (this one).
 */
import { describe, expect, it } from 'vitest';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { synthesize } from '../../src/synth/index.js';
import { startTrace } from '../../src/testing/index.js';

const cats = ['a', 'b', 'c'];
const schema = { columns: ['w', 'x', 'y', 'z'].map((name) => ({ name, type: 'categorical' as const, categories: cats })) };
const data = Array.from({ length: 60 }, (_, i) => ({ w: cats[i % 3], x: cats[(i * 7) % 3], y: cats[(i >> 1) % 3], z: cats[(i * i) % 3] }));

describe('review ML M12: the trace hook sees every noise primitive of a synthesis', () => {
  for (const method of ['mst', 'aim'] as const) {
    it(`held: ${method}'s discrete Gaussian measurements are traced with sensitivity 1`, async () => {
      const trace = startTrace();
      const out = await synthesize({
        data,
        schema,
        epsilon: 2,
        delta: 1e-9,
        method,
        rows: 10,
        rng: new SeededRandomSource(`m12-${method}`),
      });
      trace.stop();
      const gaussians = trace.noise.filter((r) => r.primitive === 'discrete-gaussian');
      expect(gaussians.length).toBeGreaterThan(0);
      expect(gaussians.every((r) => r.sensitivity === 1)).toBe(true);
      expect(out.events.filter((e) => e.type === 'discreteGaussian').length).toBeGreaterThan(0);
    });

    it(`fixed M12 (was BUG: invisible to the trace hook): ${method}'s exponential-mechanism selections are traced, one record per DpEvent`, async () => {
      const trace = startTrace();
      const out = await synthesize({
        data,
        schema,
        epsilon: 2,
        delta: 1e-9,
        method,
        rows: 10,
        rng: new SeededRandomSource(`m12-${method}`),
      });
      trace.stop();
      const selections = out.events.filter((e) => e.type === 'exponential').length;
      expect(selections).toBeGreaterThan(0);
      const traced = trace.noise.filter((r) => r.primitive !== 'discrete-gaussian').length;
      // One traced record (utilities, sensitivity, temperature) per selection the release charged.
      expect(traced).toBe(selections);
    });
  }
});
