/**
 * Constructor options read once (review ML M7's class: issue 10 class 12,
 * "validate once at the edge and use only the snapshot", and the calculus
 * rule "the charge is the privacy map of what runs").
 *
 * Rule: a classic model's constructor reads every field of the caller's
 * options object exactly once, here, into a frozen plain object, and from
 * then on uses only that snapshot — never `options.x` again, and never keeps
 * the caller's object. A getter or Proxy that answers differently on a later
 * read then cannot make the mechanism that is priced (privacyMap, the charge)
 * differ from the mechanism that runs (fit), nor a checked value differ from
 * the used one. The rule goes all the way down (review ML M9): a nested
 * array (bounds, label bounds, feature names) is copied once, entry by entry,
 * checked on the copy, and only the frozen copy is kept (features.ts
 * `checkBounds`, `copyFeatures`). Pinned for every classic model by
 * test/models/options-read-once.test.ts (a Proxy counts reads per field over
 * construction, privacyMap and fit).
 * @module
 */
import { edgeRead } from '../../../numeric/edge.js';
import { checkObject } from '../../_internal/validate.js';

/**
 * @internal Reads the named fields of `options` once each (missing ones stay absent) into a frozen copy.
 * @param options - the caller's options object.
 * @param keys - every field the model uses.
 * @returns the snapshot.
 * @throws DpError INVALID_PARAMETER when options is not an object or reading a field throws.
 */
export function snapshotOptions<T extends object>(options: T, keys: readonly (keyof T & string)[]): Readonly<T> {
  checkObject(options, 'options');
  return edgeRead('options', () => {
    const copy: Partial<T> = {};
    for (const key of keys) {
      const value = options[key];
      if (value !== undefined) copy[key] = value;
    }
    return Object.freeze(copy) as Readonly<T>;
  });
}
