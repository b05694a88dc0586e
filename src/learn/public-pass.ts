/**
 * The private trainer's public pass at makePrivate (review ML M18/M19, one class: in DP-SGD, which numeric route a
 * pass takes, or whether it is refused, is never a function of the private (Poisson) batch or chunk size).
 *
 * The rule, for every kernel tsdp/learn runs:
 * 1. **The route is public.** A layer's kernels (binary32 resident wasm, the shared wasm arena, or the binary64
 *    reference) are chosen from the kernel backend and the layer's shape only. No kernel falls back to another
 *    arithmetic because a memory could not grow for this batch: Dense runs every batch in blocks of the public
 *    DENSE_BLOCK_ROWS rows in a working set laid out once (dense-resident.ts); the shared-arena kernels
 *    (conv-ops.ts, ReLU) run their independent units in blocks when the arena cannot hold the batch, and a blocked
 *    run writes the same bits as one call (backend.ts runWasmBlocks).
 * 2. **The refusals left are public and come first.** What can still fail for want of memory — a layer's working
 *    set, one example in the arena — is a function of the shape and the platform, the same for every batch size
 *    ≥ 1. This pass runs one forward, backward, norm and clipped-sum pass on ONE all-zero row (public: no data is
 *    read) when the trainer is made, so such a refusal is raised by makePrivate, before any sampling, instead of at
 *    a step whose Poisson sample happens to be non-empty. The model's gradients are restored afterwards.
 * Tests: test/learn/route-public.test.ts (generative: memory limits, block sizes, batch sizes; bit-identical
 * clipped sums or a refusal at makePrivate), test/review/ml-dense-binary32-route.test.ts and
 * ml-conv-binary32-route.test.ts (wasm memory limited to 18 pages).
 * @module
 */
import { accumulateClippedGradients, type ClippingMode } from './ghost-clipping.js';
import type { Sequential } from './sequential.js';

/**
 * @internal Runs the model once on one all-zero row with label 0 (public values), then restores every gradient.
 * @throws whatever a pass would throw for the shape alone (DpError INTERNAL when a working set cannot be laid out).
 */
export function runPublicPass(model: Sequential, clipping: ClippingMode): void {
  const saved = model.parameters.map((p) => p.grad.slice());
  try {
    model.forwardBackward({ inputs: new Float64Array(model.inputSize), labels: new Int32Array(1), size: 1 });
    accumulateClippedGradients(model, 1, 1, clipping, new Uint8Array(1).fill(1));
  } finally {
    model.parameters.forEach((p, j) => {
      p.grad.set(saved[j] as Float64Array);
    });
  }
}
