/**
 * Child of ledger-pid-namespace.test.ts (review S34): charges ε = 1 against a cap of 1 on a FileLedger.
 * argv: home, role ('holder' | 'other'), dir of the signal files.
 * - holder: after reading the journal (its decision made, the lock held) writes `held` and keeps the lock until
 *   the test writes `done` (at most 30 s);
 * - other: waits for `held`, then charges (lock timeout 3 s).
 * Prints one JSON line: { role, ok, code? }.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const [home, role, dir] = process.argv.slice(2) as [string, string, string];
const scope = { dataset: 'ns', cap: { epsilon: Rational.of(1n), delta: Rational.ZERO } };
const cost = { epsilon: Rational.of(1n), delta: Rational.ZERO, rho: Rational.ZERO };
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** Blocks (synchronously: the lock is held inside a synchronous section) until `file` exists or `ms` pass. */
function until(file: string, ms: number): void {
  for (let waited = 0; waited < ms && !existsSync(file); waited += 10) pause(10);
}

if (role === 'other') until(join(dir, 'held'), 30_000);
const ledger = new FileLedger({
  home,
  lockTimeoutMs: role === 'other' ? 3_000 : 30_000,
  onStep: (step) => {
    if (role === 'holder' && step === 'journal:read') {
      writeFileSync(join(dir, 'held'), '');
      until(join(dir, 'done'), 30_000);
    }
  },
});
try {
  await ledger.charge(scope, cost, role);
  console.log(JSON.stringify({ role, ok: true }));
} catch (e) {
  console.log(JSON.stringify({ role, ok: false, code: (e as { code?: string }).code }));
}
