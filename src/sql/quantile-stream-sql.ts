/**
 * DP SQL quantiles on DuckDB and PostgreSQL from the fine grid's histogram read in passes (`stats/quantile-stream.ts`),
 * never held: the histogram statement (`compile.ts`, `streamedQuantileGrid`) orders its rows by (group keys, bin);
 * each pass runs it once through the engine's `queryChunks` (DuckDB: `DuckDbEngine.queryChunks`; PostgreSQL:
 * `PostgresEngine.queryChunks`, a server-side cursor read 4,096 rows a FETCH) and feeds EVERY released group's rows, in bin order, to that group's
 * sampler state (`releaseStreamedQuantileGroups` with `releaseTable`'s own parameters, `sparseQuantileParameters`),
 * made before `releaseTable` places the releases (`StreamedQuantileRelease`).
 *
 * Rule (class 11, "rows held in Node after the charge grow with the data", reviews S64 and S66): while a streamed
 * quantile is released, Node holds one chunk of `STREAM_CHUNK_ROWS` rows (public) plus one DuckDB vector, and per
 * released group O(1) sampler state (its n, normaliser and outcome; with an interval share its two ends), plus ONE
 * live group's walk (`TRIES_PER_PASS` tries) or, in pass 0, its coarse histogram (≤ 4,096 entries: the statement's
 * (keys, bin) order feeds each group's bins together, quantile-stream.ts "one live group"; reviews stop 22 second and
 * stop 23 first) — the released groups
 * are public (declared, or released by partition selection before the passes). Nothing it holds is sized by a
 * private count.
 * Rule (class 14 / SECURITY §12, review stop 22 first: "each released group reran the whole statement ≈ 3 times"):
 * one set of passes serves all the groups — a streamed quantile output runs its histogram statement 3 times (passes
 * 0, 1, 2), whatever the number of groups and the data (a 4th with probability ≤ G·2⁻⁶⁴, quantile-stream.ts), so the
 * statements of a query are a public constant: main's plus 2 per streamed quantile output.
 * The path (streamed or the 4,096 grid) is chosen by the dialect alone (`streamsQuantiles`), and the charge is the same
 * either way: the quantile's measurement is `makeFineQuantileMeasurement`'s, whose privacy map does not depend on
 * the grid (quantile-sparse.proof.md, "Streamed, from SQL"). Time grows with passes × the statement's work (not
 * constant-time, SECURITY.md §11; latency padding covers it when asked for).
 * Rule (one snapshot, review stop 23 third): the passes run through the query's one snapshot reader (`runDpSql`,
 * `SqlEngine.snapshot`), so every pass reads the rows the main statement read; and every failure of a streamed release
 * after the charge is that reader's one engine error (`releaseStreamedQuantiles`), wherever it was found.
 * Tests: test/sql/quantile-stream-sql.test.ts, test/review/quantile-stream-passes-per-group.test.ts,
 * test/sql/quantile-stream-after-charge.test.ts, test/review/pg-stream-write-between-passes.test.ts.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { RandomSource } from '../random/source.js';
import { releaseStreamedQuantileGroups } from '../stats/quantile-selection.js';
import type { GroupBinPass } from '../stats/quantile-stream.js';
import { type ExactPartition, sparseQuantileParameters } from '../stats/release-table.js';
import type { CompiledDpQuery, HistogramStatement } from './compile.js';
import type { CompiledStatement } from './dialect.js';
import type { EngineRow, EngineValue } from './engine.js';
import { keyString, toBig, toBin } from './engine-values.js';
import type { SqlTableOutputs } from './release-group.js';

/** Rows per chunk of a streamed histogram (public): 4,096. */
export const STREAM_CHUNK_ROWS = 4096;

/**
 * Streams a statement's rows in chunks of a public size (a snapshot reader's `queryChunks`: `DuckDbEngine`,
 * `PostgresEngine`), with the engine's one error (`SnapshotReader.failure`).
 */
export interface StatementChunks {
  (statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>): Promise<void>;
  /** The engine's one error: what every failure of a streamed release after the charge becomes (module rule). */
  readonly failure: () => DpError<'ENGINE_ERROR'>;
}

/**
 * The partition text of each histogram row (as `release-through-table.ts` keys its partitions), for the rows of one
 * pass in order. The statement's rows come ordered by the group keys, so a row whose key values are each `===` the
 * previous row's gets the previous text without `keyString` again: engine values are primitives (`normalizeValue`),
 * for which `===` implies the same `String`, so the text is the one `keyString` would give (NaN is never `===`: it
 * is recomputed). A speed-up only: a pass's work per row, not its result.
 */
function rowKeys(compiled: CompiledDpQuery): (r: EngineRow) => string {
  const columns = compiled.keyColumns;
  if (columns.length === 0) return () => '';
  let last: EngineValue[] | undefined;
  let lastKey = '';
  return (r) => {
    const values = columns.map((k): EngineValue => r[k] ?? null);
    if (last === undefined || values.some((v, i) => v !== last?.[i])) {
      last = values;
      lastKey = keyString(values);
    }
    return lastKey;
  };
}

/**
 * One pass over every released group's non-empty bins of a streamed histogram: the statement run once, each row fed
 * to its group's index in `index` (the released partitions' texts), the rows of unreleased groups skipped as they
 * stream by (module rule: one chunk held), a bin emptied by contribution bounding skipped.
 * @throws DpError INTERNAL on a bin or count that is not the statement's; ENGINE_ERROR from the engine.
 */
export function statementPass(
  compiled: CompiledDpQuery,
  h: HistogramStatement,
  index: ReadonlyMap<string, number>,
  chunks: StatementChunks,
): GroupBinPass {
  return (sink) => {
    const rowKey = rowKeys(compiled);
    return chunks(h, STREAM_CHUNK_ROWS, (rows) => {
      for (const r of rows) {
        const g = index.get(rowKey(r));
        if (g === undefined) continue;
        const n = toBig(r.n);
        if (n > 0n) sink.add(g, toBin(r.bin, h.bins), n);
      }
    });
  };
}

/**
 * Releases every streamed quantile output of the released groups, each output from one set of passes for all the
 * groups (module rules), and places each release in its partition for `releaseTable` (a group without engine rows
 * gets an empty partition).
 * @param compiled - the compiled query (its streamed histograms).
 * @param t - the table outputs (`planReleases`).
 * @param partitions - the engine's partitions, by partition text; completed here.
 * @param keys - the released partitions' texts, in `releaseTable`'s order.
 * @param bounds - partitions per unit and contributions per partition (`releaseTable`'s).
 * @param chunks - the engine's chunked reader.
 * @param rng - the randomness.
 * @privacy each release is its output's `makeFineQuantileMeasurement`, charged as that output (module header).
 */
export async function releaseStreamedQuantiles(
  compiled: CompiledDpQuery,
  t: SqlTableOutputs,
  partitions: Map<string, ExactPartition>,
  keys: readonly string[],
  bounds: { readonly maxPartitions: number; readonly maxContributionsPerPartition: number },
  chunks: StatementChunks,
  rng: RandomSource,
): Promise<void> {
  const streamed: [number, HistogramStatement, Extract<SqlTableOutputs['outputs'][number], { kind: 'quantiles' }>][] = [];
  t.planIndex.forEach((i, j) => {
    const inputs = compiled.inputs[i];
    const o = t.outputs[j];
    if (inputs?.kind !== 'quantile' || o?.kind !== 'quantiles') return;
    const h = compiled.histograms[inputs.histogram];
    if (h?.streamed) streamed.push([j, h, o]);
  });
  if (streamed.length === 0 || keys.length === 0) return;
  const index = new Map(keys.map((k, g) => [k, g] as const));
  const bins = keys.map((key) => new Map(partitions.get(key)?.bins ?? []));
  // Parameters read before any pass (a bad one is the statistics layer's INVALID_PARAMETER, whatever the data).
  const parameters = streamed.map(([, , o]) => sparseQuantileParameters(o, bounds));
  for (const [s, [j, h]] of streamed.entries()) {
    let releases: Awaited<ReturnType<typeof releaseStreamedQuantileGroups>>;
    try {
      releases = await releaseStreamedQuantileGroups({
        pass: statementPass(compiled, h, index, chunks),
        groups: keys.length,
        ...(parameters[s] as (typeof parameters)[number]),
        rng,
      });
    } catch {
      // Rule (class "an after-charge error whose code depends on the data", review stop 23 third): a check of a
      // group runs when its walk closes — inside the engine's stream when a later group has rows (the engine makes
      // it its one error), after the stream when none has. So every failure here is the engine's one error, the
      // same code and message wherever it was found. Test: test/sql/quantile-stream-after-charge.test.ts.
      throw chunks.failure();
    }
    releases.forEach((release, g) => {
      bins[g]?.set(j, { streamed: release });
    });
  }
  keys.forEach((key, g) => {
    const held = partitions.get(key);
    partitions.set(key, { ...(held ?? { rows: 0n, units: 0n, sums: new Map() }), bins: bins[g] as NonNullable<(typeof bins)[number]> });
  });
}

/**
 * Before the charge: a query whose histograms are streamed runs only on an engine that streams (public: the
 * engine's methods: `queryChunks`) — an engine that would hold a whole histogram is refused. The release after the
 * charge reads only the snapshot reader, which always streams (`SnapshotReader.queryChunks` is required;
 * `ownStatements`/`queryInChunks` over a reader's own `query`), so it never depends on the object this check asked
 * (review stop 24, class "the check before the charge and the path after it read different objects").
 * @throws DpError UNSUPPORTED_QUERY (nothing charged).
 */
export function checkStreamable(compiled: CompiledDpQuery, streams: boolean): void {
  if (streams || !compiled.histograms.some((h) => h.streamed)) return;
  throw new DpError('UNSUPPORTED_QUERY', 'this engine cannot stream the quantile histogram its dialect asks for; nothing was charged', {
    construct: 'streamed quantile',
  });
}
