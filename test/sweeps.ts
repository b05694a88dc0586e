/**
 * Exhaustive sweeps in CI and on demand (test/README.md, "Full sweeps"). A test that sweeps a cross product
 * (every function × every input, every operator × every operand pair …) runs in CI a fixed covering subset —
 * every member of every class, and every pair of members its file names, at least once — and the whole
 * product when `TSDP_FULL_SWEEPS=1` (`npm run test:full-sweeps`).
 *
 * Rule: a covering subset is deterministic (no sampling: the same items in every run), chosen by the keys an
 * item covers, so shrinking a sweep can never drop a member of a class from CI; regression cases are separate
 * tests and never go through it.
 */

/** Whether this run sweeps every product in full (`TSDP_FULL_SWEEPS=1`). */
export const FULL_SWEEPS = process.env.TSDP_FULL_SWEEPS === '1';

/**
 * The admitted items, in order, that cover a key no earlier kept item covered (a greedy covering design: every
 * key of every admitted item is covered by at least one kept item); every admitted item under
 * `TSDP_FULL_SWEEPS=1`. `admits` is asked only of an item that would cover a new key, so a costly check (the
 * planner) runs on the subset's candidates only, and a key is never counted covered by an item it refused.
 * @param items the full sweep, in its order.
 * @param keys the class members (and member pairs) an item exercises, as strings.
 * @param admits whether an item belongs to the sweep at all (every item when omitted).
 * @param full the whole sweep instead of the subset.
 * @returns the kept items in the items' order.
 */
export function covering<T>(
  items: readonly T[],
  keys: (item: T) => readonly string[],
  admits: (item: T) => boolean = () => true,
  full = FULL_SWEEPS,
): T[] {
  if (full) return items.filter(admits);
  const covered = new Set<string>();
  const kept: T[] = [];
  for (const item of items) {
    const ks = keys(item);
    if (ks.every((k) => covered.has(k)) || !admits(item)) continue;
    for (const k of ks) covered.add(k);
    kept.push(item);
  }
  return kept;
}

/**
 * The keys of a 2-way covering array: every pair of an item's factors, by position (a product of factors
 * f × a × b is covered when every (f, a), (f, b) and (a, b) pair occurs once); one factor is its own key.
 * @param factors the item's member of each class, in a fixed position order.
 * @returns the pair keys.
 */
export function pairwiseKeys(factors: readonly string[]): string[] {
  if (factors.length === 1) return [`0=${factors[0]}`];
  const keys: string[] = [];
  for (let i = 0; i < factors.length; i++)
    for (let j = i + 1; j < factors.length; j++) keys.push(`${i}=${factors[i]}\u0000${j}=${factors[j]}`);
  return keys;
}
