/**
 * Scores shared by the classic models (post-processing, not releases):
 * accuracy, R², and the arg-max of probability rows.
 * @module
 */
import { DpError } from '../../core/index.js';

/**
 * The class of highest probability in each row of a rows×k array.
 * @param proba - row-major probabilities.
 * @param k - classes per row.
 * @returns one class per row (the lowest index on ties).
 * @throws DpError INVALID_PARAMETER when k does not divide the length.
 * @privacy post-processing.
 * @example
 * argmaxRows(Float64Array.of(0.2, 0.8), 2); // Int32Array [1]
 */
export function argmaxRows(proba: Float64Array, k: number): Int32Array {
  if (!(Number.isSafeInteger(k) && k >= 1 && proba.length % k === 0))
    throw new DpError('INVALID_PARAMETER', 'k must divide the length', { parameter: 'k' });
  const rows = proba.length / k;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((proba[r * k + c] as number) > (proba[r * k + best] as number)) best = c;
    out[r] = best;
  }
  return out;
}

/**
 * The fraction of rows whose prediction equals the label.
 * @param predicted - predicted classes.
 * @param labels - true labels (same length).
 * @returns accuracy in [0, 1] (0 for no rows).
 * @throws DpError INVALID_PARAMETER on different lengths.
 * @privacy not a release: evaluates on the data given.
 * @example
 * accuracy(Int32Array.of(1, 0), Float64Array.of(1, 1)); // 0.5
 */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkArrayLike(predicted, 'predicted');
  checkArrayLike(labels, 'labels');
  if (predicted.length !== labels.length)
    throw new DpError('INVALID_PARAMETER', 'predictions and labels differ in length', { parameter: 'labels' });
  let right = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) right++;
  return predicted.length === 0 ? 0 : right / predicted.length;
}

/**
 * The coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)².
 * @param predicted - predictions.
 * @param labels - targets (same length).
 * @returns R² (0 when the targets are constant).
 * @throws DpError INVALID_PARAMETER on different lengths.
 * @privacy not a release.
 * @example
 * rSquared(Float64Array.of(1, 2), Float64Array.of(1, 2)); // 1
 */
export function rSquared(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkArrayLike(predicted, 'predicted');
  checkArrayLike(labels, 'labels');
  if (predicted.length !== labels.length)
    throw new DpError('INVALID_PARAMETER', 'predictions and labels differ in length', { parameter: 'labels' });
  const n = labels.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += labels[i] as number;
  mean /= n || 1;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += ((labels[i] as number) - (predicted[i] as number)) ** 2;
    ssTot += ((labels[i] as number) - mean) ** 2;
  }
  return ssTot === 0 ? 0 : 1 - ssRes / ssTot;
}

/**
 * Refuses anything that is not an array-like of numbers' shape (validation at the edge: no TypeError escapes).
 * @param x - the argument.
 * @param name - its name for the error.
 * @throws DpError INVALID_PARAMETER when `x` is not an object with a whole-number length.
 */
function checkArrayLike(x: unknown, name: string): asserts x is ArrayLike<number> {
  const length = typeof x === 'object' && x !== null ? (x as { length?: unknown }).length : undefined;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)
    throw new DpError('INVALID_PARAMETER', `${name} must be an array of numbers`, { parameter: name });
}
