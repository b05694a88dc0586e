/** The fast Walsh–Hadamard transform (Sylvester order). @module */

/** In-place fast Walsh–Hadamard transform of a vector whose length is a power of two. */
export function walshHadamard(x: Float64Array): void {
  const n = x.length;
  for (let len = 1; len < n; len <<= 1) {
    for (let i = 0; i < n; i += len << 1) {
      for (let j = i; j < i + len; j++) {
        const u = x[j] as number;
        const v = x[j + len] as number;
        x[j] = u + v;
        x[j + len] = u - v;
      }
    }
  }
}
