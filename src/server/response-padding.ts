/**
 * Response-time padding of the private routes (SECURITY.md §11), measured
 * from the request's **arrival**.
 *
 * ## The rule that closes the class
 * Every response of a padded route — an answer, a refusal before the charge
 * (malformed body, key, rate limit, concurrency cap, unknown data set,
 * unsupported SQL, budget), an error after it — leaves at
 * `arrival + k·q` with `k = max(1, ceil((ready − arrival) / q))`, where
 * `arrival` is read in the first `onRequest` hook, before the body is read,
 * parsed and validated, the key checked or the handler queued, and `ready` is
 * when the reply is serialised (`onSend`, the last step before the socket).
 * The padding is one hook on the reply path, not a call in each handler, so
 * no way out of a route (a hook's refusal, the error handler, a validation
 * error, a handler's return) can skip it.
 *
 * Why from arrival and not from the handler's start: the time a request
 * spends queued and parsed before its handler runs depends on the server's
 * load and on the body, and for a refused request it is all of its latency.
 * Padding from the handler's start lets that time through unquantised —
 * `ready − arrival` is then `pre + k·q`, and `pre` is observable. From
 * arrival, an observer sees only `k`.
 *
 * What is left (the threat model of `index.ts`): time before Fastify's
 * `onRequest` (the kernel's socket queue, Node's HTTP parser: the headers only,
 * independent of the data), a request whose work crosses a multiple of `q`
 * (one more quantum), and the timer's own overshoot after the wait (the event
 * loop's, independent of the data).
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type PaddingClock, padLatency, readPadding } from '../sql/latency.js';

/** Options of `registerResponsePadding`. */
export interface ResponsePadding {
  /** The quantum in milliseconds (0: no padding, no hooks). */
  readonly quantumMs: number;
  /** The clock arrival is read on and the wait sleeps on. */
  readonly clock: PaddingClock;
  /** The padded routes, as `METHOD url` (Fastify's route pattern, e.g. `POST /v1/queries`). */
  readonly routes: ReadonlySet<string>;
}

const arrivals = new WeakMap<FastifyRequest, number>();

function routeKey(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? ''}`;
}

/**
 * Pads every response of the named routes to the quantum, from the request's arrival. Call it before any other
 * hook is added, so that its `onRequest` is the first to run; its `onSend` waits after the reply is serialised.
 * @param app - the Fastify instance (not yet ready).
 * @param padding - quantum, clock and routes.
 * @throws DpError INVALID_PARAMETER when the quantum is not a number of milliseconds in [0, 3,600,000].
 * @privacy the latency of a padded route's reply reveals only `max(1, ceil((ready − arrival) / q))`, the same
 *   quantum for an answer, a refusal and an error whose work fits in it.
 */
export function registerResponsePadding(app: FastifyInstance, padding: ResponsePadding): void {
  const { clock, routes } = padding;
  const quantumMs = readPadding(padding.quantumMs);
  if (quantumMs <= 0 || routes.size === 0) return;
  app.addHook('onRequest', async (request) => {
    if (routes.has(routeKey(request))) arrivals.set(request, clock.now());
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    const arrival = arrivals.get(request);
    if (arrival !== undefined) {
      arrivals.delete(request);
      await padLatency(arrival, quantumMs, clock);
    }
    return payload;
  });
}
