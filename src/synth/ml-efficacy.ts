/**
 * ML efficacy for the utility report: does a classifier trained on the
 * synthetic data predict a column of the real data as well as one trained on
 * real data? "Train on synthetic, test on real" (TSTR) beside "train on real,
 * test on real" (TRTR), with a categorical naive Bayes (Laplace smoothing 1)
 * over the encoded bins of every other column. The real data is split
 * deterministically: every fifth record (index ≡ 4 mod 5) is the test set,
 * the rest the real training set. (The synthesizer saw all real records,
 * test ones included — the usual caveat of TSTR.) Reads the real data: for
 * the data owner, not DP.
 * @module
 */
import { checkArray, checkColumns, checkInteger, checkSizes } from './params.js';

/** Scores of one classifier on the real test set. */
export interface ClassifierScore {
  /** Share of test records predicted right. */
  readonly accuracy: number;
  /** Mean over the classes present in the test set of the recall of each. */
  readonly balancedAccuracy: number;
}

/** The ML-efficacy figures. */
export interface MlEfficacy {
  readonly target: string;
  readonly classifier: string;
  readonly trainRows: { readonly real: number; readonly synthetic: number };
  readonly testRows: number;
  readonly trainRealTestReal: ClassifierScore;
  readonly trainSyntheticTestReal: ClassifierScore;
  /** Always predicting the real training set's most common class. */
  readonly majorityBaseline: ClassifierScore;
}

interface NaiveBayes {
  readonly logPrior: Float64Array;
  /** Per feature: log P(x = v | class), [class * size + v]. */
  readonly logLikelihood: Float64Array[];
}

function train(columns: readonly Int32Array[], sizes: readonly number[], target: number, rows: readonly number[]): NaiveBayes {
  const k = sizes[target] as number;
  const classCount = new Float64Array(k);
  const y = columns[target] as Int32Array;
  for (const r of rows) classCount[y[r] as number] = (classCount[y[r] as number] as number) + 1;
  const logPrior = classCount.map((c) => Math.log((c + 1) / (rows.length + k)));
  const logLikelihood = sizes.map((size, f) => {
    const out = new Float64Array(k * size);
    if (f === target) return out;
    const x = columns[f] as Int32Array;
    for (const r of rows) {
      const i = (y[r] as number) * size + (x[r] as number);
      out[i] = (out[i] as number) + 1;
    }
    for (let c = 0; c < k; c++)
      for (let v = 0; v < size; v++) out[c * size + v] = Math.log(((out[c * size + v] as number) + 1) / ((classCount[c] as number) + size));
    return out;
  });
  return { logPrior, logLikelihood };
}

function predict(model: NaiveBayes, columns: readonly Int32Array[], sizes: readonly number[], target: number, r: number): number {
  const k = model.logPrior.length;
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    let s = model.logPrior[c] as number;
    for (let f = 0; f < sizes.length; f++) {
      if (f === target) continue;
      const size = sizes[f] as number;
      s += (model.logLikelihood[f] as Float64Array)[c * size + ((columns[f] as Int32Array)[r] as number)] as number;
    }
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return best;
}

function score(predicted: (r: number) => number, y: Int32Array, k: number, rows: readonly number[]): ClassifierScore {
  const right = new Float64Array(k);
  const seen = new Float64Array(k);
  let correct = 0;
  for (const r of rows) {
    const c = y[r] as number;
    seen[c] = (seen[c] as number) + 1;
    if (predicted(r) === c) {
      correct++;
      right[c] = (right[c] as number) + 1;
    }
  }
  let recall = 0;
  let present = 0;
  for (let c = 0; c < k; c++)
    if ((seen[c] as number) > 0) {
      recall += (right[c] as number) / (seen[c] as number);
      present++;
    }
  return { accuracy: rows.length === 0 ? 0 : correct / rows.length, balancedAccuracy: present === 0 ? 0 : recall / present };
}

/**
 * TSTR beside TRTR with naive Bayes.
 * @param real - the encoded real data.
 * @param synthetic - the encoded synthetic data (same domain).
 * @param sizes - the domain sizes.
 * @param names - the column names.
 * @param target - the label column's index.
 * @returns the scores.
 */
export function mlEfficacy(
  real: readonly Int32Array[],
  synthetic: readonly Int32Array[],
  sizes: readonly number[],
  names: readonly string[],
  target: number,
): MlEfficacy {
  checkColumns(real, 'real');
  checkColumns(synthetic, 'synthetic');
  checkSizes(sizes, 'sizes');
  checkArray(names, 'names');
  checkInteger(target, 'target', 0, Math.min(real.length, synthetic.length, sizes.length) - 1);
  const n = real[0]?.length ?? 0;
  const testRows: number[] = [];
  const trainRows: number[] = [];
  for (let r = 0; r < n; r++) (r % 5 === 4 ? testRows : trainRows).push(r);
  const synthRows = Array.from({ length: synthetic[0]?.length ?? 0 }, (_, r) => r);
  const k = sizes[target] as number;
  const y = real[target] as Int32Array;
  const onReal = train(real, sizes, target, trainRows);
  const onSynthetic = train(synthetic, sizes, target, synthRows);
  const majority = onReal.logPrior.indexOf(Math.max(...onReal.logPrior));
  return {
    target: names[target] as string,
    classifier: 'categorical naive Bayes (Laplace smoothing 1) over the other columns',
    trainRows: { real: trainRows.length, synthetic: synthRows.length },
    testRows: testRows.length,
    trainRealTestReal: score((r) => predict(onReal, real, sizes, target, r), y, k, testRows),
    trainSyntheticTestReal: score((r) => predict(onSynthetic, real, sizes, target, r), y, k, testRows),
    majorityBaseline: score(() => majority, y, k, testRows),
  };
}
