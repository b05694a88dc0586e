/**
 * Whether DuckDB's own line reader may cut a declared CSV or JSON Lines file into lines (review S15, issue 11):
 * a public pre-check of the file's bytes, run in Node at memory speed (`Buffer.indexOf`), that decides between
 * DuckDB's native, parallel reader and the Node loader (`loadFileLines`).
 *
 * The rule (`src/io/csv-records.proof.md`, "Where a line starts"): a line starts right after a line-terminator
 * byte, whatever precedes it. DuckDB's `read_csv` (quote off, `linesSql`) honours it at its buffer and thread-split
 * boundaries except where two terminator bytes meet (CR LF, LF LF, a lone CR, review S15); it drops a line that
 * starts with NUL, and it removes byte-order marks inside a file that the Node decoder keeps (its reader, not ours).
 * So DuckDB may cut a file only when its bytes hold one line ending throughout, announced by its first terminator
 * byte ({@link LineEnding}; CR LF is told to DuckDB, `new_line = '\r\n'`), and no blank line:
 * - `'lf'`: no CR (0x0D), no LF LF and no LF as the first byte — every line ends in a lone LF;
 * - `'crlf'`: every CR followed by an LF, every LF preceded by a CR, no LF CR and no CR as the first byte — every
 *   line ends in CR LF (Windows exports);
 * - either way no NUL (0x00), and no byte-order mark (EF BB BF) except as the file's first bytes.
 * In such a file the only terminator bytes that meet are the CR LF of one line ending that DuckDB was told to
 * expect, so no boundary can fall between two line endings; that
 * DuckDB is then right at every buffer boundary and every thread split is checked generatively in
 * `test/sql/native-line-reader.test.ts` (small pinned buffers, many boundaries, hostile lines, 1–4 threads), where the
 * same harness finds S15 on the files this check turns away. Any other file is cut in Node. The decision reads
 * only the bytes (public to the operator who declared the file), and both readers read the same lines, so which
 * one runs changes no answer.
 *
 * The argument, its limits and the timing residual: `line-check.proof.md`. The check holds for the bytes read; a file written after it is caught by its identity (`FileIdentity`: size,
 * change time, inode), which the engine compares before every statement and re-checks when it moved.
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { CSV_MAX_LINE_BYTES } from '../../io/csv-records.js';

/** What identifies a version of a file: when any of these moves, its bytes are checked again. */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

/**
 * How every line of an admitted file ends: `'lf'` (LF alone, no CR anywhere) or `'crlf'` (CR LF, no other CR or
 * LF anywhere). DuckDB's reader is told which (`new_line`), so it never has to guess at a boundary.
 */
export type LineEnding = 'lf' | 'crlf';

/** The outcome of {@link checkNativeLines}. */
export interface NativeLineCheck {
  /** True when DuckDB's line reader may cut the file (one line ending throughout, no blank line, no NUL). */
  readonly native: boolean;
  /** The file's line ending when `native` (the ending of its first line otherwise). */
  readonly lineEnding: LineEnding;
  /**
   * True when, moreover, the file holds no `"` and no U+0001 byte and is UTF-8 throughout: then every line that
   * parses is its delimiter-split fields, and DuckDB may split the fields too (`nativeFieldsSql`, and the typed reader
   * of `duckdb-csv-typed.ts`). UTF-8 (stop 20): DuckDB checks a field's UTF-8 only when the query reads that field, so
   * in a file with a non-UTF-8 line a `COUNT(*)` counted the line that a query reading every column dropped (the
   * record set depended on the query; the Node reader drops the line); and the typed reader, which cannot skip a
   * line, failed with an internal error that invalidated the database (measured on 1.5.6).
   */
  readonly fields: boolean;
  /**
   * True when every line of the file (the header too) has fewer bytes than the line limit: every run of bytes without
   * an LF is shorter than the limit ({@link lfRunsBelow}). Then no line is dropped for its length, and DuckDB's
   * reader needs no per-line byte count (issue 11: that count read every field of every line, even for a COUNT(*)).
   */
  readonly shortLines: boolean;
  /** The file's identity when it was read (the same before and after the read, else `native` is false). */
  readonly identity: FileIdentity;
  /**
   * When `native`: the number of lines after the first (the header) — a function of the bytes alone: the file's LF
   * bytes, plus one for a last line without one, less the header (0 for an empty file). The typed reader's decision
   * compares it with the lines its lenient scan produced (`duckdb-csv-choice.ts`, "Counting").
   */
  readonly dataLines: number;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const QUOTE = 0x22;
const SOH = 0x01;
const LF_CR = Buffer.from([LF, CR]);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Read size of the check. */
const CHUNK = 4 << 20;

/** How many bytes of one read are read again at the start of the next, so a pattern across two reads is seen whole. */
export const HAZARD_OVERLAP = 2;

/**
 * Whether a piece of a file holds a byte pattern that DuckDB's line reader may misread (module header). A file is
 * checked piece by piece, each piece after the first starting with the last {@link HAZARD_OVERLAP} bytes of the one
 * before (the longest pattern has 3 bytes), so every pattern lies whole inside some piece.
 * @param bytes - consecutive bytes of the file.
 * @param atFileStart - whether `bytes` starts at the file's first byte.
 * @param lineEnding - the line ending the file must keep throughout (default `'lf'`).
 * @param atFileEnd - whether `bytes` ends at the file's last byte (`'crlf'` only: a CR in the piece's last byte is
 *   judged by the next piece, which starts with it, or here at the file's end).
 * @returns `'lf'`: true when `bytes` holds a CR, a NUL, two LF in a row, a byte-order mark other than at the file's
 *   start, or (at the file's start) an LF first. `'crlf'`: true when it holds a NUL, an inner byte-order mark, an LF
 *   followed by a CR (a blank line), a CR not followed by an LF, an LF not preceded by a CR, or (at the file's
 *   start) a CR first.
 */
export function hasLineHazard(bytes: Uint8Array, atFileStart: boolean, lineEnding: LineEnding = 'lf', atFileEnd = false): boolean {
  if (bytes.length === 0) return false;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (lineEnding === 'lf') return hasLfByteHazard(b, atFileStart) || countLfPairs(b, atFileStart).pair;
  if (b.indexOf(NUL) >= 0 || b.indexOf(BOM, atFileStart ? 1 : 0) >= 0) return true;
  return b.indexOf(LF_CR) >= 0 || (atFileStart && b[0] === CR) || !terminatorsPaired(b, atFileStart, atFileEnd);
}

/**
 * The hazards of an `'lf'` piece that single bytes or a mark show ({@link hasLineHazard}): a NUL, a CR, or a
 * byte-order mark other than at the file's start. The rest — two LF in a row, an LF first in the file — is found by
 * {@link countLfPairs} in the walk that counts the lines (stop 24: one walk of the buffer less).
 */
function hasLfByteHazard(b: Buffer, atFileStart: boolean): boolean {
  return b.indexOf(NUL) >= 0 || b.indexOf(CR) >= 0 || b.indexOf(BOM, atFileStart ? 1 : 0) >= 0;
}

/**
 * Whether every CR of `b` is followed by an LF and every LF preceded by a CR (a CR in the last byte counts as
 * unpaired only at the file's end, an LF in the first byte only at its start: the neighbouring piece judges them).
 * One pass: a 4-byte word with no byte below 0x0E holds neither (Mycroft's test `(v − 0x0E0E0E0E) & ~v & 0x80808080`
 * has no false negative), so only words that may hold one are looked at byte by byte — about 1 ns per byte here.
 */
function terminatorsPaired(b: Buffer, atFileStart: boolean, atFileEnd: boolean): boolean {
  const n = b.length;
  const unpaired = (i: number): boolean => {
    const c = b[i];
    if (c === CR) return i + 1 < n ? b[i + 1] !== LF : atFileEnd;
    if (c === LF) return i > 0 ? b[i - 1] !== CR : atFileStart;
    return false;
  };
  const head = Math.min(n, (4 - (b.byteOffset & 3)) & 3);
  for (let i = 0; i < head; i++) if (unpaired(i)) return false;
  const words = new Uint32Array(b.buffer, b.byteOffset + head, (n - head) >>> 2);
  for (let k = 0; k < words.length; k++) {
    const v = words[k] as number;
    if (((v - 0x0e0e0e0e) & ~v & 0x80808080) === 0) continue;
    const s = head + 4 * k;
    if (unpaired(s) || unpaired(s + 1) || unpaired(s + 2) || unpaired(s + 3)) return false;
  }
  for (let i = head + 4 * words.length; i < n; i++) if (unpaired(i)) return false;
  return true;
}

/** What {@link utf8Pieces} returns: fed a file's bytes in order (each byte once), it tells at the end whether they are all UTF-8. */
export interface Utf8Tracker {
  /** Takes the next bytes of the file (none re-read). */
  feed(bytes: Uint8Array): void;
  /** Whether every byte fed so far forms valid UTF-8 (Node's `isUtf8`: no overlong form, surrogate or code point past U+10FFFF). */
  end(): boolean;
}

/** Whether `b` is a UTF-8 continuation byte (10xxxxxx). */
const continuation = (b: number) => (b & 0xc0) === 0x80;

/**
 * Tracks whether a file read in pieces is UTF-8 throughout, at native speed (`isUtf8`, no copy of a piece). UTF-8
 * validity splits at any position whose next byte is not a continuation byte (no character can span it), so each
 * piece is checked from its first such byte to its last one; the bytes before (at most 3 continuation bytes) finish
 * the character the previous piece's tail began, checked with that tail (at most 4 bytes, copied).
 */
export function utf8Pieces(): Utf8Tracker {
  let ok = true;
  let tail: Uint8Array = new Uint8Array(0);
  return {
    feed(bytes) {
      if (!ok || bytes.length === 0) return;
      let first = 0;
      while (first < bytes.length && first < 4 && continuation(bytes[first] as number)) first++;
      if (first === bytes.length) {
        tail = Uint8Array.from([...tail, ...bytes]);
        if (tail.length > 4) ok = false; // no character has more than 4 bytes
        return;
      }
      if (first === 4 || !isUtf8(Uint8Array.from([...tail, ...bytes.subarray(0, first)]))) {
        ok = false;
        return;
      }
      let last = bytes.length - 1;
      while (last > first && continuation(bytes[last] as number)) last--;
      if (bytes.length - last > 4 || !isUtf8(bytes.subarray(first, last))) {
        ok = false;
        return;
      }
      // A copy (stop 24): the caller's bytes are a view of its read buffer, which the next read overwrites, and a
      // Buffer's `slice` is a view too — the tail kept that way was the next piece's bytes, so a bad byte at a piece's
      // end could be judged by the bytes read after it (found by `test/sql/line-check-walks.test.ts`).
      tail = Uint8Array.prototype.slice.call(bytes, last);
    },
    end() {
      return ok && isUtf8(tail);
    },
  };
}

/**
 * The line ending a file's first terminator byte announces: `'crlf'` when it is a CR, else `'lf'` (also for a
 * file without any). Only which check runs depends on it; the check then holds the whole file to it.
 */
export function lineEndingOf(firstBytes: Uint8Array): LineEnding {
  const b = Buffer.from(firstBytes.buffer, firstBytes.byteOffset, firstBytes.length);
  const cr = b.indexOf(CR);
  const lf = b.indexOf(LF);
  return cr >= 0 && (lf < 0 || cr < lf) ? 'crlf' : 'lf';
}

/**
 * The identity of the file at `path` (one stat).
 *
 * The stat is synchronous (issue 15): a snapshot checks its files' identities before and after every statement
 * (`PinnedVersions`, `refreshChanged`), and `fs.promises.stat` sends each one to libuv's thread pool and back — two
 * thread hand-offs per stat, which on this 2-core machine cost more than the system call itself (a local file's
 * metadata comes from the inode cache in microseconds). The identity is the same either way; an error still rejects
 * the returned promise. A declared file on a slow network file system blocks the event loop for its stat.
 */
export async function fileIdentity(path: string): Promise<FileIdentity> {
  const s = statSync(path);
  return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, dev: s.dev };
}

/** Whether two identities are of the same version of a file. */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.dev === b.dev;
}

/** What {@link lfRunsBelow} returns: fed the pieces of a file in order, it tells at the end whether every LF-free run was short. */
export interface LfRunTracker {
  /**
   * Takes the next piece of the file.
   * @param piece - consecutive bytes of the file (it may start with bytes of the piece before: re-read bytes are harmless).
   * @param start - the offset in the file of the piece's first byte (never past the previous piece's end).
   */
  feed(piece: Uint8Array, start: number): void;
  /** Whether every run of bytes without an LF (from the file's start, between two LFs, to its end) had fewer than `limit` bytes. */
  end(size: number): boolean;
}

/**
 * Tracks, over the pieces of a file, whether every maximal run of bytes without an LF is shorter than `limit` bytes —
 * so that every line, whatever its ending (a CR LF line is one byte shorter than its run), has fewer than `limit`
 * bytes. Greedy and exact: from the last LF accepted, the furthest LF within `limit` bytes is found by one
 * `lastIndexOf` (none there: a run of `limit` LF-free bytes exists); a file of n bytes costs about n / limit calls
 * (≈ 130 for a 127 MB file at the 1 MiB line limit), not one per line.
 * @param limit - the line limit in bytes (≥ 1).
 */
export function lfRunsBelow(limit: number): LfRunTracker {
  let lastLf = -1; // offset of the last LF accepted (-1: the file's start acts as one)
  let ok = true;
  return {
    feed(piece, start) {
      if (!ok) return;
      const b = Buffer.from(piece.buffer, piece.byteOffset, piece.length);
      const end = start + b.length;
      // Invariant after each feed: lastLf + limit ≥ the piece's end, so the next search offset is never negative.
      while (lastLf + limit < end) {
        const j = b.lastIndexOf(LF, lastLf + limit - start);
        if (j < 0 || start + j <= lastLf) {
          ok = false; // bytes lastLf + 1 … lastLf + limit, all in this piece, hold no LF
          return;
        }
        lastLf = start + j;
      }
      const last = b.lastIndexOf(LF);
      if (last >= 0 && start + last > lastLf) lastLf = start + last;
    },
    end(size) {
      return ok && lastLf + limit >= size;
    },
  };
}

/**
 * The number of LF bytes in `b`, at about a byte per ns or better: 4 bytes at a time, a byte of `x = word ^ 0x0A0A0A0A`
 * being zero exactly where the word holds an LF (the carry-free test `~(((x & 0x7F7F7F7F) + 0x7F7F7F7F) | x | 0x7F7F7F7F)`
 * sets the high bit of exactly those bytes).
 */
export function countLf(b: Uint8Array): number {
  let n = 0;
  const head = (4 - (b.byteOffset & 3)) & 3;
  if (b.length < head + 4) return b.reduce((m, byte) => m + (byte === LF ? 1 : 0), 0);
  for (let i = 0; i < head; i++) if (b[i] === LF) n++;
  const words = new Uint32Array(b.buffer, b.byteOffset + head, (b.length - head) >>> 2);
  for (let k = 0; k < words.length; k++) {
    const x = (words[k] as number) ^ 0x0a0a0a0a;
    const zero = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
    if (zero !== 0) n += Math.imul(zero >>> 7, 0x01010101) >>> 24;
  }
  for (let i = head + 4 * words.length; i < b.length; i++) if (b[i] === LF) n++;
  return n;
}

/** What {@link countLfPairs} finds in one walk of a piece. */
export interface LfWalk {
  /** The piece's LF bytes. */
  readonly count: number;
  /** Whether an LF follows an LF: two in the piece, or the byte before the piece and the piece's first. */
  readonly pair: boolean;
}

/**
 * The LF bytes of `b` and whether two of them meet, in one walk ({@link countLf}'s word test; stop 24, so the line
 * check no longer searches for LF LF in a walk of its own). The word's mask `zero` has the high bit of each LF byte
 * set (bit 8i + 7 for byte i, little-endian words as {@link countLf} reads them), so `zero & (zero << 8)` is non-zero
 * exactly when byte i and byte i + 1 of the word are both LF; across words (and into the piece) the last byte before
 * is carried.
 * @param lfBefore - whether the byte before `b` is an LF; true at the file's start, where an LF first is the hazard
 *   (a blank line before the header) just as an LF after an LF is.
 */
export function countLfPairs(b: Uint8Array, lfBefore: boolean): LfWalk {
  let count = 0;
  let pair = false;
  let prev = lfBefore;
  const byte = (i: number): void => {
    const lf = b[i] === LF;
    if (lf) {
      count++;
      if (prev) pair = true;
    }
    prev = lf;
  };
  const head = (4 - (b.byteOffset & 3)) & 3;
  if (b.length < head + 4) {
    for (let i = 0; i < b.length; i++) byte(i);
    return { count, pair };
  }
  for (let i = 0; i < head; i++) byte(i);
  const words = new Uint32Array(b.buffer, b.byteOffset + head, (b.length - head) >>> 2);
  for (let k = 0; k < words.length; k++) {
    const x = (words[k] as number) ^ 0x0a0a0a0a;
    const zero = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
    if (zero === 0) {
      prev = false;
      continue;
    }
    count += Math.imul(zero >>> 7, 0x01010101) >>> 24;
    if ((zero & (zero << 8)) !== 0 || (prev && (zero & 0x80) !== 0)) pair = true;
    prev = (zero & 0x80000000) !== 0;
  }
  for (let i = head + 4 * words.length; i < b.length; i++) byte(i);
  return { count, pair };
}

/**
 * Reads the whole file once and decides whether DuckDB's line reader may cut it, and with which line ending
 * (module header).
 * @param path - the file (resolved).
 * @param lineLimit - the line limit in bytes, for {@link NativeLineCheck.shortLines} (default `CSV_MAX_LINE_BYTES`;
 *   smaller only in tests).
 * @param chunk - the read size (default 4 MiB; smaller only in tests, so pieces meet at many places of a small file).
 * @returns the decision, the line ending and the file's identity.
 * @throws Error when the file cannot be read (the caller reports it as unreadable: a public fact).
 */
export async function checkNativeLines(
  path: string,
  lineLimit: number = CSV_MAX_LINE_BYTES,
  chunk: number = CHUNK,
): Promise<NativeLineCheck> {
  const handle = await open(path, 'r');
  try {
    const s0 = await handle.stat();
    const identity: FileIdentity = { size: s0.size, mtimeMs: s0.mtimeMs, ctimeMs: s0.ctimeMs, ino: s0.ino, dev: s0.dev };
    const buf = Buffer.allocUnsafe(chunk + HAZARD_OVERLAP);
    let kept = 0; // bytes of the previous read kept at the start of buf
    let offset = 0; // bytes of the file read so far
    let lineEnding: LineEnding | undefined;
    let hazard = false;
    let plain = true;
    const runs = lfRunsBelow(lineLimit);
    const utf8 = utf8Pieces();
    let lfs = 0;
    let lastByte = LF;
    for (;;) {
      const { bytesRead } = await handle.read(buf, kept, chunk, null);
      if (bytesRead === 0) break;
      const atFileStart = offset === 0;
      offset += bytesRead;
      const piece = buf.subarray(0, kept + bytesRead);
      const fresh = piece.subarray(kept);
      lineEnding ??= lineEndingOf(piece);
      // 'lf': the LF count's walk also finds LF LF (and an LF first), the one hazard not a single byte or the mark;
      // the piece's kept bytes were judged with the piece before, so only the byte before the fresh ones is carried.
      const walk = lineEnding === 'lf' ? countLfPairs(fresh, atFileStart || piece[kept - 1] === LF) : undefined;
      const pieceHazard =
        walk === undefined
          ? hasLineHazard(piece, atFileStart, lineEnding, offset >= identity.size)
          : walk.pair || hasLfByteHazard(piece, atFileStart);
      if (pieceHazard) {
        hazard = true;
        break;
      }
      if (plain && (piece.indexOf(QUOTE) >= 0 || piece.indexOf(SOH) >= 0)) plain = false;
      runs.feed(piece, offset - piece.length);
      utf8.feed(fresh);
      lfs += walk === undefined ? countLf(fresh) : walk.count;
      lastByte = piece[piece.length - 1] as number;
      kept = Math.min(HAZARD_OVERLAP, piece.length);
      piece.copyWithin(0, piece.length - kept);
    }
    const s1 = await handle.stat();
    const still = sameIdentity(identity, { size: s1.size, mtimeMs: s1.mtimeMs, ctimeMs: s1.ctimeMs, ino: s1.ino, dev: s1.dev });
    // A file shorter than its stat (it shrank) ended without its last piece being judged as the end: not admitted.
    const native = !hazard && still && offset === identity.size;
    return {
      native,
      lineEnding: lineEnding ?? 'lf',
      fields: native && plain && utf8.end(),
      shortLines: native && runs.end(identity.size),
      identity,
      dataLines: native ? Math.max(0, lfs + (lastByte === LF ? 0 : 1) - 1) : 0,
    };
  } finally {
    await handle.close();
  }
}
