/**
 * A child process for test/server/group-commit.test.ts: charges through the
 * server's GroupCommitLedger over the file ledger.
 *   loop <home>          6 workers charge 1/100000 each until killed; each prints `OK <memo>` once its charge resolved
 *                        (the moment the server would release the answer)
 *   crash-at <home> <step>   8 charges issued at once (one batch), SIGKILLing itself at the ledger step <step>;
 *                        prints `OK <memo>` per resolved charge and DONE if it never got there
 */
import { writeSync } from 'node:fs';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';

const [mode, home, step] = process.argv.slice(2);
const scope = { dataset: 'batched', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
const cost = (d: bigint) => ({ epsilon: Rational.of(1n, d), delta: Rational.ZERO, rho: Rational.ZERO });

if (mode === 'loop') {
  const ledger = new GroupCommitLedger(new FileLedger({ home }));
  let n = 0;
  const worker = async () => {
    for (;;) {
      const memo = `q${n++}`;
      await ledger.charge(scope, cost(100_000n), memo);
      writeSync(1, `OK ${memo}\n`);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
} else if (mode === 'crash-at') {
  const ledger = new GroupCommitLedger(
    new FileLedger({
      home,
      onStep: (s) => {
        if (s === step) process.kill(process.pid, 'SIGKILL');
      },
    }),
  );
  await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      await ledger.charge(scope, cost(16n), `b${i}`);
      writeSync(1, `OK b${i}\n`);
    }),
  );
  writeSync(1, 'DONE\n');
} else {
  throw new Error(`unknown mode ${mode}`);
}
