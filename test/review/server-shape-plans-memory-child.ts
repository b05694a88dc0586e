/**
 * Child of server-shape-plans-memory.test.ts (run with --expose-gc): the heap one schema's PlanCache retains after
 * 4,096 distinct ≈ 8 KB texts (1,024 shapes × 4 SELECT constants, each with a liftable WHERE literal), for
 * `maxShapes` = argv[2]. Prints `retained=<MiB>`.
 */
import { PlanCache } from '../../src/server/plan-cache.js';
import { planDpQuery } from '../../src/sql/plan/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const schema = parseSqlSchema({
  dataset: 'd',
  budget: { epsilon: 10, delta: 1e-3 },
  tables: {
    donors: {
      privacyUnit: 'id',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { id: { type: 'integer' }, age: { type: 'integer', lower: 18, upper: 90 }, zip: { type: 'string' } },
    },
  },
});
const gc = (globalThis as { gc?: () => void }).gc as () => void;
// Typed as on wip/server (main's constructor takes one argument; the test runs this only where the second exists).
const Cache = PlanCache as unknown as new (maxPerSchema: number, maxShapes: number) => PlanCache;
const cache = new Cache(1024, Number(process.argv[2]));
gc();
const before = process.memoryUsage().heapUsed;
for (let s = 0; s < 1024; s++)
  for (let v = 0; v < 4; v++) {
    const text = `SELECT SUM(age * ${v + 2}) AS n FROM donors WHERE age >= 20 AND zip <> '${String(s).padStart(6, '0')}${'x'.repeat(7900)}'`;
    cache.set(text, schema, planDpQuery(text, schema));
  }
gc();
const after = process.memoryUsage().heapUsed;
// The cache is read after the measurement, so it is live through it.
process.stdout.write(`retained=${((after - before) / 2 ** 20).toFixed(1)} ${cache.get('', schema) === undefined}\n`);
