/**
 * First-hour replay helper: the README's ZcdpFilter example, run against the tree given as the first argument (issue 11:
 * "the ZcdpFilter example claims a throw that does not happen"). Prints what the README's comment claims for
 * `chargeEvent(DpEvents.gaussian(10))` and what each charge of the example actually does.
 *
 *   node bench/first-hour/zcdp-example.mjs <tree>
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const tree = resolve(process.argv[2] ?? '.');
const { ZcdpFilter, DpEvents } = await import(pathToFileURL(join(tree, 'dist/index.js')).href);
const claims = readFileSync(join(tree, 'README.md'), 'utf8')
  .split('\n')
  .filter((l) => l.includes('filter.chargeEvent('))
  .map((l) => l.replace(/^filter\.chargeEvent\(DpEvents\.(.*?)\);\s*\/\/\s*/, '$1: README says ').slice(0, 60));
const filter = ZcdpFilter.fromEpsilonDelta(1, 1e-6);
const did = [];
for (const sigma of [10, 1]) {
  try {
    filter.chargeEvent(DpEvents.gaussian(sigma));
    did.push(`gaussian(${sigma}) → fits`);
  } catch (e) {
    did.push(`gaussian(${sigma}) → throws ${e.code ?? e.message}`);
  }
}
console.log(`${claims.join(' / ')}\nactual: ${did.join(', ')}`);
