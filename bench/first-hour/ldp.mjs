/**
 * First-hour replay helper: can the local-DP aggregator of the tree given as the first argument be serialised, restored
 * and merged (shards in several processes, a restart), and does it offer Norm-Sub consistency (issue 11)? GRR, ε = 1,
 * 8 values, 20,000 simulated reports split over two shards.
 *
 *   node bench/first-hour/ldp.mjs <tree>
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const tree = resolve(process.argv[2] ?? '.');
const local = await import(pathToFileURL(join(tree, 'dist/local/index.js')).href);
const config = { protocol: 'grr', epsilon: 1, domainSize: 8 };
const a = local.createAggregator(config);
const b = local.createAggregator(config);
const client = local.createGrrClient?.({ epsilon: 1, domainSize: 8 });
const have = (o, k) => (typeof o?.[k] === 'function' ? 'yes' : 'no');
const facts = [
  `toState: ${have(a, 'toState')}`,
  `merge: ${have(a, 'merge')}`,
  `restoreAggregator: ${have(local, 'restoreAggregator')}`,
  `makeConsistent (norm-sub): ${have(local, 'makeConsistent')}`,
];
if (client && have(a, 'merge') === 'yes' && have(local, 'restoreAggregator') === 'yes') {
  for (let i = 0; i < 20_000; i++) (i % 2 ? a : b).add(client.encode(i % 8 < 2 ? 0 : i % 8));
  const restored = local.restoreAggregator(JSON.parse(JSON.stringify(a.toState())));
  restored.merge(JSON.parse(JSON.stringify(b.toState())));
  const counts = restored.estimateCounts();
  const raw = Array.from(counts.counts ?? counts.estimates ?? counts, Number);
  const fixed = local.makeConsistent(raw, 20_000, { method: 'norm-sub' });
  facts.push(
    `merged n = ${restored.stats().accepted}; raw estimates min ${Math.min(...raw).toFixed(0)}, sum ${raw.reduce((s, x) => s + x, 0).toFixed(0)}; norm-sub min ${Math.min(...fixed).toFixed(0)}, sum ${fixed.reduce((s, x) => s + x, 0).toFixed(0)}`,
  );
}
console.log(facts.join('; '));
