/**
 * DP SQL quantiles on DuckDB from the fine grid's histogram read in passes (`stats/quantile-stream.ts`), never held:
 * the histogram statement (`compile.ts`, `streamedQuantileGrid`) orders its rows by (group keys, bin); each pass of a
 * group's release runs it again through `DuckDbEngine.queryChunks` and feeds that group's rows, in bin order, to the
 * sampler. The release is `releaseStreamedQuantile` with `releaseTable`'s own parameters (`sparseQuantileParameters`),
 * made before `releaseTable` places it (`StreamedQuantileRelease`).
 *
 * Rule (class 11, "rows held in Node after the charge grow with the data", reviews S64 and S66): while a streamed
 * quantile is released, Node holds one chunk of `STREAM_CHUNK_ROWS` rows (public) plus one DuckDB vector, and the
 * state of ONE group's release (the sampler's O(1) walk, `TRIES_PER_PASS` tries, ≤ 4,096 coarse bins); the groups
 * are released one after the other. Nothing it holds is sized by a private count. The path (streamed or the 4,096
 * grid) is chosen by the dialect alone (`streamsQuantiles`), and the charge is the same either way: the quantile's
 * measurement is `makeFineQuantileMeasurement`'s, whose privacy map does not depend on the grid
 * (quantile-sparse.proof.md, "Streamed, from SQL"). Time grows with passes × released groups × the statement's work
 * (not constant-time, SECURITY.md §11; latency padding covers it when asked for).
 * Test: test/sql/quantile-stream-sql.test.ts.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { RandomSource } from '../random/source.js';
import { releaseStreamedQuantile } from '../stats/quantile-selection.js';
import type { BinPass } from '../stats/quantile-stream.js';
import { type ExactPartition, sparseQuantileParameters } from '../stats/release-table.js';
import type { CompiledDpQuery, HistogramStatement } from './compile.js';
import type { CompiledStatement } from './dialect.js';
import type { EngineRow, EngineValue } from './engine.js';
import { keyString, toBig, toBin } from './engine-values.js';
import type { SqlTableOutputs } from './release-group.js';

/** Rows per chunk of a streamed histogram (public): 4,096. */
export const STREAM_CHUNK_ROWS = 4096;

/** Streams a statement's rows in chunks of a public size (`DuckDbEngine.queryChunks`). */
export type StatementChunks = (
  statement: CompiledStatement,
  chunkRows: number,
  onChunk: (rows: EngineRow[]) => void | Promise<void>,
) => Promise<void>;

/** The partition text of a histogram row (as `release-through-table.ts` keys its partitions). */
function rowKey(compiled: CompiledDpQuery, r: EngineRow): string {
  return compiled.keyColumns.length === 0 ? '' : keyString(compiled.keyColumns.map((k): EngineValue => r[k] ?? null));
}

/**
 * One pass over group `key`'s non-empty bins of a streamed histogram: the statement run again, its rows of other
 * groups skipped as they stream by (module rule: one chunk held), a bin emptied by contribution bounding skipped.
 * @throws DpError INTERNAL on a bin or count that is not the statement's; ENGINE_ERROR from the engine.
 */
export function groupPass(compiled: CompiledDpQuery, h: HistogramStatement, key: string, chunks: StatementChunks): BinPass {
  return (sink) =>
    chunks(h, STREAM_CHUNK_ROWS, (rows) => {
      for (const r of rows) {
        if (rowKey(compiled, r) !== key) continue;
        const n = toBig(r.n);
        if (n > 0n) sink.add(toBin(r.bin, h.bins), n);
      }
    });
}

/**
 * Releases every streamed quantile output of the released groups, one group after the other (module rule), and
 * places each release in its partition for `releaseTable` (a group without engine rows gets an empty partition).
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
  chunks: StatementChunks | undefined,
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
  if (streamed.length === 0) return;
  // Checked before the charge (`checkStreamable`); here it is an internal inconsistency.
  if (!chunks) throw new DpError('INTERNAL', 'a streamed quantile histogram on an engine that cannot stream', {});
  for (const key of keys) {
    const held = partitions.get(key);
    const bins = new Map(held?.bins ?? []);
    for (const [j, h, o] of streamed) {
      const release = await releaseStreamedQuantile({
        pass: groupPass(compiled, h, key, chunks),
        ...sparseQuantileParameters(o, bounds),
        rng,
      });
      bins.set(j, { streamed: release });
    }
    partitions.set(key, { ...(held ?? { rows: 0n, units: 0n, sums: new Map() }), bins });
  }
}

/**
 * Before the charge: a query whose histograms are streamed runs only on an engine that streams (public: the
 * engine's methods), so no streamed release fails after the charge for want of one.
 * @throws DpError UNSUPPORTED_QUERY (nothing charged).
 */
export function checkStreamable(compiled: CompiledDpQuery, chunks: StatementChunks | undefined): void {
  if (chunks || !compiled.histograms.some((h) => h.streamed)) return;
  throw new DpError('UNSUPPORTED_QUERY', 'this engine cannot stream the quantile histogram its dialect asks for; nothing was charged', {
    construct: 'streamed quantile',
  });
}
