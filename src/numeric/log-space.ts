/**
 * Log-space arithmetic: sums and differences of numbers held as their logarithms, without
 * overflow or underflow. Used by the RDP and PLD accountants and the composition theorems.
 * @module
 */
import { edgeArray, edgeNumber } from './edge.js';

/** log(e^a + e^b) without overflow. */
export function logAdd(a: number, b: number): number {
  edgeNumber(a, 'a');
  edgeNumber(b, 'b');
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(e^a − e^b) for a ≥ b (−∞ when equal). */
export function logSub(a: number, b: number): number {
  edgeNumber(a, 'a');
  edgeNumber(b, 'b');
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a <= b) return Number.NEGATIVE_INFINITY;
  return a + Math.log1p(-Math.exp(b - a));
}

/** log Σ w_i e^{a_i} for positive weights w_i. */
export function logSumExp(values: readonly number[], weights?: readonly number[]): number {
  edgeArray(values, 'values', true);
  if (weights !== undefined) edgeArray(weights, 'weights', true);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const w = weights ? (weights[i] as number) : 1;
    if (w > 0 && (values[i] as number) > max) max = values[i] as number;
  }
  if (max === Number.NEGATIVE_INFINITY) return max;
  if (max === Number.POSITIVE_INFINITY) return max;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights ? (weights[i] as number) : 1;
    if (w > 0) s += w * Math.exp((values[i] as number) - max);
  }
  return max + Math.log(s);
}
