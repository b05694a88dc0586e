/**
 * Review S46 (session 9; class 7 "stale locks" and 6 "check-and-charge is one atomic step"): the file ledger's lock
 * (src/ledger/file-lock.ts, rule 3) breaks "a lock whose record cannot be read … once it is older than a short grace
 * period (STALE_GRACE_MS = 2 s)" — but the owner record is written with mode 0600 (`writeWhole`), so a process of
 * ANOTHER OS USER sharing the ledger folder cannot read a LIVE owner's record either: `readText` fails, the record
 * reads as '', and after 2 s the live lock is broken. Two users sharing one ledger (the server under its service
 * account and `tsdp sql` run by the data steward, in a group-writable state folder) whose charges meet while one
 * holds the lock for more than 2 s (a slow fsync, a long journal re-read on a loaded machine): both decide against
 * the same totals — both charges of ε = 1 under a cap of 1 accepted (measured below with `setpriv` to uid 65534:
 * spent 2). The control (both as one user) waits and is refused.
 *
 * Rule that would close the class: "unreadable" is never evidence of a dead owner — the owner record is readable by
 * whoever can use the ledger folder (0644: pid, start time, boot id, host and namespace are not secret), and a
 * record that cannot be read for another reason (EACCES, EIO) is treated like another host's (never broken; typed
 * timeout); only a record that was read and is malformed/empty may be broken after the grace period. Generative test
 * over the read errors of the owner record. Owner: trust (ledger: file-lock.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'ledger-pid-namespace-child.ts');
/** Switching to another uid needs root (CI runs as root) and util-linux's setpriv. */
const canSwitchUser =
  process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function child(args: string[], asOtherUser: boolean): Promise<{ role: string; ok: boolean; code?: string }> {
  const node = [process.execPath, '--import', 'tsx', CHILD, ...args];
  const [cmd, ...rest] = asOtherUser ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node] : node;
  return new Promise((done, fail) => {
    const p = spawn(cmd as string, rest, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', fail);
    p.on('close', () => {
      try {
        done(JSON.parse(out.trim().split('\n').pop() as string));
      } catch {
        fail(new Error(`child output: ${out} ${err}`));
      }
    });
  });
}

/** Two charges of ε = 1 under a cap of 1, the second made while the first holds the lock; the ε spent in the journal. */
async function race(otherAsAnotherUser: boolean): Promise<{ accepted: number; spent: number }> {
  const home = mkdtempSync(join(tmpdir(), 'review-uid-ledger-'));
  dirs.push(home);
  // A state folder shared by two users (group-writable in practice; world-writable here for uid 65534).
  chmodSync(home, 0o777);
  mkdirSync(join(home, 'ledger'), { mode: 0o777 });
  chmodSync(join(home, 'ledger'), 0o777);
  const holder = child([home, 'holder', home], false);
  const other = await child([home, 'other', home], otherAsAnotherUser);
  writeFileSync(join(home, 'done'), '');
  const results = [await holder, other];
  const journal = readFileSync(join(home, 'ledger', 'ns.jsonl'), 'utf8')
    .trim()
    .split('\n');
  const spent = journal.map((l) => JSON.parse(l) as { pin?: unknown }).filter((r) => r.pin === undefined).length;
  return { accepted: results.filter((r) => r.ok).length, spent };
}

describe.skipIf(!canSwitchUser)('review S46: a live lock whose owner record another user cannot read is broken as stale', () => {
  it('control: two processes of one user — the second waits, then is refused: one charge, ε = 1 spent', async () => {
    expect(await race(false)).toEqual({ accepted: 1, spent: 1 });
  }, 60_000);

  it('S46 (fixed: records 0644, an unreadable record is never stale): the same race from another OS user — one charge accepted, never ε = 2 under a cap of 1', async () => {
    expect(await race(true)).toEqual({ accepted: 1, spent: 1 });
  }, 60_000);
});
