/** Child of test/ledger/pid-namespace.test.ts: tries the lock once (short wait) and prints the outcome. */
import { withFileLock } from '../../src/ledger/file-lock.js';

const lock = process.argv[2] as string;
withFileLock(lock, 300, () => 'taken').then(
  (r) => process.stdout.write(`${r}\n`),
  (e: { code?: string }) => process.stdout.write(`${e.code ?? 'error'}\n`),
);
