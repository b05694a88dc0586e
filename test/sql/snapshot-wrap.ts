/**
 * Test helper: a real engine whose snapshot reader is changed by `wrap` (a write, a wait or a dropped row between
 * statements), every other member the engine's own. Used by the snapshot tests (duckdb-snapshot,
 * quantile-stream-after-charge).
 */
import type { SnapshotReader, SqlEngine } from '../../src/sql/engine.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';

/** The engine with its snapshot reader wrapped (each snapshot gets a fresh `wrap` call). */
export function wrapSnapshot(
  inner: SqlEngine & Required<Pick<SqlEngine, 'snapshot'>>,
  wrap: (reader: SnapshotReader) => SnapshotReader,
): SqlEngine {
  return {
    dialect: inner.dialect,
    catalog: (t) => inner.catalog(t),
    preflight: (s) => inner.preflight?.(s) ?? Promise.resolve(),
    query: (s) => inner.query(s),
    queryChunks: (s, n, on) => inner.queryChunks?.(s, n, on) ?? Promise.reject(new Error('no queryChunks')),
    snapshot: (work) => inner.snapshot((reader) => work(wrap(reader))),
    close: async () => {},
  };
}

/** `reader` with `after(i)` awaited once its i-th statement (0-based, `query` or a stream) has ended. */
export function afterEachStatement(reader: SnapshotReader, after: (statement: number) => Promise<void>): SnapshotReader {
  let statements = 0;
  return {
    ...reader,
    query: async (s) => {
      const rows = await reader.query(s);
      await after(statements++);
      return rows;
    },
    queryChunks: async (s, n, on) => {
      await reader.queryChunks?.(s, n, on);
      await after(statements++);
    },
  };
}

/** The snapshot tests' schema: one table t of pid, a declared text key g ('a', 'b'), an integer x in [0, 1000]. */
export function snapshotSchema(dataset: string): SqlSchema {
  return parseSqlSchema({
    dataset,
    budget: { epsilon: 1e6 },
    tables: {
      t: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: {
          pid: { type: 'integer' },
          g: { type: 'string', categories: ['a', 'b'] },
          x: { type: 'integer', lower: 0, upper: 1000 },
        },
      },
    },
  });
}
