/**
 * Where a trainer's noise comes from. By default the trainer draws the bulk
 * Gaussian itself, synchronously, from its `rng`; a {@link NoiseSource} (the
 * Node worker pool of `tsdp/node`'s `createNoisePool`) may draw it elsewhere.
 * Only sources this package built and registered (a module-private WeakSet)
 * count as secure: any other object passed as `noise` — a subclass, a
 * forged prototype, a hand-made `{ fill }` — makes the run notForRelease.
 * @module
 */

/** A source of bulk Gaussian noise for DP-SGD. */
export interface NoiseSource {
  /** Fills `out` with independent N(0, scale²) values on the bulk Gaussian's grid; each draw is used once. */
  fill(out: Float64Array, scale: number): void;
  /** The largest draw it serves, when bounded (public; makePrivate refuses a model with more parameters). */
  readonly capacity?: number;
  /** True once it can serve no more draws (public; makePrivate and step() refuse a closed source before sampling). */
  readonly closed?: boolean;
}

const genuine = new WeakSet<object>();

/**
 * @internal Marks a source built by tsdp on the platform CSPRNG (called by createNoisePool only).
 */
export function registerGenuineNoiseSource(source: NoiseSource): void {
  genuine.add(source);
}

/**
 * Whether `source` is a registered tsdp noise source on the platform CSPRNG.
 * @param source - the candidate.
 * @returns true only for sources tsdp built and registered.
 * @example
 * isGenuineNoiseSource(await createNoisePool()); // true
 */
export function isGenuineNoiseSource(source: unknown): boolean {
  return typeof source === 'object' && source !== null && genuine.has(source);
}
