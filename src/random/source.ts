/**
 * Where randomness comes from. Every sampler takes a `RandomSource`; the
 * default is the platform CSPRNG (`crypto.getRandomValues`), drawn in 64 KiB
 * blocks because a call costs about 2 µs whatever its size. The seeded source
 * for tests lives in `src/random/seeded-source.ts` (re-exported by `tsdp/testing`) and marks itself
 * `isSeeded`; only `CryptoRandomSource` counts as secure (`isSecureSource`).
 * @module
 */
import { edgeUint32Array } from '../numeric/edge.js';

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

/** The instances this module constructed itself, of exactly `CryptoRandomSource` (never a subclass). */
const genuine = new WeakSet<object>();

/**
 * The platform CSPRNG, buffered. Safe for release.
 *
 * "Secure" is proven by the library, never stated by the caller (`isSecureSource`): only an instance
 * this class constructed itself, of exactly this class (a subclass is refused at construction), with
 * its prototype and methods untouched (the prototype is frozen; the state is in private `#` fields).
 * @privacy all tsdp guarantees assume this source (or another CSPRNG).
 */
export class CryptoRandomSource implements RandomSource {
  readonly #pool = new Uint32Array(POOL_WORDS);
  #index = POOL_WORDS;
  readonly #crypto = platformCrypto();

  constructor() {
    // A subclass could override nextUint32/fill: it is never registered as secure.
    if (new.target === CryptoRandomSource) genuine.add(this);
  }

  /** Always false, and read-only (a getter on the prototype: assigning it throws in strict mode). */
  get isSeeded(): false {
    return false;
  }

  nextUint32(): number {
    if (this.#index === POOL_WORDS) {
      this.#crypto.getRandomValues(this.#pool);
      this.#index = 0;
    }
    return this.#pool[this.#index++] as number;
  }

  fill(out: Uint32Array): void {
    edgeUint32Array(out, 'out'); // S7 edge line
    let offset = 0;
    // Drain what is pooled, then fill the rest in 64 KiB calls.
    while (offset < out.length && this.#index < POOL_WORDS) out[offset++] = this.#pool[this.#index++] as number;
    while (offset < out.length) {
      const end = Math.min(out.length, offset + POOL_WORDS);
      this.#crypto.getRandomValues(out.subarray(offset, end));
      offset = end;
    }
  }
}
// Nobody replaces the methods of every instance at once.
Object.freeze(CryptoRandomSource.prototype);
Object.freeze(CryptoRandomSource);

/**
 * True only for the platform CSPRNG: an instance `CryptoRandomSource` constructed itself (not a subclass,
 * not an object given its prototype), whose prototype is still exactly `CryptoRandomSource.prototype` and
 * which has no own `nextUint32`, `fill` or `isSeeded` shadowing the frozen prototype's.
 * Every other source — seeded, hand-made, or one that merely claims `isSeeded: false` — is NOT
 * secure: what it produces must be marked `notForRelease`. Release paths call this, never read
 * `isSeeded` themselves (issue 10, item 12).
 * @param source - the source a release drew its noise from.
 * @returns whether releases drawn from it may be published.
 * @privacy a deterministic source makes the noise predictable to whoever knows its seed.
 * @example isSecureSource(defaultRandomSource()) // true
 */
export function isSecureSource(source: RandomSource): boolean {
  if (typeof source !== 'object' || source === null || !genuine.has(source)) return false;
  if (Object.getPrototypeOf(source) !== CryptoRandomSource.prototype) return false;
  for (const k of ['nextUint32', 'fill', 'isSeeded']) if (Object.hasOwn(source, k)) return false;
  return true;
}

let shared: CryptoRandomSource | undefined;

/** The process-wide CSPRNG source (created on first use). */
export function defaultRandomSource(): RandomSource {
  shared ??= new CryptoRandomSource();
  return shared;
}
