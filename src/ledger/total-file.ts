/**
 * The running total on disk (`<dataset>.total.json`) and the check that a total — in this file or in memory
 * (running-totals.ts) — still describes the journal.
 *
 * **The running total** makes a charge's cost independent of the journal's length. It names the journal's byte
 * length and the SHA-256 of its last record, and is trusted only when both match the journal under the lock
 * (`journalMatches`); otherwise (missing, stale after a crash, unreadable) the journal is replayed in full and the
 * total rewritten. The journal is always written and `fsync`ed first, so the total can lag the journal (then it
 * does not match and is ignored) but never lead it. The total is a cache: it is never the only record of a spend.
 * (Like the journal, it is protected only by the state directory's permissions: whoever can write there can rewrite
 * the ledger; the analyst must not be able to.) Every function here is called under the data set's lock.
 * @module
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type ExactLoss, lossFromJson, lossToJson } from '../core/exact-loss.js';
import { parseLine, pinJson, readPin } from './journal.js';
import type { LedgerTotals } from './ledger.js';

/** SHA-256, hex. */
export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

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
export function lastHash(journal: string, length: number): string | undefined {
  if (length === 0) return '';
  const last = lastLine(journal, length);
  return last ? sha256(last) : undefined;
}

/**
 * Whether the journal is, under the lock, the one a total was taken from: the same byte length and a last record
 * that hashes to `last` and parses whole. One check for the total file and the totals in memory (module header).
 */
export function journalMatches(journal: string, length: number, last: string): boolean {
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
export function cacheable(totals: LedgerTotals): boolean {
  return totals.recorded !== undefined && (totals.pending ?? []).length === 0;
}

/** The running total file's totals if they match the journal (length and last record), else undefined. */
export function readTotalFile(journal: string, totalPath: string): { totals: LedgerTotals; length: number; last: string } | undefined {
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

/** Writes the total file (atomically: a temporary file renamed); only a cacheable total, and a failure is ignored. */
export function writeTotalFile(totalPath: string, totals: LedgerTotals, length: number, last: string): void {
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
