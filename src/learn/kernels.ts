/**
 * Plain-TypeScript reference kernels for `tsdp/learn`: row-major matrix
 * multiplies (plain and with one operand transposed) and the elementwise and
 * row-wise helpers the layers and the per-example clipping need. They are the
 * test oracle for the WebAssembly SIMD kernels (`wasm/`, chosen at run time by
 * `backend.ts`), so they favour obviously-correct loops over speed.
 *
 * Conventions: every matrix is a flat `Float32Array` or `Float64Array` in
 * row-major order; the caller passes the shapes; outputs are overwritten (the
 * `accumulate` flag adds instead). Shapes are validated (lengths must match
 * exactly) because a silent out-of-range read would produce `undefined` → NaN.
 * @module
 */
import { checkDims, checkLength } from './_internal/shape.js';
import { checkFloatArray, checkNumber } from './_internal/validate.js';

/** A dense vector or row-major matrix of floats. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The one reference multiply: C (m×n) (+)= op(A)·op(B) with A(i, p) at
 * a[i·ars + p·aps] and B(p, j) at b[p·bps + j·bjs]; a zero A(i, p) is skipped
 * (0·∞ is never formed). Every reference product below is this loop with its strides.
 */
function stridedProduct(
  a: FloatArray,
  ars: number,
  aps: number,
  b: FloatArray,
  bps: number,
  bjs: number,
  c: FloatArray,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): void {
  if (!accumulate) c.fill(0);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * ars + p * aps] as number;
      if (aip === 0) continue;
      const bp = p * bps;
      for (let j = 0; j < n; j++) c[ci + j] = (c[ci + j] as number) + aip * (b[bp + j * bjs] as number);
    }
  }
}

/** Shape checks of a product: A and B hold m·k and k·n values (in whichever layout), C m·n. */
function checkProduct(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  checkDims(m, k, n);
  checkLength(a, m * k, 'a');
  checkLength(b, k * n, 'b');
  checkLength(c, m * n, 'c');
}

/**
 * C (m×n) = A (m×k) · B (k×n), or C += A·B when `accumulate`.
 * @param a - A, length m·k.
 * @param b - B, length k·n.
 * @param c - C, length m·n (written).
 * @param m - rows of A and C.
 * @param k - columns of A, rows of B.
 * @param n - columns of B and C.
 * @param accumulate - add to C instead of overwriting it.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * matmul(a, b, c, 2, 3, 4);
 */
export function matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  checkProduct(a, b, c, m, k, n);
  stridedProduct(a, k, 1, b, n, 1, c, m, k, n, accumulate);
}

/**
 * C (m×n) = Aᵀ · B where A is stored k×m and B is k×n (or C += Aᵀ·B). This is
 * the weight-gradient product Aᵀ·Δ of a dense layer (k = batch).
 * @param a - A stored k×m.
 * @param b - B, k×n.
 * @param c - C, m×n (written).
 * @param m - columns of A, rows of C.
 * @param k - rows of A and B (the summed index).
 * @param n - columns of B and C.
 * @param accumulate - add to C instead of overwriting it.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * matmulTransA(activations, deltas, weightGrad, inputSize, batch, outputSize);
 */
export function matmulTransA(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  checkProduct(a, b, c, m, k, n);
  stridedProduct(a, 1, m, b, n, 1, c, m, k, n, accumulate);
}

/**
 * C (m×n) = A · Bᵀ where A is m×k and B is stored n×k (or C += A·Bᵀ). This is
 * the input-gradient product Δ·Wᵀ of a dense layer.
 * @param a - A, m×k.
 * @param b - B stored n×k.
 * @param c - C, m×n (written).
 * @param m - rows of A and C.
 * @param k - columns of A and B (the summed index).
 * @param n - rows of B, columns of C.
 * @param accumulate - add to C instead of overwriting it.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * matmulTransB(deltas, weights, inputGrad, batch, outputSize, inputSize);
 */
export function matmulTransB(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  checkProduct(a, b, c, m, k, n);
  stridedProduct(a, k, 1, b, 1, k, c, m, k, n, accumulate);
}

/**
 * Adds the row vector `v` (length n) to every row of the m×n matrix `c`.
 * @param c - the matrix, m×n (updated in place).
 * @param v - the vector, length n.
 * @param m - rows.
 * @param n - columns.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * addRowVector(z, bias, batch, outputSize);
 */
export function addRowVector(c: FloatArray, v: FloatArray, m: number, n: number): void {
  checkDims(m, n);
  checkLength(c, m * n, 'c');
  checkLength(v, n, 'v');
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] as number) + (v[j] as number);
}

/**
 * out[j] (+)= Σ_i s_i · a[i, j]: weighted column sums of the m×n matrix `a`
 * (weights 1 when `scales` is omitted). This is the bias gradient Σ_i c_i δ_i.
 * @param a - the matrix, m×n.
 * @param m - rows.
 * @param n - columns.
 * @param out - length n (written, or added to when `accumulate`).
 * @param scales - optional row weights, length m.
 * @param accumulate - add to `out` instead of overwriting it.
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * columnSums(deltas, batch, outputSize, biasGrad);
 */
export function columnSums(a: FloatArray, m: number, n: number, out: FloatArray, scales?: FloatArray, accumulate = false): void {
  checkDims(m, n);
  checkLength(a, m * n, 'a');
  checkLength(out, n, 'out');
  if (scales) checkLength(scales, m, 'scales');
  if (!accumulate) out.fill(0);
  for (let i = 0; i < m; i++) {
    const s = scales ? (scales[i] as number) : 1;
    if (s === 0) continue;
    for (let j = 0; j < n; j++) out[j] = (out[j] as number) + s * (a[i * n + j] as number);
  }
}

/**
 * out[i] = Σ_j a[i, j]²: the squared Euclidean norm of each row.
 * @param a - the matrix, m×n.
 * @param m - rows.
 * @param n - columns.
 * @param out - length m (written).
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * rowSquaredNorms(activations, batch, inputSize, norms);
 */
export function rowSquaredNorms(a: FloatArray, m: number, n: number, out: FloatArray): void {
  checkDims(m, n);
  checkLength(a, m * n, 'a');
  checkLength(out, m, 'out');
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      const x = a[i * n + j] as number;
      s += x * x;
    }
    out[i] = s;
  }
}

/**
 * out[i, j] = s_i · a[i, j]: scales each row of `a` (out may be `a`).
 * @param a - the matrix, m×n.
 * @param scales - row factors, length m.
 * @param m - rows.
 * @param n - columns.
 * @param out - m×n (written).
 * @throws DpError INVALID_PARAMETER when a length does not match the shape.
 * @example
 * scaleRows(deltas, clipFactors, batch, outputSize, scaled);
 */
export function scaleRows(a: FloatArray, scales: FloatArray, m: number, n: number, out: FloatArray): void {
  checkDims(m, n);
  checkLength(a, m * n, 'a');
  checkLength(scales, m, 'scales');
  checkLength(out, m * n, 'out');
  for (let i = 0; i < m; i++) {
    const s = scales[i] as number;
    for (let j = 0; j < n; j++) out[i * n + j] = s * (a[i * n + j] as number);
  }
}

/**
 * y += α·x, elementwise.
 * @param alpha - the factor.
 * @param x - the added vector.
 * @param y - the vector updated in place (same length as x).
 * @throws DpError INVALID_PARAMETER when the lengths differ.
 * @example
 * axpy(-learningRate, grad, weights);
 */
export function axpy(alpha: number, x: FloatArray, y: FloatArray): void {
  checkNumber(alpha, 'alpha');
  checkFloatArray(x, 'x');
  checkFloatArray(y, 'y');
  checkLength(y, x.length, 'y');
  for (let i = 0; i < x.length; i++) y[i] = (y[i] as number) + alpha * (x[i] as number);
}

/**
 * out[i] = max(0, x[i]) (NaN stays NaN, as Math.max).
 * @param x - the input.
 * @param out - the output, same length (may be x).
 * @throws DpError INVALID_PARAMETER when the lengths differ.
 * @example
 * reluForward(z, z);
 */
export function reluForward(x: FloatArray, out: FloatArray): void {
  checkFloatArray(x, 'x');
  checkFloatArray(out, 'out');
  checkLength(out, x.length, 'out');
  for (let i = 0; i < x.length; i++) out[i] = Math.max(0, x[i] as number);
}

/**
 * out[i] = y[i] > 0 ? g[i] : 0: ReLU's backward from its output y.
 * @param y - the forward output.
 * @param g - the gradient with respect to the output.
 * @param out - the gradient with respect to the input (written; may be g).
 * @throws DpError INVALID_PARAMETER when the lengths differ.
 * @example
 * reluBackward(y, g, g);
 */
export function reluBackward(y: FloatArray, g: FloatArray, out: FloatArray): void {
  checkFloatArray(y, 'y');
  checkFloatArray(g, 'g');
  checkFloatArray(out, 'out');
  checkLength(g, y.length, 'g');
  checkLength(out, y.length, 'out');
  for (let i = 0; i < y.length; i++) out[i] = (y[i] as number) > 0 ? (g[i] as number) : 0;
}
