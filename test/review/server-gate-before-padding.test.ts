/**
 * Review S33 (session 8; class 14 "timing" — a side channel that passes the padding quantum): the query server's
 * per-analyst concurrency gate (`ConcurrencyGate`, `maxConcurrentPerAnalyst`) is released in the handler's `finally`
 * (src/server/app.ts, `leave?.()`), i.e. when the query's WORK ends — but the reply is then held by the padding hook
 * (`onSend`, response-padding.ts) until `arrival + k·q`. So whether the analyst's next request is admitted or refused
 * RATE_LIMITED tells them whether the previous query's work had finished at that instant, to the millisecond, inside
 * a quantum: the padding's promise ("an observer sees only k") holds for the latency of the reply, not for the
 * admission of the next request. The probe is free: a request refused for its SQL (UNSUPPORTED_QUERY) passes the
 * gate first and charges nothing, so "RATE_LIMITED or UNSUPPORTED_QUERY" is a zero-cost timer of the earlier query —
 * whose work time a target-only slow predicate makes depend on one person (issue 10 item 14; the residual the module
 * headers state is "one more quantum", not this).
 *
 * Shown deterministically, without timing: the padding clock is injected, so A's reply is held in padding for as long
 * as the test wishes. While it is held (A's handler has returned), B is admitted — the same B sent while A's handler
 * still runs is refused RATE_LIMITED (test/server/hostile.test.ts "refuses queries past the analyst concurrency cap").
 *
 * Rule that would close the class: a padded request's admission slot is held until its padded reply leaves (release
 * in the padding hook after the wait, or `onResponse`), so that what the gate shows of earlier requests is the same
 * `k` their latency shows; more generally, no state a later request can observe changes at the unpadded end of the
 * work (gate, rate-limit refunds, caches filled, engine queues — or those are stated as residuals with their size).
 * Owner: server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { PaddingClock } from '../../src/sql/latency.js';
import { call, type Running, startServer } from '../server/_server.js';

/** A padding clock whose waits end only when the test lets them; `waits(n)` resolves once n waits have begun. */
function heldClock(): { clock: PaddingClock; waits: (n: number) => Promise<void>; releaseAll: () => void } {
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
  const waits = (n: number) => new Promise<void>((resolve) => (begun >= n ? resolve() : watchers.push({ n, resolve })));
  return { clock, waits, releaseAll: () => held.splice(0).forEach((r) => r()) };
}

describe('review S33: the concurrency gate opens at the end of the work, not of the padded reply', () => {
  let t: Running | undefined;
  afterAll(async () => {
    await t?.close();
  });

  // Was BUG S33; fixed on main 1a170fa (server 90759b5: the slot is freed in onSend after the padding wait).
  it('regression S33: while the first query’s reply is still held by padding, a second request is refused RATE_LIMITED (the slot is held until the padded reply leaves)', async () => {
    const held = heldClock();
    t = await startServer({ server: { maxConcurrentPerAnalyst: 1, padLatencyMs: 1000 } }, { clock: held.clock });
    const key = t.key('alice');
    const body = (sql: string) => ({ dataset: 'adult', sql, epsilon: 0.01 });
    const first = call(t.url, 'POST', '/v1/queries', { key, body: body('SELECT COUNT(*) AS n FROM adult') });
    await held.waits(1); // A's handler has returned; its reply waits for the quantum.
    // B: SQL refused before the charge (a raw column) — a free probe; the gate runs before it is planned.
    const second = call(t.url, 'POST', '/v1/queries', { key, body: body('SELECT fnlwgt FROM adult') });
    // Every reply of the route is padded, a refusal too: once B waits as well, its outcome is decided.
    await held.waits(2);
    held.releaseAll();
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(200);
    // The slot of A is held until A's padded reply leaves: B is refused for the cap, not for its SQL.
    expect(b.body.error?.code).toBe('RATE_LIMITED');
  }, 60_000);
});
