/**
 * How GaussianNB's variance-floor constants were chosen (src/learn/classic/_internal/nb-parameters.ts):
 * floor = min((r/S)², (a + m·b_Q)/n̂) over a grid of a, m and S, at ε ∈ {0.1, 1, 10}, on Adult's TUNING split
 * (training rows less a held-out fifth; the test split is never read). Each seed draws the three releases
 * once — exact class counts, sums and sums of squares of the clipped unit rows plus tsdp's grid Laplace
 * noise at GaussianNB's shares and scales — and every rule post-processes the same draws. Prints the mean
 * and the worst accuracy per rule. The non-private rows (no noise, floor a/n) show the pseudo-count alone.
 *
 * Run: SEEDS=20 npx tsx bench/models/nb-floor-sweep.ts
 * @module
 */
import { laplaceScaleForEpsilon } from '../../src/mechanisms/index.js';
import { addSecureLaplaceNoise } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/testing/index.js';
import { adult } from './adult.js';

const SEEDS = Number(process.env.SEEDS ?? 20);
const EPSILONS = (process.env.EPSILONS ?? '0.1,1,10').split(',').map(Number);
const A = adult({ tuning: true });
const d = A.d;
const L = A.maxRowL1;
const k = 2;

/** Unit rows (bounds [0, 1], so u = clamp(x)), clipped to ‖u‖₁ ≤ L as the model clips them. */
function unit(x: Float64Array, rows: number, clip: boolean): Float64Array {
  const u = Float64Array.from(x, (v) => Math.min(1, Math.max(0, v)));
  for (let r = 0; r < rows && clip; r++) {
    let n = 0;
    for (let f = 0; f < d; f++) n += u[r * d + f] as number;
    if (n > L) for (let f = 0; f < d; f++) u[r * d + f] = ((u[r * d + f] as number) * L) / n;
  }
  return u;
}
const U = unit(A.train.x, A.train.rows, true);
const T = unit(A.test.x, A.test.rows, false);
const counts = [0, 0];
const sums = new Float64Array(k * d);
const squares = new Float64Array(k * d);
for (let r = 0; r < A.train.rows; r++) {
  const c = A.train.y[r] as number;
  counts[c] = (counts[c] as number) + 1;
  for (let f = 0; f < d; f++) {
    const v = U[r * d + f] as number;
    sums[c * d + f] = (sums[c * d + f] as number) + v;
    squares[c * d + f] = (squares[c * d + f] as number) + v * v;
  }
}

/** Test accuracy of the parameters that `floor(n̂)` and the releases give (nb-parameters.ts's clamps, hull [0, 1]). */
function accuracy(n: readonly number[], s: ArrayLike<number>, q: ArrayLike<number>, floor: (count: number) => number): number {
  const mean = new Float64Array(k * d);
  const variance = new Float64Array(k * d);
  const prior = n.map((c) => Math.max(1, c) / n.reduce((t, x) => t + Math.max(1, x), 0));
  for (let c = 0; c < k; c++) {
    const count = Math.max(1, n[c] as number);
    for (let f = 0; f < d; f++) {
      const m = Math.min(1, Math.max(0, (s[c * d + f] as number) / count));
      const second = Math.min(1, Math.max(0, (q[c * d + f] as number) / count));
      mean[c * d + f] = m;
      variance[c * d + f] = Math.min(0.25, Math.max(floor(count), second - m * m));
    }
  }
  let right = 0;
  for (let r = 0; r < A.test.rows; r++) {
    let best = Number.NEGATIVE_INFINITY;
    let label = 0;
    for (let c = 0; c < k; c++) {
      let score = Math.log(prior[c] as number);
      for (let f = 0; f < d; f++) {
        const v = variance[c * d + f] as number;
        const diff = (T[r * d + f] as number) - (mean[c * d + f] as number);
        score -= 0.5 * Math.log(v) + (diff * diff) / (2 * v);
      }
      if (score > best) [best, label] = [score, c];
    }
    if (label === A.test.y[r]) right++;
  }
  return right / A.test.rows;
}

console.log(`Adult tuning split (train ${A.train.rows}, held-out ${A.test.rows}, ${d} features, L = ${L}), ${SEEDS} seeds`);
for (const a of [1e-9, 1, 3, 10, 30]) console.log(`non-private, floor ${a}/n: ${accuracy(counts, sums, squares, (n) => a / n).toFixed(4)}`);
console.log('| ε | a | m | S | mean | worst |\n|---|---|---|---|---|---|');
for (const epsilon of EPSILONS) {
  // GaussianNB's shares (0.1, 0.45, 0.45) and scales (laplaceStatistic).
  const bCount = laplaceScaleForEpsilon(epsilon * 0.1, 1, { size: k });
  const bSum = laplaceScaleForEpsilon(epsilon * 0.45, L, { size: k * d });
  const bSquare = laplaceScaleForEpsilon(epsilon * 0.45, L, { size: k * d });
  const rules: { a: number; m: number; spread: number }[] = [];
  for (const spread of [4, 6, 10, Number.POSITIVE_INFINITY])
    for (const a of [1, 3, 10]) for (const m of [0, 0.5, 1, 2]) rules.push({ a, m, spread });
  const results = rules.map(() => [] as number[]);
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rng = new SeededRandomSource(seed);
    const n = counts.map((c) => addSecureLaplaceNoise(c, bCount, rng));
    const s = Array.from(sums, (v) => addSecureLaplaceNoise(v, bSum, rng));
    const q = Array.from(squares, (v) => addSecureLaplaceNoise(v, bSquare, rng));
    rules.forEach(({ a, m, spread }, i) => {
      results[i]?.push(accuracy(n, s, q, (count) => Math.min((1 / spread) ** 2, (a + m * bSquare) / count)));
    });
  }
  rules.forEach(({ a, m, spread }, i) => {
    const xs = results[i] as number[];
    console.log(
      `| ${epsilon} | ${a} | ${m} | ${spread} | ${(xs.reduce((t, x) => t + x, 0) / xs.length).toFixed(4)} | ${Math.min(...xs).toFixed(4)} |`,
    );
  });
}
