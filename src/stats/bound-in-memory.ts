/**
 * Contribution bounding of an in-memory table, up front: rows grouped by
 * privacy unit (counting sort), then per unit a uniform choice of at most
 * maxPartitions partitions and of at most maxContributionsPerPartition rows in
 * each (partial Fisher–Yates) — the same distribution as the streaming
 * reservoirs of `contribution-bounding.ts`. Rows without a unit id are dropped
 * (`unitText`).
 * @module
 */
import { sampleUniformBelow } from '../random/index.js';
import type { RandomSource } from '../random/source.js';
import { readCell, unitText } from './value-rules.js';

/** Picks `k` of `items` uniformly at random (partial Fisher–Yates). */
function pickUniform<T>(items: T[], k: number, rng: RandomSource): T[] {
  if (items.length <= k) return items;
  const a = items.slice();
  for (let i = 0; i < k; i++) {
    const j = i + sampleUniformBelow(a.length - i, rng);
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
  return a.slice(0, k);
}

/**
 * Contribution bounding of an in-memory table: rows grouped by unit (counting
 * sort), then per unit a uniform choice of ≤ maxPartitions partitions and of
 * ≤ maxContributionsPerPartition rows in each. Returns the kept rows and the
 * number of distinct units kept per partition.
 */
export function boundInMemory(
  units: ArrayLike<unknown>,
  parts: readonly (string | undefined)[],
  bounds: { maxPartitions: number; maxContributionsPerPartition: number },
  rng: RandomSource,
): { keep: Uint8Array; unitsPerPartition: Map<string, number> } {
  const n = parts.length;
  const ids = new Map<unknown, number>();
  const unitOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (parts[i] === undefined) continue;
    // A unit id that is not a key (object, symbol, function) drops the row (value rule).
    const u = unitText(readCell(units, i));
    if (u === undefined) continue;
    let id = ids.get(u);
    if (id === undefined) {
      id = ids.size;
      ids.set(u, id);
    }
    unitOf[i] = id;
  }
  const offsets = new Int32Array(ids.size + 1);
  for (let i = 0; i < n; i++)
    if ((unitOf[i] as number) >= 0) offsets[(unitOf[i] as number) + 1] = (offsets[(unitOf[i] as number) + 1] as number) + 1;
  for (let u = 0; u < ids.size; u++) offsets[u + 1] = (offsets[u + 1] as number) + (offsets[u] as number);
  const fill = offsets.slice(0, ids.size);
  const order = new Int32Array(offsets[ids.size] as number);
  for (let i = 0; i < n; i++) {
    const u = unitOf[i] as number;
    if (u >= 0) {
      order[fill[u] as number] = i;
      fill[u] = (fill[u] as number) + 1;
    }
  }
  const keep = new Uint8Array(n);
  const unitsPerPartition = new Map<string, number>();
  const bump = (p: string) => unitsPerPartition.set(p, (unitsPerPartition.get(p) ?? 0) + 1);
  for (let u = 0; u < ids.size; u++) {
    const start = offsets[u] as number;
    const end = offsets[u + 1] as number;
    if (end - start === 1) {
      const i = order[start] as number;
      keep[i] = 1;
      bump(parts[i] as string);
      continue;
    }
    const byPartition = new Map<string, number[]>();
    for (let r = start; r < end; r++) {
      const i = order[r] as number;
      const p = parts[i] as string;
      const list = byPartition.get(p);
      if (list) list.push(i);
      else byPartition.set(p, [i]);
    }
    for (const p of pickUniform([...byPartition.keys()], bounds.maxPartitions, rng)) {
      for (const i of pickUniform(byPartition.get(p) as number[], bounds.maxContributionsPerPartition, rng)) keep[i] = 1;
      bump(p);
    }
  }
  return { keep, unitsPerPartition };
}
