/**
 * The file ledger's lock: a lock **file** created atomically with its owner
 * inside, so there is never a lock without an owner.
 *
 * Rules (each closes a way a lock could stall or be stolen):
 * 1. **Acquire** writes the owner record (pid, the process's start time, boot
 *    id, host, PID namespace) to a private temporary file, then `link`s it to the
 *    lock path. `link` fails with EEXIST when the lock is held: taking the lock
 *    and naming its owner are one atomic step (a kill at any point leaves either
 *    no lock or a lock with an owner).
 * 2. **Release** checks the lock still holds our own owner record and unlinks it
 *    (one atomic step: a kill during release leaves either our lock, which rule
 *    3 breaks, or no lock).
 * 3. **Stale** means: the owner is on this host and this boot, **in this PID
 *    namespace** (review S34), and either no process has its pid or the process
 *    with that pid started at another time (a reused pid is not the owner). A pid
 *    means something only inside one PID namespace: two containers of one image
 *    sharing the ledger's volume, the hostname and the kernel (or `unshare -p`,
 *    systemd's PrivatePIDs) each see the other's pid as absent. So an owner in
 *    another namespace — or one whose namespace is unknown while ours is known (a
 *    record written before this rule) — is treated like an owner on another host:
 *    never broken automatically (the wait times out with a typed error). The
 *    namespace is the inode in `/proc/self/ns/pid` (Linux); where neither side
 *    knows it (other platforms) the pid rule applies as before. A lock whose record was read and is empty or
 *    malformed (a legacy lock directory without an owner file, a record cut by a crash of
 *    the file system) is stale once it is older than a short grace period
 *    (`STALE_GRACE_MS`). A record that exists but cannot be read (EACCES: another
 *    OS user's; EIO) is never evidence of a dead owner: judged like another host's
 *    (review S46); records are written 0644 so every user of the folder can read them. A lock owned on another host is never broken
 *    automatically (the wait times out with a typed error naming the lock).
 * 4. **Break** only under the breaker lock (the same mechanism on
 *    `<lock>.break`), re-reading the lock under it and removing it only if it is
 *    still the record judged stale — nobody else can change a lock whose owner
 *    is dead, and breakers are serialized, so a live lock is never removed. A
 *    breaker whose own owner is dead is broken the same way (renamed to a
 *    unique name, checked, and restored if it turned out to be live).
 *
 * On Linux the start time is field 22 of `/proc/<pid>/stat` with the boot id
 * of `/proc/sys/kernel/random/boot_id`; elsewhere it is absent and rule 3
 * falls back to "no process has the pid". Our own start time, boot id and
 * namespace are read once per process (they cannot change).
 *
 * Not defended: two MACHINES with the same hostname sharing the ledger folder
 * over a network file system (the boot ids differ, which rule 3 reads as a
 * reboot). Give each machine its own hostname, or use the PostgreSQL ledger.
 * @module
 */

import { randomUUID } from 'node:crypto';
import { closeSync, linkSync, lstatSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { DpError } from '../core/errors.js';

/** How old an unreadable or ownerless lock must be before it is broken, in ms. */
export const STALE_GRACE_MS = 2_000;

/** Steps of acquire and release, for fault-injection tests (`onStep`). */
export type LockStep = 'lock:owner-written' | 'lock:acquired' | 'lock:releasing' | 'lock:released';

/** The owner record of a lock. */
interface Owner {
  readonly pid: number;
  /** Process start time (clock ticks since boot), when the platform tells. */
  readonly start: string | null;
  readonly boot: string | null;
  readonly host: string;
  /** The PID namespace (`pid:[inode]` of /proc/self/ns/pid), when the platform tells (rule 3, review S34). */
  readonly pidns?: string | null;
  /** A random tag, so two records are never equal by chance. */
  readonly tag: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

let bootCache: string | null | undefined;
function bootId(): string | null {
  bootCache ??= readText('/proc/sys/kernel/random/boot_id')?.trim() ?? null;
  return bootCache;
}

/** The start time of process `pid` (Linux), or null when unknown. */
export function processStartTime(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return null;
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] ?? null; // field 22 overall = index 19 after pid and comm
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let nsCache: string | null | undefined;
/** This process's PID namespace, or null when the platform does not tell. */
export function pidNamespace(): string | null {
  if (nsCache === undefined) {
    try {
      nsCache = readlinkSync('/proc/self/ns/pid');
    } catch {
      nsCache = null;
    }
  }
  return nsCache;
}

let startCache: string | null | undefined;
function me(): Owner {
  startCache ??= processStartTime(process.pid);
  return {
    pid: process.pid,
    start: startCache,
    boot: bootId(),
    host: hostname(),
    pidns: pidNamespace(),
    tag: randomUUID(),
  };
}

function parseOwner(text: string | undefined): Owner | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Owner;
    if (typeof o !== 'object' || o === null || !Number.isSafeInteger(o.pid) || typeof o.host !== 'string') return undefined;
    return o;
  } catch {
    return undefined;
  }
}

/**
 * An owner record's text: '' when the file is absent (a legacy directory without its owner file), null when it
 * exists but cannot be read (EACCES — another OS user's 0600 record —, EIO, …): review S46.
 */
function readRecord(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? '' : null;
  }
}

/**
 * Reads a lock: its owner record text, or a legacy directory's owner file; `undefined` when absent. `unreadable`:
 * the record exists and could not be read — never evidence of a dead owner (rule 3, review S46).
 */
function readLock(path: string): { text: string; ageMs: number; isDir: boolean; unreadable: boolean } | undefined {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  const isDir = st.isDirectory();
  const text = isDir ? readRecord(join(path, 'owner')) : readRecord(path);
  return { text: text ?? '', ageMs: Date.now() - st.mtimeMs, isDir, unreadable: text === null };
}

/** Rule 3: is the lock whose record is `text` stale? */
function isStale(lock: { text: string; ageMs: number; unreadable?: boolean }): boolean {
  // Review S46: a record we cannot read (another OS user's, an I/O error) is judged like another host's: never broken.
  if (lock.unreadable === true) return false;
  const owner = parseOwner(lock.text);
  if (!owner) return lock.ageMs > STALE_GRACE_MS;
  if (owner.host !== hostname()) return false;
  if (owner.boot !== null && bootId() !== null && owner.boot !== bootId()) return true; // the machine rebooted since
  // A pid is judged only inside its own PID namespace; another or an unknown one is like another host (S34).
  const ours = pidNamespace();
  const theirs = typeof owner.pidns === 'string' ? owner.pidns : null;
  if (ours !== theirs) return false;
  if (!isAlive(owner.pid)) return true;
  if (owner.start !== null) {
    const now = processStartTime(owner.pid);
    if (now !== null && now !== owner.start) return true; // the pid was reused by another process
  }
  return false;
}

/**
 * Writes a whole owner record (no fsync: after a crash of the machine the boot id differs and the lock is stale
 * anyway), readable by everyone who can use the ledger folder (0644; review S46: pid, start time, boot id, host and
 * namespace are not secret, and a record another user cannot read must never look like a dead owner's).
 */
function writeWhole(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) {
      const n = writeSync(fd, buf, off, buf.length - off);
      if (n <= 0) throw new Error('short write');
      off += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Tries to take the lock at `path` once (rule 1). Returns our record's text, or undefined when it is held. */
function tryTake(path: string, onStep?: (step: LockStep) => void): string | undefined {
  const text = JSON.stringify(me());
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  writeWhole(tmp, text);
  onStep?.('lock:owner-written');
  try {
    linkSync(tmp, path);
    return text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes `path` if it still holds exactly `text` (rule 2 and rule 4's last step). */
function removeIf(path: string, text: string, isDir: boolean): void {
  const now = readLock(path);
  if (!now || now.text !== text || now.isDir !== isDir) return;
  if (isDir) rmSync(path, { recursive: true, force: true });
  else unlinkSync(path);
}

/** Rule 4 for a breaker whose owner is dead: rename away, check, restore if it was live. */
function breakBreaker(breaker: string, seen: string): void {
  const aside = `${breaker}.${process.pid}.${randomUUID()}.stale`;
  try {
    renameSync(breaker, aside);
  } catch {
    return;
  }
  const got = readLock(aside);
  if (got && got.text !== seen && !got.isDir) {
    try {
      linkSync(aside, breaker); // it was a live breaker taken in between: put it back
    } catch {
      // Someone took the breaker meanwhile; the live one we moved finishes and removes nothing of ours.
    }
  }
  rmSync(aside, { recursive: true, force: true });
}

/** Breaks `lockPath` if stale (rules 3–4). */
function breakIfStale(lockPath: string): void {
  const lock = readLock(lockPath);
  if (!lock || !isStale(lock)) return;
  const breaker = `${lockPath}.break`;
  const mine = tryTake(breaker);
  if (mine === undefined) {
    const b = readLock(breaker);
    if (b && isStale(b)) breakBreaker(breaker, b.text);
    return;
  }
  try {
    const again = readLock(lockPath);
    if (again && again.text === lock.text && isStale(again)) removeIf(lockPath, lock.text, lock.isDir);
  } finally {
    removeIf(breaker, mine, false);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `body` holding the lock at `lockPath` (see the module rules).
 * @param lockPath - the lock file.
 * @param timeoutMs - how long to wait for a live holder.
 * @param body - the critical section (synchronous, so nothing else runs in it).
 * @param onStep - fault-injection hook for tests.
 * @returns what `body` returns.
 * @throws DpError INTERNAL when the lock stays held by a live process (or another host) until the timeout.
 * @example
 * await withFileLock('/tmp/x.lock', 1000, () => 1);
 */
export async function withFileLock<T>(lockPath: string, timeoutMs: number, body: () => T, onStep?: (step: string) => void): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    const mine = tryTake(lockPath, onStep);
    if (mine !== undefined) {
      onStep?.('lock:acquired');
      try {
        return body();
      } finally {
        onStep?.('lock:releasing');
        removeIf(lockPath, mine, false);
        onStep?.('lock:released');
      }
    }
    breakIfStale(lockPath);
    if (Date.now() > deadline) {
      throw new DpError('INTERNAL', `the budget ledger is locked by another live process (${basename(lockPath)}); try again`, {
        lock: basename(lockPath),
      });
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 50);
  }
}
