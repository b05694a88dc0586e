/**
 * A DuckDB statement's rows handed to a consumer in chunks of a public number of rows, never all at once: the
 * engine side of a streamed release (a histogram read in passes, `stats/quantile-stream.ts`).
 *
 * Rule (class 11, "rows held in Node after the charge grow with the data"): the rows in Node at any time are at most
 * one DuckDB vector plus `chunkRows` (public), whatever the statement returns; each chunk is handed on before the
 * next is read. A DuckDB failure (a deadline, a limit, a dropped connection) is the one ENGINE_ERROR (`fail`), never
 * DuckDB's message (and `DuckDbEngine.queryChunks` runs the whole stream as one call of its deadline queue, which
 * makes any failure inside it, the consumer's too, that one error). Test: test/sql/duckdb-stream.test.ts.
 * @module
 */
import type { DuckDBPreparedStatement } from '@duckdb/node-api';
import type { DpError } from '../../core/errors.js';
import { type EngineRow, normalizeValue } from '../engine.js';

/** The largest chunk a consumer may ask for (public): 2¹⁶ rows. */
export const MAX_CHUNK_ROWS = 1 << 16;

/**
 * Streams a bound prepared SELECT to `onChunk` in chunks of `chunkRows` rows (the last one shorter), in the
 * statement's order.
 * @param prepared - the bound prepared statement (its type checked by the caller).
 * @param chunkRows - rows per chunk, an integer in [1, MAX_CHUNK_ROWS].
 * @param onChunk - receives each chunk; the next is read only once it has settled.
 * @param expired - whether the statement's deadline has passed (checked before each DuckDB fetch).
 * @param fail - the engine's one error.
 * @throws the `fail()` error on any DuckDB failure or at the deadline; the consumer's errors unchanged (here).
 */
export async function streamPreparedChunks(
  prepared: DuckDBPreparedStatement,
  chunkRows: number,
  onChunk: (rows: EngineRow[]) => void | Promise<void>,
  expired: () => boolean,
  fail: () => DpError,
): Promise<void> {
  if (!(Number.isSafeInteger(chunkRows) && chunkRows >= 1 && chunkRows <= MAX_CHUNK_ROWS)) throw fail();
  const duck = async <T>(work: () => Promise<T>): Promise<T> => {
    if (expired()) throw fail();
    try {
      return await work();
    } catch {
      throw fail();
    }
  };
  const result = await duck(() => prepared.stream());
  const names = result.columnNames();
  const batches = result.yieldRowsJs()[Symbol.asyncIterator]();
  let buffer: EngineRow[] = [];
  for (;;) {
    const next = await duck(() => batches.next());
    if (next.done) break;
    for (const row of next.value) {
      const o: Record<string, ReturnType<typeof normalizeValue>> = {};
      for (let i = 0; i < names.length; i++) o[names[i] as string] = normalizeValue(row[i]);
      buffer.push(o);
      if (buffer.length === chunkRows) {
        const full = buffer;
        buffer = [];
        await onChunk(full);
      }
    }
  }
  if (buffer.length > 0) await onChunk(buffer);
}
