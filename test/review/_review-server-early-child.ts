/**
 * A child process for test/review/review-server-early-kill.test.ts (review stop 26): the server's two-step charge
 * (GroupCommitLedger.chargeEarly over the ThreadedFileLedger: the worker announces a batch before its fsync) under
 * load until SIGKILLed. Each of 6 workers charges 1/100000 and prints `RUN <memo>` once the charge is decided and
 * written (the statements would start then) and `OK <memo>` once `durable` resolved (the answer would be released).
 *   early-loop <home>
 */
import { writeSync } from 'node:fs';
import { Rational } from '../../src/numeric/rational.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import { ThreadedFileLedger } from '../../src/server/threaded-ledger.js';

const [mode, home = ''] = process.argv.slice(2);
const scope = { dataset: 'early', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
const cost = { epsilon: Rational.of(1n, 100_000n), delta: Rational.ZERO, rho: Rational.ZERO };

if (mode === 'early-loop') {
  const ledger = new GroupCommitLedger(new ThreadedFileLedger({ home }));
  let n = 0;
  const worker = async () => {
    for (;;) {
      const memo = `q${n++}`;
      const early = await ledger.chargeEarly(scope, cost, memo);
      writeSync(1, `RUN ${memo}\n`);
      await early.durable;
      writeSync(1, `OK ${memo}\n`);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
} else {
  throw new Error(`unknown mode ${mode}`);
}
