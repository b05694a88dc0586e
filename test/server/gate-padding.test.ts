/**
 * Review S33 (class 14, timing past the padding quantum): an analyst's concurrency slot is freed when the padded
 * reply leaves (app.ts, `onSend` after the padding hook), never at the unpadded end of the work — so whether a later
 * request is admitted says nothing the earlier replies' quantised latency does not.
 *
 * Deterministic, no timing: the padding clock is injected and its waits end only when the test releases them, so a
 * reply is "held in padding" for as long as the test wishes, with its handler's work long finished.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryServer, type QueryServer } from '../../src/server/app.js';
import type { PaddingClock } from '../../src/sql/latency.js';
import { stateDir, testConfig } from './_server.js';

const CAP = 2;
/** Padding waits begun and not yet released. */
const held: (() => void)[] = [];
let begun = 0;
const watchers: { n: number; resolve: () => void }[] = [];
const clock: PaddingClock = {
  now: () => performance.now(),
  sleep: () =>
    new Promise<void>((resolve) => {
      held.push(resolve);
      begun++;
      for (const w of watchers.filter((x) => x.n <= begun)) w.resolve();
    }),
};
/** Resolves once `n` padding waits have begun in all (each request's reply reaches its wait after its work). */
const waits = (n: number) => new Promise<void>((resolve) => (begun >= n ? resolve() : watchers.push({ n, resolve })));
const releaseAll = () => {
  for (const r of held.splice(0)) r();
};

let server: QueryServer;
let key = '';
beforeAll(async () => {
  server = await createQueryServer(testConfig(stateDir(), { server: { padLatencyMs: 1000, maxConcurrentPerAnalyst: CAP } }), {
    playgroundDir: null,
    clock,
  });
  key = server.keys.create('alice').token;
});
afterAll(async () => {
  releaseAll();
  await server?.close();
});

/** The kinds of request that pass the gate: an answer, SQL refused before the charge, an unknown data set. */
const KINDS = {
  answer: { dataset: 'adult', sql: 'SELECT COUNT(*) AS n FROM adult', epsilon: 0.001 },
  refusedSql: { dataset: 'adult', sql: 'SELECT fnlwgt FROM adult', epsilon: 0.001 },
  unknownDataset: { dataset: 'nope', sql: 'SELECT COUNT(*) AS n FROM nope', epsilon: 0.001 },
} as const;
type Kind = keyof typeof KINDS;

const post = (body: unknown) =>
  server.app.inject({ method: 'POST', url: '/v1/queries', headers: { authorization: `Bearer ${key}` }, payload: body as object });

/**
 * Sends `first` (CAP requests) and waits until every one's reply is held in padding (work done); then a probe. The
 * probe's outcome while they are held, and a second probe's after they left.
 */
async function probeWhileHeld(first: readonly Kind[], probe: Kind): Promise<{ held: string; after: string }> {
  const start = begun;
  const replies = first.map((k) => post(KINDS[k]));
  await waits(start + first.length);
  const during = post(KINDS[probe]);
  await waits(start + first.length + 1);
  releaseAll();
  const [d] = await Promise.all([during, ...replies]);
  const afterReply = post(KINDS[probe]);
  await waits(start + first.length + 2);
  releaseAll();
  const a = await afterReply;
  const code = (r: { statusCode: number; json(): { error?: { code: string } } }) =>
    r.statusCode === 200 ? 'answered' : (r.json().error?.code ?? String(r.statusCode));
  return { held: code(d), after: code(a) };
}

describe('review S33: the concurrency slot is held until the padded reply leaves', () => {
  it('regression: while an answered query’s reply waits in padding, a free probe is refused RATE_LIMITED, not for its SQL', async () => {
    const r = await probeWhileHeld(['answer', 'answer'], 'refusedSql');
    expect(r.held).toBe('RATE_LIMITED');
    expect(r.after).toBe('UNSUPPORTED_QUERY');
  }, 60_000);

  it('generative: whatever passed the gate before (answer, refusal, unknown data set), a probe during their padding is RATE_LIMITED and one after is judged on its own', async () => {
    const kind = fc.constantFrom<Kind>('answer', 'refusedSql', 'unknownDataset');
    await fc.assert(
      fc.asyncProperty(fc.array(kind, { minLength: CAP, maxLength: CAP }), kind, async (first, probe) => {
        const r = await probeWhileHeld(first, probe);
        expect(r.held).toBe('RATE_LIMITED');
        expect(r.after).toBe(probe === 'answer' ? 'answered' : probe === 'refusedSql' ? 'UNSUPPORTED_QUERY' : 'NOT_FOUND');
      }),
      { numRuns: 10, seed: 33 },
    );
  }, 120_000);
});
