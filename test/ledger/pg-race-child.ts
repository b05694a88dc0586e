/**
 * A child process for `postgres-races.test.ts`: charges `<fraction>` of ε to `<dataset>` (cap ε = 1) until
 * refused, printing `OK <memo>` synchronously after each charge the ledger accepted (an answer is "released" only
 * once that line is out); the parent SIGKILLs it at a random moment.
 *   pg-race-child.ts <url> <dataset> <fraction>
 */
import { writeSync } from 'node:fs';
import { DpError } from '../../src/core/errors.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const [url, dataset, fraction] = process.argv.slice(2) as [string, string, string];
const ledger = new PostgresLedger(url);
const cost = { epsilon: Rational.parse(fraction), delta: Rational.ZERO, rho: Rational.ZERO };
for (let i = 0; ; i++) {
  const memo = `child ${process.pid} ${i}`;
  try {
    await ledger.charge({ dataset, cap: { epsilon: Rational.ONE, delta: Rational.ZERO } }, cost, memo);
    writeSync(1, `OK ${memo}\n`);
  } catch (e) {
    writeSync(1, `ERR ${e instanceof DpError ? e.code : 'other'}\n`);
    break;
  }
}
await ledger.close();
