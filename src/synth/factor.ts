/**
 * Dense factors over a few discrete attributes: a strided `Float64Array`
 * (row-major, the last attribute fastest) with the operations estimation and
 * sampling need — projection (sum or log-sum-exp), broadcast addition, and
 * the aligned-stride walk they share. Attributes are column indices, always
 * kept sorted ascending so that two factors over the same set agree.
 * @module
 */

/** A table over the attributes `attrs` (sorted column indices) with sizes `shape`. */
export interface Factor {
  readonly attrs: readonly number[];
  readonly shape: readonly number[];
  readonly values: Float64Array;
}

/** The number of cells of a table with `shape`. */
export function cellCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * A factor of zeros over `attrs`.
 * @param attrs - the attributes (sorted ascending, no repeats).
 * @param sizes - the size of every attribute of the domain (indexed by attribute).
 * @returns the factor.
 */
export function zeroFactor(attrs: readonly number[], sizes: readonly number[]): Factor {
  const shape = attrs.map((a) => sizes[a] as number);
  return { attrs: [...attrs], shape, values: new Float64Array(cellCount(shape)) };
}

/**
 * For each axis of `big`, the stride of that attribute in `small`'s layout, or 0 when
 * `small` lacks it. Walking `big`'s cells with these strides gives each cell's cell in `small`.
 */
export function alignedStrides(big: readonly number[], small: readonly number[], smallShape: readonly number[]): number[] {
  const own: number[] = new Array(small.length);
  let s = 1;
  for (let k = small.length - 1; k >= 0; k--) {
    own[k] = s;
    s *= smallShape[k] as number;
  }
  return big.map((a) => {
    const k = small.indexOf(a);
    return k < 0 ? 0 : (own[k] as number);
  });
}

/**
 * For every cell of a table with `shape`, the offset of the matching cell under `strides`
 * (an odometer walk; no allocation per cell).
 */
export function alignedIndex(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = cellCount(shape);
  const out = new Int32Array(n);
  const d = shape.length;
  if (d === 0) return out;
  const counter = new Int32Array(d);
  let j = 0;
  for (let i = 0; i < n; i++) {
    out[i] = j;
    let k = d - 1;
    for (;;) {
      counter[k] = (counter[k] as number) + 1;
      j += strides[k] as number;
      if ((counter[k] as number) < (shape[k] as number)) break;
      j -= (strides[k] as number) * (shape[k] as number);
      counter[k] = 0;
      k--;
      if (k < 0) break;
    }
  }
  return out;
}

const indexCache = new Map<string, Int32Array>();

/** `alignedIndex` of `small` inside `big`, memoised on the attribute lists and shapes (public structure only). */
export function projectionIndex(
  big: Factor | { attrs: readonly number[]; shape: readonly number[] },
  smallAttrs: readonly number[],
): Int32Array {
  const smallShape = smallAttrs.map((a) => big.shape[big.attrs.indexOf(a)] as number);
  const key = `${big.attrs.join(',')}|${big.shape.join(',')}|${smallAttrs.join(',')}`;
  let idx = indexCache.get(key);
  if (!idx) {
    idx = alignedIndex(big.shape, alignedStrides(big.attrs, smallAttrs, smallShape));
    if (indexCache.size > 4096) indexCache.clear();
    indexCache.set(key, idx);
  }
  return idx;
}

function subShape(f: Factor, attrs: readonly number[]): number[] {
  return attrs.map((a) => {
    const k = f.attrs.indexOf(a);
    if (k < 0) throw new Error(`internal: attribute ${a} is not in the factor`);
    return f.shape[k] as number;
  });
}

/**
 * Sums `f` onto the attributes `attrs` (a sorted subset of `f.attrs`).
 * @param f - the factor.
 * @param attrs - the attributes to keep.
 * @returns the projected factor.
 */
export function sumProject(f: Factor, attrs: readonly number[]): Factor {
  const shape = subShape(f, attrs);
  const out = new Float64Array(cellCount(shape));
  const idx = projectionIndex(f, attrs);
  const v = f.values;
  for (let i = 0; i < v.length; i++) {
    const j = idx[i] as number;
    out[j] = (out[j] as number) + (v[i] as number);
  }
  return { attrs: [...attrs], shape, values: out };
}

/**
 * log Σ exp of `f` onto the attributes `attrs` (a sorted subset of `f.attrs`), stable
 * (each output cell shifted by its own maximum).
 * @param f - the factor of logs.
 * @param attrs - the attributes to keep.
 * @returns the projected factor of logs.
 */
export function logSumProject(f: Factor, attrs: readonly number[]): Factor {
  const shape = subShape(f, attrs);
  const m = cellCount(shape);
  const max = new Float64Array(m).fill(Number.NEGATIVE_INFINITY);
  const idx = projectionIndex(f, attrs);
  const v = f.values;
  for (let i = 0; i < v.length; i++) {
    const j = idx[i] as number;
    if ((v[i] as number) > (max[j] as number)) max[j] = v[i] as number;
  }
  const sum = new Float64Array(m);
  for (let i = 0; i < v.length; i++) {
    const j = idx[i] as number;
    const mj = max[j] as number;
    if (mj !== Number.NEGATIVE_INFINITY) sum[j] = (sum[j] as number) + Math.exp((v[i] as number) - mj);
  }
  for (let j = 0; j < m; j++) {
    const mj = max[j] as number;
    sum[j] = mj === Number.NEGATIVE_INFINITY ? mj : mj + Math.log(sum[j] as number);
  }
  return { attrs: [...attrs], shape, values: sum };
}

/**
 * Adds `scale · small` into `big` in place, broadcast over the attributes `small` lacks.
 * @param big - the factor written to.
 * @param small - a factor over a subset of `big.attrs`.
 * @param scale - the multiplier (default 1).
 */
export function addInto(big: Factor, small: Factor, scale = 1): void {
  const idx = projectionIndex(big, small.attrs);
  const b = big.values;
  const s = small.values;
  for (let i = 0; i < b.length; i++) b[i] = (b[i] as number) + scale * (s[idx[i] as number] as number);
}

/** A copy of `f` with its own values array. */
export function copyFactor(f: Factor): Factor {
  return { attrs: f.attrs, shape: f.shape, values: Float64Array.from(f.values) };
}

/** True when `sub` ⊆ `set` (both sorted or not). */
export function isSubset(sub: readonly number[], set: readonly number[]): boolean {
  return sub.every((a) => set.includes(a));
}

/**
 * The index of the smallest (fewest cells) of `sets` that contains `attrs`, or −1 when none does.
 * A marginal over `attrs` is the same projected from any calibrated clique that holds them, and a log-potential
 * over `attrs` adds the same term to the joint in any clique that holds it; the smallest such clique makes that
 * projection or addition cheapest (on AIM's large models, the first one found is often 50× larger).
 */
export function smallestHolding(sets: readonly (readonly number[])[], sizes: readonly number[], attrs: readonly number[]): number {
  let best = -1;
  let bestCells = Number.POSITIVE_INFINITY;
  sets.forEach((set, i) => {
    if (!isSubset(attrs, set)) return;
    const cells = cellCount(set.map((a) => sizes[a] as number));
    if (cells < bestCells) {
      best = i;
      bestCells = cells;
    }
  });
  return best;
}
