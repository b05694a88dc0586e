/**
 * First-hour replay helper: the CPU cost of one `FileLedger.charge` when the data set's journal already holds 100 and
 * 4,000 entries (issue 11: "0.8 ms at 100 entries, 6.3 ms at 4,000"), in the tree given as the first argument (its
 * built dist/). Prints one line: median CPU ms per charge (user + system, this process) at each length. The journal is
 * filled by one real charge, then by copies of its spend record appended to the file (a charge per entry, each fsynced,
 * takes minutes on a loaded machine): the records are independent lines in both versions. A ledger that keeps a running
 * total sees the appended records as a mismatch and replays once on the first timed charge; the median of 20 is the
 * steady cost.
 *
 *   node bench/first-hour/ledger-charge.mjs <tree>
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const tree = resolve(process.argv[2] ?? '.');
const { Rational } = await import(pathToFileURL(join(tree, 'dist/index.js')).href);
const { FileLedger } = await import(pathToFileURL(join(tree, 'dist/ledger/index.js')).href);
const home = mkdtempSync(join(tmpdir(), 'tsdp-fh-ledger-'));
const ledger = new FileLedger({ home });
const scope = { dataset: 'd', cap: { epsilon: Rational.of(1_000_000n), delta: Rational.ZERO } };
// `rho` is read by the ledger since ExactLoss (stop 13); the older ledger ignores the extra field.
const cost = { epsilon: Rational.parse('1/1000'), delta: Rational.ZERO, rho: Rational.ZERO };
await ledger.charge(scope, cost, 'fill');
const journal = join(home, 'ledger', 'd.jsonl');
const spend = readFileSync(journal, 'utf8').trim().split('\n').pop();
let n = 1;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (x) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
const out = [];
for (const target of [100, 4000]) {
  if (n < target - 20) {
    appendFileSync(journal, `${spend}\n`.repeat(target - 20 - n));
    n = target - 20;
  }
  const per = [];
  for (let i = 0; i < 20; i++) {
    const t = cpuMs();
    await ledger.charge(scope, cost, 'timed');
    per.push(cpuMs() - t);
    n++;
  }
  out.push(`${median(per).toFixed(2)} ms at ${target}`);
}
await ledger.close?.();
rmSync(home, { recursive: true, force: true });
console.log(`CPU per charge (median of 20): ${out.join(', ')}`);
