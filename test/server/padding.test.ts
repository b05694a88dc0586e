/**
 * Response-time padding from arrival (src/server/response-padding.ts), with a
 * deterministic injected clock: virtual time moves only when the test moves it
 * (load before the handler, work inside it) or when the padding sleeps, so the
 * observable latency of a reply — virtual time at `onResponse` minus virtual
 * time at arrival — is computed exactly, never measured.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryServer, type QueryServer } from '../../src/server/app.js';
import type { PaddingClock } from '../../src/sql/latency.js';
import { stateDir, testConfig } from './_server.js';

const QUANTUM = 200;
let t = 0;
const clock: PaddingClock = {
  now: () => t,
  sleep: async (ms) => {
    t += ms;
  },
};
/** Virtual milliseconds spent before the handler (queue, body, parsing: load-dependent) and inside it (the query). */
let before = 0;
let inside = 0;
let departed = Number.NaN;
let server: QueryServer;
let alice = '';
let bob = '';

beforeAll(async () => {
  server = await createQueryServer(
    testConfig(stateDir(), {
      server: { padLatencyMs: QUANTUM },
      datasets: {
        donors: {
          schema: 'examples/server/donors.schema.yaml',
          files: { donors: 'examples/server/donors.csv' },
          cap: { epsilon: 1000 },
          analysts: { alice: { epsilon: 100 }, bob: { epsilon: 0.001 } },
        },
      },
    }),
    { clock, playgroundDir: null },
  );
  // Registered after the server's own hooks: they run after the arrival stamp, as load and work would.
  server.app.addHook('onRequest', async () => {
    t += before;
  });
  server.app.addHook('preHandler', async () => {
    t += inside;
  });
  server.app.addHook('onResponse', async () => {
    departed = t;
  });
  alice = server.keys.create('alice').token;
  bob = server.keys.create('bob').token;
});
afterAll(async () => {
  await server.close();
});

type Kind = 'answered' | 'budget' | 'unsupported' | 'unknown-dataset' | 'unauthorized' | 'bad-json' | 'schema';

async function send(kind: Kind): Promise<number> {
  const json = (body: unknown, key = alice) => ({
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const count = { dataset: 'donors', sql: 'SELECT COUNT(*) AS n FROM donors', epsilon: 0.01 };
  const request = (() => {
    switch (kind) {
      case 'answered':
        return json(count);
      case 'budget':
        return json({ ...count, epsilon: 1 }, bob);
      case 'unsupported':
        return json({ ...count, sql: 'SELECT age FROM donors' });
      case 'unknown-dataset':
        return json({ ...count, dataset: 'nope' });
      case 'unauthorized':
        return json(count, `tsdp_${'0'.repeat(64)}`);
      case 'bad-json':
        return json('{"dataset": ');
      case 'schema':
        return json({ ...count, epsilon: [1] });
    }
  })();
  const r = await server.app.inject({ method: 'POST', url: '/v1/queries', ...request });
  return r.statusCode;
}

const STATUS: Record<Kind, number> = {
  answered: 200,
  budget: 403,
  unsupported: 422,
  'unknown-dataset': 404,
  unauthorized: 401,
  'bad-json': 400,
  schema: 400,
};
const KINDS = Object.keys(STATUS) as Kind[];

describe('response padding from arrival (deterministic clock)', () => {
  it('an answer, every kind of refusal and an error leave exactly one quantum after arrival when the work fits in it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KINDS),
        fc.integer({ min: 0, max: QUANTUM - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1e9 }),
        async (kind, pre, share, start) => {
          t = start;
          before = pre;
          // Work in the handler: what is left of the quantum, in part — the load before it and the query's own time together.
          inside = Math.floor(share * (QUANTUM - 1 - pre));
          departed = Number.NaN;
          expect(await send(kind)).toBe(STATUS[kind]);
          expect(departed - start).toBe(QUANTUM);
        },
      ),
      { seed: 15, numRuns: 60 },
    );
  });

  it('the latency reveals only the number of quanta the work took, whatever the kind of reply', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KINDS),
        fc.integer({ min: 0, max: 5 * QUANTUM }),
        fc.integer({ min: 0, max: 5 * QUANTUM }),
        async (kind, pre, work) => {
          t = 0;
          before = pre;
          inside = work;
          departed = Number.NaN;
          expect(await send(kind)).toBe(STATUS[kind]);
          // Refusals before the handler never run its work: only the time before it counts for them.
          const ran = kind === 'answered' || kind === 'budget' || kind === 'unsupported' || kind === 'unknown-dataset';
          const busy = pre + (ran ? work : 0);
          expect(departed).toBe(Math.max(1, Math.ceil(busy / QUANTUM)) * QUANTUM);
        },
      ),
      { seed: 1515, numRuns: 40 },
    );
  });

  it('time spent before the handler is padded too (the load-dependent queue and parsing a handler-start clock missed)', async () => {
    t = 10_000;
    before = QUANTUM - 1;
    inside = 0;
    expect(await send('answered')).toBe(200);
    // From the handler's start this would leave at 10_000 + (QUANTUM − 1) + QUANTUM.
    expect(departed).toBe(10_000 + QUANTUM);
  });
});
