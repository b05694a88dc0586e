// AssemblyScript source of tsdp/learn's WebAssembly SIMD kernels (binary64, f64x2; the convolution's
// forward, input gradient and materialised per-example gradients, and Dense's forward and input
// gradient, in binary32, f32x4 — conv-ops.ts and dense-binary32.proof.md say why that is safe). Built by src/learn/wasm/assembly/build.mjs into src/learn/wasm/kernels-wasm.ts
// (base64); test/learn/wasm-build.test.ts rebuilds it and compares byte for byte. One file of ~750
// lines, above the house's ~500: asc builds one entry file, and the byte-for-byte check covers it whole.
// Memory: the caller (src/learn/wasm/wasm-kernels.ts) owns the linear memory above heapBase();
// every pointer is a byte offset, every matrix row-major (binary64 unless a section says binary32);
// pointers are 16-byte aligned.
// The plain-TypeScript kernels in src/learn/kernels.ts are the oracle these are tested against.

const KC: i32 = 256; // rows of a packed B panel (the summed index)
const NC: i32 = 64; // columns of a packed B panel

// c + a·b lane by lane, the micro-kernels' one step. Built twice from this file (build.mjs): without
// relaxed SIMD it is a multiply then an add (two roundings, every platform the same bits); with it,
// relaxed_madd, which a platform may fuse (one rounding: x86 with FMA3, ARM64) or not. Only the
// products' micro-kernels use it — never a squared norm or a clip factor (dense-binary32.proof.md,
// "Relaxed SIMD").
@inline
function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

@inline
function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

export function heapBase(): usize {
  return __heap_base;
}

/** Bytes of scratch the packed panel needs. */
export function packBytes(): i32 {
  return KC * (NC + 4) * 8;
}

// Packs B(p, j) for p in [pc, pc+kc), j in [jc, jc+nc), where B(p, j) is at
// b + p*bps + j*bjs, times rowScale[p] when rowScale != 0, into blocks of four
// columns: pack[(jb/4)*kc*4 + (p-pc)*4 + t], zero-padded past nc.
function packB(b: usize, bps: usize, bjs: usize, rowScale: usize, pc: i32, kc: i32, jc: i32, nc: i32, pack: usize): void {
  for (let jb: i32 = 0; jb < nc; jb += 4) {
    const nr = min(4, nc - jb);
    let dst = pack + <usize>(jb * kc * 8);
    for (let p: i32 = 0; p < kc; p++) {
      const src = b + <usize>(pc + p) * bps + <usize>(jc + jb) * bjs;
      const s: f64 = rowScale != 0 ? load<f64>(rowScale + (<usize>(pc + p) << 3)) : 1.0;
      if (nr == 4 && bjs == 8) {
        const v0 = v128.load(src);
        const v1 = v128.load(src, 16);
        if (rowScale != 0) {
          const sv = f64x2.splat(s);
          v128.store(dst, f64x2.mul(v0, sv));
          v128.store(dst, f64x2.mul(v1, sv), 16);
        } else {
          v128.store(dst, v0);
          v128.store(dst, v1, 16);
        }
      } else {
        for (let t: i32 = 0; t < 4; t++) {
          store<f64>(dst + (<usize>t << 3), t < nr ? s * load<f64>(src + <usize>t * bjs) : 0.0);
        }
      }
      dst += 32;
    }
  }
}

// Stores a pair of accumulated lanes into C at c (nr2 valid lanes: 0, 1 or 2).
@inline
function storePair(c: usize, v: v128, nr2: i32, first: bool): void {
  if (nr2 == 2) {
    if (first) v128.store(c, v);
    else v128.store(c, f64x2.add(v128.load(c), v));
  } else if (nr2 == 1) {
    const x = f64x2.extract_lane(v, 0);
    store<f64>(c, first ? x : load<f64>(c) + x);
  }
}

// C(i..i+4, jb..jb+nr) (+)= Σ_p A(i+r, p) · packed(p, 0..4).
function micro4(a: usize, ars: usize, aps: usize, pack: usize, kc: i32, c: usize, n: usize, nr: i32, first: bool): void {
  let a0 = a;
  let a1 = a + ars;
  let a2 = a + 2 * ars;
  let a3 = a + 3 * ars;
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let bp = pack;
  for (let p: i32 = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load64_splat(a0);
    c00 = madd64(x, b0, c00);
    c01 = madd64(x, b1, c01);
    x = v128.load64_splat(a1);
    c10 = madd64(x, b0, c10);
    c11 = madd64(x, b1, c11);
    x = v128.load64_splat(a2);
    c20 = madd64(x, b0, c20);
    c21 = madd64(x, b1, c21);
    x = v128.load64_splat(a3);
    c30 = madd64(x, b0, c30);
    c31 = madd64(x, b1, c31);
    a0 += aps;
    a1 += aps;
    a2 += aps;
    a3 += aps;
    bp += 32;
  }
  const rs = n << 3;
  const lo = min(nr, 2);
  const hi = nr - lo;
  storePair(c, c00, lo, first);
  storePair(c + 16, c01, hi, first);
  storePair(c + rs, c10, lo, first);
  storePair(c + rs + 16, c11, hi, first);
  storePair(c + 2 * rs, c20, lo, first);
  storePair(c + 2 * rs + 16, c21, hi, first);
  storePair(c + 3 * rs, c30, lo, first);
  storePair(c + 3 * rs + 16, c31, hi, first);
}

// One row: C(i, jb..jb+nr) (+)= Σ_p A(i, p) · packed(p, 0..4).
function micro1(a: usize, aps: usize, pack: usize, kc: i32, c: usize, nr: i32, first: bool): void {
  let c0 = f64x2.splat(0), c1 = f64x2.splat(0);
  let bp = pack;
  let ap = a;
  for (let p: i32 = 0; p < kc; p++) {
    const x = v128.load64_splat(ap);
    c0 = madd64(x, v128.load(bp), c0);
    c1 = madd64(x, v128.load(bp, 16), c1);
    ap += aps;
    bp += 32;
  }
  const lo = min(nr, 2);
  storePair(c, c0, lo, first);
  storePair(c + 16, c1, nr - lo, first);
}

/**
 * C (m×n) (+)= A·B with A(i, p) at a + i*ars + p*aps and B(p, j) at
 * b + p*bps + j*bjs (all strides in bytes), each B row p scaled by
 * rowScale[p] when rowScale != 0. C is row-major m×n. pack: packBytes() of scratch.
 */
export function gemm(
  a: usize, ars: usize, aps: usize,
  b: usize, bps: usize, bjs: usize, rowScale: usize,
  c: usize, m: i32, k: i32, n: i32, accumulate: i32, pack: usize,
): void {
  gemmWith(a, ars, aps, b, bps, bjs, rowScale, 0, c, m, k, n, accumulate, pack);
}

// gemm's body; prepacked != 0: B was packed by packAll there (b, strides and rowScale unused).
function gemmWith(
  a: usize, ars: usize, aps: usize,
  b: usize, bps: usize, bjs: usize, rowScale: usize, prepacked: usize,
  c: usize, m: i32, k: i32, n: i32, accumulate: i32, pack: usize,
): void {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (accumulate == 0) memory.fill(c, 0, <usize>(m * n) << 3);
    return;
  }
  for (let jc: i32 = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc: i32 = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      let panel = pack;
      if (prepacked != 0) panel = prepacked + (<usize>(jc * k + pc * ((nc + 3) & ~3)) << 3);
      else packB(b, bps, bjs, rowScale, pc, kc, jc, nc, pack);
      const first = pc == 0 && accumulate == 0;
      let i: i32 = 0;
      for (; i + 4 <= m; i += 4) {
        const arow = a + <usize>i * ars + <usize>pc * aps;
        for (let jb: i32 = 0; jb < nc; jb += 4) {
          micro4(arow, ars, aps, panel + <usize>(jb * kc * 8), kc, c + ((<usize>i * <usize>n + <usize>(jc + jb)) << 3), <usize>n, min(4, nc - jb), first);
        }
      }
      for (; i < m; i++) {
        const arow = a + <usize>i * ars + <usize>pc * aps;
        for (let jb: i32 = 0; jb < nc; jb += 4) {
          micro1(arow, aps, panel + <usize>(jb * kc * 8), kc, c + ((<usize>i * <usize>n + <usize>(jc + jb)) << 3), min(4, nc - jb), first);
        }
      }
    }
  }
}

/** out[i] = Σ_j a[i, j]² for the m×n matrix at a. */
export function rowSquaredNorms(a: usize, m: i32, n: i32, out: usize): void {
  for (let i: i32 = 0; i < m; i++) {
    let p = a + ((<usize>i * <usize>n) << 3);
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    let j: i32 = 0;
    // Unaligned loads whatever the row's address (wasm allows them): the summation order must not depend on
    // the row's position in the batch, i.e. on the other examples (reviewml NEWS 22:23).
    for (; j + 4 <= n; j += 4) {
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      acc0 = f64x2.add(acc0, f64x2.mul(v0, v0));
      acc1 = f64x2.add(acc1, f64x2.mul(v1, v1));
      p += 32;
    }
    const acc = f64x2.add(acc0, acc1);
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < n; j++) {
      const x = load<f64>(p);
      s += x * x;
      p += 8;
    }
    store<f64>(out + (<usize>i << 3), s);
  }
}

/** c[i, j] += v[j] for the m×n matrix at c. */
export function addRowVector(c: usize, v: usize, m: i32, n: i32): void {
  for (let i: i32 = 0; i < m; i++) {
    let p = c + ((<usize>i * <usize>n) << 3);
    let q = v;
    let j: i32 = 0;
    for (; j + 2 <= n; j += 2) {
      v128.store(p, f64x2.add(v128.load(p), v128.load(q)));
      p += 16;
      q += 16;
    }
    if (j < n) store<f64>(p, load<f64>(p) + load<f64>(q));
  }
}

/** y[i] += alpha·x[i] for len values. */
export function axpy(alpha: f64, x: usize, y: usize, len: i32): void {
  const av = f64x2.splat(alpha);
  let i: i32 = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(av, v128.load(x + o))));
  }
  if (i < len) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

/** out[i] = max(0, x[i]) with NaN propagated (x may equal out). */
export function reluForward(x: usize, out: usize, len: i32): void {
  const z = f64x2.splat(0);
  let i: i32 = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(out + o, f64x2.max(z, v128.load(x + o)));
  }
  if (i < len) {
    const o = <usize>i << 3;
    store<f64>(out + o, max<f64>(0.0, load<f64>(x + o))); // f64.max: NaN stays NaN, as Math.max
  }
}

/** out[i] = y[i] > 0 ? g[i] : 0, the ReLU backward from its output y. */
export function reluBackward(y: usize, g: usize, out: usize, len: i32): void {
  const z = f64x2.splat(0);
  let i: i32 = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    const mask = f64x2.gt(v128.load(y + o), z);
    v128.store(out + o, v128.and(mask, v128.load(g + o)));
  }
  if (i < len) {
    const o = <usize>i << 3;
    store<f64>(out + o, load<f64>(y + o) > 0 ? load<f64>(g + o) : 0);
  }
}

/**
 * The binary32 ReLU (Sequential's binary32 path, binary32-path.ts): out[i] = max(0, x[i]) with NaN
 * propagated (x may equal out), f32x4.max where reluForward has f64x2.max — the same rule, so on
 * binary32 values it gives the binary32 rounding of reluForward's result, which is exact.
 */
export function reluForward32(x: usize, out: usize, len: i32): void {
  const z = f32x4.splat(0);
  let i: i32 = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(z, v128.load(x + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, max<f32>(0.0, load<f32>(x + o)));
  }
}

/** The binary32 ReLU backward: out[i] = y[i] > 0 ? g[i] : 0 (g may equal out), as reluBackward. */
export function reluBackward32(y: usize, g: usize, out: usize, len: i32): void {
  const z = f32x4.splat(0);
  let i: i32 = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    const mask = f32x4.gt(v128.load(y + o), z);
    v128.store(out + o, v128.and(mask, v128.load(g + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(y + o) > 0 ? load<f32>(g + o) : 0);
  }
}

/** dst (cols×rows) = srcᵀ for the rows×cols matrix at src, in 8×8 blocks (cache-friendly). */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let i0: i32 = 0; i0 < rows; i0 += 8) {
    const i1 = min(rows, i0 + 8);
    for (let j0: i32 = 0; j0 < cols; j0 += 8) {
      const j1 = min(cols, j0 + 8);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          store<f64>(dst + ((<usize>j * <usize>rows + <usize>i) << 3), load<f64>(src + ((<usize>i * <usize>cols + <usize>j) << 3)));
        }
      }
    }
  }
}

// ---- Convolution (Conv2d) and pooling, a whole batch per call ----
// An example is C×H×W (channel-major); the patch matrix of one example is T×K (T = oh·ow output
// positions, K = C·k·k, column j = (c·k + ky)·k + kx), built in scratch by im2col, never stored per batch.

// dst (T×K) = the patches of the C×H×W example at src (zero padding p, stride s).
function im2col(src: usize, dst: usize, C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32): void {
  let d = dst;
  for (let oy: i32 = 0; oy < oh; oy++) {
    for (let ox: i32 = 0; ox < ow; ox++) {
      for (let c: i32 = 0; c < C; c++) {
        for (let ky: i32 = 0; ky < k; ky++) {
          const iy = oy * s - p + ky;
          if (iy < 0 || iy >= H) {
            memory.fill(d, 0, <usize>k << 3);
            d += <usize>k << 3;
            continue;
          }
          const row = src + ((<usize>(c * H + iy) * <usize>W) << 3);
          for (let kx: i32 = 0; kx < k; kx++) {
            const ix = ox * s - p + kx;
            store<f64>(d, ix >= 0 && ix < W ? load<f64>(row + (<usize>ix << 3)) : 0.0);
            d += 8;
          }
        }
      }
    }
  }
}

// ---- binary32 (f32x4) kernels: the convolution's forward, input gradient and materialised
// per-example gradients. Four lanes per instruction instead of two: these three products are
// most of a CNN step and ran at the f64x2 roof. What may be binary32 and what may not is set
// out in conv-ops.ts (the norms and the clipped sum stay binary64). Every pointer here points
// at binary32 values (4-byte elements) unless named otherwise.

const KC32: i32 = 256; // rows of a packed binary32 B panel
const NC32: i32 = 64; // columns of a packed binary32 B panel (a multiple of 8); KC32·NC32·4 ≤ packBytes()
const TILE32: usize = memory.data(32, 16); // one 8-lane row of a micro-tile, for partial stores

// Packs B(p, j) (at b + p*bps + j*bjs, binary32) for p in [pc, pc+kc), j in [jc, jc+nc) into
// blocks of eight columns: pack[(jb/8)*kc*8 + (p-pc)*8 + t], zero-padded past nc.
function packB32(b: usize, bps: usize, bjs: usize, pc: i32, kc: i32, jc: i32, nc: i32, pack: usize): void {
  for (let jb: i32 = 0; jb < nc; jb += 8) {
    const nr = min(8, nc - jb);
    let dst = pack + <usize>(jb * kc * 4);
    for (let p: i32 = 0; p < kc; p++) {
      const src = b + <usize>(pc + p) * bps + <usize>(jc + jb) * bjs;
      if (nr == 8 && bjs == 4) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let t: i32 = 0; t < 8; t++) store<f32>(dst + (<usize>t << 2), t < nr ? load<f32>(src + <usize>t * bjs) : 0);
      }
      dst += 32;
    }
  }
}

// Packs the whole k×n B once, panel (jc, pc) at packed + (jc·k + pc·⌈nc/8⌉·8)·4, gemm32's order:
// an operand shared by a batch of products (the weights) is packed once per batch.
function packAll32(b: usize, bps: usize, bjs: usize, k: i32, n: i32, packed: usize): void {
  for (let jc: i32 = 0; jc < n; jc += NC32) {
    const nc = min(NC32, n - jc);
    for (let pc: i32 = 0; pc < k; pc += KC32) {
      packB32(b, bps, bjs, pc, min(KC32, k - pc), jc, nc, packed + (<usize>(jc * k + pc * ((nc + 7) & ~7)) << 2));
    }
  }
}

// Stores (or adds) one accumulated 8-lane row into C at c, nr ≤ 8 valid lanes.
@inline
function storeRow32(c: usize, v0: v128, v1: v128, nr: i32, first: bool): void {
  if (nr == 8) {
    if (first) {
      v128.store(c, v0);
      v128.store(c, v1, 16);
    } else {
      v128.store(c, f32x4.add(v128.load(c), v0));
      v128.store(c, f32x4.add(v128.load(c, 16), v1), 16);
    }
    return;
  }
  v128.store(TILE32, v0);
  v128.store(TILE32, v1, 16);
  for (let t: i32 = 0; t < nr; t++) {
    const x = load<f32>(TILE32 + (<usize>t << 2));
    const at = c + (<usize>t << 2);
    store<f32>(at, first ? x : load<f32>(at) + x);
  }
}

// C(i..i+4, jb..jb+nr) (+)= Σ_p A(i+r, p) · packed(p, 0..8): a 4×8 micro-tile in eight f32x4.
function micro4x8(a: usize, ars: usize, aps: usize, pack: usize, kc: i32, c: usize, n: usize, nr: i32, first: bool): void {
  let a0 = a;
  let a1 = a + ars;
  let a2 = a + 2 * ars;
  let a3 = a + 3 * ars;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let bp = pack;
  for (let p: i32 = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0);
    c00 = madd32(x, b0, c00);
    c01 = madd32(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = madd32(x, b0, c10);
    c11 = madd32(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = madd32(x, b0, c20);
    c21 = madd32(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = madd32(x, b0, c30);
    c31 = madd32(x, b1, c31);
    a0 += aps;
    a1 += aps;
    a2 += aps;
    a3 += aps;
    bp += 32;
  }
  const rs = n << 2;
  storeRow32(c, c00, c01, nr, first);
  storeRow32(c + rs, c10, c11, nr, first);
  storeRow32(c + 2 * rs, c20, c21, nr, first);
  storeRow32(c + 3 * rs, c30, c31, nr, first);
}

// One row: C(i, jb..jb+nr) (+)= Σ_p A(i, p) · packed(p, 0..8).
function micro1x8(a: usize, aps: usize, pack: usize, kc: i32, c: usize, nr: i32, first: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  let bp = pack;
  let ap = a;
  for (let p: i32 = 0; p < kc; p++) {
    const x = v128.load32_splat(ap);
    c0 = madd32(x, v128.load(bp), c0);
    c1 = madd32(x, v128.load(bp, 16), c1);
    ap += aps;
    bp += 32;
  }
  storeRow32(c, c0, c1, nr, first);
}

// C (m×n, binary32, row-major) = A·B, A(i, p) at a + i*ars + p*aps, B(p, j) at b + p*bps + j*bjs
// (strides in bytes), or with prepacked != 0, B as packAll32 packed it there. pack: scratch.
function gemm32(
  a: usize, ars: usize, aps: usize, b: usize, bps: usize, bjs: usize, prepacked: usize,
  c: usize, m: i32, k: i32, n: i32, pack: usize,
): void {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    memory.fill(c, 0, <usize>(m * n) << 2);
    return;
  }
  for (let jc: i32 = 0; jc < n; jc += NC32) {
    const nc = min(NC32, n - jc);
    for (let pc: i32 = 0; pc < k; pc += KC32) {
      const kc = min(KC32, k - pc);
      let panel = pack;
      if (prepacked != 0) panel = prepacked + (<usize>(jc * k + pc * ((nc + 7) & ~7)) << 2);
      else packB32(b, bps, bjs, pc, kc, jc, nc, pack);
      const first = pc == 0;
      let i: i32 = 0;
      for (; i + 4 <= m; i += 4) {
        const arow = a + <usize>i * ars + <usize>pc * aps;
        for (let jb: i32 = 0; jb < nc; jb += 8) {
          micro4x8(arow, ars, aps, panel + <usize>(jb * kc * 4), kc, c + ((<usize>i * <usize>n + <usize>(jc + jb)) << 2), <usize>n, min(8, nc - jb), first);
        }
      }
      for (; i < m; i++) {
        const arow = a + <usize>i * ars + <usize>pc * aps;
        for (let jb: i32 = 0; jb < nc; jb += 8) {
          micro1x8(arow, aps, panel + <usize>(jb * kc * 4), kc, c + ((<usize>i * <usize>n + <usize>(jc + jb)) << 2), min(8, nc - jb), first);
        }
      }
    }
  }
}

// The forward's product with the patches as the A operand in im2colPacked32's layout (A(t, j) at
// a + ((j >> 3)·8T + 8t + (j & 7))·4): out (n×T, channel-major) = (A · B)ᵀ + b, B prepacked by packAll32
// (K ≤ KC32: one panel row block; K a multiple of 8). Per element, the same products summed over
// p = 0..K−1 in the same order as micro4x8 / micro1x8 on the row-major patch matrix (same madd32), then the
// bias added once: the same bits as gemm32 on im2col32's matrix into tmp followed by biasTransposed32, with
// the tile transposed in registers as it is stored (no tmp, no second pass).
function gemm32PackedA(a: usize, T: i32, K: i32, wp: usize, b: usize, c: usize, n: i32): void {
  for (let jc: i32 = 0; jc < n; jc += NC32) {
    const nc = min(NC32, n - jc);
    const panel = wp + (<usize>(jc * K) << 2);
    let i: i32 = 0;
    for (; i + 4 <= T; i += 4) {
      for (let jb: i32 = 0; jb < nc; jb += 8) {
        micro4x8PackedA(a + (<usize>i << 5), T, panel + <usize>(jb * K * 4), K, b + (<usize>(jc + jb) << 2), c + ((<usize>(jc + jb) * <usize>T + <usize>i) << 2), min(8, nc - jb));
      }
    }
    for (; i < T; i++) {
      for (let jb: i32 = 0; jb < nc; jb += 8) {
        micro1x8PackedA(a + (<usize>i << 5), T, panel + <usize>(jb * K * 4), K, b + (<usize>(jc + jb) << 2), c + ((<usize>(jc + jb) * <usize>T + <usize>i) << 2), min(8, nc - jb));
      }
    }
  }
}

// micro4x8 with A in im2colPacked32's layout: rows t..t+3 of a block of eight columns are 32 bytes apart,
// the next block 8T values on. Stores the tile transposed with the bias: out(o, t..t+3) at c + o·T·4 for the
// nr ≤ 8 channels from b.
function micro4x8PackedA(a: usize, T: i32, pack: usize, kc: i32, b: usize, c: usize, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let bp = pack;
  const blockBytes = <usize>T << 5;
  let block = a;
  for (let pb: i32 = 0; pb < kc; pb += 8) {
    let ap = block;
    for (let q: i32 = 0; q < 8; q++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let x = v128.load32_splat(ap);
      c00 = madd32(x, b0, c00);
      c01 = madd32(x, b1, c01);
      x = v128.load32_splat(ap + 32);
      c10 = madd32(x, b0, c10);
      c11 = madd32(x, b1, c11);
      x = v128.load32_splat(ap + 64);
      c20 = madd32(x, b0, c20);
      c21 = madd32(x, b1, c21);
      x = v128.load32_splat(ap + 96);
      c30 = madd32(x, b0, c30);
      c31 = madd32(x, b1, c31);
      ap += 4;
      bp += 32;
    }
    block += blockBytes;
  }
  const ts = <usize>T << 2;
  storeTransposed4x4(c00, c10, c20, c30, b, c, ts, min(nr, 4));
  if (nr > 4) storeTransposed4x4(c01, c11, c21, c31, b + 16, c + 4 * ts, ts, nr - 4);
}

// Rows r0..r3 (positions t..t+3, four channels each) stored as columns: out(o, t..t+3) = (r0[o], r1[o], r2[o],
// r3[o]) + b[o] at c + o·ts, for the first nr ≤ 4 channels (biasTransposed32's shuffles and additions).
@inline
function storeTransposed4x4(r0: v128, r1: v128, r2: v128, r3: v128, b: usize, c: usize, ts: usize, nr: i32): void {
  const ab0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const ab1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const cd0 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const cd1 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(c, f32x4.add(v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5), v128.load32_splat(b)));
  if (nr > 1) v128.store(c + ts, f32x4.add(v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7), v128.load32_splat(b, 4)));
  if (nr > 2) v128.store(c + 2 * ts, f32x4.add(v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5), v128.load32_splat(b, 8)));
  if (nr > 3) v128.store(c + 3 * ts, f32x4.add(v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7), v128.load32_splat(b, 12)));
}

// One row of micro4x8PackedA (micro1x8's sums), stored as out(o, t) = sum + b[o] at c + o·ts.
function micro1x8PackedA(a: usize, T: i32, pack: usize, kc: i32, b: usize, c: usize, nr: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  let bp = pack;
  const blockBytes = <usize>T << 5;
  let block = a;
  for (let pb: i32 = 0; pb < kc; pb += 8) {
    let ap = block;
    for (let q: i32 = 0; q < 8; q++) {
      const x = v128.load32_splat(ap);
      c0 = madd32(x, v128.load(bp), c0);
      c1 = madd32(x, v128.load(bp, 16), c1);
      ap += 4;
      bp += 32;
    }
    block += blockBytes;
  }
  v128.store(TILE32, c0);
  v128.store(TILE32, c1, 16);
  const ts = <usize>T << 2;
  for (let o: i32 = 0; o < nr; o++) {
    store<f32>(c + <usize>o * ts, load<f32>(TILE32 + (<usize>o << 2)) + load<f32>(b + (<usize>o << 2)));
  }
}

/**
 * Whether the per-example patches can be kept packed between the forward and the per-example
 * gradients (convForward's and convExampleGrads's `patches`): T ≤ KC32 and K ≤ KC32 (one panel each
 * way) and k a multiple of 4 (im2colPacked32), and the products do not read the image directly
 * (convDirect: then nothing is kept). 1: yes.
 */
export function convKeepsPatches(C: i32, k: i32, oh: i32, ow: i32, H: i32, W: i32, p: i32): i32 {
  if (convDirect(C, H, W, k, p, oh, ow)) return 0;
  return oh * ow <= KC32 && C * k * k <= KC32 && (k & 3) == 0 ? 1 : 0;
}

// The direct form of a convolution's two per-example products (convForward, convExampleGrads), used where
// convDirect allows: each patch value P(t, j) (t = (oy, ox), j = (c, ky, kx)) is read where it lies in the zero-
// padded image, at img + ((c·Hp + oy·s + ky)·Wp + ox·s + kx)·4, instead of from an im2col copy. The value read is
// the one im2colPacked32 / im2col32 would write there (the image's value, or +0 in the padding), and each sum runs
// over the same index in the same order with the same madd32 from +0, so every output has the same bits as the
// patch-matrix form; only the patches' memory traffic goes (T·K values per example written and read again).
// Conditions: k a multiple of 4 (four taps of a window row lie in one image row: one v128 load), T ≤ KC32 and
// K ≤ KC32 (one panel row block each way, as the kept patches), and the padded image fits the scratch col
// (T·K values) where p > 0. 1: yes.
function convDirect(C: i32, H: i32, W: i32, k: i32, p: i32, oh: i32, ow: i32): bool {
  const T = oh * ow;
  const K = C * k * k;
  if ((k & 3) != 0 || T > KC32 || K > KC32) return false;
  return p == 0 || <i64>C * <i64>(H + 2 * p) * <i64>(W + 2 * p) <= <i64>T * <i64>K;
}

// The C×H×W binary32 example at src, padded with p zeros on every side of each plane, into dst (C×(H+2p)×(W+2p)).
function padImage32(src: usize, dst: usize, C: i32, H: i32, W: i32, p: i32): void {
  const Hp = H + 2 * p;
  const Wp = W + 2 * p;
  memory.fill(dst, 0, <usize>(C * Hp * Wp) << 2);
  for (let c: i32 = 0; c < C; c++) {
    for (let y: i32 = 0; y < H; y++) {
      memory.copy(dst + ((<usize>((c * Hp + y + p) * Wp + p)) << 2), src + ((<usize>((c * H + y) * W)) << 2), <usize>W << 2);
    }
  }
}

// The image convDirect's products read for example x_i: x_i itself when p = 0, else its padded copy in col.
@inline
function directImage(xi: usize, col: usize, C: i32, H: i32, W: i32, p: i32): usize {
  if (p == 0) return xi;
  padImage32(xi, col, C, H, W, p);
  return col;
}

// out (outC×T, channel-major) = W · Pᵀ + b with P read from the padded image img (convDirect): gemm32PackedA's
// tiles (four positions × eight channels, micro4x8PackedA's sums over j = 0..K−1 in order, then the bias) with
// each position's patch row read from img.
function forwardDirect(img: usize, Hp: i32, Wp: i32, C: i32, k: i32, s: i32, ow: i32, T: i32, K: i32, wp: usize, b: usize, c: usize, n: i32): void {
  for (let jc: i32 = 0; jc < n; jc += NC32) {
    const nc = min(NC32, n - jc);
    const panel = wp + (<usize>(jc * K) << 2);
    let t: i32 = 0;
    for (; t + 4 <= T; t += 4) {
      const p0 = patchOrigin(img, t, ow, s, Wp);
      const p1 = patchOrigin(img, t + 1, ow, s, Wp);
      const p2 = patchOrigin(img, t + 2, ow, s, Wp);
      const p3 = patchOrigin(img, t + 3, ow, s, Wp);
      for (let jb: i32 = 0; jb < nc; jb += 8) {
        micro4x8Direct(p0, p1, p2, p3, Hp, Wp, C, k, panel + <usize>(jb * K * 4), b + (<usize>(jc + jb) << 2), c + ((<usize>(jc + jb) * <usize>T + <usize>t) << 2), T, min(8, nc - jb));
      }
    }
    for (; t < T; t++) {
      const p0 = patchOrigin(img, t, ow, s, Wp);
      for (let jb: i32 = 0; jb < nc; jb += 8) {
        micro1x8Direct(p0, Hp, Wp, C, k, panel + <usize>(jb * K * 4), b + (<usize>(jc + jb) << 2), c + ((<usize>(jc + jb) * <usize>T + <usize>t) << 2), T, min(8, nc - jb));
      }
    }
  }
}

// Where position t's window starts in the padded image: img + (oy·s·Wp + ox·s)·4, (oy, ox) = (t / ow, t % ow).
@inline
function patchOrigin(img: usize, t: i32, ow: i32, s: i32, Wp: i32): usize {
  const oy = t / ow;
  const ox = t - oy * ow;
  return img + (<usize>(oy * s * Wp + ox * s) << 2);
}

// micro4x8PackedA with row r's A(t + r, j) at pr + ((c·Hp + ky)·Wp + kx)·4, j = (c·k + ky)·k + kx in order.
function micro4x8Direct(p0: usize, p1: usize, p2: usize, p3: usize, Hp: i32, Wp: i32, C: i32, k: i32, pack: usize, b: usize, c: usize, T: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let bp = pack;
  const rowBytes = <usize>Wp << 2;
  const planeGap = <usize>((Hp - k) * Wp) << 2; // from past a channel's k window rows to the next channel's first
  let off: usize = 0;
  for (let ch: i32 = 0; ch < C; ch++) {
    for (let ky: i32 = 0; ky < k; ky++) {
      let q: usize = off;
      const end = off + (<usize>k << 2);
      for (; q < end; q += 4) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let x = v128.load32_splat(p0 + q);
        c00 = madd32(x, b0, c00);
        c01 = madd32(x, b1, c01);
        x = v128.load32_splat(p1 + q);
        c10 = madd32(x, b0, c10);
        c11 = madd32(x, b1, c11);
        x = v128.load32_splat(p2 + q);
        c20 = madd32(x, b0, c20);
        c21 = madd32(x, b1, c21);
        x = v128.load32_splat(p3 + q);
        c30 = madd32(x, b0, c30);
        c31 = madd32(x, b1, c31);
        bp += 32;
      }
      off += rowBytes;
    }
    off += planeGap;
  }
  const ts = <usize>T << 2;
  storeTransposed4x4(c00, c10, c20, c30, b, c, ts, min(nr, 4));
  if (nr > 4) storeTransposed4x4(c01, c11, c21, c31, b + 16, c + 4 * ts, ts, nr - 4);
}

// One position of micro4x8Direct (micro1x8PackedA's sums), stored as out(o, t) = sum + b[o] at c + o·T·4.
function micro1x8Direct(p0: usize, Hp: i32, Wp: i32, C: i32, k: i32, pack: usize, b: usize, c: usize, T: i32, nr: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  let bp = pack;
  const rowBytes = <usize>Wp << 2;
  const planeGap = <usize>((Hp - k) * Wp) << 2;
  let off: usize = 0;
  for (let ch: i32 = 0; ch < C; ch++) {
    for (let ky: i32 = 0; ky < k; ky++) {
      let q: usize = off;
      const end = off + (<usize>k << 2);
      for (; q < end; q += 4) {
        const x = v128.load32_splat(p0 + q);
        c0 = madd32(x, v128.load(bp), c0);
        c1 = madd32(x, v128.load(bp, 16), c1);
        bp += 32;
      }
      off += rowBytes;
    }
    off += planeGap;
  }
  v128.store(TILE32, c0);
  v128.store(TILE32, c1, 16);
  const ts = <usize>T << 2;
  for (let o: i32 = 0; o < nr; o++) {
    store<f32>(c + <usize>o * ts, load<f32>(TILE32 + (<usize>o << 2)) + load<f32>(b + (<usize>o << 2)));
  }
}

// grads (outC×K, row-major) = Δ (outC×T, channel-major at d) · P with P read from the padded image img
// (convDirect): gemm32's tiles (four channels × eight taps, micro4x8's sums over t = 0..T−1 in order from +0, one
// block since T ≤ KC32) with the eight taps' values at t read as two v128 from img (four taps of one window row
// each, as k is a multiple of 4).
function gradsDirect(d: usize, img: usize, Hp: i32, Wp: i32, k: i32, s: i32, oh: i32, ow: i32, outC: i32, K: i32, c: usize): void {
  const T = oh * ow;
  const ars = <usize>T << 2;
  for (let jb: i32 = 0; jb < K; jb += 8) {
    const o0 = tapOffset(jb, k, Hp, Wp);
    const o1 = tapOffset(jb + 4, k, Hp, Wp);
    let o: i32 = 0;
    for (; o + 4 <= outC; o += 4) {
      micro4x8Taps(d + <usize>o * ars, ars, img + o0, o1 - o0, s, Wp, oh, ow, c + ((<usize>(o * K + jb)) << 2), <usize>K << 2);
    }
    for (; o < outC; o++) {
      micro1x8Taps(d + <usize>o * ars, img + o0, o1 - o0, s, Wp, oh, ow, c + ((<usize>(o * K + jb)) << 2));
    }
  }
}

// Bytes from a window's origin to tap j = (c·k + ky)·k + kx in the padded image: ((c·Hp + ky)·Wp + kx)·4.
@inline
function tapOffset(j: i32, k: i32, Hp: i32, Wp: i32): usize {
  const kk = k * k;
  const ch = j / kk;
  const r = j - ch * kk;
  const ky = r / k;
  const kx = r - ky * k;
  return <usize>((ch * Hp + ky) * Wp + kx) << 2;
}

// micro4x8 over t = (oy, ox) in order: A(o + r, t) at a + r·ars + t·4, B(t, 0..8) = the v128s at
// b + (oy·s·Wp + ox·s)·4 and that + gap. Stores the four rows (first block: no add) at c, rows cs bytes apart.
function micro4x8Taps(a: usize, ars: usize, b: usize, gap: usize, s: i32, Wp: i32, oh: i32, ow: i32, c: usize, cs: usize): void {
  let a0 = a;
  let a1 = a + ars;
  let a2 = a + 2 * ars;
  let a3 = a + 3 * ars;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const step = <usize>s << 2;
  const rowStep = <usize>(s * Wp) << 2;
  let row = b;
  for (let oy: i32 = 0; oy < oh; oy++) {
    let bp = row;
    for (let ox: i32 = 0; ox < ow; ox++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp + gap);
      let x = v128.load32_splat(a0);
      c00 = madd32(x, b0, c00);
      c01 = madd32(x, b1, c01);
      x = v128.load32_splat(a1);
      c10 = madd32(x, b0, c10);
      c11 = madd32(x, b1, c11);
      x = v128.load32_splat(a2);
      c20 = madd32(x, b0, c20);
      c21 = madd32(x, b1, c21);
      x = v128.load32_splat(a3);
      c30 = madd32(x, b0, c30);
      c31 = madd32(x, b1, c31);
      a0 += 4;
      a1 += 4;
      a2 += 4;
      a3 += 4;
      bp += step;
    }
    row += rowStep;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + cs, c10);
  v128.store(c + cs, c11, 16);
  v128.store(c + 2 * cs, c20);
  v128.store(c + 2 * cs, c21, 16);
  v128.store(c + 3 * cs, c30);
  v128.store(c + 3 * cs, c31, 16);
}

// One row of micro4x8Taps.
function micro1x8Taps(a: usize, b: usize, gap: usize, s: i32, Wp: i32, oh: i32, ow: i32, c: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  const step = <usize>s << 2;
  const rowStep = <usize>(s * Wp) << 2;
  let ap = a;
  let row = b;
  for (let oy: i32 = 0; oy < oh; oy++) {
    let bp = row;
    for (let ox: i32 = 0; ox < ow; ox++) {
      const x = v128.load32_splat(ap);
      c0 = madd32(x, v128.load(bp), c0);
      c1 = madd32(x, v128.load(bp + gap), c1);
      ap += 4;
      bp += step;
    }
    row += rowStep;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}

// dst (T×K, binary32) = the patches of the C×H×W binary32 example at src (zero padding p, stride s).
// Row-outer order: for each output row oy and input row (c, ky) of the window, the k taps of every
// output column ox come from the same input row, so the inner loop walks ox with the source row and
// the destination stride (K values) fixed. The columns whose window lies inside the image
// ([oxLo, oxHi)) copy k contiguous values, four per v128, with no per-tap test; the others test
// each tap. A pure copy: the same bytes as the tap-by-tap definition (conv-ops.ts's im2col).
function im2col32(src: usize, dst: usize, C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32): void {
  const K = C * k * k;
  const tStride = <usize>K << 2;
  const oxLo = min(ow, (p + s - 1) / s); // first ox with ox·s − p ≥ 0
  const oxHi = W - k + p >= 0 ? max(oxLo, min(ow, (W - k + p) / s + 1)) : oxLo; // past the last ox with ox·s − p + k ≤ W
  for (let oy: i32 = 0; oy < oh; oy++) {
    for (let c: i32 = 0; c < C; c++) {
      for (let ky: i32 = 0; ky < k; ky++) {
        const iy = oy * s - p + ky;
        let d = dst + ((<usize>(oy * ow) * <usize>K + <usize>((c * k + ky) * k)) << 2);
        if (iy < 0 || iy >= H) {
          for (let ox: i32 = 0; ox < ow; ox++) {
            zero32(d, k);
            d += tStride;
          }
          continue;
        }
        const row = src + ((<usize>(c * H + iy) * <usize>W) << 2);
        let ox: i32 = 0;
        for (; ox < oxLo; ox++) {
          edgeTaps32(row, d, ox * s - p, k, W);
          d += tStride;
        }
        for (; ox < oxHi; ox++) {
          let from = row + (<usize>(ox * s - p) << 2);
          let to = d;
          let kx: i32 = 0;
          for (; kx + 4 <= k; kx += 4) {
            v128.store(to, v128.load(from));
            to += 16;
            from += 16;
          }
          for (; kx < k; kx++) {
            store<f32>(to, load<f32>(from));
            to += 4;
            from += 4;
          }
          d += tStride;
        }
        for (; ox < ow; ox++) {
          edgeTaps32(row, d, ox * s - p, k, W);
          d += tStride;
        }
      }
    }
  }
}

// The patches of the C×H×W binary32 example at src, written straight into gemm32's packed layout of
// the T×K patch matrix as its B operand (packB32's blocks of eight columns: value (t, j) at
// (j >> 3)·8T + 8t + (j & 7)), so that the per-example gradient Δ_i·P_i needs no separate pack —
// the same values packB32 would write from im2col32's matrix. Only for T ≤ KC32 (one panel row
// block) and k a multiple of 4 (then K is a multiple of 16, no padding columns, and each group of
// four taps kx0..kx0+3 of a window row lies inside one block of eight).
function im2colPacked32(src: usize, dst: usize, C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32): void {
  const T = oh * ow;
  const oxLo = min(ow, (p + s - 1) / s);
  const oxHi = W - k + p >= 0 ? max(oxLo, min(ow, (W - k + p) / s + 1)) : oxLo;
  for (let oy: i32 = 0; oy < oh; oy++) {
    for (let c: i32 = 0; c < C; c++) {
      for (let ky: i32 = 0; ky < k; ky++) {
        const iy = oy * s - p + ky;
        const row = src + ((<usize>(c * H + iy) * <usize>W) << 2);
        for (let kx0: i32 = 0; kx0 < k; kx0 += 4) {
          const j = (c * k + ky) * k + kx0;
          let d = dst + ((<usize>((j >> 3) * 8 * T + (j & 7)) + (<usize>(oy * ow) << 3)) << 2);
          if (iy < 0 || iy >= H) {
            for (let ox: i32 = 0; ox < ow; ox++) {
              v128.store(d, i32x4.splat(0));
              d += 32;
            }
            continue;
          }
          let ox: i32 = 0;
          for (; ox < oxLo; ox++) {
            edgeTaps32(row, d, ox * s - p + kx0, 4, W);
            d += 32;
          }
          for (; ox < oxHi; ox++) {
            v128.store(d, v128.load(row + (<usize>(ox * s - p + kx0) << 2)));
            d += 32;
          }
          for (; ox < ow; ox++) {
            edgeTaps32(row, d, ox * s - p + kx0, 4, W);
            d += 32;
          }
        }
      }
    }
  }
}

// dst[0..k) = row[ix0 + kx] where 0 ≤ ix0 + kx < W, else 0 (binary32): a window column at the border.
@inline
function edgeTaps32(row: usize, dst: usize, ix0: i32, k: i32, W: i32): void {
  let d = dst;
  for (let kx: i32 = 0; kx < k; kx++) {
    const ix = ix0 + kx;
    store<f32>(d, ix >= 0 && ix < W ? load<f32>(row + (<usize>ix << 2)) : 0);
    d += 4;
  }
}

// dst[0..k) = 0 (binary32).
@inline
function zero32(dst: usize, k: i32): void {
  let d = dst;
  let kx: i32 = 0;
  for (; kx + 4 <= k; kx += 4) {
    v128.store(d, i32x4.splat(0));
    d += 16;
  }
  for (; kx < k; kx++) {
    store<f32>(d, 0);
    d += 4;
  }
}

// dst (C×H×W, binary32) += the patches at src (T×K) added back to the pixels they came from.
function col2imAdd32(src: usize, dst: usize, C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32): void {
  let q = src;
  for (let oy: i32 = 0; oy < oh; oy++) {
    for (let ox: i32 = 0; ox < ow; ox++) {
      for (let c: i32 = 0; c < C; c++) {
        for (let ky: i32 = 0; ky < k; ky++) {
          const iy = oy * s - p + ky;
          if (iy < 0 || iy >= H) {
            q += <usize>k << 2;
            continue;
          }
          const row = dst + ((<usize>(c * H + iy) * <usize>W) << 2);
          const ix0 = ox * s - p;
          if (ix0 >= 0 && ix0 + k <= W) {
            // inside the image: k contiguous pixels, four per v128, no per-tap test
            let at = row + (<usize>ix0 << 2);
            let kx: i32 = 0;
            for (; kx + 4 <= k; kx += 4) {
              v128.store(at, f32x4.add(v128.load(at), v128.load(q)));
              at += 16;
              q += 16;
            }
            for (; kx < k; kx++) {
              store<f32>(at, load<f32>(at) + load<f32>(q));
              at += 4;
              q += 4;
            }
            continue;
          }
          for (let kx: i32 = 0; kx < k; kx++) {
            const ix = ix0 + kx;
            if (ix >= 0 && ix < W) {
              const at = row + (<usize>ix << 2);
              store<f32>(at, load<f32>(at) + load<f32>(q));
            }
            q += 4;
          }
        }
      }
    }
  }
}

/**
 * out_i (outC×T) = W (outC×K) · P_iᵀ + b for each of `batch` examples at x (each C·H·W values), all
 * binary32. Computed as P_i (T×K) · Wᵀ into tmp (T×outC) with Wᵀ packed once per batch into wp
 * (the per-example operand is the unpacked side), then transposed into the channel-major output
 * (PyTorch's layout). Scratch (binary32 values): col T·K, tmp T·outC, wp K·⌈outC/8⌉·8.
 */
export function convForward(
  x: usize, w: usize, b: usize, out: usize, col: usize, tmp: usize, wp: usize, pack: usize, batch: i32,
  C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32, outC: i32, patches: usize,
): void {
  const T = oh * ow;
  const K = C * k * k;
  const inBytes = <usize>(C * H * W) << 2;
  const outBytes = <usize>(outC * T) << 2;
  if (batch == 0) return;
  packAll32(w, 4, <usize>K << 2, K, outC, wp); // B(j, o) = W(o, j)
  const rs = <usize>outC << 2;
  const direct = convDirect(C, H, W, k, p, oh, ow);
  for (let i: i32 = 0; i < batch; i++) {
    const oi = out + <usize>i * outBytes;
    if (direct) {
      const img = directImage(x + <usize>i * inBytes, col, C, H, W, p);
      forwardDirect(img, H + 2 * p, W + 2 * p, C, k, s, ow, T, K, wp, b, oi, outC);
    } else if (patches != 0) {
      const pi = patches + ((<usize>i * <usize>T * <usize>K) << 2);
      im2colPacked32(x + <usize>i * inBytes, pi, C, H, W, k, s, p, oh, ow);
      gemm32PackedA(pi, T, K, wp, b, oi, outC); // channel-major with the bias, no tmp
    } else {
      im2col32(x + <usize>i * inBytes, col, C, H, W, k, s, p, oh, ow);
      gemm32(col, <usize>K << 2, 4, 0, 0, 0, wp, tmp, T, K, outC, pack);
      biasTransposed32(tmp, b, oi, T, outC, rs);
    }
  }
}

// out(o, t) = tmp(t, o) + b(o) (tmp T×outC row-major, out channel-major outC×T; rs = outC·4): convForward's
// bias pass. Four channels × four positions per step where outC is a multiple of 4 (a 4×4 transposition by
// shuffles, the bias added per lane: the same binary32 additions as one by one), the rest one by one.
function biasTransposed32(tmp: usize, b: usize, out: usize, T: i32, outC: i32, rs: usize): void {
  let o0: i32 = 0;
  if ((outC & 3) == 0) {
    for (; o0 < outC; o0 += 4) {
      const bias = v128.load(b + (<usize>o0 << 2));
      const b0 = f32x4.splat(f32x4.extract_lane(bias, 0));
      const b1 = f32x4.splat(f32x4.extract_lane(bias, 1));
      const b2 = f32x4.splat(f32x4.extract_lane(bias, 2));
      const b3 = f32x4.splat(f32x4.extract_lane(bias, 3));
      const q = out + ((<usize>(o0 * T)) << 2);
      const tb = <usize>T << 2;
      let r = tmp + (<usize>o0 << 2);
      let t: i32 = 0;
      for (; t + 4 <= T; t += 4) {
        const a = v128.load(r);
        const bb = v128.load(r + rs);
        const c = v128.load(r + 2 * rs);
        const d = v128.load(r + 3 * rs);
        const ab0 = v128.shuffle<f32>(a, bb, 0, 4, 1, 5);
        const ab1 = v128.shuffle<f32>(a, bb, 2, 6, 3, 7);
        const cd0 = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
        const cd1 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
        const at = q + (<usize>t << 2);
        v128.store(at, f32x4.add(v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5), b0));
        v128.store(at + tb, f32x4.add(v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7), b1));
        v128.store(at + 2 * tb, f32x4.add(v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5), b2));
        v128.store(at + 3 * tb, f32x4.add(v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7), b3));
        r += rs << 2;
      }
      for (; t < T; t++) {
        for (let j: i32 = 0; j < 4; j++) {
          const o = o0 + j;
          store<f32>(out + ((<usize>(o * T + t)) << 2), load<f32>(r + (<usize>j << 2)) + load<f32>(b + (<usize>o << 2)));
        }
        r += rs;
      }
    }
  }
  for (let o: i32 = o0; o < outC; o++) {
    const bo = load<f32>(b + (<usize>o << 2));
    let q = out + ((<usize>(o * T)) << 2);
    let r = tmp + (<usize>o << 2);
    for (let t: i32 = 0; t < T; t++) {
      store<f32>(q, load<f32>(r) + bo);
      q += 4;
      r += rs;
    }
  }
}

/**
 * dx_i (C×H×W) = col2im(Δ_iᵀ · W) for each example, binary32: g holds Δ_i (outC×T, channel-major),
 * w is outC×K, packed once per batch into wp (outC·⌈K/8⌉·8 values); col: T·K.
 */
export function convInputGrad(
  g: usize, w: usize, dx: usize, col: usize, wp: usize, pack: usize, batch: i32,
  C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32, outC: i32,
): void {
  const T = oh * ow;
  const K = C * k * k;
  const inBytes = <usize>(C * H * W) << 2;
  const outBytes = <usize>(outC * T) << 2;
  if (batch == 0) return;
  packAll32(w, <usize>K << 2, 4, outC, K, wp);
  const direct = k == 4 && s == 2 && p == 0 && outC <= KC32;
  for (let i: i32 = 0; i < batch; i++) {
    if (direct) {
      inputGradK4S2(g + <usize>i * outBytes, T, outC, wp, dx + <usize>i * inBytes, C, H, W, oh, ow);
      continue;
    }
    // A(t, o) = Δ_i(o, t): row stride 4, column stride T·4.
    gemm32(g + <usize>i * outBytes, 4, <usize>T << 2, 0, 0, 0, wp, col, T, outC, K, pack);
    const di = dx + <usize>i * inBytes;
    memory.fill(di, 0, inBytes);
    col2imAdd32(col, di, C, H, W, k, s, p, oh, ow);
  }
}

// convInputGrad for k = 4, s = 2, p = 0, outC ≤ KC32 (one panel row block): the product's tiles added straight
// into dx_i, no col, fill or col2im. Same bits as gemm32 into col, a fill of dx_i and col2imAdd32: each col value
// is the same sum (micro4x8's / micro1x8's madd32 over o from +0), and each pixel gets the same additions in the
// same order, (((0 + col(t₁)) + col(t₂)) + …) in increasing t. Why the order holds: a block of eight columns is
// one channel c and the window rows ky = 2m, 2m + 1 (four kx each: a v128 of four adjacent pixels at ix = 2·ox).
// Pixel row iy takes ky ∈ {2, 3} from output row oy − 1 before ky ∈ {0, 1} from oy, and column ix takes kx ∈
// {2, 3} from ox − 1 before kx ∈ {0, 1} from ox; so tiles go in t order, and within a tile of four positions
// (which may straddle two output rows) the ky 2–3 block of each channel before its ky 0–1 block, rows in t order.
// The "0 +" of the fill is kept where a lane is a pixel's first term: the ky 2–3 rows, and the ky 0–1 rows of
// output row 0, are their pixels' first terms in lanes kx 2–3, and in lanes kx 0–1 too where ox = 0 (the rest
// add to what is there). Pixels no window reaches (iy ≥ 2·oh + 2, ix ≥ 2·ow + 2) are set to +0 as the fill did.
function inputGradK4S2(a: usize, T: i32, outC: i32, wp: usize, dx: usize, C: i32, H: i32, W: i32, oh: i32, ow: i32): void {
  const rowBytes = <usize>W << 2;
  const coveredW = 2 * ow + 2;
  const coveredH = 2 * oh + 2;
  for (let c: i32 = 0; c < C; c++) {
    const plane = dx + <usize>(c * H) * rowBytes;
    if (coveredW < W) {
      for (let iy: i32 = 0; iy < coveredH; iy++) memory.fill(plane + <usize>iy * rowBytes + (<usize>coveredW << 2), 0, <usize>(W - coveredW) << 2);
    }
    if (coveredH < H) memory.fill(plane + <usize>coveredH * rowBytes, 0, <usize>(H - coveredH) * rowBytes);
  }
  const aps = <usize>T << 2;
  const planeBytes = <usize>H * rowBytes;
  let t0: i32 = 0;
  for (; t0 + 4 <= T; t0 += 4) {
    const oy0 = t0 / ow;
    const ox0 = t0 - oy0 * ow;
    // positions t0..t0+3 as (oy, ox): ox0 + r wraps to the next output rows
    let oy1 = oy0, ox1 = ox0 + 1;
    if (ox1 >= ow) { oy1++; ox1 = 0; }
    let oy2 = oy1, ox2 = ox1 + 1;
    if (ox2 >= ow) { oy2++; ox2 = 0; }
    let oy3 = oy2, ox3 = ox2 + 1;
    if (ox3 >= ow) { oy3++; ox3 = 0; }
    const at0 = (<usize>(2 * oy0) * rowBytes) + (<usize>(2 * ox0) << 2);
    const at1 = (<usize>(2 * oy1) * rowBytes) + (<usize>(2 * ox1) << 2);
    const at2 = (<usize>(2 * oy2) * rowBytes) + (<usize>(2 * ox2) << 2);
    const at3 = (<usize>(2 * oy3) * rowBytes) + (<usize>(2 * ox3) << 2);
    const arow = a + (<usize>t0 << 2);
    for (let c: i32 = 0; c < C; c++) {
      const plane = dx + <usize>c * planeBytes;
      for (let m: i32 = 1; m >= 0; m--) {
        const j = c * 16 + m * 8;
        const v = plane + <usize>(2 * m) * rowBytes;
        tileIntoImage(arow, aps, wp + (<usize>(j * outC) << 2), outC, v, rowBytes, at0, at1, at2, at3, m == 1 || oy0 == 0 ? ox0 : -1, m == 1 || oy1 == 0 ? ox1 : -1, m == 1 || oy2 == 0 ? ox2 : -1, m == 1 || oy3 == 0 ? ox3 : -1);
      }
    }
  }
  for (; t0 < T; t0++) {
    const oy = t0 / ow;
    const ox = t0 - oy * ow;
    const at = (<usize>(2 * oy) * rowBytes) + (<usize>(2 * ox) << 2);
    for (let c: i32 = 0; c < C; c++) {
      const plane = dx + <usize>c * planeBytes;
      for (let m: i32 = 1; m >= 0; m--) {
        const j = c * 16 + m * 8;
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
        let bp = wp + (<usize>(j * outC) << 2);
        let ap = a + (<usize>t0 << 2);
        for (let q: i32 = 0; q < outC; q++) {
          const x = v128.load32_splat(ap);
          c0 = madd32(x, v128.load(bp), c0);
          c1 = madd32(x, v128.load(bp, 16), c1);
          ap += aps;
          bp += 32;
        }
        const fresh = m == 1 || oy == 0 ? ox : -1;
        const v = plane + <usize>(2 * m) * rowBytes + at;
        addFour(v, c0, fresh);
        addFour(v + rowBytes, c1, fresh);
      }
    }
  }
}

// micro4x8's sums for rows t0..t0+3 (A(t, o) at a + t·4 + o·aps) and one packed block of eight columns, each row's
// two v128 added into the image at v + at_r (ky even) and v + at_r + rowBytes (ky odd); fresh_r as in addFour.
function tileIntoImage(
  a: usize, aps: usize, pack: usize, kc: i32, v: usize, rowBytes: usize,
  at0: usize, at1: usize, at2: usize, at3: usize, fresh0: i32, fresh1: i32, fresh2: i32, fresh3: i32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let bp = pack;
  let ap = a;
  for (let q: i32 = 0; q < kc; q++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = madd32(x, b0, c00);
    c01 = madd32(x, b1, c01);
    x = v128.load32_splat(ap, 4);
    c10 = madd32(x, b0, c10);
    c11 = madd32(x, b1, c11);
    x = v128.load32_splat(ap, 8);
    c20 = madd32(x, b0, c20);
    c21 = madd32(x, b1, c21);
    x = v128.load32_splat(ap, 12);
    c30 = madd32(x, b0, c30);
    c31 = madd32(x, b1, c31);
    ap += aps;
    bp += 32;
  }
  addFour(v + at0, c00, fresh0);
  addFour(v + at0 + rowBytes, c01, fresh0);
  addFour(v + at1, c10, fresh1);
  addFour(v + at1 + rowBytes, c11, fresh1);
  addFour(v + at2, c20, fresh2);
  addFour(v + at2 + rowBytes, c21, fresh2);
  addFour(v + at3, c30, fresh3);
  addFour(v + at3 + rowBytes, c31, fresh3);
}

// Four adjacent pixels at `at` (+)= sums: fresh < 0: all four already hold earlier terms (load and add); fresh = 0
// (ox = 0): all four are first terms (0 + sums); fresh > 0: lanes 0–1 add to earlier terms, lanes 2–3 are first
// terms (0 + sums). The old value is always the addition's first operand, as in col2imAdd32.
@inline
function addFour(at: usize, sums: v128, fresh: i32): void {
  let old = f32x4.splat(0);
  if (fresh < 0) old = v128.load(at);
  else if (fresh > 0) old = v128.shuffle<f32>(v128.load(at), f32x4.splat(0), 0, 1, 4, 5);
  v128.store(at, f32x4.add(old, sums));
}

/**
 * The per-example gradients, materialised in binary32: grads_i = (Δ_i · P_i (outC×K), Σ_t Δ_i(·, t)
 * (outC; summed in binary64, then rounded)), outC·K + outC values each; and norms (binary64, at
 * `norms`): norms[i] = ‖grads_i‖² summed in binary64 over exactly the stored binary32 values (each
 * square is exact in binary64), so a clip factor from it bounds the vector that is then summed.
 */
export function convExampleGrads(
  x: usize, g: usize, grads: usize, norms: usize, col: usize, pack: usize, batch: i32,
  C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32, outC: i32, patches: usize,
): void {
  const T = oh * ow;
  const K = C * k * k;
  const inBytes = <usize>(C * H * W) << 2;
  const outBytes = <usize>(outC * T) << 2;
  const width = outC * K + outC;
  const gradBytes = <usize>width << 2;
  const direct = T <= KC32 && (k & 3) == 0; // the patches written packed (im2colPacked32): the same B values
  const viaImage = convDirect(C, H, W, k, p, oh, ow); // no patches: read from the (padded) image
  for (let i: i32 = 0; i < batch; i++) {
    const gi = g + <usize>i * outBytes;
    const ri = grads + <usize>i * gradBytes;
    if (viaImage) {
      const img = directImage(x + <usize>i * inBytes, col, C, H, W, p);
      gradsDirect(gi, img, H + 2 * p, W + 2 * p, k, s, oh, ow, outC, K, ri);
    } else if (patches != 0) {
      // the patches the forward wrote (convForward's `patches`, from this same x): im2colPacked32's values
      gemm32(gi, <usize>T << 2, 4, 0, 0, 0, patches + ((<usize>i * <usize>T * <usize>K) << 2), ri, outC, T, K, pack);
    } else if (direct) {
      im2colPacked32(x + <usize>i * inBytes, col, C, H, W, k, s, p, oh, ow);
      gemm32(gi, <usize>T << 2, 4, 0, 0, 0, col, ri, outC, T, K, pack);
    } else {
      im2col32(x + <usize>i * inBytes, col, C, H, W, k, s, p, oh, ow);
      gemm32(gi, <usize>T << 2, 4, col, <usize>K << 2, 4, 0, ri, outC, T, K, pack);
    }
    biasSums32(gi, ri + (<usize>(outC * K) << 2), T, outC);
    store<f64>(norms + (<usize>i << 3), squaredSum32(ri, width));
  }
}

// bias[o] = the binary32 rounding of Σ_t Δ(o, t) summed in binary64 from +0 in the order t = 0..T−1 (Δ outC×T,
// channel-major): convExampleGrads's bias part. Four channels at a time, one per lane of two f64x2 sums (lanes
// o..o+3 built from one value of each channel's row per step): each lane is the same sequence of binary64
// additions as the one-channel loop, which takes the channels left over; four dependency chains instead of one.
function biasSums32(d: usize, bias: usize, T: i32, outC: i32): void {
  const rb = <usize>T << 2;
  let o: i32 = 0;
  for (; o + 4 <= outC; o += 4) {
    let q = d + <usize>(o * T) * 4;
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (let t: i32 = 0; t < T; t++) {
      let v = v128.load32_zero(q);
      v = f32x4.replace_lane(v, 1, load<f32>(q + rb));
      v = f32x4.replace_lane(v, 2, load<f32>(q + 2 * rb));
      v = f32x4.replace_lane(v, 3, load<f32>(q + 3 * rb));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
      q += 4;
    }
    const r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
    v128.store(bias + (<usize>o << 2), r);
  }
  for (; o < outC; o++) {
    let q = d + <usize>(o * T) * 4;
    let sum: f64 = 0;
    for (let t: i32 = 0; t < T; t++) {
      sum += <f64>load<f32>(q);
      q += 4;
    }
    store<f32>(bias + (<usize>o << 2), <f32>sum);
  }
}

/**
 * dst[i] = the binary32 rounding (to nearest, ties to even: as Math.fround) of the binary64 src[i],
 * for n values; four per step (two f64x2 demotions). A layer copies binary64 operands in at memory
 * speed and rounds them here, faster than a Float32Array.set from a Float64Array.
 */
export function demote(src: usize, dst: usize, n: i32): void {
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const lo = f32x4.demote_f64x2_zero(v128.load(src));
    const hi = f32x4.demote_f64x2_zero(v128.load(src, 16));
    v128.store(dst, v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
    src += 32;
    dst += 16;
  }
  for (; i < n; i++) {
    store<f32>(dst, <f32>load<f64>(src));
    src += 8;
    dst += 4;
  }
}

/**
 * out[j] += Σ_i s_i · rows[i·width + from + j] for j < count (out binary64; rows binary32, widened
 * exactly), over the `batch` rows with s_i ≠ 0 (a dropped row is skipped, never multiplied by 0):
 * each term s_i·g is one binary64 rounding and each addition one more. The clipped sum of Conv2d's
 * materialised per-example gradients, read from where convExampleGrads stored them (the values its
 * norms were taken over).
 */
export function addScaledRows32(rows: usize, width: i32, scales: usize, batch: i32, from: i32, count: i32, out: usize): void {
  // Rows with s_i ≠ 0 in groups of four: one pass over out per group (a quarter of its loads and stores).
  let r0: i32 = -1, r1: i32 = -1, r2: i32 = -1;
  let have: i32 = 0;
  for (let i: i32 = 0; i < batch; i++) {
    if (load<f64>(scales + (<usize>i << 3)) == 0) continue;
    if (have == 0) r0 = i;
    else if (have == 1) r1 = i;
    else if (have == 2) r2 = i;
    else {
      addFourRows(rows, width, scales, r0, r1, r2, i, from, count, out);
      have = 0;
      continue;
    }
    have++;
  }
  if (have > 0) addOneRow(rows, width, scales, r0, from, count, out);
  if (have > 1) addOneRow(rows, width, scales, r1, from, count, out);
  if (have > 2) addOneRow(rows, width, scales, r2, from, count, out);
}

// out[j] += s_i·rows[i, from + j], j < count.
function addOneRow(rows: usize, width: i32, scales: usize, i: i32, from: i32, count: i32, out: usize): void {
  const si = load<f64>(scales + (<usize>i << 3));
  const sv = f64x2.splat(si);
  let q = rows + ((<usize>i * <usize>width + <usize>from) << 2);
  let o = out;
  let j: i32 = 0;
  for (; j + 4 <= count; j += 4) {
    const v = v128.load(q);
    v128.store(o, f64x2.add(v128.load(o), f64x2.mul(sv, f64x2.promote_low_f32x4(v))));
    v128.store(o, f64x2.add(v128.load(o, 16), f64x2.mul(sv, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)))), 16);
    q += 16;
    o += 32;
  }
  for (; j < count; j++) {
    store<f64>(o, load<f64>(o) + si * <f64>load<f32>(q));
    q += 4;
    o += 8;
  }
}

// out[j] = (((out[j] + s_a·g_a) + s_b·g_b) + s_c·g_c) + s_d·g_d for rows a, b, c, d, j < count.
function addFourRows(rows: usize, width: i32, scales: usize, a: i32, b: i32, c: i32, d: i32, from: i32, count: i32, out: usize): void {
  const sa = load<f64>(scales + (<usize>a << 3));
  const sb = load<f64>(scales + (<usize>b << 3));
  const sc = load<f64>(scales + (<usize>c << 3));
  const sd = load<f64>(scales + (<usize>d << 3));
  const va = f64x2.splat(sa), vb = f64x2.splat(sb), vc = f64x2.splat(sc), vd = f64x2.splat(sd);
  let qa = rows + ((<usize>a * <usize>width + <usize>from) << 2);
  let qb = rows + ((<usize>b * <usize>width + <usize>from) << 2);
  let qc = rows + ((<usize>c * <usize>width + <usize>from) << 2);
  let qd = rows + ((<usize>d * <usize>width + <usize>from) << 2);
  let o = out;
  let j: i32 = 0;
  for (; j + 2 <= count; j += 2) {
    let acc = v128.load(o);
    acc = f64x2.add(acc, f64x2.mul(va, f64x2.promote_low_f32x4(v128.load64_zero(qa))));
    acc = f64x2.add(acc, f64x2.mul(vb, f64x2.promote_low_f32x4(v128.load64_zero(qb))));
    acc = f64x2.add(acc, f64x2.mul(vc, f64x2.promote_low_f32x4(v128.load64_zero(qc))));
    acc = f64x2.add(acc, f64x2.mul(vd, f64x2.promote_low_f32x4(v128.load64_zero(qd))));
    v128.store(o, acc);
    qa += 8;
    qb += 8;
    qc += 8;
    qd += 8;
    o += 16;
  }
  if (j < count) {
    let x = load<f64>(o);
    x += sa * <f64>load<f32>(qa);
    x += sb * <f64>load<f32>(qb);
    x += sc * <f64>load<f32>(qc);
    x += sd * <f64>load<f32>(qd);
    store<f64>(o, x);
  }
}

/**
 * gw (outC×K) += Σ_i s_i Δ_i P_i and gb (outC) += Σ_i s_i Σ_t Δ_i(·, t), over the examples with
 * s_i ≠ 0 (a dropped example is skipped, never multiplied by 0). rs: T doubles of scratch.
 */
export function convScaledGradSum(
  x: usize, g: usize, scales: usize, gw: usize, gb: usize, col: usize, rs: usize, pack: usize, batch: i32,
  C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32, outC: i32,
): void {
  const T = oh * ow;
  const K = C * k * k;
  const inBytes = <usize>(C * H * W) << 3;
  const outBytes = <usize>(outC * T) << 3;
  for (let i: i32 = 0; i < batch; i++) {
    const si = load<f64>(scales + (<usize>i << 3));
    if (si == 0) continue;
    for (let t: i32 = 0; t < T; t++) store<f64>(rs + (<usize>t << 3), si);
    const gi = g + <usize>i * outBytes;
    im2col(x + <usize>i * inBytes, col, C, H, W, k, s, p, oh, ow);
    gemm(gi, <usize>T << 3, 8, col, <usize>K << 3, 8, rs, gw, outC, T, K, 1, pack);
    for (let o: i32 = 0; o < outC; o++) {
      let q = gi + ((<usize>(o * T)) << 3);
      let sum: f64 = 0;
      for (let t: i32 = 0; t < T; t++) {
        sum += load<f64>(q);
        q += 8;
      }
      const at = gb + (<usize>o << 3);
      store<f64>(at, load<f64>(at) + si * sum);
    }
  }
}

/**
 * Ghost norms of a convolution: out[i] = ⟨P_iP_iᵀ, Δ_iᵀΔ_i⟩ + ‖Σ_t Δ_i(·, t)‖² (two T×T Gram
 * matrices in g1, g2), without forming the outC×K gradient.
 */
export function convGhostNorms(
  x: usize, g: usize, out: usize, col: usize, g1: usize, g2: usize, pack: usize, batch: i32,
  C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, oh: i32, ow: i32, outC: i32,
): void {
  const T = oh * ow;
  const K = C * k * k;
  const inBytes = <usize>(C * H * W) << 3;
  const outBytes = <usize>(outC * T) << 3;
  for (let i: i32 = 0; i < batch; i++) {
    const gi = g + <usize>i * outBytes;
    im2col(x + <usize>i * inBytes, col, C, H, W, k, s, p, oh, ow);
    gemm(col, <usize>K << 3, 8, col, 8, <usize>K << 3, 0, g1, T, K, T, 0, pack);
    gemm(gi, 8, <usize>T << 3, gi, <usize>T << 3, 8, 0, g2, T, outC, T, 0, pack);
    let acc: f64 = 0;
    for (let j: i32 = 0; j < T * T; j++) acc += load<f64>(g1 + (<usize>j << 3)) * load<f64>(g2 + (<usize>j << 3));
    for (let o: i32 = 0; o < outC; o++) {
      let q = gi + ((<usize>(o * T)) << 3);
      let sum: f64 = 0;
      for (let t: i32 = 0; t < T; t++) {
        sum += load<f64>(q);
        q += 8;
      }
      acc += sum * sum;
    }
    store<f64>(out + (<usize>i << 3), acc);
  }
}

// Max pooling of two windows: out/arg for output positions ox0, ox0 + 1 of the output row whose
// windows start at input index i0 (plane offset + y0·W + ox0·s); two windows per f64x2 (lane 1 is
// the window s to the right). The first maximum in row-major tap order wins on ties and a NaN wins
// (as PyTorch), by bitselect — no branch: on real activations the comparison is a coin flip. A tap
// is taken when m is not NaN and not (v ≤ m): v > m, or v NaN. The winner is tracked as its offset
// ky·W + kx inside the window (an i64 lane), made a flat index once at the end.
@inline
function maxPoolPair(x: usize, out: usize, arg: usize, i0: i32, W: i32, k: i32, s: i32): void {
  const sb = <usize>s << 3;
  const p = x + (<usize>i0 << 3);
  let m = s == 1 ? v128.load(p) : f64x2.replace_lane(f64x2.splat(load<f64>(p)), 1, load<f64>(p + sb));
  let idx = i64x2.splat(0);
  for (let ky: i32 = 0; ky < k; ky++) {
    const row = ky * W;
    for (let kx: i32 = 0; kx < k; kx++) {
      const off = row + kx;
      const q = p + (<usize>off << 3);
      const v = s == 1 ? v128.load(q) : f64x2.replace_lane(f64x2.splat(load<f64>(q)), 1, load<f64>(q + sb));
      const take = v128.andnot(f64x2.eq(m, m), f64x2.le(v, m));
      m = v128.bitselect(v, m, take);
      idx = v128.bitselect(i64x2.splat(<i64>off), idx, take);
    }
  }
  v128.store(out, m);
  v128.store(arg, f64x2.add(winnerOffsets(idx), f64x2(<f64>i0, <f64>(i0 + s))));
}

// The two i64 lanes of idx (small non-negative offsets) as f64x2.
@inline
function winnerOffsets(idx: v128): v128 {
  return f64x2.convert_low_i32x4_s(v128.shuffle<i32>(idx, idx, 0, 2, 0, 2));
}

// Four windows of stride 1 (output positions ox0..ox0+3), two f64x2 pairs interleaved (two
// independent chains of comparisons); the same rule as maxPoolPair.
@inline
function maxPoolQuad1(x: usize, out: usize, arg: usize, i0: i32, W: i32, k: i32): void {
  const p = x + (<usize>i0 << 3);
  let m0 = v128.load(p);
  let m1 = v128.load(p, 16);
  let i0v = i64x2.splat(0);
  let i1v = i64x2.splat(0);
  for (let ky: i32 = 0; ky < k; ky++) {
    const row = ky * W;
    for (let kx: i32 = 0; kx < k; kx++) {
      const off = row + kx;
      const q = p + (<usize>off << 3);
      const v0 = v128.load(q);
      const v1 = v128.load(q, 16);
      const t0 = v128.andnot(f64x2.eq(m0, m0), f64x2.le(v0, m0));
      const t1 = v128.andnot(f64x2.eq(m1, m1), f64x2.le(v1, m1));
      const ov = i64x2.splat(<i64>off);
      m0 = v128.bitselect(v0, m0, t0);
      m1 = v128.bitselect(v1, m1, t1);
      i0v = v128.bitselect(ov, i0v, t0);
      i1v = v128.bitselect(ov, i1v, t1);
    }
  }
  v128.store(out, m0);
  v128.store(out, m1, 16);
  const b = f64x2(<f64>i0, <f64>(i0 + 1));
  v128.store(arg, f64x2.add(winnerOffsets(i0v), b));
  v128.store(arg, f64x2.add(winnerOffsets(i1v), f64x2.add(b, f64x2.splat(2))), 16);
}

/**
 * Pooling over k×k windows with stride s (no padding) of `rows` channel planes H×W (batch·C of
 * them): max (mode 0: also writes the flat input index of each maximum, the first on ties, as f64
 * into arg) or average (mode 1).
 */
export function poolForward(x: usize, out: usize, arg: usize, rows: i32, H: i32, W: i32, k: i32, s: i32, oh: i32, ow: i32, mode: i32): void {
  const plane = H * W;
  const area: f64 = <f64>(k * k);
  let o = out;
  let a = arg;
  for (let r: i32 = 0; r < rows; r++) {
    const base = r * plane;
    for (let oy: i32 = 0; oy < oh; oy++) {
      const y0 = oy * s;
      let ox: i32 = 0;
      if (mode == 0) {
        if (s == 1) {
          for (; ox + 4 <= ow; ox += 4) {
            maxPoolQuad1(x, o, a, base + y0 * W + ox, W, k);
            o += 32;
            a += 32;
          }
        }
        for (; ox + 2 <= ow; ox += 2) {
          maxPoolPair(x, o, a, base + y0 * W + ox * s, W, k, s);
          o += 16;
          a += 16;
        }
        if (ox < ow && ow >= 2) {
          // An odd last window: the second of a pair with the one before it, which is recomputed (the same
          // value and winner) — instead of the scalar loop, whose compare-and-branch per tap mispredicts.
          maxPoolPair(x, o - 8, a - 8, base + y0 * W + (ow - 2) * s, W, k, s);
          o += 8;
          a += 8;
          ox = ow;
        }
      }
      for (; ox < ow; ox++) {
        const x0 = ox * s;
        if (mode == 0) {
          let best = base + y0 * W + x0;
          let m = load<f64>(x + (<usize>best << 3));
          for (let ky: i32 = 0; ky < k; ky++) {
            for (let kx: i32 = 0; kx < k; kx++) {
              const at = base + (y0 + ky) * W + x0 + kx;
              const v = load<f64>(x + (<usize>at << 3));
              if (v > m || (v != v && m == m)) {
                m = v;
                best = at;
              }
            }
          }
          store<f64>(o, m);
          store<f64>(a, <f64>best);
          a += 8;
        } else {
          let acc: f64 = 0;
          for (let ky: i32 = 0; ky < k; ky++) {
            for (let kx: i32 = 0; kx < k; kx++) acc += load<f64>(x + (<usize>(base + (y0 + ky) * W + x0 + kx) << 3));
          }
          store<f64>(o, acc / area);
        }
        o += 8;
      }
    }
  }
}

// Max pooling of four windows of stride 1 on binary32 values (output positions ox0..ox0+3, one f32x4): the
// same rule as maxPoolPair (the first maximum in row-major tap order wins on ties, a NaN wins), the
// winner tracked as its code in the window (an i32 lane), written as four winner codes (poolForward32).
// relu: the pooling of max(0, x) (a ReLU before it, fused): the first tap is max(0, v) (reluForward32's
// f32x4.max), the others are compared as they are — the same decisions as on max(0, v): m is then ≥ +0 or
// NaN, so a tap v ≤ 0 (−0 included) is not taken either way (max(0, v) = +0 ≤ m), a NaN tap is taken either
// way, and a positive tap is its own ReLU. So the same outputs and winners as the ReLU then the pooling.
@inline
function maxPoolQuad32(x: usize, out: usize, code: usize, i0: i32, W: i32, k: i32, relu: bool): void {
  const p = x + (<usize>i0 << 2);
  let m = v128.load(p);
  if (relu) m = f32x4.max(f32x4.splat(0), m); // the later taps need no ReLU (above)
  let idx = i32x4.splat(0);
  for (let ky: i32 = 0; ky < k; ky++) {
    const row = ky * W;
    for (let kx: i32 = 0; kx < k; kx++) {
      const off = row + kx;
      const v = v128.load(p + (<usize>off << 2));
      const take = v128.andnot(f32x4.eq(m, m), f32x4.le(v, m));
      m = v128.bitselect(v, m, take);
      idx = v128.bitselect(i32x4.splat((ky << 4) | kx), idx, take);
    }
  }
  v128.store(out, m);
  storeCodes4(code, idx);
}

// The low bytes of the four i32 lanes of c (winner codes < 256) at p..p+3.
@inline
function storeCodes4(p: usize, c: v128): void {
  v128.store32_lane(p, i8x16.shuffle(c, c, 0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0);
}

/**
 * Max pooling of binary32 planes (Sequential's binary32 path): out (binary32) and code (one byte per
 * output: its winner as (ky << 4) | kx, the tap's row and column in its window; k ≤ 16) for `rows`
 * planes H×W, k×k windows, stride s — the values and winners poolForward gives on the widened planes
 * (the same comparisons; a max pooling's output is some of its inputs): the winner's flat index is
 * (oy·s + ky)·W + ox·s + kx in its plane, which poolBackward32 reads back. One byte per window where
 * poolForward writes a binary64 index: 1/8 of the memory traffic (pool 1 of the MNIST CNN: 0.7 MB per
 * step written and read instead of 5.5 MB). Stride 1 runs four windows per f32x4 (a row's last ow mod 4 windows as the
 * end of a quad recomputed over the windows before them: the same values and winners).
 * relu ≠ 0: the pooling of max(0, x) (a ReLU fused before it, binary32-path.ts): the first tap of each
 * window is max(0, v), reluForward32's rule, and the others need none (maxPoolQuad32), so outputs and
 * winners are those of reluForward32 then this.
 */
export function poolForward32(x: usize, out: usize, code: usize, rows: i32, H: i32, W: i32, k: i32, s: i32, oh: i32, ow: i32, relu: i32): void {
  if (relu != 0) poolPlanes32(x, out, code, rows, H, W, k, s, oh, ow, true);
  else poolPlanes32(x, out, code, rows, H, W, k, s, oh, ow, false);
}

@inline
function poolPlanes32(x: usize, out: usize, code: usize, rows: i32, H: i32, W: i32, k: i32, s: i32, oh: i32, ow: i32, relu: bool): void {
  if (k == 2 && s == 1 && ow >= 4) {
    pool2x2Planes32(x, out, code, rows, H, W, oh, ow, relu);
    return;
  }
  const plane = H * W;
  let o = out;
  let a = code;
  for (let r: i32 = 0; r < rows; r++) {
    const base = r * plane;
    for (let oy: i32 = 0; oy < oh; oy++) {
      const y0 = oy * s;
      let ox: i32 = 0;
      if (s == 1 && ow >= 4) {
        for (; ox + 4 <= ow; ox += 4) {
          maxPoolQuad32(x, o, a, base + y0 * W + ox, W, k, relu);
          o += 16;
          a += 4;
        }
        if (ox < ow) {
          const back = ox - (ow - 4); // windows recomputed
          maxPoolQuad32(x, o - (<usize>back << 2), a - <usize>back, base + y0 * W + ow - 4, W, k, relu);
          o += <usize>(ow - ox) << 2;
          a += <usize>(ow - ox);
          ox = ow;
        }
      }
      for (; ox < ow; ox++) {
        const x0 = ox * s;
        let best: i32 = 0;
        let m = load<f32>(x + (<usize>(base + y0 * W + x0) << 2));
        if (relu) m = max<f32>(0.0, m);
        for (let ky: i32 = 0; ky < k; ky++) {
          for (let kx: i32 = 0; kx < k; kx++) {
            const at = base + (y0 + ky) * W + x0 + kx;
            const v = load<f32>(x + (<usize>at << 2)); // no ReLU needed after the first tap (maxPoolQuad32)
            if (v > m || (v != v && m == m)) {
              m = v;
              best = (ky << 4) | kx;
            }
          }
        }
        store<f32>(o, m);
        store<u8>(a, <u8>best);
        o += 4;
        a += 1;
      }
    }
  }
}

// poolPlanes32 for 2×2 windows of stride 1 (the MNIST CNN's poolings), four windows per f32x4, each input
// row's pairs compared once and used by the two output rows it belongs to: a column of four windows walks
// down the plane with the pair winner of the row above in registers. The window's winner is the pair winner
// of its top row against that of its bottom row (top kept on ties and when it is NaN): the selection rule —
// the first NaN, else the first maximum, in row-major tap order — picks the same tap from two consecutive
// parts of the taps as from all of them, so the same values and winners as maxPoolQuad32. relu: every tap is
// max(0, v) as loaded (reluForward32's f32x4.max), i.e. the pooling of the ReLU's output itself. A plane's
// last ow mod 4 columns are the end of a column of windows recomputed over the ones before them.
function pool2x2Planes32(x: usize, out: usize, code: usize, rows: i32, H: i32, W: i32, oh: i32, ow: i32, relu: bool): void {
  const plane = H * W;
  const outPlane = oh * ow;
  const z = f32x4.splat(0);
  const one = i32x4.splat(1);
  const below = i32x4.splat(1 << 4); // ky = 1
  const rowBytes = <usize>W << 2;
  for (let r: i32 = 0; r < rows; r++) {
    const base = r * plane;
    for (let q: i32 = 0; q < ow; q += 4) {
      const ox = min(q, ow - 4);
      let p = x + (<usize>(base + ox) << 2);
      let a = v128.load(p);
      let b = v128.load(p, 4);
      if (relu) {
        a = f32x4.max(z, a);
        b = f32x4.max(z, b);
      }
      let t = v128.andnot(f32x4.eq(a, a), f32x4.le(b, a));
      let topM = v128.bitselect(b, a, t);
      let topI = v128.and(t, one); // the winner's column in the window: 0 or 1
      let o = out + (<usize>(r * outPlane + ox) << 2);
      let at = code + <usize>(r * outPlane + ox);
      for (let oy: i32 = 0; oy < oh; oy++) {
        p += rowBytes;
        a = v128.load(p);
        b = v128.load(p, 4);
        if (relu) {
          a = f32x4.max(z, a);
          b = f32x4.max(z, b);
        }
        t = v128.andnot(f32x4.eq(a, a), f32x4.le(b, a));
        const botM = v128.bitselect(b, a, t);
        const botI = v128.and(t, one);
        const take = v128.andnot(f32x4.eq(topM, topM), f32x4.le(botM, topM));
        v128.store(o, v128.bitselect(botM, topM, take));
        storeCodes4(at, v128.bitselect(v128.or(botI, below), topI, take));
        topM = botM;
        topI = botI;
        o += <usize>ow << 2;
        at += <usize>ow;
      }
    }
  }
}

/**
 * The input gradient of poolForward32 (stride s, its winner codes at code): each pixel's sum of the
 * binary32 gradients g of the windows it won, in binary64 at acc (H·W values, one plane at a time), in
 * poolBackward's order (the outputs in turn), then each sum rounded once to binary32 into dx — the binary32 rounding of poolBackward's result on the
 * widened g. relu ≠ 0 (the forward had a ReLU fused before it): dx[i] = x[i] > 0 ? that rounding : 0,
 * reluBackward32's rule (x > 0 exactly where max(0, x) > 0, NaN included), for the pre-ReLU input x.
 */
export function poolBackward32(g: usize, code: usize, acc: usize, dx: usize, rows: i32, H: i32, W: i32, s: i32, oh: i32, ow: i32, x: usize, relu: i32): void {
  // One plane at a time through the first H·W binary64 values of acc (kept in cache): a plane's winners lie in that
  // plane, so each pixel gets the same additions in the same order (its plane's outputs, ascending) as through one
  // rows·H·W accumulator, then the same rounding (and mask).
  const plane = H * W;
  const outs = oh * ow;
  const planeBytes = <usize>plane << 2;
  let o: i32 = 0;
  for (let r: i32 = 0; r < rows; r++) {
    memory.fill(acc, 0, <usize>plane << 3);
    for (let oy: i32 = 0; oy < oh; oy++) {
      let w0 = oy * s * W; // the window's first tap, in the plane
      for (let ox: i32 = 0; ox < ow; ox++) {
        const c = <i32>load<u8>(code + <usize>o);
        const at = acc + (<usize>(w0 + (c >> 4) * W + (c & 15)) << 3);
        store<f64>(at, load<f64>(at) + <f64>load<f32>(g + (<usize>o << 2)));
        w0 += s;
        o++;
      }
    }
    const from = <usize>r * planeBytes;
    if (relu != 0) demoteWhereAbove0(acc, x + from, dx + from, plane);
    else demote(acc, dx + from, plane);
  }
}

// dst[i] = x[i] > 0 ? the binary32 rounding of src[i] : 0 (binary32 x and dst, binary64 src): demote, then
// reluBackward32's mask (f32x4.gt and v128.and), in one pass.
function demoteWhereAbove0(src: usize, x: usize, dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const lo = f32x4.demote_f64x2_zero(v128.load(src));
    const hi = f32x4.demote_f64x2_zero(v128.load(src, 16));
    const mask = f32x4.gt(v128.load(x), z);
    v128.store(dst, v128.and(mask, v128.shuffle<f32>(lo, hi, 0, 1, 4, 5)));
    src += 32;
    x += 16;
    dst += 16;
  }
  for (; i < n; i++) {
    store<f32>(dst, load<f32>(x) > 0 ? <f32>load<f64>(src) : 0);
    src += 8;
    x += 4;
    dst += 4;
  }
}

/** The input gradient of poolForward: dx (rows·H·W) = routed (max, through arg) or spread (average) g. */
export function poolBackward(g: usize, arg: usize, dx: usize, rows: i32, H: i32, W: i32, k: i32, s: i32, oh: i32, ow: i32, mode: i32): void {
  const plane = H * W;
  memory.fill(dx, 0, <usize>(rows * plane) << 3);
  const inv: f64 = 1.0 / <f64>(k * k);
  let q = g;
  let a = arg;
  for (let r: i32 = 0; r < rows; r++) {
    const base = r * plane;
    for (let oy: i32 = 0; oy < oh; oy++) {
      for (let ox: i32 = 0; ox < ow; ox++) {
        const v = load<f64>(q);
        if (mode == 0) {
          const at = dx + (<usize>(<i32>load<f64>(a)) << 3);
          store<f64>(at, load<f64>(at) + v);
          a += 8;
        } else {
          const y0 = oy * s;
          const x0 = ox * s;
          const d = v * inv;
          for (let ky: i32 = 0; ky < k; ky++) {
            for (let kx: i32 = 0; kx < k; kx++) {
              const at = dx + (<usize>(base + (y0 + ky) * W + x0 + kx) << 3);
              store<f64>(at, load<f64>(at) + d);
            }
          }
        }
        q += 8;
      }
    }
  }
}

// ---- Dense in binary32 (dense-resident.ts; the argument in dense-binary32.proof.md) ----
// The forward product and the input gradient in binary32 (f32x4); the norms and the clipped sum in
// binary64 over exactly the stored binary32 input rows a_i and output-gradient rows δ_i (widened
// exactly), so that every clip factor bounds the vector that is summed.

/**
 * out (m×n, binary32) = x (m×k) · W (k×n, row-major) + b, all binary32; W packed once into wp
 * (k·⌈n/8⌉·8 values). The bias is added after the product (one more binary32 rounding).
 */
export function denseForward32(x: usize, w: usize, b: usize, out: usize, wp: usize, pack: usize, m: i32, k: i32, n: i32): void {
  if (m == 0) return;
  packAll32(w, <usize>n << 2, 4, k, n, wp);
  gemm32(x, <usize>k << 2, 4, 0, 0, 0, wp, out, m, k, n, pack);
  for (let i: i32 = 0; i < m; i++) {
    let q = out + ((<usize>i * <usize>n) << 2);
    let j: i32 = 0;
    for (; j + 4 <= n; j += 4) {
      v128.store(q, f32x4.add(v128.load(q), v128.load(b + (<usize>j << 2))));
      q += 16;
    }
    for (; j < n; j++) {
      store<f32>(q, load<f32>(q) + load<f32>(b + (<usize>j << 2)));
      q += 4;
    }
  }
}

/**
 * dx (m×nIn, binary32) = Δ (m×nOut) · Wᵀ, W (nIn×nOut, row-major) packed once into wp
 * (nOut·⌈nIn/8⌉·8 values).
 */
export function denseInputGrad32(d: usize, w: usize, dx: usize, wp: usize, pack: usize, m: i32, nOut: i32, nIn: i32): void {
  if (m == 0) return;
  packAll32(w, 4, <usize>nOut << 2, nOut, nIn, wp); // B(o, j) = W(j, o)
  gemm32(d, <usize>nOut << 2, 4, 0, 0, 0, wp, dx, m, nOut, nIn, pack);
}

/**
 * out[i] (binary64) = Σ_j a[i, j]² for the m×n binary32 matrix at a: each square exact in binary64
 * (24 × 24 bits, ≥ 2⁻²⁹⁸), summed in binary64 by squaredSum32 (eight lanes: four f64x2 sums, then the
 * lanes, then the tail).
 */
export function rowSquaredNorms32(a: usize, m: i32, n: i32, out: usize): void {
  for (let i: i32 = 0; i < m; i++) {
    store<f64>(out + (<usize>i << 3), squaredSum32(a + ((<usize>i * <usize>n) << 2), n));
  }
}

// Σ_j v_j² (binary64) over the n binary32 values at q: each square exact in binary64 (24 × 24 bits, ≥ 2⁻²⁹⁸),
// summed in binary64 in eight lanes (four f64x2 sums, eight values per step; four dependency chains where two
// left the adder waiting on its latency), then the lanes, then the tail. The order differs from a sequential
// sum; ghost-clipping.proof.md fact 1 (sums of squares, any order) bounds every order by the same roundings count.
function squaredSum32(q: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0), acc2 = f64x2.splat(0), acc3 = f64x2.splat(0);
  let j: i32 = 0;
  for (; j + 8 <= n; j += 8) {
    const v = v128.load(q);
    const w = v128.load(q, 16);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    const lo2 = f64x2.promote_low_f32x4(w);
    const hi2 = f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 0, 1));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
    acc2 = f64x2.add(acc2, f64x2.mul(lo2, lo2));
    acc3 = f64x2.add(acc3, f64x2.mul(hi2, hi2));
    q += 32;
  }
  const acc = f64x2.add(f64x2.add(acc0, acc2), f64x2.add(acc1, acc3));
  let sq = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; j < n; j++) {
    const v = <f64>load<f32>(q);
    sq += v * v;
    q += 4;
  }
  return sq;
}

// dst[0..n) (binary64) = src[0..n) (binary32), widened exactly, four per step.
function widenRow(src: usize, dst: usize, n: i32): void {
  let j: i32 = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(src);
    v128.store(dst, f64x2.promote_low_f32x4(v));
    v128.store(dst, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), 16);
    src += 16;
    dst += 32;
  }
  for (; j < n; j++) {
    store<f64>(dst, <f64>load<f32>(src));
    src += 4;
    dst += 8;
  }
}

/**
 * The clipped sum of a dense layer from its stored binary32 rows: gw (nIn×nOut, binary64) +=
 * Σ_i a_iᵀ·fl(s_i·δ_i) and gb (nOut) += Σ_i fl(s_i·δ_i), over the rows with s_i ≠ 0 only (a dropped
 * row is left out, never multiplied by 0). a_i (x, batch×nIn) and δ_i (d, batch×nOut) are widened
 * exactly; fl(s_i·δ_i) is one binary64 rounding, each product with a_i one more, each addition one
 * more — binary64 throughout, as the binary64 path (backend.gemmTNScaled) computes it. Scratch
 * (binary64): at batch·nIn (the kept a_i widened, as rows: a contiguous copy, where a transposed one
 * scattered each value to its own cache line), ut batch·nOut (the kept fl(s_i·δ_i) as rows).
 */
export function denseClippedSum(
  x: usize, d: usize, scales: usize, gw: usize, gb: usize, at: usize, ut: usize, pack: usize,
  batch: i32, nIn: i32, nOut: i32,
): void {
  let kept: i32 = 0;
  for (let i: i32 = 0; i < batch; i++) {
    const s = load<f64>(scales + (<usize>i << 3));
    if (s == 0) continue;
    widenRow(x + ((<usize>i * <usize>nIn) << 2), at + ((<usize>kept * <usize>nIn) << 3), nIn);
    const sv = f64x2.splat(s);
    let ds = d + ((<usize>i * <usize>nOut) << 2);
    let u = ut + ((<usize>kept * <usize>nOut) << 3);
    let o: i32 = 0;
    for (; o + 2 <= nOut; o += 2) {
      v128.store(u, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(ds)), sv));
      ds += 8;
      u += 16;
    }
    for (; o < nOut; o++) {
      store<f64>(u, s * <f64>load<f32>(ds));
      ds += 4;
      u += 8;
    }
    kept++;
  }
  if (kept == 0) return;
  // A(j, r) = a_r[j]: the kept rows read down their columns (row stride 8, column stride nIn·8).
  gemmWith(at, 8, <usize>nIn << 3, ut, <usize>nOut << 3, 8, 0, 0, gw, nIn, kept, nOut, 1, pack);
  for (let r: i32 = 0; r < kept; r++) {
    let u = ut + ((<usize>r * <usize>nOut) << 3);
    let g = gb;
    for (let o: i32 = 0; o < nOut; o++) {
      store<f64>(g, load<f64>(g) + load<f64>(u));
      u += 8;
      g += 8;
    }
  }
}
