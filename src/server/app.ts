/**
 * The query server: Fastify routes over the library (`runDpSql`,
 * `explainDpSql`, the ledger, `tsdp/local` aggregators), with the admission
 * checks in front of every charge. The order of one `POST /v1/queries`:
 *
 * 1. body parsed and validated against its JSON Schema (size-limited) —
 *    MALFORMED_REQUEST otherwise;
 * 2. API key checked (HMAC, constant-time) — UNAUTHORIZED; rate limit per key —
 *    RATE_LIMITED;
 * 3. concurrency slot of the analyst — RATE_LIMITED; the slot is held until the
 *    reply leaves, after the padding wait (review S33: released at the end of
 *    the work, the next request's admission timed the work inside a quantum);
 * 4. data set and the analyst's budget on it — NOT_FOUND (one answer whether
 *    the data set is missing or only not the caller's);
 * 5. `runDpSql`: plan, split, public checks, then the **charge** (
 *    atomic with the budget check, written in the ledger before anything is computed and fsynced before
 *    anything is released: group-commit.ts rule 5),
 *    then the engine, noise, post-processing;
 * 6. the answer — or any error, including every refusal of steps 1–4 — released
 *    at the next multiple of the padding quantum after the request arrived
 *    (`response-padding.ts`: measured from the first onRequest hook; SECURITY.md §11);
 * 7. one audit line (who, what, what was charged; never the answer).
 *
 * Everything before step 5's charge is a refusal that spends nothing. Errors
 * leave as `{ error: { code, message, details } }` with the code table's HTTP
 * status; anything that is not a DpError becomes INTERNAL with a fixed message,
 * so no database message or data value reaches a response.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DpError } from '../core/errors.js';
import type { ExactLoss } from '../core/exact-loss.js';
import type { BudgetLedger, LedgerScope, LedgerStatus } from '../ledger/ledger.js';
import { edgeOptionalRecord } from '../numeric/edge.js';
import { type PaddingClock, systemClock } from '../sql/latency.js';
import { explainDpSql, runDpSql } from '../sql/run-dp-sql.js';
import { ApiKeyStore, type Caller, readServerSecret } from './api-keys.js';
import { AuditLog, type AuditRecord } from './audit-log.js';
import { checkServerConfig, type ServerConfig } from './config.js';
import { budgetJson, describeDataset, type OpenDataset, openDataset } from './datasets.js';
import { keepDuckdbPagesMapped } from './duckdb-allocator.js';
import { toErrorReply } from './error-reply.js';
import { GroupCommitLedger } from './group-commit.js';
import { LdpCollector } from './ldp-collectors.js';
import { loadFastify } from './load-fastify.js';
import { openApiDocument } from './openapi.js';
import { runPlainDemoQuery } from './plain-demo.js';
import { PlanCache } from './plan-cache.js';
import { servePlayground } from './playground.js';
import { ConcurrencyGate, RateLimiter } from './rate-limit.js';
import { registerResponsePadding } from './response-padding.js';
import { type PlainQueryBody, type QueryBody, ROUTES } from './route-schemas.js';
import { ThreadedFileLedger } from './threaded-ledger.js';

/** Options of `createQueryServer` beyond the configuration. */
export interface QueryServerOptions {
  /** The ledger (default: from the configuration: the file ledger under the state folder, or PostgreSQL). */
  readonly ledger?: BudgetLedger;
  /** The built playground's folder (default `web/dist` of the package; null serves none). */
  readonly playgroundDir?: string | null;
  /** The package version stated in the OpenAPI document. */
  readonly version?: string;
  /** The clock latency padding reads and sleeps on (default the system's; tests inject one). */
  readonly clock?: PaddingClock;
  /** False: no shape templates in the plan cache (plan-cache.ts; benchmarks compare with and without). Default true. */
  readonly shapePlans?: boolean;
}

/** A running (or ready to listen) query server. */
export interface QueryServer {
  readonly app: FastifyInstance;
  readonly config: ServerConfig;
  readonly ledger: BudgetLedger;
  readonly keys: ApiKeyStore;
  readonly datasets: ReadonlyMap<string, OpenDataset>;
  /** Listens on the configured host and port (or `port`); returns the base URL. */
  listen(port?: number): Promise<string>;
  /** Graceful shutdown: stop accepting, drain requests in flight, save LDP states, close engines, ledger and log. */
  close(): Promise<void>;
}

interface RequestState {
  caller?: Caller;
  /** Frees the analyst's concurrency slot: called in `onSend`, after the padding hook's wait (review S33). */
  releaseSlot?: () => void;
  audit?: Omit<AuditRecord, 'at' | 'status' | 'outcome' | 'charged'> & { charged: AuditRecord['charged'] };
  outcome?: string;
}

const states = new WeakMap<FastifyRequest, RequestState>();
function stateOf(request: FastifyRequest): RequestState {
  let s = states.get(request);
  if (!s) {
    s = {};
    states.set(request, s);
  }
  return s;
}

function exactText(loss: ExactLoss): { epsilon: string; delta: string; rho: string } {
  return { epsilon: loss.epsilon.toString(), delta: loss.delta.toString(), rho: loss.rho.toString() };
}

/** A ledger that remembers what it charged for one request (the audit log's "what was charged"). */
function recordingLedger(inner: BudgetLedger): {
  ledger: BudgetLedger;
  charged: () => ExactLoss | null;
  status: () => LedgerStatus | null;
} {
  let charged: ExactLoss | null = null;
  let status: LedgerStatus | null = null;
  const chargeEarly = inner.chargeEarly?.bind(inner);
  const ledger: BudgetLedger = {
    charge: async (scope, cost, memo) => {
      status = await inner.charge(scope, cost, memo);
      charged = cost;
      return status;
    },
    // The two-step charge (group-commit.ts rule 5), recorded at the decision: a charge that failed to be made
    // durable still stands (never refunded), so the audit line states it.
    ...(chargeEarly
      ? {
          chargeEarly: async (scope: LedgerScope, cost: ExactLoss, memo: string) => {
            const early = await chargeEarly(scope, cost, memo);
            status = early.status;
            charged = cost;
            return early;
          },
        }
      : {}),
    status: (scope) => inner.status(scope),
    entries: (dataset) => inner.entries(dataset),
    close: async () => {},
  };
  return { ledger, charged: () => charged, status: () => status };
}

async function openLedger(config: ServerConfig): Promise<BudgetLedger> {
  if (config.ledger.kind === 'postgres') {
    const { PostgresLedger } = await import('../ledger/postgres-ledger.js');
    return new PostgresLedger(config.ledger.url, config.ledger.schema ? { schema: config.ledger.schema } : {});
  }
  // The file ledger's group commits (lock, append, fsync, total) run in a worker thread, off the event loop.
  return new ThreadedFileLedger({ home: config.server.stateDir });
}

function scopeOf(d: OpenDataset, analyst: string) {
  const analystBudget = d.schema.analysts.get(analyst);
  return { dataset: d.name, cap: d.schema.budget, analyst, ...(analystBudget ? { analystBudget } : {}) };
}

/**
 * Builds the query server: opens the ledger, the data sets (engines) and the LDP collectors, reads the server secret
 * and the key file, checks every budget against the ledger's pins, and registers the routes.
 * @param config - the validated configuration (`loadServerConfig`).
 * @param options - a ledger, the playground's folder, the version.
 * @returns the server (not yet listening).
 * @throws DpError NOT_FOUND / INVALID_SCHEMA (schemas, files), ENGINE_ERROR (PostgreSQL), DOMAIN_MISMATCH when a configured cap
 *   or analyst budget differs from the one the ledger pinned at its first spend (a budget is never raised silently).
 * @privacy every answer is charged before it is computed and durably before it is released (runDpSql); refusals charge nothing; answers and errors of
 *   queries are released at the padding quantum.
 * @example
 * const server = await createQueryServer(loadServerConfig('examples/server/server.yaml'));
 * console.log(await server.listen());
 */
export async function createQueryServer(config: ServerConfig, options: QueryServerOptions = {}): Promise<QueryServer> {
  // An optional peer (load-fastify.ts): loaded first, so its absence is NOT_FOUND whatever the configuration, with
  // nothing opened yet.
  const Fastify = await loadFastify();
  checkServerConfig(config); // S22 edge line: a configuration from parseServerConfig / loadServerConfig
  edgeOptionalRecord(options, 'options');
  // Before the data sets load the DuckDB engine: its allocator then keeps freed pages (duckdb-allocator.ts).
  keepDuckdbPagesMapped();
  const s = config.server;
  const clock = options.clock ?? systemClock;
  const secret = readServerSecret(s.stateDir);
  const keys = new ApiKeyStore(join(s.stateDir, 'keys.json'), secret);
  const ledger = options.ledger ?? (await openLedger(config));
  const datasets = new Map<string, OpenDataset>();
  const collectors = new Map<string, LdpCollector>();
  const closeAll = async () => {
    for (const d of datasets.values()) await d.engine.close().catch(() => {});
    if (!options.ledger) await ledger.close().catch(() => {});
  };
  try {
    for (const d of config.datasets.values())
      datasets.set(d.name, await openDataset(d, s.statementTimeoutMs, s.duckdbConnections, s.duckdbThreads));
    // A budget changed since the ledger pinned it is refused now, at start, rather than on an analyst's first query.
    for (const d of datasets.values()) for (const a of d.schema.analysts.keys()) await ledger.status(scopeOf(d, a));
    for (const c of config.collectors.values()) collectors.set(c.name, new LdpCollector(c, s.stateDir));
  } catch (e) {
    await closeAll();
    throw e;
  }
  // Charges of concurrent queries share one fsync (group-commit.ts); plans of repeated queries are reused (plan-cache.ts).
  const charging = new GroupCommitLedger(ledger);
  const plans = new PlanCache(1024, options.shapePlans === false ? 0 : 1024);
  // Data sets whose exact aggregates are reused keep one bounding salt per cached plan (plan-cache.ts, exact-aggregate-cache.ts).
  for (const d of datasets.values()) if (d.config.exactAggregateCache) plans.keepSaltFor(d.schema);
  const audit = new AuditLog(join(s.stateDir, 'audit.jsonl'));
  const limiter = new RateLimiter(s.rateLimit.perSecond, s.rateLimit.burst);
  const gate = new ConcurrencyGate(s.maxConcurrentPerAnalyst);
  let draining = false;

  const app = Fastify({
    logger: false,
    bodyLimit: s.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  // First of all hooks: the arrival instant every reply of a query (answer, refusal, error) is padded from.
  registerResponsePadding(app, { quantumMs: s.padLatencyMs, clock, routes: new Set([`${ROUTES.query.method} ${ROUTES.query.url}`]) });

  app.setErrorHandler((error, request, reply) => {
    const { status, body, code, retryAfter } = toErrorReply(error, s.bodyLimitBytes);
    stateOf(request).outcome = code;
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    stateOf(request).outcome = 'NOT_FOUND';
    return reply
      .code(404)
      .send({ error: new DpError('NOT_FOUND', 'no such route (GET /openapi.json lists them)', { kind: 'route' }).toJSON() });
  });
  // Registered after the padding hook, so it runs once the padded instant is reached, just before the bytes leave:
  // a concurrency slot is freed then, never at the unpadded end of the work (review S33). Every way out of the
  // query handler (a returned body, a thrown error through the error handler) is a reply.send, hence an onSend —
  // Fastify sends a returned body even when the client has gone.
  app.addHook('onSend', async (request, reply, payload) => {
    states.get(request)?.releaseSlot?.();
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    void reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const st = states.get(request);
    if (!st?.audit) return;
    audit.write({
      at: new Date().toISOString(),
      ...st.audit,
      outcome: st.outcome ?? (reply.statusCode < 400 ? 'answered' : 'failed'),
      status: reply.statusCode,
    });
  });
  if (s.corsOrigins.length > 0) {
    app.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (origin && s.corsOrigins.includes(origin)) {
        void reply.header('access-control-allow-origin', origin);
        void reply.header('vary', 'origin');
        void reply.header('access-control-allow-headers', 'authorization, content-type');
        void reply.header('access-control-allow-methods', 'GET, POST');
      }
    });
    app.options('/*', async (_request, reply) => reply.code(204).send());
  }

  /** Authenticates, rate-limits and opens the audit record of a protected route. */
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const st = stateOf(request);
    st.audit = { requestId: request.id, route: request.routeOptions.url ?? request.url, keyId: null, analyst: null, charged: null };
    const caller = keys.authenticate(request.headers.authorization);
    st.caller = caller;
    st.audit = { ...st.audit, keyId: caller.keyId, analyst: caller.analyst };
    limiter.take(`key:${caller.keyId}`);
  };
  const callerOf = (request: FastifyRequest): Caller => {
    const c = states.get(request)?.caller;
    if (!c) throw new DpError('INTERNAL', 'a protected route without its caller', {});
    return c;
  };
  /** The data set, if the caller has a budget on it: one NOT_FOUND whether it is missing or not the caller's. */
  const datasetFor = (name: string, analyst: string): OpenDataset => {
    const d = datasets.get(name);
    if (!d?.schema.analysts.has(analyst)) {
      throw new DpError('NOT_FOUND', 'no such data set for this API key (GET /v1/datasets lists yours)', { kind: 'data set' });
    }
    return d;
  };
  const collectorFor = (name: string): LdpCollector => {
    const c = collectors.get(name);
    if (!c) throw new DpError('NOT_FOUND', 'no such local-DP collector (GET /v1/ldp lists them)', { kind: 'collector' });
    return c;
  };

  app.route({ ...ROUTES.health, handler: async () => ({ status: 'ok' }) });
  app.route({
    ...ROUTES.ready,
    handler: async (_request, reply) => (draining ? reply.code(503).send({ status: 'draining' }) : { status: 'ready' }),
  });
  const document = openApiDocument(options.version ?? '0.0.0');
  app.route({ ...ROUTES.openapi, handler: async () => document });

  app.route({
    ...ROUTES.datasets,
    onRequest: authenticate,
    handler: async (request) => {
      const { analyst } = callerOf(request);
      return { datasets: [...datasets.values()].filter((d) => d.schema.analysts.has(analyst)).map((d) => describeDataset(d, analyst)) };
    },
  });

  app.route({
    ...ROUTES.budget,
    onRequest: authenticate,
    handler: async (request) => {
      const { analyst } = callerOf(request);
      const only = (request.query as { dataset?: string }).dataset;
      const mine = only !== undefined ? [datasetFor(only, analyst)] : [...datasets.values()].filter((d) => d.schema.analysts.has(analyst));
      const budgets = [];
      for (const d of mine) {
        const st = await ledger.status(scopeOf(d, analyst));
        const bal = (b: NonNullable<LedgerStatus['analyst']>) => ({
          budget: budgetJson(b.total),
          spent: exactText(b.spent),
          remaining: { epsilon: b.remaining.epsilon.toNumberDown(), delta: b.remaining.delta.toNumberDown() },
        });
        budgets.push({ dataset: d.name, analyst: st.analyst ? bal(st.analyst) : bal(st.dataset), cap: bal(st.dataset) });
      }
      return { analyst, budgets };
    },
  });

  const options_ = (b: QueryBody) => ({
    ...(b.epsilon !== undefined ? { epsilon: b.epsilon } : {}),
    ...(b.delta !== undefined ? { delta: b.delta } : {}),
    ...(b.rho !== undefined ? { rho: b.rho } : {}),
    ...(b.noise !== undefined ? { noise: b.noise } : {}),
    ...(b.confidence !== undefined ? { confidence: b.confidence } : {}),
  });
  const openAudit = (request: FastifyRequest, b: QueryBody) => {
    const st = stateOf(request);
    if (st.audit) st.audit = { ...st.audit, dataset: b.dataset, sql: b.sql, requested: options_(b) };
  };

  app.route({
    ...ROUTES.explain,
    onRequest: authenticate,
    handler: async (request) => {
      const b = request.body as QueryBody;
      openAudit(request, b);
      const d = datasetFor(b.dataset, callerOf(request).analyst);
      const e = explainDpSql(b.sql, d.schema, d.engine.dialect, options_(b));
      return { dataset: d.name, charge: exactText(e.split.charge), text: e.text };
    },
  });

  app.route({
    ...ROUTES.query,
    onRequest: authenticate,
    handler: async (request) => {
      const b = request.body as QueryBody;
      openAudit(request, b);
      const { analyst } = callerOf(request);
      const rec = recordingLedger(charging);
      try {
        // Freed in onSend after the padding wait, not here when the work ends (review S33).
        stateOf(request).releaseSlot = gate.enter(analyst);
        const d = datasetFor(b.dataset, analyst);
        const result = await runDpSql({
          sql: b.sql,
          schema: d.schema,
          engine: d.engine,
          ledger: rec.ledger,
          planCache: plans,
          analyst,
          ...options_(b),
        });
        const status = rec.status();
        const num = (x: { epsilon: { toNumberDown(): number }; delta: { toNumberDown(): number } }) => ({
          epsilon: x.epsilon.toNumberDown(),
          delta: x.delta.toNumberDown(),
        });
        const body = {
          dataset: d.name,
          analyst,
          columns: result.columns,
          rows: result.rows,
          intervals: result.intervals,
          confidence: result.confidence,
          guarantee: result.guarantee,
          charged: exactText(result.loss),
          remaining: {
            analyst: status?.analyst ? num(status.analyst.remaining) : null,
            dataset: status ? num(status.dataset.remaining) : null,
          },
          ...(result.notForRelease ? { notForRelease: true } : {}),
        };
        return body;
      } finally {
        const charged = rec.charged();
        const st = stateOf(request);
        if (st.audit) st.audit = { ...st.audit, charged: charged ? exactText(charged) : null };
      }
    },
  });

  app.route({
    ...ROUTES.plainQuery,
    onRequest: authenticate,
    handler: async (request) => {
      const b = request.body as PlainQueryBody;
      const st = stateOf(request);
      if (st.audit) st.audit = { ...st.audit, dataset: b.dataset, sql: b.sql, requested: { nonPrivate: true } };
      return runPlainDemoQuery(datasetFor(b.dataset, callerOf(request).analyst), b.sql);
    },
  });

  app.route({
    ...ROUTES.collectors,
    handler: async () => ({
      collectors: [...collectors.values()].map((c) => ({
        name: c.config.name,
        ...(c.config.description !== undefined ? { description: c.config.description } : {}),
        config: c.config.protocol,
        ...(c.config.labels ? { labels: [...c.config.labels] } : {}),
      })),
    }),
  });
  app.route({
    ...ROUTES.report,
    preHandler: async (request) => {
      // Reports come from users' devices without keys: limited per client address instead.
      limiter.take(`ip:${request.ip}`);
    },
    handler: async (request) => collectorFor((request.params as { collector: string }).collector).add(request.body),
  });
  app.route({
    ...ROUTES.estimate,
    onRequest: authenticate,
    handler: async (request) => {
      const c = collectorFor((request.params as { collector: string }).collector);
      const st = stateOf(request);
      if (st.audit) st.audit = { ...st.audit, collector: c.config.name };
      const q = (request.query as { confidence?: string }).confidence;
      return c.estimate(q === undefined ? 0.95 : Number(q));
    },
  });

  const playgroundDir = options.playgroundDir === undefined ? join(import.meta.dirname, '../../web/dist') : options.playgroundDir;
  if (s.playground && playgroundDir !== null) servePlayground(app, playgroundDir);

  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    ledger,
    keys,
    datasets,
    async listen(port?: number) {
      return app.listen({ host: s.host, port: port ?? s.port });
    },
    close() {
      closing ??= (async () => {
        draining = true;
        await app.close();
        for (const c of collectors.values()) c.save();
        await closeAll();
        audit.close();
      })();
      return closing;
    },
  };
}
