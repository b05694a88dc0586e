import type { RejectionReason, ReportObject } from './validate.js';

/** 2³². */
export const TWO_32 = 4294967296;
/** Most work per report a streaming mode may take before raw storage wins. */
const MAX_WORK_PER_REPORT = 4096;
/** Largest table (cells: 2 MiB of byte counts, plus the float totals they are moved into): beyond it the increments miss the cache and enumeration wins. */
export const TABLE_CELLS = 2 ** 21;
/** Reports over which table mode's whole-domain estimate is counted as amortized when choosing its split. */
const TABLE_REFERENCE_REPORTS = 2 ** 20;

/** How the OLH aggregator counts supports. */
export type OlhMode =
  | { readonly kind: 'table'; readonly lowBits: number; readonly highBits: number; readonly lowVectors: number; readonly work: number }
  | { readonly kind: 'enumerate'; readonly lowBits: number; readonly highBits: number; readonly work: number }
  | { readonly kind: 'raw' };

/** The cheapest mode for hash range g and r value bits (domain k ≤ 2^r). */
export function olhMode(g: number, r: number, k: number): OlhMode {
  // The table split with the least work per report when the whole-domain estimate (k·L cell
  // reads, k ≤ 2^r) is spread over TABLE_REFERENCE_REPORTS reports.
  let table: OlhMode | null = null;
  let tableCost = Number.POSITIVE_INFINITY;
  for (let lowBits = Math.min(r, 14); lowBits >= 0; lowBits--) {
    const lowVectors = g ** lowBits;
    const highBits = r - lowBits;
    if (lowVectors > 2 ** 14 || lowVectors * 2 ** lowBits > 2 ** 22) continue;
    if (2 ** highBits * lowVectors * g > TABLE_CELLS) continue;
    const cost = 2 ** highBits + (2 ** r * lowVectors) / TABLE_REFERENCE_REPORTS;
    if (cost < tableCost) {
      tableCost = cost;
      table = { kind: 'table', lowBits, highBits, lowVectors, work: 2 * 2 ** highBits };
    }
  }
  const lowBits = Math.floor(r / 2);
  const enumerate: OlhMode | null =
    g <= 2 ** 16 ? { kind: 'enumerate', lowBits, highBits: r - lowBits, work: 2 ** lowBits + 2 ** (r - lowBits) + k / g } : null;
  const best = [table, enumerate].filter((m): m is Exclude<OlhMode, { kind: 'raw' }> => m !== null && m.work <= MAX_WORK_PER_REPORT);
  best.sort((a, b) => a.work - b.work);
  return best[0] ?? { kind: 'raw' };
}

/** 2⁻³²: multiplying by it is exact (a power of two). */
const INV_TWO_32 = 1 / TWO_32;

/**
 * The coefficients a₀ … a_{r−1}, b of seed s into `out`: the same words and
 * the same ⌊word · g / 2³²⌋ as `olhCoefficients` (a test checks they agree
 * on random seeds), written out here so that the per-report loop does not
 * call across modules (V8 does not inline that call: it cost ~90 ns a report).
 */
export function expandSeed(seed: number, g: number, r: number, out: Int32Array): void {
  for (let i = 0; i <= r; i++) {
    let z = (seed + Math.imul(i + 1, 0x9e3779b9)) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out[i] = Math.floor(((z ^ (z >>> 16)) >>> 0) * g * INV_TWO_32);
  }
}

/**
 * out[t] = (start + sign · Σ_j a_{offset+j}·bit_j(t)) mod g for t < 2^bits, by
 * doubling; `start` in [0, g). Branch-free reduction: a data-dependent
 * `if (sum >= g)` is mispredicted half the time.
 */
export function subsetSums(
  coefficients: Int32Array,
  offset: number,
  bits: number,
  g: number,
  start: number,
  sign: 1 | -1,
  out: Int32Array,
): void {
  out[0] = start;
  let size = 1;
  for (let j = 0; j < bits; j++) {
    const a = coefficients[offset + j] as number;
    // Adding a, or subtracting a (adding g − a), then subtracting g and adding it back when negative.
    const step = (sign === 1 ? a : g - a) - g;
    for (let t = 0; t < size; t++) {
      const sum = (out[t] as number) + step;
      out[t + size] = sum + (g & (sum >> 31));
    }
    size *= 2;
  }
}

/**
 * The header, payload and range checks of `headerChecker('olh', { eps, k, g }, ['s', 'y'])`
 * followed by `checkIndex(s, 2³²)` and `checkIndex(y, g)` — the same reasons in
 * the same order (a test compares them) — with named property reads, which V8
 * serves from inline caches; the generic checker's keyed reads cost about
 * 100 ns a report.
 */
export function olhReportChecker(eps: number, k: number, g: number): (report: ReportObject) => RejectionReason | null {
  return (report) => checkOlhReport(report, eps, k, g);
}

/** The checks of {@link olhReportChecker} (a plain function: one optimized copy for every aggregator). */
export function checkOlhReport(report: ReportObject, eps: number, k: number, g: number): RejectionReason | null {
  const version = report.v;
  if (version !== 1) return version === undefined ? 'missing-field' : 'unsupported-version';
  const protocol = report.p;
  if (protocol !== 'olh') return protocol === undefined ? 'missing-field' : 'wrong-protocol';
  const e = report.eps;
  if (e === undefined) return 'missing-field';
  if (e !== eps) return 'wrong-parameters';
  const domain = report.k;
  if (domain === undefined) return 'missing-field';
  if (domain !== k) return 'wrong-parameters';
  const range = report.g;
  if (range === undefined) return 'missing-field';
  if (range !== g) return 'wrong-parameters';
  const seed = report.s;
  if (seed === undefined) return 'missing-field';
  const y = report.y;
  if (y === undefined) return 'missing-field';
  // Every enumerable key counts (inherited ones too): anything beyond the 7 fields is refused.
  let present = 0;
  for (const _ in report) present++;
  if (present !== 7) return 'unexpected-field';
  if (typeof seed !== 'number') return 'wrong-type';
  if (!(Number.isInteger(seed) && seed >= 0 && seed < TWO_32)) return 'out-of-range';
  if (typeof y !== 'number') return 'wrong-type';
  if (!(Number.isInteger(y) && y >= 0 && y < g)) return 'out-of-range';
  return null;
}
