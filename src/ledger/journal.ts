/**
 * The file ledger's journal: one JSON line per spend, appended durably.
 *
 * Rules:
 * 1. **A spend is released only after its whole record is durable.** The
 *    append loops until every byte is written (a write may be short: a
 *    file-size limit, a full disk), then `fsync`s; only then does the charge
 *    return. Any failure throws, so no result is released for the record.
 * 2. **A failed append undoes itself.** The writer truncates the file back to
 *    its length before the append (it knows no result was released for those
 *    bytes) and `fsync`s. If that undo fails too, the journal keeps a torn
 *    tail, and rule 3 applies. **Except after `written`** (stop 26: the server
 *    starts a charged query's statement once its record is written, before the
 *    fsync, and releases it only once the fsync returned): when the bytes were
 *    all written and announced, a failed fsync keeps them — the charge stands,
 *    never refunded, because the data may already have been read for it — and
 *    throws (`state: 'unsynced'`), so nothing is released. The next append's
 *    fsync makes them durable with its own.
 * 3. **A torn or unreadable record counts as spent, never as unspent.** A last
 *    line without its newline that still parses as a whole record is counted
 *    (and its newline restored). A last line that does not parse may have been
 *    a spend whose amount is lost: the ledger refuses to charge (`INTERNAL`,
 *    details `{ journal, state: 'torn' }`) until an operator runs
 *    `FileLedger.repair`, which moves the torn bytes aside (kept for audit) and
 *    records, if asked, what they are to count as. A record in the middle that
 *    does not parse refuses the same way (`state: 'corrupt'`).
 * 4. **Pins.** A line `{"v":1,"pin":{analyst|null, epsilon, delta, mode,
 *    conversionDelta},"at":…}` records a budget's pin (`core/budget-filter.ts`); it is
 *    appended in the same durable write as the spend that makes it, so a pin
 *    exists exactly when that spend does. A pin line that does not parse is a
 *    corrupt record (rule 3): the ledger refuses rather than guess a cap.
 *    The data set's pin carries `unit` ({column, maxPartitions,
 *    maxContributionsPerPartition}: the privacy unit its spends are stated for).
 *    A pin written before units has none; the first charge after the upgrade
 *    appends the same pin with the unit (with its spend). That is the one second
 *    pin line a budget may have: same cap, mode and D_c, adding the unit the first
 *    lacked; any other second pin is corrupt.
 * @module
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { AccountingMode } from '../core/budget-filter.js';
import { DpError } from '../core/errors.js';
import { type ExactLoss, type ExactLossJson, lossFromJson, lossToJson, readAmount } from '../core/exact-loss.js';
import { type PrivacyUnitJson, readPrivacyUnit } from '../core/privacy-unit.js';
import type { LedgerEntry, LedgerPin } from './ledger.js';

/** A journal line as stored. */
export interface JournalRecord {
  v: 1;
  analyst: string;
  epsilon: string;
  delta: string;
  /** ρ of a zCDP spend; absent in lines written before ρ was stored (reads as 0). */
  rho?: string;
  /** How the filter recorded the spend (absent in lines written before pins). */
  recorded?: ExactLossJson;
  memo: string;
  at: string;
}

/** A pin line as stored. */
export interface PinRecord {
  v: 1;
  pin: PinJson;
  at: string;
}

/** A pin as stored in a journal line and in the cached total. */
export interface PinJson {
  analyst: string | null;
  epsilon: string;
  delta: string;
  mode: AccountingMode;
  conversionDelta: string;
  /** The data set's pin: its privacy unit (absent in pins written before units, and in analysts' pins). */
  unit?: PrivacyUnitJson;
}

/** The stored form of a pin. */
export function pinJson(pin: LedgerPin): PinJson {
  return {
    analyst: pin.analyst,
    epsilon: pin.cap.epsilon.toString(),
    delta: pin.cap.delta.toString(),
    mode: pin.mode,
    conversionDelta: pin.conversionDelta.toString(),
    ...(pin.unit
      ? {
          unit: {
            column: pin.unit.column,
            maxPartitions: pin.unit.maxPartitions,
            maxContributionsPerPartition: pin.unit.maxContributionsPerPartition,
          },
        }
      : {}),
  };
}

/** A write function with the signature of `fs.writeSync(fd, buffer, offset, length)` (injectable to simulate a full disk). */
export type WriteFunction = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

/** The bytes of one record line (with its newline). */
export function recordLine(analyst: string, cost: ExactLoss, memo: string, at: string, recorded?: ExactLoss): Buffer {
  const record: JournalRecord = {
    v: 1,
    analyst,
    ...lossToJson(cost),
    ...(recorded ? { recorded: lossToJson(recorded) } : {}),
    memo: memo.slice(0, 10_000),
    at,
  };
  return Buffer.from(`${JSON.stringify(record)}\n`);
}

/** The bytes of one pin line (with its newline). */
export function pinLine(pin: LedgerPin, at: string): Buffer {
  const record: PinRecord = { v: 1, pin: pinJson(pin), at };
  return Buffer.from(`${JSON.stringify(record)}\n`);
}

/**
 * Reads a stored pin fail-closed (an unknown mode, a junk amount, a D_c outside [0, D], a unit that is not one, or a
 * unit on an analyst's pin throws).
 * @param p - the stored form.
 * @returns the pin.
 */
export function readPin(p: unknown): LedgerPin {
  if (typeof p !== 'object' || p === null) throw new Error('not a pin');
  const o = p as Record<string, unknown>;
  if (o.analyst !== null && typeof o.analyst !== 'string') throw new Error('not a pin');
  if (o.mode !== 'approximate' && o.mode !== 'zcdp') throw new Error('not a pin');
  const str = (x: unknown) => {
    if (typeof x !== 'string') throw new Error('not a pin');
    return readAmount(x, 'pin');
  };
  const epsilon = str(o.epsilon);
  const delta = str(o.delta);
  const conversionDelta = str(o.conversionDelta);
  if (conversionDelta.gt(delta) || (o.mode === 'approximate' && !conversionDelta.isZero())) throw new Error('not a pin');
  const pin: LedgerPin = { analyst: o.analyst as string | null, cap: { epsilon, delta }, mode: o.mode as AccountingMode, conversionDelta };
  if (o.unit === undefined || o.unit === null) return pin;
  if (o.analyst !== null) throw new Error('not a pin');
  return { ...pin, unit: readPrivacyUnit(o.unit, 'pin.unit') };
}

/**
 * Whether `later` may follow `earlier` for the same budget: only the data set's legacy pin restated with the unit it
 * lacked (same cap, mode and D_c).
 */
export function isUnitAdoption(earlier: LedgerPin, later: LedgerPin): boolean {
  return (
    earlier.analyst === null &&
    later.analyst === null &&
    earlier.unit === undefined &&
    later.unit !== undefined &&
    earlier.mode === later.mode &&
    earlier.cap.epsilon.equals(later.cap.epsilon) &&
    earlier.cap.delta.equals(later.cap.delta) &&
    earlier.conversionDelta.equals(later.conversionDelta)
  );
}

/** Parses one line; throws on anything that is not a whole record (a spend or a pin). */
export function parseLine(line: string): { entry: LedgerEntry } | { pin: LedgerPin } {
  const j = JSON.parse(line) as JournalRecord & Partial<PinRecord>;
  if (typeof j !== 'object' || j === null) throw new Error('not a record');
  if ('pin' in j) return { pin: readPin(j.pin) };
  return { entry: parseRecord(line) };
}

/** Parses one spend line; throws on anything that is not a whole spend record. */
export function parseRecord(line: string): LedgerEntry {
  const j = JSON.parse(line) as JournalRecord;
  if (typeof j !== 'object' || j === null || typeof j.analyst !== 'string') throw new Error('not a record');
  const recorded = j.recorded === undefined ? undefined : lossFromJson(j.recorded, 'recorded');
  return {
    analyst: j.analyst,
    ...lossFromJson(j, 'record'),
    memo: String(j.memo ?? ''),
    at: String(j.at ?? ''),
    ...(recorded ? { recorded } : {}),
  };
}

/** A journal read: its spends and pins, its byte length, and whether the last record lacked its newline. */
export interface JournalRead {
  readonly entries: LedgerEntry[];
  readonly pins: LedgerPin[];
  readonly length: number;
  readonly unterminated: boolean;
}

/**
 * How a ledger error names a journal or lock file: its file name only (`adult.jsonl`: the data set's name, public),
 * never its directory. A ledger error can reach an analyst (the server passes every DpError's message and details
 * through), and the operator's file layout (home directory, user name, mount points) is not the analyst's to see;
 * the operator has the directory (`TSDP_HOME`, the ledger's `home`); the lock error (file-lock.ts) follows the same rule.
 * Test: test/ledger/error-paths.test.ts.
 */
export function fileName(path: string): string {
  return basename(path);
}

/** The typed refusal of a journal that cannot be trusted (rule 3). */
export function journalError(path: string, state: 'torn' | 'corrupt', line?: number): DpError<'INTERNAL'> {
  const what =
    state === 'torn'
      ? 'ends with an incomplete record (a write that did not finish); it may be a spend'
      : `has an unreadable record at line ${line}`;
  const name = fileName(path);
  return new DpError('INTERNAL', `the budget journal ${name} ${what}; refusing to charge until an operator runs FileLedger.repair`, {
    journal: name,
    state,
    ...(line === undefined ? {} : { line }),
  });
}

/**
 * Reads and checks a whole journal (rule 3).
 * @throws DpError INTERNAL on a torn tail or a corrupt record.
 */
export function readJournal(path: string): JournalRead {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], pins: [], length: 0, unterminated: false };
    throw e;
  }
  const lines = buf.toString('utf8').split('\n');
  const tail = lines.pop() as string; // '' when the file ends with a newline
  const entries: LedgerEntry[] = [];
  const pins: LedgerPin[] = [];
  const add = (r: { entry: LedgerEntry } | { pin: LedgerPin }) => {
    if ('pin' in r) {
      // One pin per budget: a second, different pin for the same budget is corrupt (never "the later one wins"),
      // except the legacy data-set pin restated with the unit it lacked (rule 4).
      const i = pins.findIndex((p) => p.analyst === r.pin.analyst);
      if (i < 0) pins.push(r.pin);
      else if (isUnitAdoption(pins[i] as LedgerPin, r.pin)) pins[i] = r.pin;
      else throw new Error('a second pin');
    } else entries.push(r.entry);
  };
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      add(parseLine(line));
    } catch {
      throw journalError(path, 'corrupt', i + 1);
    }
  }
  let unterminated = false;
  if (tail !== '') {
    try {
      add(parseLine(tail));
      unterminated = true; // a whole record whose newline was not written: counted as spent
    } catch {
      throw journalError(path, 'torn');
    }
  }
  return { entries, pins, length: buf.length, unterminated };
}

/**
 * Appends `bytes` durably (rules 1–2).
 * @param path - the journal.
 * @param bytes - whole records.
 * @param write - the write function (default `fs.writeSync`).
 * @param onStep - fault-injection hook for tests (`journal:partial` after a first short write, `journal:synced`).
 * @param written - called once every byte is written, before the fsync (rule 2's exception: from then on the bytes are
 *   never taken back).
 * @param sync - the fsync (default `fs.fsyncSync`; fault injection for tests).
 * @returns the journal's length after the append.
 * @throws DpError INTERNAL when the bytes could not be made durable (nothing released; the journal is
 *   back to its previous length, or torn and refused by `readJournal` if even that failed).
 */
export function appendDurably(
  path: string,
  bytes: Uint8Array,
  write: WriteFunction = writeSync,
  onStep?: (step: string) => void,
  written?: () => void,
  sync: (fd: number) => void = fsyncSync,
): number {
  const fd = openSync(path, 'a', 0o600);
  try {
    const before = fstatSync(fd).size;
    let announced = false;
    try {
      let off = 0;
      while (off < bytes.length) {
        const n = write(fd, bytes, off, bytes.length - off);
        if (!(n > 0)) throw new Error('the write made no progress');
        off += n;
        if (off < bytes.length) onStep?.('journal:partial');
      }
      if (written) {
        announced = true;
        written();
      }
      sync(fd);
    } catch {
      // Rule 2's exception: bytes announced as written stay (the charge stands); nothing is released.
      if (announced) {
        throw new DpError('INTERNAL', `the budget journal ${fileName(path)} could not be made durable; the charge stands`, {
          journal: fileName(path),
          state: 'unsynced',
        });
      }
      try {
        ftruncateSync(fd, before);
        fsyncSync(fd);
      } catch {
        throw new DpError(
          'INTERNAL',
          `the budget journal ${fileName(path)} could not be written nor restored; it is now refused until repaired`,
          {
            journal: fileName(path),
            state: 'torn',
          },
        );
      }
      throw new DpError(
        'INTERNAL',
        `the budget journal ${fileName(path)} could not be written (disk full or a file-size limit?); nothing was charged`,
        {
          journal: fileName(path),
          state: 'unwritten',
        },
      );
    }
    onStep?.('journal:synced');
    return before + bytes.length;
  } finally {
    closeSync(fd);
  }
}
