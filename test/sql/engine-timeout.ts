/**
 * Engine statement timeouts in generative tests (CI robustness, stop 21).
 *
 * A fast-check property that runs generated SQL on a real engine can meet the engine's statement timeout on a
 * loaded machine: the case then failed, and fast-check shrank it — each candidate another run up to the timeout —
 * until the test's own limit (600 s). Two rules, for every such test:
 *
 * 1. **A timeout, and only a timeout, is inconclusive.** The engine withholds every failure's reason behind the one
 *    ENGINE_ERROR (src/sql/engine.ts), so the test reruns the failed statement on its own connection, under the
 *    same statement timeout, and reads the engine's typed code: PostgreSQL SQLSTATE 57014 (`query_canceled`, what
 *    `statement_timeout` raises); DuckDB's exception type INTERRUPT, after the rerun's own interrupt at the engine's
 *    deadline (DuckDB has no statement timeout: the engine interrupts too). Only that code makes the case inconclusive (`fc.pre`: fast-check draws another,
 *    and the property's own floor on the cases that ran still applies). Any other code fails the test with the
 *    code and message. A rerun that runs fails nothing yet: the engine is asked once more, and a second engine
 *    failure whose rerun runs again fails the test (the engine fails where its SQL does not).
 * 2. **Shrinking is bounded in time** (`boundedShrinking`): after the first genuine failure, candidates run for at
 *    most `budgetMs`; later ones are not run (they pass), so fast-check reports the smallest genuine counterexample
 *    found by then, with its seed and path for a replay. Before any failure nothing is skipped.
 * @module
 */
import fc from 'fast-check';
import pg from 'pg';
import type { CompiledStatement, SqlParamType } from '../../src/sql/dialect.js';
import { duckdb } from '../../src/sql/engines/duckdb-driver.js';

/** What a rerun of a statement the engine failed on shows: a timeout, that it runs, or another error. */
export type RerunOutcome = 'timeout' | 'ran' | { readonly error: string };

/** Reruns a statement outside the engine, reading the engine's typed error code (rule 1). */
export type Rerun = (statement: CompiledStatement) => Promise<RerunOutcome>;

/** PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout` (query_canceled). */
export const PG_QUERY_CANCELED = '57014';

/**
 * The PostgreSQL rerun: the statement in a READ ONLY transaction with `statement_timeout = timeoutMs` (the engine's),
 * on a connection of its own; SQLSTATE 57014 is a timeout, any other code an error.
 * @param url - the test server.
 * @param timeoutMs - the engine's statement timeout.
 */
export function postgresRerun(url: string, timeoutMs: number): Rerun {
  return async (statement) => {
    const client = new pg.Client(url);
    await client.connect();
    try {
      await client.query(`BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
      const values = statement.params.map((p) => (typeof p.value === 'bigint' ? p.value.toString() : p.value));
      await client.query({ text: statement.sql, values });
      return 'ran';
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === PG_QUERY_CANCELED) return 'timeout';
      return { error: `SQLSTATE ${String(code)}: ${(e as Error).message}` };
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      await client.end();
    }
  };
}

/** DuckDB's types of the bind parameters, as the engine binds them. */
const DUCKDB_TYPES: Record<SqlParamType, typeof duckdb.BIGINT | typeof duckdb.DOUBLE | typeof duckdb.VARCHAR | typeof duckdb.BOOLEAN> = {
  bigint: duckdb.BIGINT,
  double: duckdb.DOUBLE,
  text: duckdb.VARCHAR,
  boolean: duckdb.BOOLEAN,
};

/**
 * The DuckDB rerun: the statement prepared and run on the engine's own connection (after the engine's call failed:
 * nothing else runs on it), interrupted at `timeoutMs` (the engine's deadline); DuckDB's INTERRUPT exception after
 * that interrupt is a timeout, any other error an error.
 * @param connection - the engine's connection (`DuckDbEngine.connection`).
 * @param timeoutMs - the engine's statement deadline.
 */
export function duckdbRerun(connection: InstanceType<typeof duckdb.DuckDBConnection>, timeoutMs: number): Rerun {
  return async (statement) => {
    let interrupted = false;
    const timer = setTimeout(() => {
      interrupted = true;
      connection.interrupt();
    }, timeoutMs);
    try {
      const prepared = await connection.prepare(statement.sql);
      prepared.bind(
        statement.params.map((p) => p.value) as never,
        statement.params.map((p) => DUCKDB_TYPES[p.type]),
      );
      await prepared.runAndReadAll();
      return 'ran';
    } catch (e) {
      const message = (e as Error).message;
      if (interrupted && /^INTERRUPT Error/.test(message)) return 'timeout';
      return { error: message };
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Runs `statement` on the engine (`query`); on a failure, classifies it by `rerun` (rule 1).
 * @returns what `query` returned, or 'timeout' when the rerun shows the engine's timeout code.
 * @throws an Error naming the statement and the rerun's code when it is not a timeout.
 */
export async function queryOrTimeout<T>(
  query: () => Promise<T>,
  statement: CompiledStatement,
  rerun: Rerun,
  describe: string,
): Promise<T | 'timeout'> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await query();
    } catch (e) {
      const outcome = await rerun(statement);
      if (outcome === 'timeout') return 'timeout';
      if (outcome !== 'ran' || attempt >= 2) {
        const why = outcome === 'ran' ? 'the rerun outside the engine ran, twice' : outcome.error;
        throw new Error(`${describe}: the engine raised ${(e as Error).message} (${why})\n${statement.sql.slice(0, 2000)}`);
      }
    }
  }
}

/**
 * A property's predicate with shrinking bounded in time (rule 2): after the first failure (not a precondition skip),
 * candidates are run for `budgetMs`; after that they pass without running.
 * @param budgetMs - the shrinking budget.
 * @param predicate - the property's predicate.
 */
export function boundedShrinking<A extends unknown[]>(
  budgetMs: number,
  predicate: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  let failedAt: number | undefined;
  return async (...args: A) => {
    if (failedAt !== undefined && Date.now() - failedAt >= budgetMs) return;
    try {
      await predicate(...args);
    } catch (e) {
      if (!fc.PreconditionFailure.isFailure(e)) failedAt ??= Date.now();
      throw e;
    }
  };
}
