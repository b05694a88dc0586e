/**
 * Stop 22's change measured in one process (issue 15): the release of the benchmark's distinct query (Adult,
 * `SELECT sex, COUNT(*), AVG(hours_per_week) … GROUP BY sex`, ε = 0.001) the way it was (`fresh`: the budget split
 * and query measurement built per query, every group's release built by the per-group release functions) and the
 * way it is (`kept`: `budgetOf` and `releaseTable`'s kept measurements), in interleaved rounds, this thread's CPU per
 * query (`process.cpuUsage`, GC included). Exact aggregates are made up (public-looking numbers): no engine runs.
 *
 *   nice -n 10 npx tsx bench/server/release-memo.ts [rounds=8] [queries per round=2000]
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { budgetOf } from '../../src/sql/budget-memo.js';
import { splitDpBudget } from '../../src/sql/budget-split.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { dpSqlMeasurement } from '../../src/sql/query-measurement.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { releaseCount, releaseMean, releaseTable } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { distinctQueries } from './distinct-queries.js';

const ROUNDS = Number(process.argv[2] ?? 8);
const N = Number(process.argv[3] ?? 2000);
const schema = loadSqlSchema(join(resolve(import.meta.dirname, '../..'), 'examples/adult.schema.json'));
const next = distinctQueries();
const plans = Array.from({ length: 200 }, () => planDpQuery(next(), schema));
const budget = { epsilon: 0.001 };
const bounding = { maxPartitions: 1, maxContributionsPerPartition: 1 };
const groups = [
  { key: 'Female', rows: 9782n, units: 9782n, sums: { count: 9782n, units: 123456789n } },
  { key: 'Male', rows: 20380n, units: 20380n, sums: { count: 20380n, units: -98765432n } },
];
const bounds: [number, number] = [1, 99];
const share = (b: ReturnType<typeof splitDpBudget>) => (b.outputs.find((x) => x !== null) ?? null)?.toNumberDown() ?? 0;

function fresh(i: number, rng: SeededRandomSource): number {
  const plan = plans[i % plans.length] as (typeof plans)[number];
  const split = splitDpBudget(plan, budget);
  const m = dpSqlMeasurement(plan, split).privacyMap(1);
  const b = { epsilon: share(split) };
  let x = m.epsilon.isZero() ? 0 : 1;
  for (const g of groups) {
    x += releaseCount({ count: g.rows, budget: b, ...bounding, rng }).value;
    x += releaseMean({ ...g.sums, bounds, budget: b, ...bounding, rng }).value;
  }
  return x;
}

function kept(i: number, rng: SeededRandomSource): number {
  const plan = plans[i % plans.length] as (typeof plans)[number];
  const { split, measurement } = budgetOf(plan, budget);
  const m = measurement.privacyMap(1);
  const b = { epsilon: share(split) };
  const partitions = new Map(
    groups.map((g) => [g.key, { rows: g.rows, units: g.units, sums: new Map([[1, { ...g.sums, squaredUnits: 0n }]]), bins: new Map() }]),
  );
  const t = releaseTable({
    partitions,
    keys: { kind: 'declared', keys: groups.map((g) => [g.key, g.key] as const) },
    outputs: [
      { kind: 'count', name: 'n', budget: b },
      { kind: 'mean', name: 'h', budget: b, bounds },
    ],
    ...bounding,
    rng,
  });
  return (m.epsilon.isZero() ? 0 : 1) + t.rows.reduce((s, r) => s + (r.values.n?.value ?? 0) + (r.values.h?.value ?? 0), 0);
}

const cpu = (f: (i: number, rng: SeededRandomSource) => number): number => {
  const rng = new SeededRandomSource(22);
  const c0 = process.cpuUsage();
  let sink = 0;
  for (let i = 0; i < N; i++) sink += f(i, rng);
  const c = process.cpuUsage(c0);
  if (!Number.isFinite(sink)) throw new Error('a release was not finite');
  return (c.user + c.system) / 1000 / N;
};
for (let i = 0; i < 200; i++) fresh(i, new SeededRandomSource(i)) + kept(i, new SeededRandomSource(i));
const load0 = loadavg()[0] ?? Number.NaN;
const rows: [number, number][] = [];
for (let r = 0; r < ROUNDS; r++) rows.push(r % 2 === 0 ? [cpu(fresh), cpu(kept)] : ([cpu(kept), cpu(fresh)].reverse() as [number, number]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [r, [f, k]] of rows.entries()) console.log(`round ${r + 1}: fresh ${f.toFixed(3)} ms, kept ${k.toFixed(3)} ms CPU per query`);
const f = median(rows.map((x) => x[0]));
const k = median(rows.map((x) => x[1]));
console.log(
  `median of ${ROUNDS} rounds × ${N}: fresh ${f.toFixed(3)} ms, kept ${k.toFixed(3)} ms (−${(f - k).toFixed(3)} ms, ×${(f / k).toFixed(1)}); load ${load0.toFixed(1)} → ${(loadavg()[0] ?? Number.NaN).toFixed(1)}`,
);
