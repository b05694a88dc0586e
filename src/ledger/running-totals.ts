/**
 * The running totals of a file ledger's journals in memory (stop 19, issue 15's ledger share): per journal, the
 * last totals this instance verified or wrote, `{ totals, length, last }` (`KnownTotals`), and when the total file
 * (total-file.ts) is due to be written. Every method is called under the data set's lock (file-ledger.ts).
 *
 * Under the lock the totals in memory are used only when the journal's byte length equals `length` and its last
 * record hashes to `last` and parses — the very check the total file passes (`journalMatches`, one function for
 * both) — else the total file, else a replay. After an append the total file is written only when it is due
 * (`totalEvery` appends since this instance last wrote it, default 32), or when the totals did not come from memory
 * (another writer moved the journal, or this instance is new: a one-shot process such as `tsdp sql` writes after
 * each charge, as before), on `flush` (the ledger's `close`), and after a replay rebuilt them.
 * Why the balance is never wrong:
 * 1. The journal append and its `fsync` — what makes a charge durable and what the kill -9 tests check — are
 *    unchanged, and a total (in memory or in the file) is derived from the journal, never the only record of a spend.
 * 2. The ledger never rewrites a whole record: appends add after the end; a failed append truncates back only its
 *    own bytes (journal.ts rule 2); `repair` cuts only a torn tail after the last newline (and `forget`s the
 *    journal's totals). So when the journal has the same length as when the totals were taken, at a record
 *    boundary, its bytes are the same, and so are the totals; the hash of the last record is the same guard against
 *    an out-of-protocol edit as the file's.
 * 3. Another process's (or another instance's) charge appends, so the journal's length moves and the in-memory
 *    totals stop matching, exactly as the total file stops matching: this instance falls back to the file or a
 *    replay, never to its own stale totals. A crash of this process loses only the in-memory totals.
 * 4. A stale total file (not written for up to `totalEvery − 1` appends, or the process was killed) names an older
 *    length, so a reader ignores it and replays the journal: it can only cost a replay, never a wrong balance.
 * Checked by test/ledger/file-total-memory.test.ts (two instances, random crashes at every step, against a replay).
 * @module
 */
import { addLoss, type ExactLoss, ZERO_LOSS } from '../core/exact-loss.js';
import { withFileLock } from './file-lock.js';
import { appendDurably, readJournal, type WriteFunction } from './journal.js';
import { type LedgerPin, type LedgerScope, type LedgerTotals, mergePins, replayEntries } from './ledger.js';
import { cacheable, journalMatches, lastHash, readTotalFile, sha256, writeTotalFile } from './total-file.js';

/** A data set's files. */
export interface JournalPaths {
  readonly journal: string;
  readonly total: string;
  readonly lock: string;
}

/** The totals this instance last verified or wrote for one journal (module header). */
interface KnownTotals {
  readonly totals: LedgerTotals;
  /** The journal's byte length they cover. */
  readonly length: number;
  /** SHA-256 of the journal's last record line ('' for an empty journal). */
  readonly last: string;
  /** Appends since the total file was last written (or read and verified) by this instance. */
  readonly unwritten: number;
  /** The data set's files (for `close`). */
  readonly paths: JournalPaths;
}

/** Where the totals of a charge came from: memory, the total file, or a replay of the journal. */
export type TotalsSource = 'memory' | 'file' | 'replay';

/**
 * The running totals after one accepted charge (the journal records `cost`, the total `recorded`, and the pins
 * the charge makes): what `charge` and `chargeMany` write to the total file, one function so they cannot drift.
 */
export function totalsAfter(
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

/** The totals in memory of one `FileLedger` instance (module header). */
export class RunningTotals {
  /** Per journal path: the last verified totals. */
  private readonly known = new Map<string, KnownTotals>();

  /**
   * @param totalEvery - write the total file after this many appends whose totals came from memory (≥ 1).
   * @param write - the journal's write function (a replay restores a missing final newline with it).
   */
  constructor(
    private readonly totalEvery: number,
    private readonly write: WriteFunction,
  ) {}

  /**
   * The totals under the lock: this instance's own if the journal still matches them, else the verified total file,
   * else a full replay (restoring a missing newline; the rebuilt total is written to the file at once).
   * @throws DpError INTERNAL on a torn or corrupt journal (from the replay).
   */
  underLock(p: JournalPaths, scope: LedgerScope): { totals: LedgerTotals; length: number; source: TotalsSource } {
    const mine = this.known.get(p.journal);
    if (mine && journalMatches(p.journal, mine.length, mine.last)) return { totals: mine.totals, length: mine.length, source: 'memory' };
    this.known.delete(p.journal); // another writer moved the journal (or it was edited): these totals are void
    const cached = readTotalFile(p.journal, p.total);
    if (cached) {
      this.#remember(p, cached.totals, cached.length, cached.last, 0);
      return { ...cached, source: 'file' };
    }
    const read = readJournal(p.journal); // throws on a torn or corrupt journal
    let length = read.length;
    if (read.unterminated) length = appendDurably(p.journal, Buffer.from('\n'), this.write);
    const totals = replayEntries(read.entries, read.pins, scope);
    const last = lastHash(p.journal, length);
    if (last !== undefined) writeTotalFile(p.total, totals, length, last);
    this.#remember(p, totals, length, last, 0);
    return { totals, length, source: 'replay' };
  }

  /** Keeps `totals` as this instance's for the journal at `length` (only totals the file would also cache). */
  #remember(p: JournalPaths, totals: LedgerTotals, length: number, last: string | undefined, unwritten: number): void {
    if (last === undefined || !cacheable(totals)) this.known.delete(p.journal);
    else this.known.set(p.journal, { totals, length, last, unwritten, paths: p });
  }

  /**
   * After a durable append: the new totals in memory, and in the total file when it is due (module header): every
   * `totalEvery` appends from memory, or whenever the totals before the append did not come from memory.
   */
  afterAppend(p: JournalPaths, totals: LedgerTotals, length: number, lastRecord: Uint8Array, source: TotalsSource): void {
    const last = sha256(lastRecord);
    const unwritten = source === 'memory' ? (this.known.get(p.journal)?.unwritten ?? 0) + 1 : this.totalEvery;
    const due = unwritten >= this.totalEvery;
    if (due) writeTotalFile(p.total, totals, length, last);
    this.#remember(p, totals, length, last, due ? 0 : unwritten);
  }

  /** Drops a journal's totals (after `repair` cut its tail). */
  forget(journal: string): void {
    this.known.delete(journal);
  }

  /**
   * Writes every total file still owed (module header), each under its lock and only while the journal still matches
   * the totals in memory. Stays usable. A failure costs a later reader a replay.
   * @param timeoutMs - how long to wait for each lock.
   */
  async flush(timeoutMs: number): Promise<void> {
    for (const mine of [...this.known.values()]) {
      if (mine.unwritten === 0) continue;
      const p = mine.paths;
      try {
        await withFileLock(p.lock, timeoutMs, () => {
          const now = this.known.get(p.journal);
          if (!now || now.unwritten === 0 || !journalMatches(p.journal, now.length, now.last)) return;
          writeTotalFile(p.total, now.totals, now.length, now.last);
          this.known.set(p.journal, { ...now, unwritten: 0 });
        });
      } catch {
        // The total is a cache: an unwritten one costs the next reader a replay, never a wrong balance.
      }
    }
  }
}
