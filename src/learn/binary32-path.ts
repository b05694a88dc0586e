/**
 * Sequential's binary32 path (issue 12, the CNN): where a run of layers passes values that are binary32
 * numbers already, they travel between the layers as binary32 arrays in WebAssembly memory (a view of
 * the producing layer's own instance, copied by the next layer into its own) instead of binary64
 * JavaScript arrays — half the bytes, and no widening and rounding at each layer. Before, the MNIST
 * CNN's conv1 → ReLU → max pool → conv2 moved 6.4 MB of binary64 activations in and out of wasm per
 * pass of each layer (≈ 8 ms of a ≈ 41 ms step). Its segments: conv1 → ReLU → pool 1 → conv2,
 * conv2 → ReLU → pool 2 → fc1 and fc1 → ReLU → fc2; the MLP's: each Dense → ReLU → Dense.
 *
 * **A segment** is layers a..b of the stack where a and b are `product` layers (Conv2d and Dense on
 * the wasm kernels: the output and the input gradient are computed in binary32, so they are binary32
 * values, and the layer rounds what it takes — its input, its output gradient — to binary32 before
 * any use; dense.ts, dense-resident.ts), and
 * every layer strictly between is a `select` layer (ReLU) or a `route` layer (max pooling), at most
 * one `route`, at least one in all. The edges inside a segment carry binary32 both ways.
 *
 * **Why it computes the same bits** (test/learn/binary32-path.test.ts checks the whole DP step of
 * the CNN, of random conv stacks and of random MLPs, old path against new, bit for bit):
 * - forward: a's output is binary32; ReLU (max(0, x), NaN kept) and max pooling (a comparison and a
 *   copy) of binary32 values are binary32 values, and the binary32 kernels apply the same rules
 *   (`reluForward32`: f32x4.max where reluForward has f64x2.max; `poolForward32`: the same comparisons
 *   in f32x4 lanes, the first maximum winning ties and a NaN winning, the same winners); b rounds its
 *   input to binary32, the identity on these values.
 * - backward: b's input gradient is binary32. ReLU's backward (g or 0) commutes with rounding. Max
 *   pooling's backward sums, per input pixel, the gradients of the windows it won: `poolBackward32`
 *   makes those sums in binary64 in poolBackward's order and rounds each once — so the gradient
 *   reaching a is the binary32 rounding of the binary64 path's, and a rounds its output gradient to
 *   binary32 before its norm pass and its input gradient: the same Δ. One `route` only: a second
 *   would sum rounded values.
 *   (Equal values, NaN payloads aside: a NaN's bits are the platform's on either path.)
 * What changes: a Conv2d a's binary64 copy of Δ (read only by its non-private weight-gradient sum, with no
 * norm pass, and by its test oracle `perExampleGradient`) is the binary32 Δ its DP kernels use, where
 * it was the unrounded binary64 sum — the DP step, its norms and its clipped sums are unchanged.
 *
 * **ReLU fused into the pooling after it** (`reluFusions`): inside a segment, a ReLU directly followed by a max
 * pooling runs as one call of the pooling (`forward32AfterRelu`; the ReLU layer is not called): each tap is
 * max(0, v) as it is loaded — reluForward32's rule on the same binary32 values, so the same values compared
 * and the same outputs and winners — and the backward masks the routed gradient where the pre-ReLU x > 0
 * (reluBackward32's rule: max(0, x) > 0 exactly where x > 0, NaN included) in the pass that rounds it. One
 * copy and one pass of the activations less each way.
 *
 * **Fallback**: a layer whose binary32 call cannot run (its instance's memory cannot grow) returns
 * null, and Sequential reruns the segment from a on the binary64 path — the same bits (above), so
 * which path ran depends on nothing private in the result (review ML M19). The path is used only with
 * the wasm kernels (a public choice).
 * Nothing here bears on privacy by itself: the clip bounds what each trainable layer stores.
 * @module
 */
import type { FloatArray } from './kernels.js';
import type { Layer } from './layer.js';

/** @internal A layer's part in a binary32 segment (see the module's text). */
export type Binary32Role = 'product' | 'select' | 'route';

/** @internal A layer that can take and give binary32 arrays on Sequential's binary32 path. */
export interface Binary32Layer extends Layer {
  /** The layer's part in a segment; undefined: none (e.g. average pooling). */
  readonly binary32Role: Binary32Role | undefined;
  /**
   * As forward, with the output given as binary32 (a view owned by the layer, valid until its next call), or null
   * when it cannot run (nothing then depends on this call: the caller reruns on the binary64 path).
   */
  forward32(input: FloatArray, batch: number): Float32Array | null;
  /**
   * As backward, after a forward32 or a forward of this batch: the output gradient given as binary32 or binary64,
   * the input gradient as binary32 (a view owned by the layer, valid until its next call; unspecified when
   * needInputGrad is false).
   */
  backward32(outputGrad: FloatArray, batch: number, needInputGrad: boolean): Float32Array;
}

/** @internal A `route` layer that can also take the input of a ReLU just before it and apply the ReLU itself. */
export interface ReluFusingLayer extends Binary32Layer {
  /** forward32 of max(0, input); its backward32 then gives the gradient with respect to the ReLU's input. */
  forward32AfterRelu(input: FloatArray, batch: number): Float32Array | null;
}

/** @internal Layers a..b (indices in the stack) of one segment. */
export interface Binary32Segment {
  readonly start: number;
  readonly end: number;
}

let enabled = true;

/**
 * @internal Turns Sequential's binary32 path on or off (tests and benchmarks compare the two; both compute the same
 * DP step bit for bit).
 */
export function setBinary32Path(on: boolean): void {
  enabled = on === true;
}

/** @internal Whether the binary32 path is on. */
export function binary32PathEnabled(): boolean {
  return enabled;
}

function roleOf(layer: Layer): Binary32Role | undefined {
  const l = layer as Partial<Binary32Layer>;
  if (typeof l.forward32 !== 'function' || typeof l.backward32 !== 'function') return undefined;
  const role = l.binary32Role;
  return role === 'product' || role === 'select' || role === 'route' ? role : undefined;
}

/**
 * @internal The segments of a layer stack, from the layers' declared roles only (public). Two segments may share
 * a product layer (the end of one, the start of the next).
 */
export function binary32Segments(layers: readonly Layer[]): Binary32Segment[] {
  const roles = layers.map(roleOf);
  const segments: Binary32Segment[] = [];
  for (let a = 0; a < layers.length; a++) {
    if (roles[a] !== 'product') continue;
    let routes = 0;
    let b = a + 1;
    while (b < layers.length && (roles[b] === 'select' || roles[b] === 'route')) {
      if (roles[b] === 'route') routes++;
      b++;
    }
    if (b < layers.length && b > a + 1 && roles[b] === 'product' && routes <= 1) segments.push({ start: a, end: b });
  }
  return segments;
}

/**
 * @internal fused[i]: layer i is a ReLU (`select`) whose output goes straight to a max pooling i + 1 that fuses it
 * (`forward32AfterRelu`), both strictly inside one segment (so both edges around them are binary32). From the
 * layers' kinds only (public).
 */
export function reluFusions(layers: readonly Layer[], segments: readonly Binary32Segment[]): boolean[] {
  return layers.map((layer, i) => {
    const next = layers[i + 1] as Partial<ReluFusingLayer> | undefined;
    if (layer.kind !== 'relu' || roleOf(layer) !== 'select' || next === undefined) return false;
    if (roleOf(next as Layer) !== 'route' || typeof next.forward32AfterRelu !== 'function') return false;
    return segments.some((s) => s.start < i && i + 1 < s.end);
  });
}
