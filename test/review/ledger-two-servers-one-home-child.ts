/**
 * Child of ledger-two-servers-one-home.test.ts: a third writer (the CLI's way: a plain `FileLedger`, its own
 * process) charging alice on `donors` in the same state folder as two running servers. Prints "ok <memo>" after each
 * charge resolves (the moment a caller may release), "refused <code>" for a refusal, then "done"; 15 ms apart.
 */
import { DpError } from '../../src/core/errors.js';
import { privacyUnit } from '../../src/core/privacy-unit.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const [home, count] = process.argv.slice(2) as [string, string];
const ledger = new FileLedger({ home });
const scope = {
  dataset: 'donors',
  cap: { epsilon: Rational.of(6n), delta: Rational.ZERO },
  analyst: 'alice',
  analystBudget: { epsilon: Rational.ONE, delta: Rational.ZERO },
  unit: privacyUnit('id', { maxPartitions: 1, maxContributionsPerPartition: 1 }), // donors.schema.yaml's, as the servers state it
};
const cost = { epsilon: Rational.of(1n, 50n), delta: Rational.ZERO, rho: Rational.ZERO };
for (let n = 0; n < Number(count); n++) {
  const memo = `cli ${n}`;
  try {
    await ledger.charge(scope, cost, memo);
    process.stdout.write(`ok ${memo}\n`);
  } catch (e) {
    process.stdout.write(`refused ${e instanceof DpError ? e.code : 'other'}\n`);
  }
  await new Promise((r) => setTimeout(r, 15)); // spread over the servers' run
}
await ledger.close();
process.stdout.write('done\n');
