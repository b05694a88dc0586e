/**
 * Review S34 (session 8; class 7 "stale locks" and 6 "check-and-charge is one atomic step"): the file ledger's lock
 * (src/ledger/file-lock.ts, rule 3) judges a lock stale when "the owner is on this host and this boot, and no process
 * has its pid" — but a pid means something only inside one PID NAMESPACE, and the host name and boot id do not name
 * one. Two processes that share the ledger's folder, the host name and the kernel but not the pid namespace — two
 * containers of one image on one machine with a shared volume and the same `hostname:` (docker compose, a sidecar),
 * `unshare -p`, systemd's PrivatePIDs — each see the other's live lock as the lock of a dead process, break it, and
 * decide their charge against a journal the other is about to append to: both charges of ε = 1 under a cap of 1 are
 * accepted (measured: spent 2, two pins written). Each replica is a full overspend of the cap.
 *
 * Rule that would close the class: a lock records the namespace its pid lives in (the inode of /proc/self/ns/pid;
 * with the host name and boot id) and is judged stale by pid only inside that same namespace; a lock from another
 * namespace is treated like one from another host (never broken automatically; the wait times out with a typed
 * error), and an unknown namespace counts as another one. Generative test: random (host, boot, namespace, pid alive)
 * owners — a lock is broken only when owner and breaker share all three and the pid is dead or reused.
 * Owner: trust (ledger).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'ledger-pid-namespace-child.ts');
/** `unshare -p` needs root (CI runs as root) and util-linux. */
const canUnshare = spawnSync('unshare', ['-p', '-f', '--mount-proc', 'true']).status === 0;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function child(args: string[], newPidNamespace: boolean): Promise<{ role: string; ok: boolean; code?: string }> {
  const node = [process.execPath, '--import', 'tsx', CHILD, ...args];
  const [cmd, ...rest] = newPidNamespace ? ['unshare', '-p', '-f', '--mount-proc', ...node] : node;
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
async function race(otherInNewNamespace: boolean): Promise<{ accepted: number; spent: number }> {
  const home = mkdtempSync(join(tmpdir(), 'review-ns-ledger-'));
  dirs.push(home);
  const holder = child([home, 'holder', home], false);
  const other = await child([home, 'other', home], otherInNewNamespace);
  writeFileSync(join(home, 'done'), '');
  const results = [await holder, other];
  const journal = readFileSync(join(home, 'ledger', 'ns.jsonl'), 'utf8')
    .trim()
    .split('\n');
  const spent = journal.map((l) => JSON.parse(l) as { epsilon?: string; pin?: unknown }).filter((r) => r.pin === undefined).length;
  return { accepted: results.filter((r) => r.ok).length, spent };
}

describe.skipIf(!canUnshare)('review S34: a live lock held from another PID namespace is broken as stale', () => {
  it('control: two processes in one PID namespace — the second waits, then is refused: one charge, ε = 1 spent', async () => {
    expect(await race(false)).toEqual({ accepted: 1, spent: 1 });
  }, 60_000);

  // Was BUG S34; fixed on main 8821b45 (trust 3a27e99: the owner record carries the PID namespace; another namespace is another host).
  it('regression S34: the same race from another PID namespace (same host name and kernel) — one charge, ε = 1 spent', async () => {
    expect(await race(true)).toEqual({ accepted: 1, spent: 1 });
  }, 60_000);
});
