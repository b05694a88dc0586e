/**
 * `tsdp/server` — the budget-enforcing query server (Node only): DP SQL and
 * local-DP collection over HTTP for many analysts, each with an API key and a
 * budget per data set under the data set's cap. `tsdp serve --config
 * server.yaml` runs it; `createQueryServer` embeds it.
 *
 * ## Threat model
 * - **Trusted**: the operator (the configuration, schema files, the server
 *   secret, the state folder), the process, the database engines and their
 *   administrators, the ledger's storage (a file under the state folder, or a
 *   PostgreSQL schema owned by a ledger role that the query role cannot write).
 * - **Untrusted**: every client. An analyst holds an API key, sends any query
 *   text and parameters, sees every response, error and its timing, and may
 *   collude with other analysts; anyone on the network may send anything
 *   (malformed or huge bodies, wrong or revoked keys, floods). Local-DP
 *   reporters are anonymous and may forge reports (poisoning is out of scope).
 * - **Guarantee**: the data set's rows are protected by the composition of every
 *   answer any analyst received: each answer is (ε, δ)-DP (or ρ-zCDP) under
 *   add/remove of one privacy unit (`tsdp/sql`'s threat model), and the ledger
 *   never lets the total charged on a data set pass its **cap** — the bound on
 *   what all analysts together learn, colluding or not — nor one analyst's
 *   total pass the analyst's budget under it. Local-DP estimates are
 *   post-processing of ε-LDP reports.
 * - **What defends it**: each answer is charged — atomically with the budget
 *   check — before it is computed, durably before it is released, and refused before any charge when
 *   anything public is wrong (bad JSON, schema violation, key, rate limit,
 *   concurrency cap, unknown data set, unsupported SQL, budget); charges depend
 *   only on the query text, the schema and the declared ε/δ/ρ. API keys are
 *   256-bit random tokens stored as HMAC-SHA-256 under the server secret and
 *   compared in constant time (`api-keys.ts`). Errors are DpErrors with the
 *   code table's status; everything else is one fixed INTERNAL reply
 *   (`error-reply.ts`), so no database message or data value reaches a client.
 *   Every reply of `POST /v1/queries` — answer, refusal or error — leaves at
 *   the next multiple of the padding quantum after the request arrived (the
 *   first onRequest hook, before the body is read; `response-padding.ts`;
 *   `padLatencyMs`, default 50 ms; SECURITY.md §11). The audit log records who asked what and what was
 *   charged, never an answer.
 * - **Throughput parts, and what each keeps**: concurrent charges of a data set
 *   share one fsync (`group-commit.ts`: decided in order under the ledger's
 *   lock exactly as one by one; no answer before its batch is durable); plans
 *   are cached per (schema object, exact query text) (`plan-cache.ts`: a plan
 *   depends on nothing else; split, compile with a fresh salt, checks and charge
 *   run per query); DuckDB statements run on a pool of connections, one
 *   statement each (`engine-pool.ts`), with the fixed catalog read once; the
 *   file ledger's group commits run in a worker thread (`threaded-ledger.ts`:
 *   same files and lock, answered only after the batch's fsync). On data that
 *   cannot change while the server runs (a DuckDB file, opened read-only, or
 *   files declared `exactAggregateCache: true`), a cached plan keeps one
 *   CSPRNG bounding salt, so a repeated query compiles to the same statement,
 *   and that statement's exact aggregates are reused
 *   (`exact-aggregate-cache.ts`): each answer is still a stable function of the
 *   data (for that data-independent salt) plus **fresh** noise, charged in
 *   full, so the guarantee is unchanged. Whether a result is kept is decided
 *   before the run from the plan's public row bound, never from the rows
 *   (review S27: the number of selected groups is private). A plan-cache or
 *   exact-aggregate hit is faster than a miss, so timing could tell an analyst that the same text
 *   was asked before (by anyone): a fact about queries, not data, and hidden
 *   by the padding quantum (on by default, 50 ms) like every other time
 *   difference; with padding off, an operator accepts that this is visible.
 * - **Not defended**: a malicious operator or database; timing beyond the
 *   quantum (a query whose running time crosses a multiple of the quantum
 *   because of the data shows one more quantum; a statement timeout shows as
 *   the timeout — choose the quantum well above usual running times); the
 *   number and timing of requests themselves (public); a stolen API key until
 *   it is revoked; TLS (terminate it in front of the server; keys are bearer
 *   tokens); denial of service beyond the per-key rate limit and per-analyst
 *   concurrency cap (front the server with a proxy for per-address limits).
 * @module tsdp/server
 */
export { ApiKeyStore, type Caller, KEY_FILE_FORMAT, readServerSecret, type StoredKey } from './api-keys.js';
export { createQueryServer, type QueryServer, type QueryServerOptions } from './app.js';
export { AuditLog, type AuditRecord } from './audit-log.js';
export {
  type CollectorConfig,
  type ConfigBudget,
  type DatasetConfig,
  loadServerConfig,
  parseServerConfig,
  type ServerConfig,
  serverConfigFormat,
} from './config.js';
export { datasetSchema, type OpenDataset, openDataset } from './datasets.js';
export { EnginePool, SerialEngine } from './engine-pool.js';
export { toErrorReply } from './error-reply.js';
export { LdpCollector, MAX_REPORTS_PER_REQUEST } from './ldp-collectors.js';
export { openApiDocument } from './openapi.js';
export { ConcurrencyGate, RateLimiter } from './rate-limit.js';
export { type QueryBody, ROUTES, type RouteSpec } from './route-schemas.js';
