/**
 * Child of ml-ledger-sigkill.test.ts: charges one FileLedger in a loop and prints "ack <n>" on stdout after each
 * charge's promise resolves, i.e. at the moment a caller may release the answer. It is killed by SIGKILL at a
 * random time.
 */

import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const [home, who, unitNum] = process.argv.slice(2) as [string, string, string];
const ledger = new FileLedger({ home });
const cap = { epsilon: Rational.of(1_000_000n), delta: Rational.ZERO };
const cost = { epsilon: Rational.of(BigInt(unitNum), 1_000n), delta: Rational.ZERO, rho: Rational.ZERO };
for (let n = 0; ; n++) {
  await ledger.charge({ dataset: 'crash', cap, analyst: who }, cost, `${who} ${n}`);
  process.stdout.write(`ack ${n}\n`);
}
