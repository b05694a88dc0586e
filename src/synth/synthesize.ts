/**
 * `synthesize`: DP synthetic records from a data set and a declared schema,
 * by MST or AIM. The release is one `Measurement` (core) whose privacy map
 * gives ρ-zCDP for add/remove-one-record neighbours (ρ·d² at distance d: every
 * piece is a Gaussian or an ε-DP selection, both scaling so); ρ is the
 * largest whose Canonne–Kamath–Steinke conversion meets the requested (ε, δ).
 * A budget, when given, is charged exactly the map's value before the data is
 * read; the result states that same guarantee. Inside, a {@link ZcdpFilter}
 * checks that the pieces spent add up to no more than ρ.
 * @module
 */
import {
  anyDomain,
  DpError,
  type DpEvent,
  defineMeasurement,
  type ExactLoss,
  exactLoss,
  type PrivacyBudget,
  type ZcdpLoss,
  zcdp,
  zcdpToApproximate,
} from '../core/index.js';
import { Rational } from '../numeric/index.js';
import { defaultRandomSource, isSecureSource, type RandomSource } from '../random/index.js';
import { runAim } from './aim.js';
import { buildDomain, decodeRecords, encodeRecords, type SynthDomain, type SynthSchema } from './domain.js';
import { rhoForEpsilonDelta } from './measure.js';
import { decompressColumns, type MarginalRun, runMst, type SynthProgress } from './mst.js';
import { sampleModel } from './sample.js';

/** The methods. */
export type SynthMethod = 'mst' | 'aim';

/** Options of {@link synthesize}. */
export interface SynthesizeOptions {
  /** The private records (objects keyed by column name). */
  readonly data: readonly Readonly<Record<string, unknown>>[];
  /** The declared public domain. */
  readonly schema: SynthSchema;
  /** ε of the (ε, δ) guarantee (> 0). */
  readonly epsilon: number;
  /** δ of the (ε, δ) guarantee, in (0, 1). */
  readonly delta: number;
  readonly method: SynthMethod;
  /** How many records to produce (default: the model's estimated total). */
  readonly rows?: number;
  /** A budget to charge (the new budget is returned). */
  readonly budget?: PrivacyBudget;
  /** The random source (default: the platform CSPRNG). */
  readonly rng?: RandomSource;
  /** Mirror-descent iterations of the final estimation (default 1000). */
  readonly iterations?: number;
  /** AIM's model-size cap in cells (default 1 000 000). */
  readonly maxModelSize?: number;
  /** Called with progress (stage, detail, ρ used so far). */
  readonly progress?: SynthProgress;
}

/** The guarantee of a synthetic data set. */
export interface SynthGuarantee {
  /** ρ-zCDP (add/remove one record), from the privacy map. */
  readonly rho: number;
  /** The (ε, δ)-DP it implies (CKS conversion, once, on the total). */
  readonly epsilon: number;
  readonly delta: number;
  /** The exact loss charged: {ε: 0, δ: 0, ρ}. */
  readonly loss: ExactLoss;
}

/** What {@link synthesize} returns. */
export interface SynthResult {
  readonly records: Record<string, string | number>[];
  readonly columns: readonly string[];
  readonly guarantee: SynthGuarantee;
  /** The budget after the charge (when one was given). */
  readonly budget?: PrivacyBudget;
  /** Every noisy step, in order. */
  readonly events: readonly DpEvent[];
  /** True when a seeded source made it: not for release. */
  readonly notForRelease?: true;
}

function checkOptions(o: SynthesizeOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new DpError('INVALID_PARAMETER', 'synthesize needs an options object', { parameter: 'options' });
  if (o.method !== 'mst' && o.method !== 'aim') {
    throw new DpError('INVALID_PARAMETER', "method must be 'mst' or 'aim'", { parameter: 'method', expected: "'mst' | 'aim'" });
  }
  if (!Array.isArray(o.data)) throw new DpError('INVALID_PARAMETER', 'data must be an array of records', { parameter: 'data' });
  if (o.rows !== undefined && !(Number.isSafeInteger(o.rows) && o.rows >= 0)) {
    throw new DpError('INVALID_PARAMETER', 'rows must be an integer ≥ 0', { parameter: 'rows', expected: 'an integer ≥ 0' });
  }
  if (o.iterations !== undefined && !(Number.isSafeInteger(o.iterations) && o.iterations >= 1)) {
    throw new DpError('INVALID_PARAMETER', 'iterations must be an integer ≥ 1', { parameter: 'iterations' });
  }
  if (o.maxModelSize !== undefined && !(Number.isFinite(o.maxModelSize) && o.maxModelSize >= 1)) {
    throw new DpError('INVALID_PARAMETER', 'maxModelSize must be ≥ 1', { parameter: 'maxModelSize' });
  }
}

/**
 * The release as a core `Measurement`: encoded data in, codes out, ρ-zCDP.
 * @param domain - the public domain.
 * @param rho - the planned ρ.
 * @param options - method and tuning.
 * @returns the measurement.
 */
export function makeSynthesizer(
  domain: SynthDomain,
  rho: number,
  options: Pick<SynthesizeOptions, 'method' | 'rows' | 'iterations' | 'maxModelSize' | 'progress'>,
) {
  // The filter's total is the exact value a charge of zcdp(rho) records, so the pieces spent never pass what is charged.
  const exactRho = exactLoss(zcdp(rho)).rho;
  return defineMeasurement({
    name: `synth-${options.method}`,
    inputDomain: anyDomain('records over the declared schema'),
    inputMetric: 'symmetric-distance',
    outputMeasure: 'zcdp',
    invoke: (columns: Int32Array[], rng) => {
      const run: MarginalRun =
        options.method === 'mst'
          ? runMst(columns, domain.sizes, { rho: exactRho, rng, ...optional(options) })
          : runAim(columns, domain.sizes, { rho: exactRho, rng, ...optional(options), maxModelSize: options.maxModelSize ?? 1_000_000 });
      const rows = options.rows ?? Math.max(0, Math.round(run.fit.total));
      const compressed = sampleModel(run.fit.model, run.fit.potentials, rows, rng);
      return { columns: decompressColumns(compressed, run.compression, rng), events: run.filter.events };
    },
    privacyMap: (dIn): ZcdpLoss => (dIn === 1 ? zcdp(rho) : zcdp(exactRho.mul(Rational.fromNumber(dIn * dIn)).toNumberUp())),
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'zcdp', rho: exactRho.mul(Rational.fromNumber(dIn * dIn)).toNumberUp() }),
  });
}

function optional(o: Pick<SynthesizeOptions, 'iterations' | 'progress'>): { iterations?: number; progress?: SynthProgress } {
  return {
    ...(o.iterations === undefined ? {} : { iterations: o.iterations }),
    ...(o.progress === undefined ? {} : { progress: o.progress }),
  };
}

/**
 * Produces DP synthetic records.
 * @param options - data, schema, (ε, δ), method, rows, budget, random source.
 * @returns the records, the guarantee, the charged budget and the events.
 * @throws DpError INVALID_PARAMETER on bad options; INVALID_SCHEMA on a column with no public domain;
 *   BUDGET_EXHAUSTED (nothing charged, nothing read) when the budget cannot pay; all before the data is read.
 * @privacy ρ-zCDP for adding or removing one record, which implies the requested (ε, δ) (CKS); the budget is charged that ρ.
 * @see McKenna, Miklau, Sheldon (2021) (MST); McKenna et al. (2022) (AIM).
 * @example
 * const { records, guarantee } = synthesize({ data, schema, epsilon: 1, delta: 1e-9, method: 'mst', rows: 1000 });
 */
export function synthesize(options: SynthesizeOptions): SynthResult {
  checkOptions(options);
  const domain = buildDomain(options.schema);
  const rho = rhoForEpsilonDelta(options.epsilon, options.delta);
  const measurement = makeSynthesizer(domain, rho, options);
  const loss = measurement.privacyMap(1);
  const stated = zcdpToApproximate(loss, options.delta);
  const budget = options.budget?.charge(loss); // before the data is read
  const rng = options.rng ?? defaultRandomSource();
  const columns = encodeRecords(domain, options.data);
  const out = measurement.invoke(columns, rng);
  const guarantee: SynthGuarantee = { rho: loss.rho, epsilon: stated.epsilon, delta: stated.delta, loss: exactLoss(loss) };
  return {
    records: decodeRecords(domain, out.columns),
    columns: domain.names,
    guarantee,
    ...(budget === undefined ? {} : { budget }),
    events: out.events,
    ...(!isSecureSource(rng) ? { notForRelease: true as const } : {}),
  };
}
