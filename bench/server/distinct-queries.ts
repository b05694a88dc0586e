/**
 * The distinct workload's query texts (issue 15): every call a text no earlier call of the same source gave, all of
 * one shape — the benchmark's DP GROUP BY on Adult with a different WHERE range (`distinct-cost.ts`,
 * `distinct-load.ts`).
 * @module
 */

/**
 * A new source of distinct query texts.
 * @returns a function giving the next text on every call.
 */
export function distinctQueries(): () => string {
  let calls = 0;
  return () => {
    const i = calls++;
    const lo = 17 + (Math.floor(i / 10) % 70);
    const hi = lo + 1 + (Math.floor(i / 700) % 19);
    return `SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult WHERE age >= ${lo} AND age <= ${hi} AND hours_per_week >= ${(i % 10) + 10 * Math.floor(i / 13300)} GROUP BY sex`;
  };
}
