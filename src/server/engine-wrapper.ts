/**
 * The rule for the server's engine wrappers (`ExactAggregateCache`, `EnginePool`, `SerialEngine`): **a wrapper of an
 * engine forwards every member of `SqlEngine`, the optional public-check hooks included.**
 *
 * Why (review S45b, class 11 "a public-cause failure charged"): `SqlEngine.preflight` is optional — PostgreSQL plans
 * each compiled statement as the query role (`EXPLAIN`) so that a privilege it lacks is refused before the charge —
 * and `runDpSql` calls `engine.preflight?.(…)`. A wrapper that does not declare the hook makes the optional call a
 * silent no-op: through the server's wrappers a PostgreSQL data set with a revoked EXECUTE was charged, then
 * ENGINE_ERROR, although the bare engine refused it uncharged.
 *
 * How it is enforced, so that a hook added to `SqlEngine` later cannot be forgotten:
 * - each wrapper `implements EngineWrapper` (`Required<SqlEngine>`): a member the interface gains, optional or not,
 *   is a compile error in every wrapper until it is written;
 * - `SQL_ENGINE_MEMBERS` lists every member with its kind and is checked against the interface both ways by the
 *   compiler (`satisfies`: a missing or an extra key, or an optional member not listed as a hook, fails `tsc`);
 *   test/server/engine-wrappers.test.ts runs every listed member through each wrapper and checks that it reaches
 *   the wrapped engine, and that `runDpSql` makes the same calls on a wrapped engine as on the bare one.
 * A hook is forwarded on every call, never remembered: its answer may change while the server runs (a privilege
 * revoked or granted on a live database).
 * @module
 */
import type { CompiledStatement } from '../sql/dialect.js';
import { type EngineRow, ownStatements, queryInChunks, type SnapshotReader, type SqlEngine } from '../sql/engine.js';

/** What an engine wrapper implements: every member of `SqlEngine`, its optional hooks required. */
export type EngineWrapper = Required<SqlEngine>;

/** The kind of each member of `SqlEngine`, computed from the interface: an optional member is a `hook`. */
type MemberKinds = {
  [K in keyof SqlEngine]-?: object extends Pick<SqlEngine, K>
    ? 'hook'
    : SqlEngine[K] extends (...a: never[]) => unknown
      ? 'method'
      : 'property';
};

/**
 * Every member of `SqlEngine` and its kind (checked against the interface by the compiler, both ways): the list the
 * wrapper test runs over each wrapper.
 */
export const SQL_ENGINE_MEMBERS = Object.freeze({
  dialect: 'property',
  catalog: 'method',
  preflight: 'hook',
  query: 'method',
  queryChunks: 'hook',
  snapshot: 'hook',
  close: 'method',
} as const satisfies MemberKinds);

/**
 * Forwards the optional `queryChunks` hook (DP SQL's streamed quantile histograms, `sql/quantile-stream-sql.ts`):
 * the wrapped engine's own, or, for an engine without one, its `query` handed on in chunks (such an engine's dialect
 * does not stream its histograms, so this is only reached by a direct call).
 * @throws DpError ENGINE_ERROR as the engine.
 */
export async function forwardQueryChunks(
  inner: SqlEngine,
  statement: CompiledStatement,
  chunkRows: number,
  onChunk: (rows: EngineRow[]) => void | Promise<void>,
): Promise<void> {
  if (inner.queryChunks) return inner.queryChunks(statement, chunkRows, onChunk);
  return queryInChunks((s) => inner.query(s), statement, chunkRows, onChunk);
}

/**
 * Forwards the optional `snapshot` hook (every statement of one DP SQL query after the charge on one snapshot:
 * `SqlEngine.snapshot`, review stop 23 third): the wrapped engine's own, or, for an engine without one, its own
 * statements (`ownStatements`, whose `queryChunks` streams as `forwardQueryChunks` does: the wrapper's check before
 * the charge and the reader after it agree — review stop 24).
 * @throws DpError ENGINE_ERROR as the engine, or what `work` throws.
 */
export function forwardSnapshot<T>(inner: SqlEngine, work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
  return inner.snapshot ? inner.snapshot(work) : work(ownStatements(inner));
}

/**
 * Forwards the optional `preflight` hook to the wrapped engine (an engine without it has no such public cause:
 * nothing to check).
 * @param inner - the wrapped engine.
 * @param statements - the compiled statements of one query.
 * @returns the engine's preflight, or a resolved promise when it has none.
 * @throws DpError INVALID_SCHEMA / ENGINE_ERROR as the engine's preflight (before the charge).
 */
export function forwardPreflight(inner: SqlEngine, statements: readonly CompiledStatement[]): Promise<void> {
  return inner.preflight ? inner.preflight(statements) : Promise.resolve();
}
