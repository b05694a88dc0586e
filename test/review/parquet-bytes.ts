/**
 * Helpers of the review's Parquet tests (session 11): write a DuckDB query to an uncompressed Parquet file, and
 * replace a raw value everywhere it is stored in the file's bytes (data pages, statistics), so that one person's
 * value can be set to bytes no ordinary writer would produce.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

/** Writes `select` to `path` as Parquet with uncompressed pages (their values can be patched in place). */
export async function writeParquet(path: string, select: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    await c.run(`COPY (${select}) TO '${path}' (FORMAT parquet, COMPRESSION uncompressed)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** A 16-byte big-endian two's complement (Parquet's DECIMAL as FIXED_LEN_BYTE_ARRAY). */
export function be128(v: bigint): Buffer {
  const b = Buffer.alloc(16);
  let x = BigInt.asUintN(128, v);
  for (let k = 15; k >= 0; k--) {
    b[k] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

/**
 * Copies every occurrence of `marker` in `bytes` over with `replacement` (same length), in place.
 * @throws Error when the marker does not occur (a fixture that patches nothing would let a test pass vacuously).
 */
export function replaceAll(bytes: Buffer, marker: Buffer, replacement: Buffer): void {
  let n = 0;
  for (let o = bytes.indexOf(marker); o >= 0; o = bytes.indexOf(marker, o + 1)) {
    replacement.copy(bytes, o);
    n++;
  }
  if (n === 0) throw new Error('fixture: marker not found');
}

/** `from` with every `marker` replaced by `replacement`, written to `to`. */
export function patchFile(from: string, to: string, marker: Buffer, replacement: Buffer): void {
  const bytes = readFileSync(from);
  replaceAll(bytes, marker, replacement);
  writeFileSync(to, bytes);
}
