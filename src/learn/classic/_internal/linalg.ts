/**
 * Small dense linear algebra for the classic models (d ≤ a few hundred):
 * a symmetric eigendecomposition (cyclic Jacobi: slow, O(d³) per sweep, but
 * simple and accurate to rounding) and a solver for symmetric positive
 * definite systems (Cholesky). Post-processing only: they never see raw rows,
 * only released statistics or a model's own iterates.
 * @module
 */

/** @internal Eigenvalues (descending) and eigenvectors (column j of `vectors`, row-major d×d) of a symmetric matrix. */
export function symmetricEigen(matrix: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let norm = 0;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        const x = a[i * d + j] as number;
        norm += x * x;
        if (i !== j) off += x * x;
      }
    if (off <= 1e-30 * norm || off === 0) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * d + p] as number;
        const aqq = a[q * d + q] as number;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p] as number;
          const akq = a[k * d + q] as number;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k] as number;
          const aqk = a[q * d + k] as number;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p] as number;
          const vkq = v[k * d + q] as number;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => (a[j * d + j] as number) - (a[i * d + i] as number));
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((src, dst) => {
    values[dst] = a[src * d + src] as number;
    for (let k = 0; k < d; k++) vectors[k * d + dst] = v[k * d + src] as number;
  });
  return { values, vectors };
}

/**
 * @internal The symmetric matrix with its eigenvalues raised to at least `floor`
 * (the nearest such matrix in Frobenius norm): makes a noisy Gram matrix positive definite.
 */
export function raiseEigenvalues(matrix: Float64Array, d: number, floor: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const lambda = Math.max(values[k] as number, floor);
    for (let i = 0; i < d; i++) {
      const vik = (vectors[i * d + k] as number) * lambda;
      if (vik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] = (out[i * d + j] as number) + vik * (vectors[j * d + k] as number);
    }
  }
  return out;
}

/** @internal Solves A x = b for symmetric positive definite A (Cholesky); adds a tiny jitter if a pivot is not positive. */
export function solveSpd(matrix: Float64Array, b: Float64Array, d: number): Float64Array {
  let jitter = 0;
  for (let attempt = 0; attempt < 30; attempt++) {
    const l = new Float64Array(d * d);
    let ok = true;
    for (let i = 0; i < d && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = (matrix[i * d + j] as number) + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) sum -= (l[i * d + k] as number) * (l[j * d + k] as number);
        if (i === j) {
          if (!(sum > 0)) {
            ok = false;
            break;
          }
          l[i * d + i] = Math.sqrt(sum);
        } else l[i * d + j] = sum / (l[j * d + j] as number);
      }
    }
    if (ok) {
      const y = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        let sum = b[i] as number;
        for (let k = 0; k < i; k++) sum -= (l[i * d + k] as number) * (y[k] as number);
        y[i] = sum / (l[i * d + i] as number);
      }
      const x = new Float64Array(d);
      for (let i = d - 1; i >= 0; i--) {
        let sum = y[i] as number;
        for (let k = i + 1; k < d; k++) sum -= (l[k * d + i] as number) * (x[k] as number);
        x[i] = sum / (l[i * d + i] as number);
      }
      return x;
    }
    let scale = 0;
    for (let i = 0; i < d; i++) scale = Math.max(scale, Math.abs(matrix[i * d + i] as number));
    jitter = jitter === 0 ? Math.max(1e-12, scale * 1e-12) : jitter * 10;
  }
  return new Float64Array(d);
}
