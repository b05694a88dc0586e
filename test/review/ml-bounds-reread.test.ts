/**
 * Review ML (reviewml, 2026-12-06, phase 2), finding M9 — a member of M7's class that M7's fix did not reach
 * (issue 10 class 12 "validate once at the edge and use only the snapshot"), with class-4 and class-5
 * consequences: a non-finite release, and a RangeError after the charge. Low severity (the caller's own bounds
 * object; no privacy loss shown). Owner: models (src/learn/classic/_internal/features.ts `checkBounds`).
 *
 * Where: the options snapshot (`_internal/options-snapshot.ts`, M7's fix) is shallow; `BoundedModel` then calls
 * `checkBounds(options.bounds)`, which reads every `lower[i]`/`upper[i]` in its check loop and then AGAIN in the copy
 * it keeps (`{ lower: [...b.lower], upper: [...b.upper] }`). An array (or a Proxy of one: `Array.isArray` holds)
 * whose elements answer 1 to the check and something else to the copy gives the model bounds that were never
 * checked: `upper` NaN → GaussianNB's fit throws RangeError ("NaN cannot be converted to a BigInt", exact sums)
 * after the Session was charged; `upper` +∞ → the fit releases means that are NaN (scale m = ∞).
 *
 * Rule: every nested public value is read once — copy first (each element read once into a plain array), then
 * check the copy and use only it (the same for `labelBounds`, `features`, and every array option of every
 * model); test: Proxy arrays counting element reads, each element read exactly once, for every classic model.
 */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { GaussianNB } from '../../src/learn/classic/gaussian-nb.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/index.js';

/** An array whose elements read as `values` the first `values.length` times, then as `later`. */
function flipping(values: number[], later: number): number[] {
  let reads = 0;
  return new Proxy(values, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) {
        reads++;
        return reads <= values.length ? Reflect.get(target, key, receiver) : later;
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

async function fitWith(later: number): Promise<{ code?: string; name?: string; spent: boolean; finite?: boolean }> {
  const session = Session.fromRecords([], { columns: [], budget: PrivacyBudget.pure(10) });
  let model: GaussianNB;
  try {
    model = new GaussianNB({ epsilon: 1, classes: 2, bounds: { lower: [0, 0], upper: flipping([1, 1], later) } });
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), name: (e as Error).name, spent: false };
  }
  try {
    await model.fit(
      [
        [0.2, 0.4],
        [0.9, 0.1],
        [0.5, 0.5],
      ],
      [0, 1, 1],
      { budget: session, rng: new SeededRandomSource('m9') },
    );
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), name: (e as Error).name, spent: !session.budget.spentExact.epsilon.isZero() };
  }
  const p = model.params;
  const finite = [...p.means, ...p.variances, ...p.classPrior].every((v) => Number.isFinite(v));
  return { spent: !session.budget.spentExact.epsilon.isZero(), finite };
}

describe('review ML M9: checkBounds reads each bound twice (check, then copy)', () => {
  it('control (holds): plain bounds fit, charge once and release finite parameters', async () => {
    const r = await fitWith(1);
    expect(r).toEqual({ spent: true, finite: true });
  });

  // Was BUG M9 (fixed by models: nested bounds read once): upper reads NaN in the copy → RangeError after the charge.
  it('bounds whose second read is NaN: refused at construction, or a finite release', async () => {
    const r = await fitWith(Number.NaN);
    if (r.code !== undefined) expect(r).toEqual({ code: 'INVALID_PARAMETER', name: 'DpError', spent: false });
    else expect(r.finite).toBe(true);
  });

  // Was BUG M9 (fixed by models: nested bounds read once): upper reads +∞ in the copy → the released means are NaN.
  it('bounds whose second read is +∞: refused at construction, or a finite release', async () => {
    const r = await fitWith(Number.POSITIVE_INFINITY);
    if (r.code !== undefined) expect(r).toEqual({ code: 'INVALID_PARAMETER', name: 'DpError', spent: false });
    else expect(r.finite).toBe(true);
  });
});
