/**
 * tsdp's classic models vs IBM diffprivlib 0.6.5, side by side in one run, on
 * Adult (bench/models/adult.ts: the same public encoding and bounds for both
 * sides), at ε ∈ {0.1, 1, 10} over SEEDS seeds: test accuracy (R² for linear
 * regression, −inertia per row for k-means, captured test variance for PCA)
 * and fit time per model pair.
 *
 * diffprivlib must be unpacked OUTSIDE the repository (TOOLCHAIN.md), e.g.
 *   git archive 0.6.5 of IBM/differential-privacy-library | tar -x -C /tmp/models-peers
 * and is run with Debian's python3 (numpy, scipy, sklearn).
 *
 * Run: SEEDS=20 npx tsx bench/models/compare.ts   (PEERS=/tmp/models-peers by default; PEERS=none skips the peer;
 * MODELS=… ours only, PEER_MODELS=… the peer's only; diffprivlib's PCA runs PCA_SEEDS=3 seeds with PCA_LIMIT_S=120 s
 * per fit, see diffprivlib_peer.py; each fit's row is appended to ROWS=/tmp/models-bench-rows.jsonl as it ends)
 * @module
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrivacyBudget } from '../../src/index.js';
import { GaussianNB, KMeans, LinearRegression, LogisticRegression, PCA, RandomForestClassifier } from '../../src/learn/index.js';
import { adult, matrix } from './adult.js';

const SEEDS = Number(process.env.SEEDS ?? 20);
const EPSILONS = (process.env.EPSILONS ?? '0.1,1,10').split(',').map(Number);
const PEERS = process.env.PEERS ?? '/tmp/models-peers';
// MODELS=LogisticRegression,PCA: only those of ours (the peer still runs all of its models unless PEERS=none).
const ONLY = process.env.MODELS?.split(',');
// Every fit's row is appended here as it finishes (JSON lines), so a long run can be followed and kept.
const ROWS = process.env.ROWS ?? '/tmp/models-bench-rows.jsonl';
const A = adult();
const X = matrix(A.train, A.d);
const T = matrix(A.test, A.d);

interface Row {
  model: string;
  epsilon: number;
  seed: number;
  metric: string;
  value: number;
  fit_ms: number;
}

async function ours(): Promise<Row[]> {
  const out: Row[] = [];
  for (const epsilon of EPSILONS) {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const budget = () => ({ budget: PrivacyBudget.pure(epsilon) });
      const fits: [string, string, () => Promise<unknown>, () => number][] = [];
      const lr = new LogisticRegression({ epsilon, featureCount: A.d, dataNorm: A.maxRowL2 });
      fits.push(['LogisticRegression', 'accuracy', () => lr.fit(X, A.train.y, budget()), () => lr.score(T, A.test.y)]);
      const nb = new GaussianNB({ epsilon, bounds: A.bounds, classes: 2, maxRowL1: A.maxRowL1 });
      fits.push(['GaussianNB', 'accuracy', () => nb.fit(X, A.train.y, budget()), () => nb.score(T, A.test.y)]);
      const lin = new LinearRegression({ epsilon, bounds: A.bounds, labelBounds: { lower: 0, upper: 1 }, maxRowL1: A.maxRowL1 });
      fits.push(['LinearRegression', 'r2', () => lin.fit(X, A.train.y, budget()), () => lin.score(T, A.test.y)]);
      const rf = new RandomForestClassifier({ epsilon, bounds: A.bounds, classes: 2, trees: 10, maxDepth: 5, maxRowL1: A.maxRowL1 });
      fits.push(['RandomForestClassifier', 'accuracy', () => rf.fit(X, A.train.y, budget()), () => rf.score(T, A.test.y)]);
      const km = new KMeans({ epsilon, clusters: 5, bounds: A.bounds, maxRowL1: A.maxRowL1 });
      fits.push(['KMeans', 'neg_inertia_per_row', () => km.fit(X, budget()), () => km.score(T) / A.test.rows]);
      const pca = new PCA({ epsilon, components: 5, bounds: A.bounds, maxRowL1: A.maxRowL1 });
      fits.push(['PCA', 'captured_variance', () => pca.fit(X, budget()), () => pca.score(T)]);
      for (const [model, metric, fitModel, score] of fits) {
        if (ONLY && !ONLY.includes(model)) continue;
        const t = performance.now();
        // Sequential on purpose: each fit is timed alone.
        await fitModel();
        const row = { model, epsilon, seed, metric, value: score(), fit_ms: performance.now() - t };
        out.push(row);
        appendFileSync(ROWS, `${JSON.stringify({ side: 'tsdp', ...row })}\n`);
      }
    }
  }
  return out;
}

/** The diffprivlib side, run concurrently with ours (same machine, same load); its rows stream into ROWS. */
function peer(): Promise<Row[]> {
  if (PEERS === 'none') return Promise.resolve([]);
  const dir = join(PEERS, 'data');
  mkdirSync(dir, { recursive: true });
  const csv = (x: Float64Array, cols: number) => {
    const lines: string[] = [];
    for (let r = 0; r < x.length / cols; r++) lines.push(Array.from(x.subarray(r * cols, (r + 1) * cols)).join(','));
    return `${lines.join('\n')}\n`;
  };
  writeFileSync(join(dir, 'train_x.csv'), csv(A.train.x, A.d));
  writeFileSync(join(dir, 'train_y.csv'), csv(A.train.y, 1));
  writeFileSync(join(dir, 'test_x.csv'), csv(A.test.x, A.d));
  writeFileSync(join(dir, 'test_y.csv'), csv(A.test.y, 1));
  const child = spawn('/usr/bin/python3', [join(import.meta.dirname, 'diffprivlib_peer.py'), dir, String(SEEDS), EPSILONS.join(',')], {
    env: { ...process.env, PYTHONPATH: PEERS, DATA_NORM: String(A.maxRowL2), OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  const rows: Row[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) {
      if (!l.startsWith('{')) continue;
      const r = JSON.parse(l) as Row & { timeout_s?: number };
      appendFileSync(ROWS, `${JSON.stringify({ side: 'diffprivlib', ...r })}\n`);
      if (r.timeout_s !== undefined) console.log(`diffprivlib ${r.model} at ε=${r.epsilon}: no result within ${r.timeout_s} s (skipped)`);
      else rows.push(r);
    }
  });
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  return new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(rows) : reject(new Error(`diffprivlib peer failed: ${stderr}`)))),
  );
}

function summary(rows: Row[], model: string, epsilon: number) {
  const xs = rows.filter((r) => r.model === model && r.epsilon === epsilon);
  const mean = (f: (r: Row) => number) => xs.reduce((s, r) => s + f(r), 0) / Math.max(1, xs.length);
  const m = mean((r) => r.value);
  const sd = Math.sqrt(mean((r) => (r.value - m) ** 2));
  return { mean: m, sd, ms: mean((r) => r.fit_ms), n: xs.length };
}

async function main() {
  // Both sides at once, on the same machine under the same load; rows appear in ROWS as they end.
  const theirsRun = peer();
  const mine = await ours();
  const theirs = await theirsRun;
  const models = ['LogisticRegression', 'GaussianNB', 'LinearRegression', 'RandomForestClassifier', 'KMeans', 'PCA'].filter(
    (m) => !ONLY || ONLY.includes(m),
  );
  const metric = Object.fromEntries(mine.map((r) => [r.model, r.metric]));
  console.log(`Adult (train ${A.train.rows}, test ${A.test.rows}, ${A.d} features), ${SEEDS} seeds, mean ± sd; fit time mean (ms)`);
  console.log('| model | metric | ε | tsdp | diffprivlib 0.6.5 | tsdp ms | diffprivlib ms | tsdp ≥ peer |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const model of models)
    for (const epsilon of EPSILONS) {
      const a = summary(mine, model, epsilon);
      const b = summary(theirs, model, epsilon);
      const fmt = (s: { mean: number; sd: number; n: number }) => (s.n === 0 ? '—' : `${s.mean.toFixed(4)} ± ${s.sd.toFixed(4)}`);
      console.log(
        `| ${model} | ${metric[model]} | ${epsilon} | ${fmt(a)} | ${fmt(b)} | ${a.ms.toFixed(0)} | ${b.n ? b.ms.toFixed(0) : '—'} | ${b.n ? (a.mean >= b.mean ? 'yes' : 'NO') : '—'} |`,
      );
    }
}

await main();
