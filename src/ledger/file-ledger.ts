/**
 * The file ledger: an append-only journal per data set under the state
 * directory (`TSDP_HOME`, default `./.tsdp`), guarded by a directory lock.
 *
 * A charge takes the lock (`mkdir`, atomic on every POSIX file system), replays
 * the journal with exact rationals, checks the budgets, appends one JSON line
 * and `fsync`s it, then releases the lock: check and record are one atomic
 * step, durable before the caller gets the receipt. A lock whose owner process
 * is gone (e.g. killed with SIGKILL) is broken by the next process, under a
 * second "breaker" lock so two processes never break it at once. A last line
 * without its newline is a write that never completed — no result was released
 * for it — and is ignored.
 * @module
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DpError } from '../core/errors.js';
import { checkExactLoss, type ExactLoss, lossFromJson } from '../core/exact-loss.js';
import { type BudgetLedger, decideCharge, type LedgerEntry, type LedgerScope, type LedgerStatus } from './ledger.js';

/** Options of `FileLedger`. */
export interface FileLedgerOptions {
  /** The state directory (default: `$TSDP_HOME` or `./.tsdp`). The journal lives in its `ledger/` folder. */
  readonly home?: string;
  /** How long to wait for the lock before giving up, in ms (default 30000). */
  readonly lockTimeoutMs?: number;
}

/** The state directory: `$TSDP_HOME` or `./.tsdp`. */
export function stateDirectory(): string {
  return resolve(process.env.TSDP_HOME && process.env.TSDP_HOME.length > 0 ? process.env.TSDP_HOME : '.tsdp');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(lockDir: string): { pid: number; host: string } | undefined {
  try {
    const [pid, host] = readFileSync(join(lockDir, 'owner'), 'utf8').split('\n');
    return { pid: Number(pid), host: host ?? '' };
  } catch {
    return undefined;
  }
}

function tryMkdir(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function fsyncDir(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the journal file itself is fsynced.
  }
}

/** A lock directory with the owner's pid inside; broken when the owner is dead. */
async function withLock<T>(lockDir: string, timeoutMs: number, body: () => T): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const me = `${process.pid}\n${hostname()}\n`;
  let wait = 2;
  for (;;) {
    if (tryMkdir(lockDir)) {
      try {
        writeFileSync(join(lockDir, 'owner'), me);
      } catch (e) {
        rmSync(lockDir, { recursive: true, force: true });
        throw e;
      }
      try {
        return body();
      } finally {
        rmSync(lockDir, { recursive: true, force: true });
      }
    }
    breakIfStale(lockDir, deadline);
    if (Date.now() > deadline) {
      throw new DpError('INTERNAL', `the budget ledger is locked by another process (${lockDir}); try again`, { lock: lockDir });
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 50);
  }
}

/** Breaks `lockDir` when its owner on this host is dead (under a breaker lock). */
function breakIfStale(lockDir: string, deadline: number): void {
  const owner = ownerOf(lockDir);
  // A lock without an owner file may be mid-creation: wait for it, unless it stays so until the deadline nears.
  const stale = owner ? owner.host === hostname() && !isAlive(owner.pid) : Date.now() > deadline - 1000;
  if (!stale) return;
  const breaker = `${lockDir}.break`;
  if (!tryMkdir(breaker)) {
    const b = ownerOf(breaker);
    if (b && b.host === hostname() && !isAlive(b.pid)) rmSync(breaker, { recursive: true, force: true });
    return;
  }
  try {
    writeFileSync(join(breaker, 'owner'), `${process.pid}\n${hostname()}\n`);
    // Re-check under the breaker: the lock may have changed hands meanwhile.
    const again = ownerOf(lockDir);
    const stillStale = again ? again.host === hostname() && !isAlive(again.pid) && again.pid === owner?.pid : owner === undefined;
    if (stillStale) rmSync(lockDir, { recursive: true, force: true });
  } finally {
    rmSync(breaker, { recursive: true, force: true });
  }
}

interface JournalLine {
  v: 1;
  analyst: string;
  epsilon: string;
  delta: string;
  /** ρ of a zCDP spend; absent in lines written before ρ was stored (reads as 0). */
  rho?: string;
  memo: string;
  at: string;
}

function readJournal(path: string): LedgerEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n');
  // The last element is '' when the file ends with a newline, or an incomplete write otherwise: skip it.
  lines.pop();
  const out: LedgerEntry[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let j: JournalLine;
    try {
      j = JSON.parse(line) as JournalLine;
      if (typeof j !== 'object' || j === null || typeof j.analyst !== 'string') throw new Error('not a record');
      out.push({ analyst: j.analyst, ...lossFromJson(j, 'record'), memo: String(j.memo ?? ''), at: String(j.at ?? '') });
    } catch {
      // Fail closed: a corrupt record in the middle must not be read as "nothing spent".
      throw new DpError('INTERNAL', `the budget journal ${path} is corrupt at line ${i + 1}; refusing to charge`, { line: i + 1 });
    }
  }
  return out;
}

function checkName(dataset: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(dataset) || dataset.startsWith('.')) {
    throw new DpError('INVALID_PARAMETER', 'a data set name must be letters, digits, _ . - (not starting with .)', {
      parameter: 'dataset',
    });
  }
  return dataset;
}

/**
 * A budget ledger in files under the state directory.
 * @example
 * const ledger = new FileLedger();
 * await ledger.charge({ dataset: 'adult', cap: { epsilon: Rational.of(1n), delta: Rational.ZERO } },
 *   exactLoss(pure(1 / 11)), 'SELECT COUNT(*) FROM adult');
 */
export class FileLedger implements BudgetLedger {
  /** The folder holding the journals and locks. */
  readonly directory: string;
  private readonly timeoutMs: number;

  constructor(options: FileLedgerOptions = {}) {
    this.directory = join(options.home ? resolve(options.home) : stateDirectory(), 'ledger');
    this.timeoutMs = options.lockTimeoutMs ?? 30_000;
  }

  private paths(dataset: string) {
    const name = checkName(dataset);
    return { journal: join(this.directory, `${name}.jsonl`), lock: join(this.directory, `${name}.lock`) };
  }

  private ensureDirectory(): void {
    mkdirSync(this.directory, { recursive: true });
  }

  /**
   * Checks and records `cost` atomically and durably (fsync) under the lock.
   * @throws DpError BUDGET_EXHAUSTED (nothing recorded), INTERNAL when the lock cannot be had or the journal is corrupt.
   */
  async charge(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<LedgerStatus> {
    checkExactLoss(cost, 'cost');
    this.ensureDirectory();
    const { journal, lock } = this.paths(scope.dataset);
    return withLock(lock, this.timeoutMs, () => {
      const entries = readJournal(journal);
      const status = decideCharge(entries, scope, cost);
      const line: JournalLine = {
        v: 1,
        analyst: scope.analyst ?? 'default',
        epsilon: cost.epsilon.toString(),
        delta: cost.delta.toString(),
        rho: cost.rho.toString(),
        memo: memo.slice(0, 10_000),
        at: new Date().toISOString(),
      };
      const text = `${JSON.stringify(line)}\n`;
      const created = entries.length === 0;
      const fd = openSync(journal, 'a+');
      try {
        // Drop an incomplete last write (no result was released for it) so the journal stays line-aligned.
        const prior = readFileSync(journal);
        if (prior.length > 0 && prior[prior.length - 1] !== 10) ftruncateSync(fd, prior.lastIndexOf(10) + 1);
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (created) fsyncDir(this.directory);
      return status;
    });
  }

  /** The balance of a scope. */
  async status(scope: LedgerScope): Promise<LedgerStatus> {
    return decideCharge(readJournal(this.paths(scope.dataset).journal), scope, null);
  }

  /** Every recorded spend of `dataset`. */
  async entries(dataset: string): Promise<readonly LedgerEntry[]> {
    return readJournal(this.paths(dataset).journal);
  }

  async close(): Promise<void> {}
}
