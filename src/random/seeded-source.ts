/**
 * A deterministic, seeded RandomSource for tests and reproducible experiments:
 * the ChaCha20 stream cipher (RFC 8439) in counter mode. NOT for releases —
 * it says so through `isSeeded`, and anyone who knows the seed knows the noise.
 * @module
 */
import { edgeUint32Array } from '../numeric/edge.js';
import { DpError } from '../numeric/errors.js';
import type { RandomSource } from './source.js';

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/**
 * The ChaCha20 block function (RFC 8439 §2.3): 20 rounds over the state
 * [constants, key (8 words), counter, nonce (3 words)], plus the input state.
 * Words are little-endian 32-bit integers.
 *
 * @param key - 8 words.
 * @param counter - the block counter word.
 * @param nonce - 3 words.
 * @param out - receives the 16 output words.
 */
export function chacha20Block(key: Uint32Array, counter: number, nonce: Uint32Array, out: Uint32Array): void {
  const s0 = SIGMA[0] as number;
  const s1 = SIGMA[1] as number;
  const s2 = SIGMA[2] as number;
  const s3 = SIGMA[3] as number;
  const k0 = key[0] as number;
  const k1 = key[1] as number;
  const k2 = key[2] as number;
  const k3 = key[3] as number;
  const k4 = key[4] as number;
  const k5 = key[5] as number;
  const k6 = key[6] as number;
  const k7 = key[7] as number;
  const c = counter >>> 0;
  const n0 = nonce[0] as number;
  const n1 = nonce[1] as number;
  const n2 = nonce[2] as number;
  let x0 = s0;
  let x1 = s1;
  let x2 = s2;
  let x3 = s3;
  let x4 = k0;
  let x5 = k1;
  let x6 = k2;
  let x7 = k3;
  let x8 = k4;
  let x9 = k5;
  let x10 = k6;
  let x11 = k7;
  let x12 = c;
  let x13 = n0;
  let x14 = n1;
  let x15 = n2;
  for (let i = 0; i < 10; i++) {
    // Column rounds.
    x0 = (x0 + x4) | 0;
    x12 = rotl(x12 ^ x0, 16);
    x8 = (x8 + x12) | 0;
    x4 = rotl(x4 ^ x8, 12);
    x0 = (x0 + x4) | 0;
    x12 = rotl(x12 ^ x0, 8);
    x8 = (x8 + x12) | 0;
    x4 = rotl(x4 ^ x8, 7);
    x1 = (x1 + x5) | 0;
    x13 = rotl(x13 ^ x1, 16);
    x9 = (x9 + x13) | 0;
    x5 = rotl(x5 ^ x9, 12);
    x1 = (x1 + x5) | 0;
    x13 = rotl(x13 ^ x1, 8);
    x9 = (x9 + x13) | 0;
    x5 = rotl(x5 ^ x9, 7);
    x2 = (x2 + x6) | 0;
    x14 = rotl(x14 ^ x2, 16);
    x10 = (x10 + x14) | 0;
    x6 = rotl(x6 ^ x10, 12);
    x2 = (x2 + x6) | 0;
    x14 = rotl(x14 ^ x2, 8);
    x10 = (x10 + x14) | 0;
    x6 = rotl(x6 ^ x10, 7);
    x3 = (x3 + x7) | 0;
    x15 = rotl(x15 ^ x3, 16);
    x11 = (x11 + x15) | 0;
    x7 = rotl(x7 ^ x11, 12);
    x3 = (x3 + x7) | 0;
    x15 = rotl(x15 ^ x3, 8);
    x11 = (x11 + x15) | 0;
    x7 = rotl(x7 ^ x11, 7);
    // Diagonal rounds.
    x0 = (x0 + x5) | 0;
    x15 = rotl(x15 ^ x0, 16);
    x10 = (x10 + x15) | 0;
    x5 = rotl(x5 ^ x10, 12);
    x0 = (x0 + x5) | 0;
    x15 = rotl(x15 ^ x0, 8);
    x10 = (x10 + x15) | 0;
    x5 = rotl(x5 ^ x10, 7);
    x1 = (x1 + x6) | 0;
    x12 = rotl(x12 ^ x1, 16);
    x11 = (x11 + x12) | 0;
    x6 = rotl(x6 ^ x11, 12);
    x1 = (x1 + x6) | 0;
    x12 = rotl(x12 ^ x1, 8);
    x11 = (x11 + x12) | 0;
    x6 = rotl(x6 ^ x11, 7);
    x2 = (x2 + x7) | 0;
    x13 = rotl(x13 ^ x2, 16);
    x8 = (x8 + x13) | 0;
    x7 = rotl(x7 ^ x8, 12);
    x2 = (x2 + x7) | 0;
    x13 = rotl(x13 ^ x2, 8);
    x8 = (x8 + x13) | 0;
    x7 = rotl(x7 ^ x8, 7);
    x3 = (x3 + x4) | 0;
    x14 = rotl(x14 ^ x3, 16);
    x9 = (x9 + x14) | 0;
    x4 = rotl(x4 ^ x9, 12);
    x3 = (x3 + x4) | 0;
    x14 = rotl(x14 ^ x3, 8);
    x9 = (x9 + x14) | 0;
    x4 = rotl(x4 ^ x9, 7);
  }
  out[0] = x0 + s0;
  out[1] = x1 + s1;
  out[2] = x2 + s2;
  out[3] = x3 + s3;
  out[4] = x4 + k0;
  out[5] = x5 + k1;
  out[6] = x6 + k2;
  out[7] = x7 + k3;
  out[8] = x8 + k4;
  out[9] = x9 + k5;
  out[10] = x10 + k6;
  out[11] = x11 + k7;
  out[12] = x12 + c;
  out[13] = x13 + n0;
  out[14] = x14 + n1;
  out[15] = x15 + n2;
}

/** The seed types accepted by {@link SeededRandomSource}. */
export type Seed = number | bigint | Uint8Array | string;

const TAG_INTEGER = 1;
const TAG_STRING = 2;
const TAG_BYTES = 3;

function seedBytes(seed: Seed): { bytes: Uint8Array; tag: number } {
  if (typeof seed === 'number' || typeof seed === 'bigint') {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
      throw new DpError('INVALID_PARAMETER', 'a numeric seed must be a safe integer ≥ 0', {
        parameter: 'seed',
        expected: 'an integer ≥ 0',
      });
    }
    let v = BigInt(seed);
    if (v < 0n) throw new DpError('INVALID_PARAMETER', 'a numeric seed must be ≥ 0', { parameter: 'seed', expected: 'an integer ≥ 0' });
    const out: number[] = [];
    while (v > 0n) {
      out.push(Number(v & 0xffn));
      v >>= 8n;
    }
    return { bytes: Uint8Array.from(out), tag: TAG_INTEGER };
  }
  if (typeof seed === 'string') return { bytes: new TextEncoder().encode(seed), tag: TAG_STRING };
  if (seed instanceof Uint8Array) return { bytes: seed, tag: TAG_BYTES };
  throw new DpError('INVALID_PARAMETER', 'seed must be a number, bigint, string or Uint8Array', { parameter: 'seed' });
}

/**
 * Derives the 256-bit key from a seed. Documented so that other
 * implementations can reproduce a stream: the seed's bytes (a non-negative
 * integer in little-endian order, a string in UTF-8, or the bytes as given) are
 * split into 32-byte chunks (the last zero-padded; none for an empty seed);
 * starting from the all-zero key, each chunk is XORed into the key and the key
 * is replaced by the first 8 words of ChaCha20(key, counter 0,
 * nonce [chunk index, total length, type tag 1|2|3]); with no chunks, one such
 * step with an all-zero chunk is taken.
 */
function deriveKey(seed: Seed): Uint32Array {
  const { bytes, tag } = seedBytes(seed);
  const key = new Uint32Array(8);
  const block = new Uint32Array(16);
  const nonce = new Uint32Array(3);
  const chunks = Math.max(1, Math.ceil(bytes.length / 32));
  for (let c = 0; c < chunks; c++) {
    for (let i = 0; i < 32; i++) {
      const b = bytes[c * 32 + i] ?? 0;
      const wordIndex = i >> 2;
      key[wordIndex] = ((key[wordIndex] as number) ^ (b << (8 * (i & 3)))) >>> 0;
    }
    nonce[0] = c;
    nonce[1] = bytes.length;
    nonce[2] = tag;
    chacha20Block(key, 0, nonce, block);
    key.set(block.subarray(0, 8));
  }
  return key;
}

const BLOCKS_PER_REFILL = 64; // 4 KiB of stream per refill

/**
 * A seeded, deterministic RandomSource: the keystream of ChaCha20 (RFC 8439)
 * with a 256-bit key derived from the seed (see the derivation in the source),
 * nonce (0, 0, 0), and a 64-bit block counter (low word in the counter
 * position, high word in the first nonce word). The 32-bit words are the
 * keystream's little-endian words in order.
 *
 * Same seed, same stream, on every platform. `isSeeded` is true: anything it
 * produces is reproducible by whoever knows the seed and is not for release.
 *
 * @example
 * const rng = new SeededRandomSource(42);
 * sampleDiscreteLaplace(Rational.of(10n), rng); // the same value on every run
 */
export class SeededRandomSource implements RandomSource {
  /** Always true, and read-only. */
  get isSeeded(): true {
    return true;
  }
  private readonly key: Uint32Array;
  private readonly nonce = new Uint32Array(3);
  private readonly block = new Uint32Array(16);
  private readonly pool = new Uint32Array(16 * BLOCKS_PER_REFILL);
  private index = 16 * BLOCKS_PER_REFILL;
  private counterLow = 0;
  private counterHigh = 0;

  /**
   * @param seed - a safe integer ≥ 0, a BigInt ≥ 0, a string or bytes.
   * @throws DpError INVALID_PARAMETER for negative or non-integer numeric seeds.
   */
  constructor(seed: Seed) {
    this.key = deriveKey(seed);
  }

  private refill(): void {
    for (let b = 0; b < BLOCKS_PER_REFILL; b++) {
      this.nonce[0] = this.counterHigh;
      chacha20Block(this.key, this.counterLow, this.nonce, this.block);
      this.pool.set(this.block, b * 16);
      this.counterLow = (this.counterLow + 1) >>> 0;
      if (this.counterLow === 0) this.counterHigh = (this.counterHigh + 1) >>> 0;
    }
    this.index = 0;
  }

  /** The next keystream word. */
  nextUint32(): number {
    if (this.index === this.pool.length) this.refill();
    return this.pool[this.index++] as number;
  }

  /** Fills `out` with the next keystream words. */
  fill(out: Uint32Array): void {
    edgeUint32Array(out, 'out'); // S7 edge line
    let offset = 0;
    while (offset < out.length) {
      if (this.index === this.pool.length) this.refill();
      const take = Math.min(out.length - offset, this.pool.length - this.index);
      out.set(this.pool.subarray(this.index, this.index + take), offset);
      this.index += take;
      offset += take;
    }
  }
}
