/**
 * Event selection on the held-out selection half: for every feature, a
 * family of candidate events (thresholds and intervals on numbers; single
 * outcomes and likelihood-ratio-ordered unions on keys — the Neyman–Pearson
 * family DP-Sniper approximates), each scored by the lower bound it would
 * certify on the certification half. Selection need not be rigorous: only the
 * fresh certification samples enter the stated confidence.
 * @module
 */
import type { AuditEvent } from '../audit-event.js';

/** Feature columns of one side's selection samples (undefined where an output lacks the feature). */
export type FeatureColumns = Map<string, Array<number | string | undefined>>;

/** A candidate event: the event, which input is the "larger" side, and its predicted certified bound. */
export interface Candidate {
  readonly event: AuditEvent;
  /** True when the event is likelier under the pair's first input (the bound is P1 vs P2), false for the reverse. */
  readonly forward: boolean;
  readonly score: number;
  readonly pairIndex: number;
}

/** Scoring context: how many certification samples will be drawn and at what z. */
export interface ScoreContext {
  readonly nSelection: number;
  readonly nCertification: number;
  /** The normal quantile matching the per-bound failure probability of certification. */
  readonly z: number;
  readonly delta: number;
}

function wilson(p: number, n: number, z: number, upper: boolean): number {
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return upper ? Math.min(1, center + half) : Math.max(0, center - half);
}

/** The bound an event with estimated probabilities (pHi, pLo) is predicted to certify. */
export function predictedBound(pHi: number, pLo: number, ctx: ScoreContext): number {
  const lower = wilson(pHi, ctx.nCertification, ctx.z, false) - ctx.delta;
  if (!(lower > 0)) return Number.NEGATIVE_INFINITY;
  const upper = wilson(pLo, ctx.nCertification, ctx.z, true);
  return Math.log(lower / upper);
}

function lowerIndex(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function upperIndex(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortedNumbers(col: Array<number | string | undefined>): Float64Array {
  const out: number[] = [];
  for (const v of col) if (typeof v === 'number' && !Number.isNaN(v)) out.push(v);
  return Float64Array.from(out).sort();
}

function cutPoints(pooled: Float64Array, count: number): number[] {
  const cuts = new Set<number>();
  if (pooled.length === 0) return [];
  for (let i = 0; i < count; i++) cuts.add(pooled[Math.round((i * (pooled.length - 1)) / Math.max(1, count - 1))] as number);
  return [...cuts].sort((x, y) => x - y);
}

/** Pushes scored candidates for both directions of one event, given its estimated probabilities under each input. */
type Emit = (event: AuditEvent, p1: number, p2: number) => void;

function continuousCandidates(
  feature: string,
  c1: Array<number | string | undefined>,
  c2: Array<number | string | undefined>,
  emitProbabilities: Emit,
) {
  const a = sortedNumbers(c1);
  const b = sortedNumbers(c2);
  const emit: Emit = (event, k1, k2) => emitProbabilities(event, k1 / c1.length, k2 / c2.length);
  const pooled = new Float64Array(a.length + b.length);
  pooled.set(a);
  pooled.set(b, a.length);
  pooled.sort();
  for (const t of cutPoints(pooled, 512)) {
    const la = lowerIndex(a, t);
    const lb = lowerIndex(b, t);
    const ua = upperIndex(a, t);
    const ub = upperIndex(b, t);
    emit({ kind: 'threshold', feature, op: '>=', threshold: t }, a.length - la, b.length - lb);
    emit({ kind: 'threshold', feature, op: '>', threshold: t }, a.length - ua, b.length - ub);
    emit({ kind: 'threshold', feature, op: '<', threshold: t }, la, lb);
    emit({ kind: 'threshold', feature, op: '<=', threshold: t }, ua, ub);
  }
  const coarse = cutPoints(pooled, 48);
  for (let i = 0; i < coarse.length; i++) {
    for (let j = i + 2; j < coarse.length; j++) {
      const lo = coarse[i] as number;
      const hi = coarse[j] as number;
      emit(
        { kind: 'interval', feature, lower: lo, upper: hi },
        lowerIndex(a, hi) - lowerIndex(a, lo),
        lowerIndex(b, hi) - lowerIndex(b, lo),
      );
    }
  }
}

/** Features with this many distinct keys or more are treated as unique identifiers and skipped. */
const MAX_KEYS = 2048;

/**
 * Single outcomes, and unions of outcomes in likelihood-ratio order. The order
 * is learnt on the even-indexed selection rows and the unions are scored on
 * the odd-indexed ones: scoring a union on the rows that ordered it would
 * favour unions of outcomes seen once (their empirical ratio is infinite).
 */
function discreteCandidates(feature: string, c1: Array<number | string | undefined>, c2: Array<number | string | undefined>, emit: Emit) {
  // counts[key] = [side 1 even rows, side 2 even rows, side 1 odd rows, side 2 odd rows]
  const counts = new Map<string, [number, number, number, number]>();
  const add = (col: Array<number | string | undefined>, side: 0 | 1) => {
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (v === undefined) continue;
      const key = typeof v === 'number' ? String(v) : v;
      let entry = counts.get(key);
      if (!entry) {
        if (counts.size >= MAX_KEYS) continue;
        entry = [0, 0, 0, 0];
        counts.set(key, entry);
      }
      const slot = side + 2 * (i & 1);
      entry[slot] = (entry[slot] as number) + 1;
    }
  };
  add(c1, 0);
  add(c2, 1);
  if (counts.size < 2 || counts.size >= MAX_KEYS) return;
  const n1 = c1.length;
  const n2 = c2.length;
  const odd1 = Math.floor(n1 / 2);
  const odd2 = Math.floor(n2 / 2);
  const keys = [...counts.entries()];
  for (const [key, [a, b, c, d]] of keys) emit({ kind: 'outcomes', feature, values: [key] }, (a + c) / n1, (b + d) / n2);
  const ratio = (e: [string, [number, number, number, number]]) => (e[1][0] + 0.5) / (e[1][1] + 0.5);
  keys.sort((x, y) => ratio(y) - ratio(x));
  const emitPrefixes = (ordered: Array<[string, [number, number, number, number]]>) => {
    let s1 = 0;
    let s2 = 0;
    const values: string[] = [];
    for (let i = 0; i < ordered.length - 1; i++) {
      const [key, entry] = ordered[i] as [string, [number, number, number, number]];
      s1 += entry[2];
      s2 += entry[3];
      values.push(key);
      if (i > 0) emit({ kind: 'outcomes', feature, values: [...values] }, s1 / odd1, s2 / odd2);
    }
  };
  emitPrefixes(keys);
  emitPrefixes([...keys].reverse());
}

/** At most this many numeric features enter the linear score. */
const MAX_LINEAR_FEATURES = 16;

/** True for numeric features that are raw values (not derived: bit patterns, lengths, counts, sums). */
function isBaseNumeric(name: string): boolean {
  return !name.includes('#') && !/\.(length|sum|trues|firstTrue)$/.test(name);
}

/**
 * The linear discriminant of DP-Sniper's simplest kind: weights wᵢ = (μ₁ᵢ − μ₂ᵢ)/σᵢ² (pooled, diagonal) over
 * the numeric features every output has, then thresholds on the score Σ wᵢ·fᵢ. It sees what no single
 * projection shows: a shift spread over several coordinates, or several releases of one value.
 */
function linearCandidates(side1: FeatureColumns, side2: FeatureColumns, numericNames: string[], emit: Emit) {
  const names: string[] = [];
  const weights: number[] = [];
  for (const name of numericNames) {
    if (names.length >= MAX_LINEAR_FEATURES) break;
    const a = side1.get(name);
    const b = side2.get(name);
    if (!a || !b) continue;
    let complete = true;
    let s1 = 0;
    let s2 = 0;
    for (const v of a) {
      if (typeof v !== 'number' || !Number.isFinite(v)) complete = false;
      else s1 += v;
    }
    for (const v of b) {
      if (typeof v !== 'number' || !Number.isFinite(v)) complete = false;
      else s2 += v;
    }
    if (!complete) continue;
    const m1 = s1 / a.length;
    const m2 = s2 / b.length;
    let ss = 0;
    for (const v of a) ss += ((v as number) - m1) ** 2;
    for (const v of b) ss += ((v as number) - m2) ** 2;
    const variance = ss / (a.length + b.length - 2);
    if (!(variance > 0) || m1 === m2) continue;
    names.push(name);
    weights.push((m1 - m2) / variance);
  }
  if (names.length < 2) return;
  // Scale so the largest weight is 1 (readable witnesses; thresholds are scale-free).
  const top = Math.max(...weights.map(Math.abs));
  const w = weights.map((x) => x / top);
  const score = (side: FeatureColumns) => {
    const cols = names.map((n) => side.get(n) as Array<number | string | undefined>);
    const n = (cols[0] as unknown[]).length;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let j = 0; j < cols.length; j++) total += (w[j] as number) * ((cols[j] as Array<number | string | undefined>)[i] as number);
      out[i] = total;
    }
    return out;
  };
  continuousCandidates('linear', score(side1), score(side2), (event, p1, p2) => {
    if (event.kind !== 'threshold') return;
    if (event.op !== '>=' && event.op !== '<=') return;
    emit({ kind: 'linear', features: names, weights: w, op: event.op, threshold: event.threshold }, p1, p2);
  });
}

/** Distinct-value limit below which a numeric feature also gets the discrete family. */
const DISCRETE_LIMIT = 256;

/**
 * Scores every candidate event of every feature for one pair.
 * @returns the candidates with a finite predicted bound.
 */
export function scoreCandidates(side1: FeatureColumns, side2: FeatureColumns, pairIndex: number, ctx: ScoreContext): Candidate[] {
  const out: Candidate[] = [];
  const emit: Emit = (event, p1, p2) => {
    const f = predictedBound(p1, p2, ctx);
    if (f > Number.NEGATIVE_INFINITY) out.push({ event, forward: true, score: f, pairIndex });
    const r = predictedBound(p2, p1, ctx);
    if (r > Number.NEGATIVE_INFINITY) out.push({ event, forward: false, score: r, pairIndex });
  };
  const names = new Set([...side1.keys(), ...side2.keys()]);
  const numericNames: string[] = [];
  for (const name of names) {
    const c1 = side1.get(name) ?? [];
    const c2 = side2.get(name) ?? [];
    let numeric = true;
    const distinct = new Set<number | string>();
    for (const col of [c1, c2]) {
      for (const v of col) {
        if (v === undefined) continue;
        if (typeof v !== 'number') numeric = false;
        if (distinct.size <= DISCRETE_LIMIT) distinct.add(v);
      }
    }
    if (distinct.size < 2) continue;
    if (numeric && isBaseNumeric(name)) numericNames.push(name);
    if (numeric) continuousCandidates(name, c1, c2, emit);
    if (!numeric || distinct.size <= DISCRETE_LIMIT) discreteCandidates(name, c1, c2, emit);
  }
  linearCandidates(side1, side2, numericNames, emit);
  return out;
}
