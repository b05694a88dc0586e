/**
 * `Session`: a budgeted context over one private dataset.
 *
 * ## Threat model
 *
 * - **Trusted**: the process that creates the session (it holds the raw rows),
 *   the platform CSPRNG, and the tsdp code itself.
 * - **Untrusted**: the analyst who writes queries and reads results. They may
 *   choose any query, any parameters and any number of queries, and see every
 *   result, error and refusal.
 * - **Protected**: each privacy unit (the `privacyUnit` column, or each row
 *   when none is declared) under the relation "add or remove one unit with all
 *   its rows". Everything the analyst sees is differentially private at the
 *   stated loss, and the sum of all charges never passes the session budget.
 * - **How**: the rows live in a private (`#`) field and are never serialised
 *   or printed; a query is priced from its declared parameters only (never
 *   from data, row counts or results, SECURITY.md §6), the price is charged
 *   in one synchronous step before any row is read, and a query that would
 *   pass the budget is refused with `BUDGET_EXHAUSTED`, charging nothing.
 *   Parameter errors are raised before charging and never mention data values.
 *   Group keys are declared or chosen by DP partition selection (§8); bounds
 *   are declared or estimated with DP (§9).
 * - **The calculus prices every query** (issue 10, "the calculus carries the
 *   load"): a query is a measurement, `chain(bound contributions, release
 *   outputs)` built with core's `defineTransformation`/`defineMeasurement`
 *   (`stats/query-measurement.ts`); the session charges exactly its
 *   `privacyMap(1)` (as an exact loss in the budget, ρ kept as ρ against an
 *   (ε, δ) budget and converted once on the total, item 15), the released
 *   `guarantee` is that same value, and the query's budget split is compared
 *   with it (a map above the split, or a run whose composed guarantee differs
 *   from the map, is an INTERNAL error).
 * - **The schema is declared, never read from the data** (issue 10, item 2):
 *   the columns a session knows come from a declaration (`fromRecords`'
 *   `columns`, the keys of `fromColumns`' object) or public structure (an
 *   Arrow schema, a CSV header read before the charge) — never from the
 *   union of the records' keys. So the set of queries answered or refused,
 *   and every error, is the same on neighbouring datasets: a record missing
 *   a declared column, holding it as `undefined`, or carrying extra keys is
 *   handled by the value rules (missing = invalid value, dropped or imputed;
 *   extra keys never read), never by an error or a refusal.
 * - **Nothing data-dependent happens after the charge** (issue 10, item 5):
 *   values, group keys and unit ids are read by the total value rules of
 *   `stats/value-rules.ts` — a value that is not a finite number, a key that
 *   is not a primitive, a getter or proxy that throws, all become "invalid"
 *   and are dropped or imputed; the data's own `toString`/`valueOf` is never
 *   called, and no data value ever reaches an error message. Every check
 *   that can refuse a query (parameters, bounds, budgets, columns) runs on
 *   public values before the charge.
 * - **Out of scope**: side channels of timing and memory (query time grows
 *   with the data size, which is not hidden; samplers are not constant-time,
 *   SECURITY.md §11), a caller who reads the data directly, and persistence
 *   (this budget lives in memory; a durable ledger is the ledger module's job).
 * - **Seeded sources**: a session given a seeded RandomSource marks every
 *   result `notForRelease`.
 * - **Trace hook**: `startTrace()` from `tsdp/testing` records the exact values
 *   noise is added to, for grey-box audits. Its sinks are process-wide, so any
 *   code in the same process can read them. This is within the trusted process
 *   above: never load untrusted code into a process that holds private data.
 * @module
 */
export { Session, type SessionOptions } from './session.js';
export {
  type QuantileAggregateOptions,
  type SessionAccess,
  SessionQuery,
  type SessionQueryResult,
  type SessionReleaseSpec,
  type ValueAggregateOptions,
} from './session-query.js';
