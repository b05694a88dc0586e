/**
 * The file ledger's errors never name a file path (issue 10; the open item "the file ledger's INTERNAL message
 * shows the journal path"). Rule (src/ledger/journal.ts `fileName`): a ledger error names a journal or lock by its
 * file name (the data set's name, public), never its directory — the server passes every DpError's message and
 * details to the analyst (src/server/error-reply.ts), and the operator's file layout is not theirs to see.
 *
 * Generative (fast-check, seed 1006): over directory names (user names, spaces, Unicode) × the ledger's failures —
 * a torn tail, a corrupt record, a write that makes no progress (disk full), a lock held by a live process — the
 * error's message and details, and the server's reply for it, never contain the directory.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExactLoss } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { pidNamespace, processStartTime } from '../../src/ledger/file-lock.js';
import { Rational } from '../../src/numeric/rational.js';
import { toErrorReply } from '../../src/server/error-reply.js';

const loss = (e: string): ExactLoss => ({ epsilon: Rational.parse(e), delta: Rational.ZERO, rho: Rational.ZERO });
const scope = { dataset: 'd', cap: { epsilon: Rational.of(1000n), delta: Rational.parse('1e-6') } };

type Failure = 'torn' | 'corrupt' | 'unwritten' | 'locked';

/** Makes the ledger under `home` fail the next charge in the way `failure` says; returns the ledger to charge. */
async function failing(home: string, failure: Failure): Promise<FileLedger> {
  const journal = join(home, 'ledger', 'd.jsonl');
  await new FileLedger({ home }).charge(scope, loss('1/10'), 'first');
  if (failure === 'torn') writeFileSync(journal, `${readFileSync(journal, 'utf8')}{"v":1,"epsilon":"1/`);
  if (failure === 'corrupt') writeFileSync(journal, `not json at all\n${readFileSync(journal, 'utf8')}`);
  if (failure === 'unwritten') return new FileLedger({ home, write: () => 0 });
  if (failure === 'locked') {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(
      join(home, 'ledger', 'd.lock'),
      JSON.stringify({ pid: process.pid, start: processStartTime(process.pid), boot, host: hostname(), pidns: pidNamespace(), tag: 't' }),
    );
    return new FileLedger({ home, lockTimeoutMs: 100 });
  }
  return new FileLedger({ home });
}

async function errorOf(home: string, failure: Failure): Promise<unknown> {
  const ledger = await failing(home, failure);
  return ledger.charge(scope, loss('1/10'), 'q').then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('file ledger errors name no directory', () => {
  it('regression: a torn journal refuses with INTERNAL naming d.jsonl, not its directory; the server reply neither', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-paths-alice-'));
    const e = await errorOf(home, 'torn');
    expect(e).toMatchObject({ code: 'INTERNAL', details: { journal: 'd.jsonl', state: 'torn' } });
    expect(JSON.stringify(e)).not.toContain(home);
    expect((e as Error).message).toContain('d.jsonl');
    expect(JSON.stringify(toErrorReply(e, 1 << 20).body)).not.toContain(home);
  });

  it('generative (fast-check, seed 1006): directories × failures — message, details and server reply never contain the directory', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Za-z0-9 _.é京-]{1,12}$/).filter((s) => s.trim() !== '' && !s.startsWith('.') && !s.includes('..')),
        fc.constantFrom<Failure>('torn', 'corrupt', 'unwritten', 'locked'),
        async (name, failure) => {
          const home = join(mkdtempSync(join(tmpdir(), 'tsdp-paths-')), name);
          mkdirSync(home, { recursive: true });
          const e = await errorOf(home, failure);
          expect(e).toMatchObject({ code: 'INTERNAL' });
          const text = `${(e as Error).message} ${JSON.stringify((e as { details?: unknown }).details)} ${JSON.stringify(toErrorReply(e, 1 << 20).body)}`;
          expect(text).not.toContain(home);
          expect(text).not.toContain(tmpdir());
        },
      ),
      { numRuns: 40, seed: 1006 },
    );
  }, 60_000);
});
