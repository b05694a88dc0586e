/**
 * The file ledger: an append-only journal per data set, a verified running
 * total beside it, and a lock — under the state directory, which never depends
 * on the working directory (`stateDirectory`).
 *
 * Size (about 670 lines, over the house's ~500): one class, `FileLedger`, whose charge, group commit
 * (`chargeMany`), status and repair each take the lock and read or extend one journal; about a fifth is this header
 * and the methods' stated rules. The journal's record format and durable append (`journal.ts`) and the lock
 * (`file-lock.ts`) are already their own files; what stays here is the sequence lock → verified total → decide →
 * append → total, which is the atomicity argument itself. Stop 19's in-memory totals (`#remember`, `#afterAppend`)
 * added ~120 lines; they are the next piece to move out if the file grows.
 *
 * A charge takes the lock (`file-lock.ts`), reads the data set's totals, checks
 * the budgets (`decideCharge`), appends one record durably (`journal.ts`:
 * whole record + `fsync` before anything is released; a torn or unreadable
 * record counts as spent or refuses), updates the running total, and releases
 * the lock: check and record are one atomic step, durable before the caller
 * gets the receipt.
 *
 * **The running total** (`<dataset>.total.json`) makes a charge's cost
 * independent of the journal's length. It names the journal's byte length and
 * the SHA-256 of its last record, and is trusted only when both match the
 * journal under the lock; otherwise (missing, stale after a crash, unreadable)
 * the journal is replayed in full and the total rewritten. The journal is
 * always written and `fsync`ed first, so the total can lag the journal (then it
 * does not match and is ignored) but never lead it. The total is a cache: it
 * is never the only record of a spend. (Like the journal, it is protected only
 * by the state directory's permissions: whoever can write there can rewrite the
 * ledger; the analyst must not be able to.)
 *
 * **The total in memory** (stop 19, issue 15's ledger share). The instance also keeps, per journal, the last
 * totals it verified or wrote: `{ totals, length, last }` (`KnownTotals`). Under the lock it uses them only when the
 * journal's byte length equals `length` and its last record hashes to `last` and parses — the very check the total
 * file passes (`journalMatches`, one function for both) — else the total file, else a replay. After an append it
 * writes the total file only when it is due (`totalEvery` appends since this instance last wrote it, default 32), or
 * when the totals did not come from memory (another writer moved the journal, or this instance is new: a one-shot
 * process such as `tsdp sql` writes after each charge, as before), on `close`, and after a replay rebuilt them.
 * Why the balance is never wrong:
 * 1. The journal append and its `fsync` — what makes a charge durable and what the kill -9 tests check — are
 *    unchanged, and a total (in memory or in the file) is derived from the journal, never the only record of a spend.
 * 2. The ledger never rewrites a whole record: appends add after the end; a failed append truncates back only its
 *    own bytes (journal.ts rule 2); `repair` cuts only a torn tail after the last newline. So when the journal has
 *    the same length as when the totals were taken, at a record boundary, its bytes are the same, and so are the
 *    totals; the hash of the last record is the same guard against an out-of-protocol edit as the file's.
 * 3. Another process's (or another instance's) charge appends, so the journal's length moves and the in-memory
 *    totals stop matching, exactly as the total file stops matching: this instance falls back to the file or a
 *    replay, never to its own stale totals. A crash of this process loses only the in-memory totals.
 * 4. A stale total file (not written for up to `totalEvery − 1` appends, or the process was killed) names an older
 *    length, so a reader ignores it and replays the journal: it can only cost a replay, never a wrong balance.
 * Checked by test/ledger/file-total-memory.test.ts (two instances, random crashes at every step, against a replay).
 *
 * Measured (`npx tsx test/ledger/charge-cost.ts 100 4000`, a loaded 2-core machine, CPU time per charge,
 * median of 200): before 1.5–2.0 ms at 100 entries and 24–26 ms at 4,000; after 1.8 ms and 0.7–1.6 ms.
 * Wall time is dominated by the journal's fsync (before 10–17 ms and 83–123 ms; after 16–17 ms and 8–20 ms).
 * @module
 */

import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { DpError } from '../core/errors.js';
import { addLoss, checkExactLoss, type ExactLoss, lossFromJson, lossToJson, ZERO_LOSS } from '../core/exact-loss.js';
import { edgeArray, edgeOptionalRecord, edgeRead, edgeRecord, edgeString } from '../numeric/edge.js';
import { withFileLock } from './file-lock.js';
import {
  appendDurably,
  journalError,
  parseLine,
  pinJson,
  pinLine,
  readJournal,
  readPin,
  recordLine,
  type WriteFunction,
} from './journal.js';
import {
  type BudgetLedger,
  type ChargeRequest,
  decideCharge,
  type LedgerEntry,
  type LedgerPin,
  type LedgerScope,
  type LedgerStatus,
  type LedgerTotals,
  mergePins,
  planCharge,
  readScope,
  replayEntries,
} from './ledger.js';

/** Options of `FileLedger`. */
export interface FileLedgerOptions {
  /** The state directory (default: `stateDirectory()`). The journals live in its `ledger/` folder. */
  readonly home?: string;
  /** How long to wait for a lock held by a live process, in ms (default 30000). */
  readonly lockTimeoutMs?: number;
  /** Fault injection for tests: the write function of the journal append (default `fs.writeSync`). */
  readonly write?: WriteFunction;
  /** Fault injection for tests: called at each step of a charge (lock, journal, total). */
  readonly onStep?: (step: string) => void;
  /**
   * Write the total file after this many appends whose totals came from memory (default 32; 1 writes it after every
   * charge). It is written regardless after a replay, after an append whose totals came from the file or a replay,
   * and on `close` (module header).
   */
  readonly totalEvery?: number;
}

/** The totals this instance last verified or wrote for one journal (module header, "The total in memory"). */
interface KnownTotals {
  readonly totals: LedgerTotals;
  /** The journal's byte length they cover. */
  readonly length: number;
  /** SHA-256 of the journal's last record line ('' for an empty journal). */
  readonly last: string;
  /** Appends since the total file was last written (or read and verified) by this instance. */
  readonly unwritten: number;
  /** The data set's files (for `close`). */
  readonly paths: { journal: string; total: string; lock: string };
}

/** Where the totals of a charge came from: memory, the total file, or a replay of the journal. */
type TotalsSource = 'memory' | 'file' | 'replay';

/**
 * The state directory, independent of the working directory: `$TSDP_HOME`,
 * else `$XDG_STATE_HOME/tsdp`, else `~/.local/state/tsdp`.
 * @returns an absolute path.
 * @throws DpError INVALID_PARAMETER when `TSDP_HOME` is set but not absolute (it would depend on the working directory).
 * @example
 * stateDirectory(); // '/home/me/.local/state/tsdp'
 */
export function stateDirectory(): string {
  const home = process.env.TSDP_HOME;
  if (home !== undefined && home !== '') {
    if (!isAbsolute(home)) {
      throw new DpError('INVALID_PARAMETER', 'TSDP_HOME must be an absolute path (a relative one would depend on the working directory)', {
        parameter: 'TSDP_HOME',
      });
    }
    return resolve(home);
  }
  const xdg = process.env.XDG_STATE_HOME;
  // The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
  if (xdg !== undefined && isAbsolute(xdg)) return join(resolve(xdg), 'tsdp');
  return join(process.env.HOME && isAbsolute(process.env.HOME) ? process.env.HOME : homedir(), '.local', 'state', 'tsdp');
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

function checkName(dataset: string): string {
  if (typeof dataset !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(dataset) || dataset.startsWith('.')) {
    throw new DpError('INVALID_PARAMETER', 'a data set name must be letters, digits, _ . - (not starting with .)', {
      parameter: 'dataset',
    });
  }
  return dataset;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

type LossJson = { epsilon: string; delta: string; rho: string };

/** The stored running total (v2: with the recorded totals and the pins; a v1 total is ignored and the journal replayed). */
interface TotalFile {
  v: 2;
  /** The journal's byte length this total covers. */
  length: number;
  /** SHA-256 of the journal's last record line (with its newline); '' for an empty journal. */
  last: string;
  dataset: LossJson;
  analysts: Record<string, LossJson>;
  recorded: { dataset: LossJson; analysts: Record<string, LossJson> };
  pins: unknown[];
}

/** The last line (with its newline) of a journal that ends with a newline, read from its end (a few KB, whatever the length). */
function lastLine(journal: string, length: number): Buffer | undefined {
  if (length === 0) return Buffer.alloc(0);
  const fd = openSync(journal, 'r');
  try {
    // A record is at most ~60 KB (memo ≤ 10,000 characters); start small and widen.
    for (let want = 4096; ; want *= 4) {
      const chunk = Math.min(length, want);
      const buf = Buffer.alloc(chunk);
      let got = 0;
      while (got < chunk) {
        const n = readSync(fd, buf, got, chunk - got, length - chunk + got);
        if (n <= 0) return undefined;
        got += n;
      }
      if (buf[chunk - 1] !== 10) return undefined;
      const start = buf.lastIndexOf(10, chunk - 2);
      if (start >= 0 || chunk === length) return buf.subarray(start + 1);
      if (want > 256 * 1024) return undefined;
    }
  } finally {
    closeSync(fd);
  }
}

/** SHA-256 of the journal's last record at `length` ('' when empty), or undefined when it does not end a record. */
function lastHash(journal: string, length: number): string | undefined {
  if (length === 0) return '';
  const last = lastLine(journal, length);
  return last ? sha256(last) : undefined;
}

/**
 * Whether the journal is, under the lock, the one a total was taken from: the same byte length and a last record
 * that hashes to `last` and parses whole. One check for the total file and the totals in memory (module header).
 */
function journalMatches(journal: string, length: number, last: string): boolean {
  let size = 0;
  try {
    const fd = openSync(journal, 'r');
    try {
      size = fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  if (size !== length) return false;
  if (size === 0) return last === '';
  try {
    const line = lastLine(journal, size);
    if (!line || sha256(line) !== last) return false;
    parseLine(line.toString('utf8').slice(0, -1)); // the last record itself must be whole
    return true;
  } catch {
    return false;
  }
}

/** Only a total whose pins are all stored in the journal is cached (a legacy journal's derived pins are not yet). */
function cacheable(totals: LedgerTotals): boolean {
  return totals.recorded !== undefined && (totals.pending ?? []).length === 0;
}

/**
 * The running totals after one accepted charge (the journal records `cost`, the total `recorded`, and the pins
 * the charge makes): what `charge` and `chargeMany` write to the total file, one function so they cannot drift.
 */
function totalsAfter(
  totals: LedgerTotals,
  analyst: string,
  cost: ExactLoss,
  recorded: ExactLoss,
  pins: readonly LedgerPin[],
): LedgerTotals {
  const rec = totals.recorded ?? { dataset: ZERO_LOSS, analysts: new Map<string, ExactLoss>() };
  return {
    dataset: addLoss(totals.dataset, cost),
    analysts: new Map(totals.analysts).set(analyst, addLoss(totals.analysts.get(analyst) ?? ZERO_LOSS, cost)),
    recorded: {
      dataset: addLoss(rec.dataset, recorded),
      analysts: new Map(rec.analysts).set(analyst, addLoss(rec.analysts.get(analyst) ?? ZERO_LOSS, recorded)),
    },
    pins: mergePins([...(totals.pins ?? []), ...pins]),
  };
}

/**
 * A budget ledger in files under the state directory.
 * @privacy a charge is recorded durably, in one atomic step with the check, before the caller gets its receipt.
 * @example
 * const ledger = new FileLedger();
 * await ledger.charge({ dataset: 'adult', cap: { epsilon: Rational.of(1n), delta: Rational.ZERO } },
 *   exactLoss(pure(1 / 11)), 'SELECT COUNT(*) FROM adult');
 */
export class FileLedger implements BudgetLedger {
  /** The folder holding the journals, totals and locks. */
  readonly directory: string;
  private readonly timeoutMs: number;
  private readonly write: WriteFunction;
  private readonly onStep: ((step: string) => void) | undefined;
  private readonly totalEvery: number;
  /** Per journal path: the last verified totals (module header). */
  private readonly known = new Map<string, KnownTotals>();

  /**
   * @param options - where the ledger lives and how long to wait for its lock.
   * @throws DpError INVALID_PARAMETER when `TSDP_HOME` is relative.
   */
  constructor(options: FileLedgerOptions = {}) {
    edgeOptionalRecord(options, 'options');
    if (options.home !== undefined) edgeString(options.home, 'home');
    this.directory = join(options.home ? resolve(options.home) : stateDirectory(), 'ledger');
    this.timeoutMs = options.lockTimeoutMs ?? 30_000;
    this.write = options.write ?? writeSync;
    this.onStep = options.onStep;
    const every = options.totalEvery ?? 32;
    if (!Number.isSafeInteger(every) || every < 1) {
      throw new DpError('INVALID_PARAMETER', 'totalEvery must be an integer ≥ 1', { parameter: 'totalEvery' });
    }
    this.totalEvery = every;
  }

  /** Where the ledger is, for messages and `tsdp budget` (the journal folder). */
  get location(): string {
    return this.directory;
  }

  private paths(dataset: string) {
    const name = checkName(dataset);
    return {
      journal: join(this.directory, `${name}.jsonl`),
      total: join(this.directory, `${name}.total.json`),
      lock: join(this.directory, `${name}.lock`),
    };
  }

  /** The running total if it matches the journal (length and last record), else undefined. */
  private verifiedTotals(journal: string, totalPath: string): { totals: LedgerTotals; length: number; last: string } | undefined {
    let t: TotalFile;
    try {
      t = JSON.parse(readFileSync(totalPath, 'utf8')) as TotalFile;
    } catch {
      return undefined;
    }
    try {
      if (t.v !== 2 || !Number.isSafeInteger(t.length) || typeof t.last !== 'string' || !Array.isArray(t.pins)) return undefined;
      if (!journalMatches(journal, t.length, t.last)) return undefined;
      const length = t.length;
      const map = (o: Record<string, LossJson>) => {
        const m = new Map<string, ExactLoss>();
        for (const [name, loss] of Object.entries(o ?? {})) m.set(name, lossFromJson(loss, 'total'));
        return m;
      };
      const recorded = { dataset: lossFromJson(t.recorded.dataset, 'total'), analysts: map(t.recorded.analysts) };
      const totals: LedgerTotals = {
        dataset: lossFromJson(t.dataset, 'total'),
        analysts: map(t.analysts),
        recorded,
        pins: t.pins.map(readPin),
      };
      return { totals, length, last: t.last };
    } catch {
      return undefined; // any doubt: replay the journal
    }
  }

  private writeTotals(totalPath: string, totals: LedgerTotals, length: number, last: string): void {
    if (!totals.recorded || !cacheable(totals)) return;
    const t: TotalFile = {
      v: 2,
      length,
      last,
      dataset: lossToJson(totals.dataset),
      analysts: Object.fromEntries([...totals.analysts].map(([a, l]) => [a, lossToJson(l)])),
      recorded: {
        dataset: lossToJson(totals.recorded.dataset),
        analysts: Object.fromEntries([...totals.recorded.analysts].map(([a, l]) => [a, lossToJson(l)])),
      },
      pins: (totals.pins ?? []).map(pinJson),
    };
    const tmp = `${totalPath}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(t), { mode: 0o600 });
      renameSync(tmp, totalPath);
    } catch {
      // The total is a cache checked against the journal: failing to write it costs a replay next time, nothing else.
      rmSync(tmp, { force: true });
    }
  }

  /**
   * The totals under the lock: this instance's own if the journal still matches them, else the verified total file,
   * else a full replay (restoring a missing newline; the rebuilt total is written to the file at once).
   */
  private totalsUnderLock(p: KnownTotals['paths'], scope: LedgerScope): { totals: LedgerTotals; length: number; source: TotalsSource } {
    const mine = this.known.get(p.journal);
    if (mine && journalMatches(p.journal, mine.length, mine.last)) return { totals: mine.totals, length: mine.length, source: 'memory' };
    this.known.delete(p.journal); // another writer moved the journal (or it was edited): these totals are void
    const cached = this.verifiedTotals(p.journal, p.total);
    if (cached) {
      this.#remember(p, cached.totals, cached.length, cached.last, 0);
      return { ...cached, source: 'file' };
    }
    const read = readJournal(p.journal); // throws on a torn or corrupt journal
    let length = read.length;
    if (read.unterminated) length = appendDurably(p.journal, Buffer.from('\n'), this.write);
    const totals = replayEntries(read.entries, read.pins, scope);
    const last = lastHash(p.journal, length);
    if (last !== undefined) this.writeTotals(p.total, totals, length, last);
    this.#remember(p, totals, length, last, 0);
    return { totals, length, source: 'replay' };
  }

  /** Keeps `totals` as this instance's for the journal at `length` (only totals the file would also cache). */
  #remember(p: KnownTotals['paths'], totals: LedgerTotals, length: number, last: string | undefined, unwritten: number): void {
    if (last === undefined || !cacheable(totals)) this.known.delete(p.journal);
    else this.known.set(p.journal, { totals, length, last, unwritten, paths: p });
  }

  /**
   * After a durable append: the new totals in memory, and in the total file when it is due (module header): every
   * `totalEvery` appends from memory, or whenever the totals before the append did not come from memory.
   */
  #afterAppend(p: KnownTotals['paths'], totals: LedgerTotals, length: number, lastRecord: Uint8Array, source: TotalsSource): void {
    const last = sha256(lastRecord);
    const unwritten = source === 'memory' ? (this.known.get(p.journal)?.unwritten ?? 0) + 1 : this.totalEvery;
    const due = unwritten >= this.totalEvery;
    if (due) this.writeTotals(p.total, totals, length, last);
    this.#remember(p, totals, length, last, due ? 0 : unwritten);
  }

  /**
   * Checks and records `cost` atomically and durably under the lock.
   * @param scope - the data set's cap and, optionally, the analyst's budget.
   * @param cost - the exact loss of the release.
   * @param memo - a public description (the query text).
   * @returns the balances after the charge.
   * @throws DpError BUDGET_EXHAUSTED (nothing recorded); INVALID_PARAMETER (a bad cost or data set name);
   *   INTERNAL when the lock stays held, or the journal is torn/corrupt (refused until `repair`), or cannot be written.
   * @privacy the record is durable (whole and fsynced) before this returns.
   */
  async charge(scope0: LedgerScope, cost0: ExactLoss, memo0: string): Promise<LedgerStatus> {
    // S7 edge line: every argument read once, totally, and only the snapshots used below (review S21b: the cost's
    // fields were re-read by planCharge, recordLine and totalsAfter, so a getter could be decided and journaled as 0).
    const scope = readScope(scope0);
    const cost = checkExactLoss(cost0, 'cost');
    const memo = edgeRead('memo', () => String(memo0));
    const p = this.paths(scope.dataset);
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    return withFileLock(
      p.lock,
      this.timeoutMs,
      () => {
        const { totals, length, source } = this.totalsUnderLock(p, scope);
        this.onStep?.('journal:read');
        const plan = planCharge(totals, scope, cost);
        const recorded = plan.recorded ?? cost;
        const analyst = scope.analyst ?? 'default';
        const at = new Date().toISOString();
        // The pins this spend makes and the spend itself: one durable write, so a pin exists exactly when its spend does.
        const line = recordLine(analyst, cost, String(memo), at, recorded);
        const bytes = Buffer.concat([...plan.pins.map((pin) => pinLine(pin, at)), line]);
        const after = appendDurably(p.journal, bytes, this.write, this.onStep);
        if (length === 0) fsyncDir(this.directory);
        this.#afterAppend(p, totalsAfter(totals, analyst, cost, recorded, plan.pins), after, line, source);
        const status = plan.status;
        this.onStep?.('total:written');
        return status;
      },
      this.onStep,
    );
  }

  /**
   * Group commit: checks and records several charges of one data set under ONE lock with ONE durable append (one
   * fsync). Each is decided in order against the totals the charges before it in the batch leave (the same
   * `planCharge` as `charge`), so a batch accepts exactly what the same charges made one by one would; a refused one
   * (over budget, another cap or unit, a cost that is not three Rationals ≥ 0) records nothing and its error takes
   * its place in the result. Nothing is returned before the append is durable.
   * @param items - the charges (scope, cost, memo), all of the data set `items[0].scope.dataset`.
   * @returns per item, in order, its status after the charge or the DpError that refused it.
   * @throws DpError INVALID_PARAMETER when the items name more than one data set; INTERNAL as `charge` (then nothing
   *   of the batch is recorded).
   * @privacy every accepted record is whole and fsynced before this returns; refusals record nothing.
   */
  async chargeMany(items0: readonly ChargeRequest[]): Promise<(LedgerStatus | DpError)[]> {
    // S7 edge line: the batch read once, totally (each item's scope snapshotted; costs are checked per item below).
    const items: readonly ChargeRequest[] = edgeRead('items', () => {
      edgeArray(items0, 'items');
      return Array.from(items0, (i) => {
        edgeRecord(i, 'items[i]');
        const { scope, cost, memo } = i;
        const s = readScope(scope);
        edgeString(s.dataset, 'items[i].scope.dataset');
        return { scope: s, cost, memo: String(memo) }; // the cost is read once, per item, in the loop below
      });
    });
    if (items.length === 0) return [];
    const dataset = items[0]?.scope.dataset as string;
    if (items.some((i) => i.scope.dataset !== dataset)) {
      throw new DpError('INVALID_PARAMETER', 'chargeMany takes the charges of one data set', { parameter: 'items' });
    }
    const p = this.paths(dataset);
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    return withFileLock(
      p.lock,
      this.timeoutMs,
      () => {
        const read = this.totalsUnderLock(p, items[0]?.scope as LedgerScope);
        let totals = read.totals;
        this.onStep?.('journal:read');
        const out: (LedgerStatus | DpError)[] = [];
        const lines: Buffer[] = [];
        let lastLine: Buffer | undefined;
        for (const { scope, cost: cost0, memo } of items) {
          let plan: ReturnType<typeof planCharge>;
          let cost: ExactLoss;
          try {
            cost = checkExactLoss(cost0, 'cost'); // read once (review S21b): only this snapshot is planned and journaled
            plan = planCharge(totals, scope, cost);
          } catch (e) {
            if (!(e instanceof DpError)) throw e;
            out.push(e);
            continue;
          }
          const recorded = plan.recorded ?? cost;
          const analyst = scope.analyst ?? 'default';
          const at = new Date().toISOString();
          lastLine = recordLine(analyst, cost, String(memo), at, recorded);
          lines.push(...plan.pins.map((pin) => pinLine(pin, at)), lastLine);
          totals = totalsAfter(totals, analyst, cost, recorded, plan.pins);
          out.push(plan.status);
        }
        if (lastLine === undefined) return out;
        const after = appendDurably(p.journal, Buffer.concat(lines), this.write, this.onStep);
        if (read.length === 0) fsyncDir(this.directory);
        this.#afterAppend(p, totals, after, lastLine, read.source);
        this.onStep?.('total:written');
        return out;
      },
      this.onStep,
    );
  }

  /**
   * The balance of a scope (under the lock, so it never sees a record being written).
   * @throws DpError INTERNAL on a torn or corrupt journal.
   */
  async status(scope0: LedgerScope): Promise<LedgerStatus> {
    const scope = readScope(scope0); // S7 edge line: read once, totally
    edgeString(scope.dataset, 'scope.dataset');
    const p = this.paths(scope.dataset);
    if (!this.exists()) return decideCharge([], scope, null);
    return withFileLock(p.lock, this.timeoutMs, () => decideCharge(this.totalsUnderLock(p, scope).totals, scope, null));
  }

  /**
   * The pins of `dataset` (its own and its analysts'), in the order they were made.
   * @throws DpError INTERNAL on a torn or corrupt journal.
   */
  async pins(dataset: string): Promise<readonly LedgerPin[]> {
    const p = this.paths(dataset);
    if (!this.exists()) return [];
    return withFileLock(p.lock, this.timeoutMs, () => readJournal(p.journal).pins);
  }

  /**
   * Every recorded spend of `dataset`, oldest first (the history for `tsdp budget`).
   * @throws DpError INTERNAL on a torn or corrupt journal.
   */
  async entries(dataset: string): Promise<readonly LedgerEntry[]> {
    const p = this.paths(dataset);
    if (!this.exists()) return [];
    return withFileLock(p.lock, this.timeoutMs, () => readJournal(p.journal).entries);
  }

  /** The data sets with a journal here, sorted. */
  async datasets(): Promise<string[]> {
    if (!this.exists()) return [];
    return readdirSync(this.directory)
      .filter((f) => f.endsWith('.jsonl') && !f.startsWith('.'))
      .map((f) => f.slice(0, -'.jsonl'.length))
      .sort();
  }

  /**
   * Operator repair of a torn journal (see `journal.ts`, rule 3): under the lock,
   * moves the torn tail to `<dataset>.torn-<time>` (kept for audit), truncates the
   * journal to its last whole record, and records `countAs` (what the torn record is
   * to count as; by default nothing — pass the largest loss the torn record could have
   * been when in doubt) as a spend with memo `repair: torn record`.
   * A corrupt record in the middle is not repaired here: it needs a person.
   * @param dataset - the data set.
   * @param countAs - the loss to record for the torn record, or undefined for none.
   * @returns whether a torn tail was found and moved.
   * @throws DpError INTERNAL when a record in the middle is corrupt.
   */
  async repair(dataset: string, countAs?: ExactLoss, analyst = 'default'): Promise<boolean> {
    if (countAs !== undefined) checkExactLoss(countAs, 'countAs');
    const p = this.paths(dataset);
    if (!this.exists()) return false;
    return withFileLock(p.lock, this.timeoutMs, () => {
      let buf: Buffer;
      try {
        buf = readFileSync(p.journal);
      } catch {
        return false;
      }
      const cut = buf.lastIndexOf(10) + 1;
      if (cut === buf.length) return false;
      const aside = `${p.journal.slice(0, -'.jsonl'.length)}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      writeFileSync(aside, buf.subarray(cut), { mode: 0o600 });
      const fd = openSync(p.journal, 'r+');
      try {
        const head = buf.subarray(0, cut);
        // Validate what stays before cutting: a corrupt middle is refused, not repaired.
        for (const [i, line] of head.toString('utf8').split('\n').slice(0, -1).entries()) {
          if (line.trim() === '') continue;
          try {
            parseLine(line);
          } catch {
            throw journalError(p.journal, 'corrupt', i + 1);
          }
        }
        ftruncateSync(fd, cut);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      rmSync(p.total, { force: true });
      this.known.delete(p.journal);
      if (countAs !== undefined)
        appendDurably(p.journal, recordLine(analyst, countAs, 'repair: torn record', new Date().toISOString()), this.write);
      return true;
    });
  }

  private exists(): boolean {
    try {
      return readdirSync(this.directory) !== undefined;
    } catch {
      return false;
    }
  }

  /**
   * Writes every total file this instance still owes (module header), each under its lock and only while the
   * journal still matches the totals in memory. The instance stays usable. A failure costs a later reader a replay.
   */
  async close(): Promise<void> {
    for (const mine of [...this.known.values()]) {
      if (mine.unwritten === 0) continue;
      const p = mine.paths;
      try {
        await withFileLock(p.lock, this.timeoutMs, () => {
          const now = this.known.get(p.journal);
          if (!now || now.unwritten === 0 || !journalMatches(p.journal, now.length, now.last)) return;
          this.writeTotals(p.total, now.totals, now.length, now.last);
          this.known.set(p.journal, { ...now, unwritten: 0 });
        });
      } catch {
        // The total is a cache: an unwritten one costs the next reader a replay, never a wrong balance.
      }
    }
  }
}
