/**
 * The public domain of a synthetic-data release, from a declared schema and
 * never from the data: categorical columns list their categories, numeric
 * columns state public bounds and either a number of equal-width bins
 * (integers default to one bin per value), public cut points (`edges`), or
 * `binning: 'quantiles'` — bins cut at DP quantiles of the column, released
 * inside the synthesis at a stated share of its budget (`quantiles.ts`); the
 * number of bins stays public. A column without a public domain is refused
 * before anything is charged or read. Encoding maps each record to bin
 * indices; a value outside the domain (unknown category, missing, out of
 * bounds) is mapped into it — to the column's `fallback` category or clamped —
 * silently, because an error would reveal a data value after a charge.
 * @module
 */
import { DpError } from '../core/index.js';
import { edgeRead } from '../numeric/edge.js';
import { readCell, readField } from '../stats/value-rules.js';
import { checkArray, checkColumns, checkDomain, checkObject } from './params.js';

/** A categorical column: its public categories. */
export interface CategoricalColumn {
  readonly name: string;
  readonly type: 'categorical';
  readonly categories: readonly string[];
  /** The category unknown or missing values are mapped to (default: the first). */
  readonly fallback?: string;
}

/** A numeric column with public bounds, cut into `bins` equal-width bins. */
export interface NumericColumn {
  readonly name: string;
  readonly type: 'integer' | 'number';
  readonly min: number;
  readonly max: number;
  /** Equal-width bins on [min, max] (integers: default one per value, at most 10 000); with `binning: 'quantiles'`, the number of quantile bins. */
  readonly bins?: number;
  /** Public interior cut points, strictly increasing inside (min, max]: bin k holds edges[k−1] ≤ x < edges[k]. */
  readonly edges?: readonly number[];
  /** `'equal'` (default: equal-width `bins`, or `edges` when given) or `'quantiles'` (cut at DP quantiles, at a cost inside the charge). */
  readonly binning?: 'equal' | 'quantiles';
}

/** One declared column. */
export type SynthColumn = CategoricalColumn | NumericColumn;

/** The declared schema: the columns to synthesise, in order. */
export interface SynthSchema {
  readonly columns: readonly SynthColumn[];
}

/** The encoded domain: each column's size and how to decode a bin. */
export interface SynthDomain {
  readonly columns: readonly SynthColumn[];
  readonly names: readonly string[];
  readonly sizes: readonly number[];
  /**
   * Interior cut points of each numeric column not cut into equal widths: public `edges`, or DP quantiles once
   * released (`withCuts`); undefined for categorical and equal-width columns.
   */
  readonly cuts: readonly (readonly number[] | undefined)[];
  /** The columns whose cuts are DP quantiles still to be released (`binning: 'quantiles'`). */
  readonly quantileColumns: readonly number[];
}

const MAX_BINS = 10_000;

function schemaError(message: string, path: string, expected?: string): DpError {
  return new DpError('INVALID_SCHEMA', message, expected === undefined ? { path } : { path, expected });
}

function binsOf(c: NumericColumn, path: string): number {
  if (!(Number.isFinite(c.min) && Number.isFinite(c.max) && c.min <= c.max)) {
    throw schemaError(`column ${JSON.stringify(c.name)} needs public finite bounds min ≤ max`, path, 'min ≤ max, finite');
  }
  // Review ML M1 (classes 11 and 4): the encoder, the decoder and the DP quantile release all use max − min; a span
  // that overflows (min −1.7e308, max 1.7e308) was refused by the quantile release only AFTER the charge, and decoded
  // every equal-width bin to +∞. Rule: the span the arithmetic uses is finite, checked here (planSynthesis, before
  // any charge); the decoders scale the span by a fraction ≤ 1 (never span·(k + ½) first) and clamp into [min, max].
  if (!Number.isFinite(c.max - c.min)) {
    throw schemaError(`column ${JSON.stringify(c.name)}: max − min must be a finite number`, path, 'max − min finite');
  }
  if (c.type === 'integer' && !(Number.isSafeInteger(c.min) && Number.isSafeInteger(c.max))) {
    throw schemaError(`integer column ${JSON.stringify(c.name)} needs integer bounds`, path, 'safe integers');
  }
  if (c.binning !== undefined && c.binning !== 'equal' && c.binning !== 'quantiles') {
    throw schemaError(
      `column ${JSON.stringify(c.name)}: binning must be 'equal' or 'quantiles'`,
      `${path}.binning`,
      "'equal' | 'quantiles'",
    );
  }
  if (c.edges !== undefined) {
    const e = c.edges;
    if (c.binning === 'quantiles' || c.bins !== undefined) {
      throw schemaError(`column ${JSON.stringify(c.name)}: give edges, or bins (with binning), not both`, `${path}.edges`);
    }
    if (
      !Array.isArray(e) ||
      e.length + 1 > MAX_BINS ||
      e.some((x, i) => typeof x !== 'number' || !Number.isFinite(x) || x <= c.min || x > c.max || (i > 0 && x <= (e[i - 1] as number)))
    ) {
      throw schemaError(
        `column ${JSON.stringify(c.name)}: edges must be strictly increasing numbers in (min, max]`,
        `${path}.edges`,
        'increasing, inside (min, max]',
      );
    }
    return e.length + 1;
  }
  if (c.binning === 'quantiles') {
    if (!(Number.isSafeInteger(c.bins) && (c.bins as number) >= 2 && (c.bins as number) <= 256)) {
      throw schemaError(`column ${JSON.stringify(c.name)}: quantile binning needs bins, an integer in [2, 256]`, `${path}.bins`, '2..256');
    }
    if (!(c.max > c.min))
      throw schemaError(`column ${JSON.stringify(c.name)}: quantile binning needs min < max`, `${path}.max`, 'max > min');
    return c.bins as number;
  }
  const width = c.type === 'integer' ? c.max - c.min + 1 : undefined;
  const bins = c.bins ?? width;
  if (bins === undefined)
    throw schemaError(`number column ${JSON.stringify(c.name)} needs a number of bins`, `${path}.bins`, 'an integer ≥ 1');
  if (!(Number.isSafeInteger(bins) && bins >= 1 && bins <= MAX_BINS)) {
    throw schemaError(`column ${JSON.stringify(c.name)}: bins must be an integer in [1, ${MAX_BINS}]`, `${path}.bins`, `1..${MAX_BINS}`);
  }
  return width === undefined ? bins : Math.min(bins, width);
}

/** The most columns a schema declares (a stated bound on the one copy made of it). */
const MAX_COLUMNS = 10_000;
const COLUMN_KEYS = ['name', 'type', 'categories', 'fallback', 'min', 'max', 'bins', 'edges', 'binning'] as const;

/**
 * Read-once rule for the schema (review ML M2b, class 12 / 5): the caller's schema and column objects are read ONCE
 * into a deep frozen copy (arrays copied element by element, bounded) and only the copy is validated and kept in the
 * domain — the encoder, the quantile release and the decoder read `type`, `min`, `max`, `categories` after the
 * charge, so a getter answering 1 when checked and ∞ (or another type) later changed what ran after ρ was spent.
 * A getter or Proxy that throws while being read is INVALID_PARAMETER, before any charge.
 */
function snapshotColumns(schema: unknown): SynthColumn[] | undefined {
  return edgeRead('schema', () => {
    const columns = typeof schema === 'object' && schema !== null ? (schema as { columns?: unknown }).columns : undefined;
    if (!Array.isArray(columns)) return undefined;
    const n = columns.length;
    if (!(Number.isSafeInteger(n) && n <= MAX_COLUMNS)) throw schemaError(`at most ${MAX_COLUMNS} columns`, 'columns');
    const out: SynthColumn[] = [];
    for (let i = 0; i < n; i++) {
      const c: unknown = columns[i];
      if (typeof c !== 'object' || c === null) {
        out.push(c as SynthColumn);
        continue;
      }
      const copy: Record<string, unknown> = {};
      for (const k of COLUMN_KEYS) {
        const v = (c as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (Array.isArray(v)) {
          const len = v.length;
          if (!(Number.isSafeInteger(len) && len <= 10 * MAX_BINS))
            throw schemaError(`columns[${i}].${k} is too long`, `columns[${i}].${k}`);
          copy[k] = Object.freeze(Array.from({ length: len }, (_, j) => v[j]));
        } else copy[k] = v;
      }
      out.push(Object.freeze(copy) as unknown as SynthColumn);
    }
    return Object.freeze(out) as SynthColumn[];
  });
}

/**
 * Builds the public domain from a declared schema.
 * @param schema - the declared columns.
 * @returns the domain (sizes per column).
 * @throws DpError INVALID_SCHEMA when a column has no public domain (no categories, no bounds, no bins), a repeated name, or fewer than one column.
 * @privacy reads only the schema; the data is never consulted.
 * @example
 * buildDomain({ columns: [{ name: 'sex', type: 'categorical', categories: ['f', 'm'] }, { name: 'age', type: 'integer', min: 17, max: 90, bins: 8 }] });
 */
export function buildDomain(schema: SynthSchema): SynthDomain {
  const columns = snapshotColumns(schema); // read once (M2b): nothing below reads the caller's objects
  if (!Array.isArray(columns) || columns.length === 0)
    throw schemaError('the schema needs at least one column', 'columns', 'a non-empty array');
  const seen = new Set<string>();
  const sizes = columns.map((c: SynthColumn, i) => {
    const path = `columns[${i}]`;
    if (typeof c?.name !== 'string' || c.name === '') throw schemaError('every column needs a name', `${path}.name`, 'a non-empty string');
    if (seen.has(c.name)) throw schemaError(`column ${JSON.stringify(c.name)} is declared twice`, `${path}.name`);
    seen.add(c.name);
    switch (c.type) {
      case 'categorical': {
        const cats = c.categories;
        if (!Array.isArray(cats) || cats.length === 0 || cats.some((x) => typeof x !== 'string') || new Set(cats).size !== cats.length) {
          throw schemaError(
            `column ${JSON.stringify(c.name)} has no public domain: list its distinct categories (they are never read from the data)`,
            `${path}.categories`,
            'a non-empty array of distinct strings',
          );
        }
        if (c.fallback !== undefined && !cats.includes(c.fallback)) {
          throw schemaError(`column ${JSON.stringify(c.name)}: fallback must be one of its categories`, `${path}.fallback`);
        }
        return cats.length;
      }
      case 'integer':
      case 'number':
        return binsOf(c, path);
      default:
        throw schemaError(
          `column ${JSON.stringify((c as { name: string }).name)} has no public domain: declare it categorical (with categories) or integer/number (with bounds)`,
          `${path}.type`,
          "'categorical' | 'integer' | 'number'",
        );
    }
  });
  const cuts = columns.map((c) => (c.type !== 'categorical' && c.edges !== undefined ? [...c.edges] : undefined));
  const quantileColumns = columns.flatMap((c, j) => (c.type !== 'categorical' && c.binning === 'quantiles' ? [j] : []));
  return { columns, names: columns.map((c) => c.name), sizes, cuts, quantileColumns };
}

/**
 * The domain with DP cut points set for its quantile-binned columns (post-processing of the released quantiles).
 * @param domain - the domain.
 * @param cuts - column index → interior cut points (sorted; `size − 1` of them).
 * @returns a domain whose `quantileColumns` is empty.
 * @throws DpError INTERNAL when a column gets the wrong number of cuts.
 */
export function withCuts(domain: SynthDomain, cuts: ReadonlyMap<number, readonly number[]>): SynthDomain {
  checkDomain(domain);
  if (!(cuts instanceof Map)) checkObject(undefined, 'cuts', 'a Map of column index to cut points');
  const next = domain.cuts.map((c, j) => {
    const got = cuts.get(j);
    if (got === undefined) return c;
    if (got.length !== (domain.sizes[j] as number) - 1)
      throw new DpError('INTERNAL', 'wrong number of cut points', { routine: 'withCuts' });
    return [...got].sort((a, b) => a - b);
  });
  return { ...domain, cuts: next, quantileColumns: domain.quantileColumns.filter((j) => !cuts.has(j)) };
}

/** The number of cut points ≤ x (binary search): the bin of x. */
function binOfCut(cuts: readonly number[], x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cuts[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The schema of an encoded data set whose domain file maps each column to its size
 * (values 0 … size−1, as Private-PGM's `adult-domain.json`).
 * @param sizes - `{ column: size }`.
 * @returns the schema (integer columns, one bin per value).
 * @throws DpError INVALID_SCHEMA on a size that is not an integer ≥ 1.
 * @example
 * schemaFromDomainSizes({ sex: 2, race: 5 });
 */
export function schemaFromDomainSizes(sizes: Readonly<Record<string, unknown>>): SynthSchema {
  if (typeof sizes !== 'object' || sizes === null) throw schemaError('a domain file is an object { column: size }', '', 'an object');
  return {
    columns: Object.entries(sizes).map(([name, size]) => {
      if (!(typeof size === 'number' && Number.isSafeInteger(size) && size >= 1 && size <= MAX_BINS)) {
        throw schemaError(`domain size of ${JSON.stringify(name)} must be an integer in [1, ${MAX_BINS}]`, name, 'an integer ≥ 1');
      }
      return { name, type: 'integer' as const, min: 0, max: size - 1 };
    }),
  };
}

function encodeOne(
  c: SynthColumn,
  size: number,
  v: unknown,
  lookup: Map<string, number> | undefined,
  fallback: number,
  cuts: readonly number[] | undefined,
): number {
  if (c.type === 'categorical') {
    const key =
      typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : undefined;
    const k = key === undefined ? undefined : lookup?.get(key);
    return k ?? fallback;
  }
  const x =
    typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (Number.isNaN(x)) return 0;
  if (cuts !== undefined) return binOfCut(cuts, Math.min(Math.max(x, c.min), c.max));
  const u = Math.min(Math.max(x, c.min), c.max) - c.min;
  if (c.type === 'integer') {
    // Integer u = x − min lands in bin ⌊u·size / span⌋: the same arithmetic `decodeRecords` inverts.
    return Math.min(size - 1, Math.max(0, Math.floor((Math.floor(u) * size) / (c.max - c.min + 1))));
  }
  const t = c.max === c.min ? 0 : u / (c.max - c.min);
  return Math.min(size - 1, Math.max(0, Math.floor(t * size)));
}

/**
 * The number of records, read totally: an array whose `length` cannot be read
 * (a hostile proxy) counts as empty. Never throws.
 * @param records - the records.
 * @returns a safe integer ≥ 0.
 */
export function recordCount(records: ArrayLike<unknown>): number {
  try {
    const n: unknown = records.length;
    return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/**
 * Copies the private records into plain objects holding only the declared
 * columns, each field read by the one total reader (stats' `readField`: an own
 * data property, else missing — a getter or proxy trap that throws, or a
 * record that is not an object, reads as missing). Later stages never run the
 * data's own code. Never throws.
 * @param records - the private records.
 * @param names - the declared column names.
 * @returns the plain copy.
 */
export function readRecords(records: ArrayLike<unknown>, names: readonly string[]): Record<string, unknown>[] {
  const n = recordCount(records);
  const out: Record<string, unknown>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const record = readCell(records, i);
    const r: Record<string, unknown> = Object.create(null);
    for (const name of names) r[name] = readField(record, name);
    out[i] = r;
  }
  return out;
}

/**
 * Encodes records into one `Int32Array` of bin indices per column.
 * @param domain - the domain.
 * @param records - the records (objects keyed by column name; other keys ignored).
 * @returns the columns.
 * @throws DpError INTERNAL when a quantile-binned column has no cuts yet (`withCuts` first) — a public fact.
 * @privacy total on the data: never throws on a data value and never runs the data's code (each field is read by
 *   `readField`; a throwing getter or proxy, or a non-object record, reads as missing; out-of-domain values are mapped into the domain).
 */
export function encodeRecords(domain: SynthDomain, records: readonly Readonly<Record<string, unknown>>[]): Int32Array[] {
  checkDomain(domain);
  checkArray(records, 'records');
  if (domain.quantileColumns.length > 0) {
    throw new DpError('INTERNAL', 'quantile-binned columns need their DP cut points before encoding', { routine: 'encodeRecords' });
  }
  const n = recordCount(records);
  return domain.columns.map((c, j) => {
    const out = new Int32Array(n);
    const size = domain.sizes[j] as number;
    const lookup = c.type === 'categorical' ? new Map(c.categories.map((x, i) => [x, i])) : undefined;
    const fallback = c.type === 'categorical' && c.fallback !== undefined ? c.categories.indexOf(c.fallback) : 0;
    for (let i = 0; i < n; i++) {
      // Total read: a record that is not an object, a throwing getter or proxy trap reads as missing (never the data's error).
      const v = readField(readCell(records, i), c.name);
      out[i] = encodeOne(c, size, v, lookup, fallback, domain.cuts[j]);
    }
    return out;
  });
}

/**
 * Decodes bin indices to values: a category, or a bin's midpoint (rounded for integers).
 * @param domain - the domain.
 * @param columns - one array of bin indices per column.
 * @returns the records.
 */
export function decodeRecords(domain: SynthDomain, columns: readonly Int32Array[]): Record<string, string | number>[] {
  checkDomain(domain);
  checkColumns(columns, 'columns');
  if (columns.length !== domain.columns.length) checkColumns(undefined, 'columns');
  const n = columns[0]?.length ?? 0;
  const out: Record<string, string | number>[] = [];
  const decoders = domain.columns.map((c, j) => {
    const size = domain.sizes[j] as number;
    if (c.type === 'categorical') return (k: number) => c.categories[k] as string;
    const cuts = domain.cuts[j];
    if (cuts !== undefined) {
      // The midpoint of bin k = [cut k−1, cut k) (the bounds at the ends); for integers, the middle integer v with
      // cut k−1 ≤ v < cut k (≤ max in the last bin), so that the value encodes back into bin k when the bin holds one.
      return (k: number) => {
        const lo = k === 0 ? c.min : (cuts[k - 1] as number);
        const hi = k >= cuts.length ? c.max : (cuts[k] as number);
        if (c.type !== 'integer') return lo / 2 + hi / 2; // never overflows (lo + hi could), stays in [lo, hi]
        const first = Math.ceil(lo);
        const last = k >= cuts.length ? Math.floor(hi) : Math.ceil(hi) - 1;
        return last < first ? Math.min(c.max, first) : Math.floor((first + last) / 2);
      };
    }
    const span = c.max - c.min + (c.type === 'integer' ? 1 : 0);
    return (k: number) => {
      if (c.type === 'integer') {
        // The integers u = v − min of bin k are ⌈k·span/size⌉ … ⌈(k+1)·span/size⌉ − 1 (non-empty: size ≤ span); the middle one.
        const first = Math.ceil((k * span) / size);
        const last = Math.ceil(((k + 1) * span) / size) - 1;
        return Math.min(c.max, c.min + Math.floor((first + Math.max(first, last)) / 2));
      }
      // span·((k + ½)/size): the fraction is ≤ 1, so the product is ≤ span (finite); clamped into [min, max].
      return Math.min(c.max, Math.max(c.min, c.min + span * ((k + 0.5) / size)));
    };
  });
  for (let i = 0; i < n; i++) {
    const r: Record<string, string | number> = {};
    domain.columns.forEach((c, j) => {
      r[c.name] = (decoders[j] as (k: number) => string | number)((columns[j] as Int32Array)[i] as number);
    });
    out.push(r);
  }
  return out;
}
