/**
 * Measures what one FileLedger charge costs at a given journal length (item: "Fast at every size").
 *   npx tsx test/ledger/charge-cost.ts 100 4000
 * Prints, per length, the median wall time (dominated by fsync) and CPU time of 200 charges in ms.
 * Not a test (no timing assertions anywhere).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const cost = { epsilon: Rational.of(1n, 1_000_000n), delta: Rational.ZERO, rho: Rational.ZERO };
const scope = { dataset: 'bench', cap: { epsilon: Rational.of(1000n), delta: Rational.ZERO } };
for (const n of process.argv.slice(2).map(Number)) {
  const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-bench-')) });
  for (let i = 0; i < n; i++) await ledger.charge(scope, cost, `SELECT COUNT(*) FROM t -- ${i}`);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await ledger.charge(scope, cost, 'SELECT COUNT(*) FROM t');
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(
    `${n} entries: wall median ${times[100]?.toFixed(3)} ms per charge (p10 ${times[20]?.toFixed(3)}, p90 ${times[180]?.toFixed(3)}); CPU median ${cpu[100]?.toFixed(3)} ms`,
  );
}
