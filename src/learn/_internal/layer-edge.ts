/**
 * Edge checks of the layers' and Sequential's public methods (issue 10 class 12, "hostile parameters", on instance
 * methods: the S7 sweep `test/core/instance-method-sweep.test.ts` and the review's S18).
 *
 * Rule: `forward`, `backward`, `perExampleSquaredNorms`, `accumulateScaledGradients` and `perExampleGradient` of
 * every layer, and `Sequential`'s `predict`/`forwardBackward`/`meanLoss`, first check each argument with these
 * guards, before they read a property of it or touch the layer's state: `batch` is an integer ≥ 0, an example
 * index is in [0, batch) of the last pass, and every array is read ONCE through `edgeTypedArray`
 * (src/numeric/edge.ts), which returns a clean view of the caller's memory with the exact length the method will
 * index — a Proxy, a subclass's own `length`/`subarray`, a getter or a wrong length is `DpError INVALID_PARAMETER`
 * naming the argument, and no user code runs inside a layer afterwards. All checks are O(1) (no copy): the
 * training loop pays a few comparisons per layer per step.
 * @module
 */
import { DpError } from '../../core/index.js';
import { edgeInteger, edgeTypedArray } from '../../numeric/edge.js';

/** @internal The element types a layer's input may have. */
export const FLOAT_ARRAYS = ['Float64Array', 'Float32Array'] as const;
/** @internal The element type of gradients and outputs. */
export const FLOAT64 = ['Float64Array'] as const;

/** @internal `batch` must be an integer ≥ 0 (its size limit is size-limits.ts's business). */
export function edgeBatch(batch: unknown, name = 'batch'): asserts batch is number {
  edgeInteger(batch, name, 0, Number.MAX_SAFE_INTEGER);
}

/** @internal `i` must index an example of the last pass (a batch of `batch` rows; none before the first pass). */
export function edgeExample(i: unknown, batch: number): asserts i is number {
  if (!(typeof i === 'number' && Number.isSafeInteger(i) && i >= 0 && i < batch)) {
    throw new DpError('INVALID_PARAMETER', `i must be an integer in [0, ${batch}) (an example of the last forward/backward pass)`, {
      parameter: 'i',
    });
  }
}

/** @internal A Float32/Float64 input of exactly `length` values, as a clean view. */
export function edgeFloatInput(x: unknown, name: string, length: number): Float64Array | Float32Array {
  return edgeTypedArray(x, name, FLOAT_ARRAYS, length);
}

/** @internal A Float64Array of exactly `length` values (a gradient, scales, an output buffer), as a clean view. */
export function edgeFloat64(x: unknown, name: string, length: number): Float64Array {
  return edgeTypedArray(x, name, FLOAT64, length);
}
