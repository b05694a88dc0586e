/**
 * Materialised per-example gradients: the reference the ghost-norm clipping
 * is tested against, and (later) the route for layers where materialising is
 * cheaper than the ghost algebra (small convolutions).
 * @module
 */
import { DpError } from '../core/index.js';
import { Sequential } from './sequential.js';

/**
 * Example i's full gradient, flattened over the trainable layers' parameters
 * in model order, after `model.forwardBackward(batch)`.
 * @param model - the model, after a forward/backward pass.
 * @param i - the example's row in that batch.
 * @returns the gradient, length model.parameterCount.
 * @throws DpError INVALID_PARAMETER when i is not a row index.
 * @privacy private: one example's gradient; never release it.
 * @example
 * model.forwardBackward(batch);
 * const g0 = perExampleGradient(model, 0);
 */
export function perExampleGradient(model: Sequential, i: number): Float64Array {
  if (!Number.isSafeInteger(i) || i < 0) throw new DpError('INVALID_PARAMETER', 'i must be a row index', { parameter: 'i' });
  if (!(model instanceof Sequential)) throw new DpError('INVALID_PARAMETER', 'model must be a Sequential', { parameter: 'model' });
  const out = new Float64Array(model.parameterCount);
  let offset = 0;
  for (const layer of model.trainable) {
    const size = layer.parameters.reduce((s, p) => s + p.value.length, 0);
    layer.perExampleGradient(i, out.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}
