/**
 * Per-unit contribution bounding in one streaming pass.
 *
 * Each privacy unit keeps at most `maxPartitions` of its distinct partitions,
 * chosen uniformly at random (reservoir sampling over partitions in order of
 * first appearance), and at most `maxContributionsPerPartition` of its rows in
 * each kept partition, chosen uniformly at random (reservoir sampling,
 * Vitter's Algorithm R). Rows are never dropped by their order. All random
 * choices use the injected RandomSource.
 *
 * Memory is proportional to the rows kept (≤ units · maxPartitions ·
 * maxContributionsPerPartition), not to the rows read.
 * @module
 */
import { edgeRecord } from '../numeric/edge.js';
import { sampleUniformBelow } from '../random/index.js';
import type { RandomSource } from '../random/source.js';
import { checkPositiveInteger } from './_internal/noise.js';

/** The bounds a unit's contributions are cut to. */
export interface BoundingParameters {
  readonly maxPartitions: number;
  readonly maxContributionsPerPartition: number;
}

interface UnitState<P> {
  /** Kept partitions and their row reservoirs. */
  readonly kept: Map<string, { seen: number; rows: P[] }>;
  /** Partitions seen and not kept. */
  readonly rejected: Set<string>;
  distinctSeen: number;
}

/**
 * Streams rows through per-unit reservoirs.
 * @example
 * const b = new ContributionBounder<number>({ maxPartitions: 1, maxContributionsPerPartition: 2 }, rng);
 * rows.forEach((r, i) => b.add(r.person, r.group, i));
 * for (const { partition, rows } of b.kept()) ...
 */
export class ContributionBounder<P> {
  private readonly units = new Map<unknown, UnitState<P>>();
  private readonly maxPartitions: number;
  private readonly maxRows: number;

  /** @throws DpError INVALID_PARAMETER on bounds that are not integers ≥ 1. */
  constructor(
    bounds: BoundingParameters,
    private readonly rng: RandomSource,
  ) {
    edgeRecord(bounds, 'bounds');
    this.maxPartitions = checkPositiveInteger(bounds.maxPartitions, 'maxPartitions');
    this.maxRows = checkPositiveInteger(bounds.maxContributionsPerPartition, 'maxContributionsPerPartition');
  }

  /** Offers one row of `unit` in `partition`, carrying `payload`. */
  add(unit: unknown, partition: string, payload: P): void {
    let state = this.units.get(unit);
    if (state === undefined) {
      state = { kept: new Map(), rejected: new Set(), distinctSeen: 0 };
      this.units.set(unit, state);
    }
    let slot = state.kept.get(partition);
    if (slot === undefined) {
      if (state.rejected.has(partition)) return;
      state.distinctSeen++;
      if (state.kept.size < this.maxPartitions) {
        slot = { seen: 0, rows: [] };
        state.kept.set(partition, slot);
      } else {
        // Reservoir over distinct partitions: the k-th one replaces a uniform kept one w.p. maxPartitions/k.
        const j = sampleUniformBelow(state.distinctSeen, this.rng);
        if (j >= this.maxPartitions) {
          state.rejected.add(partition);
          return;
        }
        const victim = [...state.kept.keys()][j] as string;
        state.kept.delete(victim);
        state.rejected.add(victim);
        slot = { seen: 0, rows: [] };
        state.kept.set(partition, slot);
      }
    }
    slot.seen++;
    if (slot.rows.length < this.maxRows) {
      slot.rows.push(payload);
    } else {
      const j = sampleUniformBelow(slot.seen, this.rng);
      if (j < this.maxRows) slot.rows[j] = payload;
    }
  }

  /** The kept rows, grouped by unit and partition. */
  *kept(): Generator<{ unit: unknown; partition: string; rows: readonly P[] }> {
    for (const [unit, state] of this.units) {
      for (const [partition, slot] of state.kept) yield { unit, partition, rows: slot.rows };
    }
  }

  /** Number of distinct units seen. */
  get unitCount(): number {
    return this.units.size;
  }
}

/**
 * Bounds an in-memory table: returns, for each row, whether it is kept.
 * @param units - the unit of each row.
 * @param partitions - the partition of each row (rows with `undefined` are dropped).
 * @throws DpError INVALID_PARAMETER on bad bounds.
 */
export function boundContributions(
  units: ArrayLike<unknown>,
  partitions: ArrayLike<string | undefined>,
  bounds: BoundingParameters,
  rng: RandomSource,
): Uint8Array {
  const bounder = new ContributionBounder<number>(bounds, rng);
  for (let i = 0; i < units.length; i++) {
    const p = partitions[i];
    if (p !== undefined) bounder.add(units[i], p, i);
  }
  const keep = new Uint8Array(units.length);
  for (const { rows } of bounder.kept()) for (const i of rows) keep[i] = 1;
  return keep;
}
