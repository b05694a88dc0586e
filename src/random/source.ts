/**
 * Where randomness comes from. Every sampler takes a `RandomSource`; the
 * default is the platform CSPRNG (`crypto.getRandomValues`), drawn in 64 KiB
 * blocks because a call costs about 2 µs whatever its size. The seeded source
 * for tests lives in `tsdp/testing` and marks itself `isSeeded`.
 * @module
 */

/** A source of uniformly random 32-bit words. */
export interface RandomSource {
  /** True for deterministic sources: their outputs are not for release. */
  readonly isSeeded: boolean;
  /** A uniform integer in [0, 2³²). */
  nextUint32(): number;
  /** Fills `out` with uniform 32-bit words. */
  fill(out: Uint32Array): void;
}

const POOL_WORDS = 16_384; // 64 KiB, the most getRandomValues accepts per call

interface WebCrypto {
  getRandomValues<T extends ArrayBufferView>(array: T): T;
}

function platformCrypto(): WebCrypto {
  const c = (globalThis as { crypto?: WebCrypto }).crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new Error('tsdp needs crypto.getRandomValues (Node ≥ 20 or a browser)');
  }
  return c;
}

/**
 * The platform CSPRNG, buffered. Safe for release.
 * @privacy all tsdp guarantees assume this source (or another CSPRNG).
 */
export class CryptoRandomSource implements RandomSource {
  readonly isSeeded = false;
  private readonly pool = new Uint32Array(POOL_WORDS);
  private index = POOL_WORDS;
  private readonly crypto = platformCrypto();

  nextUint32(): number {
    if (this.index === POOL_WORDS) {
      this.crypto.getRandomValues(this.pool);
      this.index = 0;
    }
    return this.pool[this.index++] as number;
  }

  fill(out: Uint32Array): void {
    let offset = 0;
    // Drain what is pooled, then fill the rest in 64 KiB calls.
    while (offset < out.length && this.index < POOL_WORDS) out[offset++] = this.pool[this.index++] as number;
    while (offset < out.length) {
      const end = Math.min(out.length, offset + POOL_WORDS);
      this.crypto.getRandomValues(out.subarray(offset, end));
      offset = end;
    }
  }
}

let shared: CryptoRandomSource | undefined;

/** The process-wide CSPRNG source (created on first use). */
export function defaultRandomSource(): RandomSource {
  shared ??= new CryptoRandomSource();
  return shared;
}
