/**
 * xxHash32 (Yann Collet, BSD-2) — a fast, seeded, non-cryptographic hash. Used
 * for the public hash functions of count-mean-sketch, Hadamard
 * count-mean-sketch and RAPPOR's Bloom filters, where the protocols assume
 * hash functions that behave like random ones (the analysis of Apple 2017 and
 * Erlingsson et al. 2014). Privacy never depends on the hash: only utility.
 * @module
 */

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
}

function avalanche(h0: number): number {
  let h = h0;
  h = Math.imul(h ^ (h >>> 15), P2);
  h = Math.imul(h ^ (h >>> 13), P3);
  return (h ^ (h >>> 16)) >>> 0;
}

/** xxHash32 of `bytes` with a 32-bit `seed`; returns an unsigned 32-bit integer. */
export function xxHash32(bytes: Uint8Array, seed: number): number {
  const len = bytes.length;
  let i = 0;
  let h: number;
  const word = (at: number) =>
    (bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24) | 0;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    while (i + 16 <= len) {
      v1 = round(v1, word(i));
      v2 = round(v2, word(i + 4));
      v3 = round(v3, word(i + 8));
      v4 = round(v4, word(i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  while (i + 4 <= len) {
    h = Math.imul(rotl((h + Math.imul(word(i), P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < len) {
    h = Math.imul(rotl((h + Math.imul(bytes[i] as number, P5)) | 0, 11), P1);
    i++;
  }
  return avalanche(h);
}

/** xxHash32 of one unsigned 32-bit integer (its 4 little-endian bytes), without allocating. */
export function xxHash32Uint(value: number, seed: number): number {
  let h = (seed + P5 + 4) | 0;
  h = Math.imul(rotl((h + Math.imul(value | 0, P3)) | 0, 17), P4);
  return avalanche(h);
}

const encoder = new TextEncoder();
let buffer = new Uint8Array(256);

/** xxHash32 of a string's UTF-8 bytes (encoded into a reused buffer). */
export function xxHash32String(text: string, seed: number): number {
  // A UTF-16 code unit is at most 3 UTF-8 bytes.
  if (buffer.length < 3 * text.length) buffer = new Uint8Array(3 * text.length);
  const { written } = encoder.encodeInto(text, buffer);
  return xxHash32(buffer.subarray(0, written), seed);
}

/**
 * The hash of a protocol value: integers in [0, 2³²) hash as 4 bytes, strings
 * as UTF-8 (so `5` and `'5'` are different values).
 */
export function hashValue(value: string | number, seed: number): number {
  return typeof value === 'number' ? xxHash32Uint(value, seed) : xxHash32String(value, seed);
}

/** ⌊h · n / 2³²⌋: maps a 32-bit hash to [0, n) (Lemire's multiply-shift range reduction). */
export function reduce(hash: number, n: number): number {
  return Math.floor((hash * n) / 4294967296);
}
