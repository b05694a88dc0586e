/**
 * The small dense linear algebra RAPPOR's decoder needs: Cholesky
 * factorization of a symmetric positive-definite matrix, solves with it, and
 * non-negative least squares (Lawson & Hanson 1974, active set) on the
 * normal equations. Matrices are row-major Float64Arrays.
 * @module
 */

/**
 * Lower-triangular L with G = L Lᵀ, or null when G (n×n) is not numerically
 * positive definite (a pivot ≤ 1e-10 × the largest diagonal entry).
 */
export function cholesky(g: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(g[i * n + i] as number));
  const tolerance = 1e-10 * (maxDiag || 1);
  for (let j = 0; j < n; j++) {
    let d = g[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (l[j * n + k] as number) ** 2;
    if (!(d > tolerance)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = g[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L Lᵀ x = b for x (b of length n). */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = s / (l[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}

/** The submatrix of g (n×n) on the index set `idx`. */
function principal(g: Float64Array, n: number, idx: readonly number[]): Float64Array {
  const s = idx.length;
  const out = new Float64Array(s * s);
  for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) out[a * s + b] = g[(idx[a] as number) * n + (idx[b] as number)] as number;
  return out;
}

/**
 * Non-negative least squares: minimizes ‖Ax − b‖² subject to x ≥ 0, given
 * the Gram matrix G = AᵀA (n×n) and h = Aᵀb. Lawson–Hanson active-set
 * method; returns x (zeros outside the selected set).
 */
export function nnls(g: Float64Array, h: Float64Array, n: number, maxIterations = 3 * n + 10): Float64Array {
  const x = new Float64Array(n);
  const passive = new Uint8Array(n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(h[i] as number));
  const tolerance = 1e-12 * (scale || 1);
  const gradient = () => {
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = h[i] as number;
      for (let j = 0; j < n; j++) s -= (g[i * n + j] as number) * (x[j] as number);
      w[i] = s;
    }
    return w;
  };
  for (let outer = 0; outer < maxIterations; outer++) {
    const w = gradient();
    let best = -1;
    let bestValue = tolerance;
    for (let i = 0; i < n; i++) {
      if (!passive[i] && (w[i] as number) > bestValue) {
        best = i;
        bestValue = w[i] as number;
      }
    }
    if (best < 0) break;
    passive[best] = 1;
    for (let inner = 0; inner < maxIterations; inner++) {
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (passive[i]) idx.push(i);
      const l = cholesky(principal(g, n, idx), idx.length);
      if (l === null) {
        // A dependent column entered: take it out again and stop growing.
        passive[best] = 0;
        return x;
      }
      const z = choleskySolve(
        l,
        idx.length,
        idx.map((i) => h[i] as number),
      );
      let allPositive = true;
      for (let a = 0; a < idx.length; a++) if ((z[a] as number) <= 0) allPositive = false;
      if (allPositive) {
        for (let a = 0; a < idx.length; a++) x[idx[a] as number] = z[a] as number;
        break;
      }
      // Step from x toward z as far as feasibility allows, then drop the zeros.
      let alpha = 1;
      for (let a = 0; a < idx.length; a++) {
        const i = idx[a] as number;
        const zi = z[a] as number;
        if (zi <= 0) {
          const xi = x[i] as number;
          const step = xi / (xi - zi);
          if (step < alpha) alpha = step;
        }
      }
      for (let a = 0; a < idx.length; a++) {
        const i = idx[a] as number;
        x[i] = (x[i] as number) + alpha * ((z[a] as number) - (x[i] as number));
        if ((x[i] as number) <= tolerance) {
          x[i] = 0;
          passive[i] = 0;
        }
      }
    }
  }
  return x;
}
