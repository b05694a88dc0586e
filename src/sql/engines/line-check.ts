/**
 * Whether DuckDB's own line reader may cut a declared CSV or JSON Lines file into lines (review S15, issue 11):
 * a public pre-check of the file's bytes, run in Node at memory speed (`Buffer.indexOf`), that decides between
 * DuckDB's native, parallel reader and the Node loader (`loadFileLines`).
 *
 * The rule (`src/io/csv-records.proof.md`, "Where a line starts"): a line starts right after a line-terminator
 * byte, whatever precedes it. DuckDB's `read_csv` (quote off, `linesSql`) honours it at its buffer and thread-split
 * boundaries except where two terminator bytes meet (CR LF, LF LF, a lone CR, review S15), and it drops a line that
 * starts with NUL (its reader, not ours). So DuckDB may cut a file only when its bytes hold
 * - no CR (0x0D): every line ends in a lone LF;
 * - no LF LF and no LF as the first byte: no blank line anywhere;
 * - no NUL (0x00).
 * Such a file has no two terminator bytes next to each other anywhere, so no boundary can fall between them; that
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
import { open, stat } from 'node:fs/promises';

/** What identifies a version of a file: when any of these moves, its bytes are checked again. */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

/** The outcome of {@link checkNativeLines}. */
export interface NativeLineCheck {
  /** True when DuckDB's line reader may cut the file (no CR, no blank line, no NUL). */
  readonly native: boolean;
  /** The file's identity when it was read (the same before and after the read, else `native` is false). */
  readonly identity: FileIdentity;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const LF_LF = Buffer.from([LF, LF]);
/** Read size of the check. */
const CHUNK = 4 << 20;

/**
 * Whether a piece of a file holds a byte pattern that DuckDB's line reader may misread (module header).
 * @param bytes - consecutive bytes of the file.
 * @param before - the byte just before `bytes` in the file, or `undefined` when `bytes` starts the file.
 * @returns true when `bytes` (with the byte before it) holds a CR, a NUL, two LF in a row, or an LF first in the file.
 */
export function hasLineHazard(bytes: Uint8Array, before: number | undefined): boolean {
  if (bytes.length === 0) return false;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.indexOf(CR) >= 0 || b.indexOf(NUL) >= 0 || b.indexOf(LF_LF) >= 0) return true;
  // An LF first in the file is a blank first line; an LF first in a piece after an LF is a blank line.
  return b[0] === LF && (before === undefined || before === LF);
}

/** The identity of the file at `path` (one stat). */
export async function fileIdentity(path: string): Promise<FileIdentity> {
  const s = await stat(path);
  return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, dev: s.dev };
}

/** Whether two identities are of the same version of a file. */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.dev === b.dev;
}

/**
 * Reads the whole file once and decides whether DuckDB's line reader may cut it (module header).
 * @param path - the file (resolved).
 * @returns the decision and the file's identity.
 * @throws Error when the file cannot be read (the caller reports it as unreadable: a public fact).
 */
export async function checkNativeLines(path: string): Promise<NativeLineCheck> {
  const handle = await open(path, 'r');
  try {
    const s0 = await handle.stat();
    const identity: FileIdentity = { size: s0.size, mtimeMs: s0.mtimeMs, ctimeMs: s0.ctimeMs, ino: s0.ino, dev: s0.dev };
    const buf = Buffer.allocUnsafe(CHUNK);
    let before: number | undefined;
    let hazard = false;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const piece = buf.subarray(0, bytesRead);
      if (hasLineHazard(piece, before)) {
        hazard = true;
        break;
      }
      before = piece[bytesRead - 1];
    }
    const s1 = await handle.stat();
    const still = sameIdentity(identity, { size: s1.size, mtimeMs: s1.mtimeMs, ctimeMs: s1.ctimeMs, ino: s1.ino, dev: s1.dev });
    return { native: !hazard && still, identity };
  } finally {
    await handle.close();
  }
}
