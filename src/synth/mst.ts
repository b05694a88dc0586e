/**
 * MST (McKenna, Miklau, Sheldon 2021): a third of ρ measures every 1-way
 * marginal, values whose noisy count is under 3σ are merged into one bucket
 * (domain compression), a third selects a maximum spanning tree of attribute
 * pairs — Kruskal's order, each edge chosen by the exponential mechanism
 * (exact; ε²/8-zCDP by bounded range, as MST is analysed: src/synth/selection.ts)
 * on how badly the independent model fits the pair (L1, sensitivity 1) — and
 * the last third measures the tree's 2-way marginals.
 * Private-PGM's estimator fits the model; sampling is forward along the tree.
 * Every piece is spent through a {@link ZcdpFilter} against the planned ρ.
 * @module
 * @see McKenna, Miklau, Sheldon (2021), "Winning the NIST contest", §4.
 */
import { Rational } from '../numeric/index.js';
import type { RandomSource } from '../random/index.js';
import { cliqueMarginals } from './belief-propagation.js';
import { type EstimatedModel, estimate, type MarginalMeasurement } from './estimation.js';
import type { Factor } from './factor.js';
import { countMarginal, measureMarginal, sigmaSquaredForRho, ZcdpFilter } from './measure.js';
import { exponentialEpsilonForRho, exponentialSelectionEvent, exponentialSelectionRho, selectExponential } from './selection.js';

/** What a synthesis run reports while it works. */
export type SynthProgress = (event: { readonly stage: string; readonly detail?: string; readonly rhoUsed: number }) => void;

/** The compression of one attribute: old code → new code, and the rare values behind the merged code. */
export interface Compression {
  readonly map: Int32Array;
  readonly size: number;
  /** The original values merged into the last code (empty when nothing was merged). */
  readonly rare: readonly number[];
}

/** The result of a marginal-based run on encoded data. */
export interface MarginalRun {
  readonly fit: EstimatedModel;
  readonly compression: readonly Compression[];
  readonly measurements: readonly MarginalMeasurement[];
  readonly filter: ZcdpFilter;
}

/** Options shared by MST and AIM. */
export interface RunOptions {
  readonly rho: Rational;
  readonly rng: RandomSource;
  readonly iterations?: number;
  readonly progress?: SynthProgress;
  /** Column names, for progress messages. */
  readonly names?: readonly string[];
}

/** `a × b` with the columns' names when known. */
export function marginalName(attrs: readonly number[], names: readonly string[] | undefined): string {
  return attrs.map((a) => names?.[a] ?? `#${a}`).join(' × ');
}

/** Merges the values of each 1-way measurement whose noisy count is under 3σ (MST's `compress_domain`). */
export function compressDomain(oneWay: readonly MarginalMeasurement[]): {
  compression: Compression[];
  measurements: MarginalMeasurement[];
} {
  const compression: Compression[] = [];
  const measurements: MarginalMeasurement[] = [];
  for (const m of oneWay) {
    const sigma = 1 / (m.weights[0] as number);
    const size = m.values.length;
    const kept: number[] = [];
    const rare: number[] = [];
    for (let v = 0; v < size; v++) ((m.values[v] as number) >= 3 * sigma ? kept : rare).push(v);
    if (rare.length === 0) {
      compression.push({ map: Int32Array.from({ length: size }, (_, v) => v), size, rare: [] });
      measurements.push(m);
      continue;
    }
    const map = new Int32Array(size);
    kept.forEach((v, i) => {
      map[v] = i;
    });
    for (const v of rare) map[v] = kept.length;
    const values = new Float64Array(kept.length + 1);
    const weights = new Float64Array(kept.length + 1).fill(1 / sigma);
    kept.forEach((v, i) => {
      values[i] = m.values[v] as number;
    });
    values[kept.length] = rare.reduce((t, v) => t + (m.values[v] as number), 0);
    weights[kept.length] = 1 / (sigma * Math.sqrt(rare.length));
    compression.push({ map, size: kept.length + 1, rare });
    measurements.push({ attrs: m.attrs, values, weights });
  }
  return { compression, measurements };
}

/** Applies the compression to encoded columns. */
export function compressColumns(columns: readonly Int32Array[], compression: readonly Compression[]): Int32Array[] {
  return columns.map((col, a) => {
    const map = (compression[a] as Compression).map;
    return col.map((v) => map[v] as number);
  });
}

/** Undoes the compression: a merged code becomes one of its rare values, uniformly. */
export function decompressColumns(columns: readonly Int32Array[], compression: readonly Compression[], rng: RandomSource): Int32Array[] {
  return columns.map((col, a) => {
    const c = compression[a] as Compression;
    const inverse = new Int32Array(c.size);
    c.map.forEach((to, from) => {
      inverse[to] = from;
    });
    const merged = c.rare.length > 0 ? c.size - 1 : -1;
    return col.map((v) =>
      v === merged ? (c.rare[Math.floor(((rng.nextUint32() + 0.5) / 4_294_967_296) * c.rare.length)] as number) : (inverse[v] as number),
    );
  });
}

/**
 * Measures every 1-way marginal with ρ₁ in all, then compresses.
 * @returns the compressed measurements, compression, compressed columns and sizes.
 */
export function measureOneWays(
  columns: readonly Int32Array[],
  sizes: readonly number[],
  rhoOneWay: Rational,
  filter: ZcdpFilter,
  rng: RandomSource,
): { measurements: MarginalMeasurement[]; compression: Compression[]; columns: Int32Array[]; sizes: number[] } {
  const d = sizes.length;
  const s2 = sigmaSquaredForRho(rhoOneWay.div(Rational.of(BigInt(d))).toNumberDown());
  const raw = sizes.map((_, a) => measureMarginal(columns, sizes, [a], s2, filter, rng));
  const { compression, measurements } = compressDomain(raw);
  return { measurements, compression, columns: compressColumns(columns, compression), sizes: compression.map((c) => c.size) };
}

/** The L1 distance between the data's pair marginals and an independent model's, for every pair. */
function pairScores(
  columns: readonly Int32Array[],
  sizes: readonly number[],
  oneWay: readonly Factor[],
  total: number,
): Map<string, number> {
  const scores = new Map<string, number>();
  const d = sizes.length;
  for (let a = 0; a < d; a++)
    for (let b = a + 1; b < d; b++) {
      const x = countMarginal(columns, sizes, [a, b]);
      const ma = (oneWay[a] as Factor).values;
      const mb = (oneWay[b] as Factor).values;
      const sb = sizes[b] as number;
      let l1 = 0;
      for (let i = 0; i < x.length; i++)
        l1 += Math.abs((x[i] as number) - ((ma[Math.floor(i / sb)] as number) * (mb[i % sb] as number)) / total);
      scores.set(`${a},${b}`, l1);
    }
  return scores;
}

/**
 * Runs MST on encoded columns.
 * @param columns - the encoded data (codes per attribute).
 * @param sizes - the public domain sizes.
 * @param options - ρ (the planned total), random source, iterations, progress.
 * @returns the fitted model on the compressed domain, the compression and the filter.
 * @privacy spends at most `options.rho` (zCDP, add/remove one record), checked exactly by the filter.
 */
export function runMst(columns: readonly Int32Array[], sizes: readonly number[], options: RunOptions): MarginalRun {
  const { rho, rng } = options;
  const filter = new ZcdpFilter(rho);
  const d = sizes.length;
  const third = rho.div(Rational.of(3n));
  const report = (stage: string, detail?: string) =>
    options.progress?.({ stage, ...(detail === undefined ? {} : { detail }), rhoUsed: filter.spent.toNumber() });
  const one = measureOneWays(columns, sizes, d < 2 ? rho : third, filter, rng);
  report('1-way marginals measured', `${d} columns`);
  const log: MarginalMeasurement[] = [...one.measurements];
  if (d >= 2) {
    const init = estimate(one.sizes, one.measurements, { iterations: 300 });
    const marg = cliqueMarginals(init.model, init.potentials, init.total);
    const oneWay = one.sizes.map((_, a) => marg[init.model.cliques.findIndex((c) => c.length === 1 && c[0] === a)] as Factor);
    const scores = pairScores(one.columns, one.sizes, oneWay, init.total);
    const epsilon = exponentialEpsilonForRho(third.div(Rational.of(BigInt(d - 1))));
    const component = Array.from({ length: d }, (_, i) => i);
    const find = (x: number): number => (component[x] === x ? x : find(component[x] as number));
    const edges: [number, number][] = [];
    for (let step = 0; step < d - 1; step++) {
      const candidates = [...scores.keys()].filter((k) => {
        const [a, b] = k.split(',').map(Number) as [number, number];
        return find(a) !== find(b);
      });
      // The exponential mechanism (ε²/8-zCDP, bounded range; src/synth/selection.ts), as MST is analysed.
      filter.spend(exponentialSelectionRho(epsilon), exponentialSelectionEvent(epsilon));
      const chosen = candidates[
        selectExponential(
          candidates.map((k) => scores.get(k) as number),
          1,
          epsilon,
          rng,
        )
      ] as string;
      const [a, b] = chosen.split(',').map(Number) as [number, number];
      component[find(a)] = find(b);
      edges.push([a, b]);
      report(`tree edge ${step + 1} of ${d - 1}`, `selected ${marginalName([a, b], options.names)}`);
    }
    report('tree selected', edges.map((e) => marginalName(e, options.names)).join(', '));
    const s2 = sigmaSquaredForRho(third.div(Rational.of(BigInt(d - 1))).toNumberDown());
    for (const e of edges) log.push(measureMarginal(one.columns, one.sizes, e, s2, filter, rng));
    report('2-way marginals measured', `${edges.length} pairs`);
  }
  const fit = estimate(one.sizes, log, { iterations: options.iterations ?? 1000 });
  report('model estimated', `loss ${fit.loss.toPrecision(4)}`);
  return { fit, compression: one.compression, measurements: log, filter };
}
