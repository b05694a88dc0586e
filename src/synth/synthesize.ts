/**
 * `synthesize`: DP synthetic records from a data set and a declared schema,
 * by MST, AIM or MWEM. The release is one `Measurement` (core) whose privacy
 * map gives ρ-zCDP for add/remove-one-record neighbours (ρ·d² at distance d:
 * every piece is a Gaussian or an ε-DP selection, both scaling so); ρ is the
 * largest whose Canonne–Kamath–Steinke conversion meets the requested (ε, δ) —
 * at all of δ when no budget is passed (the release owns its (ε, δ)), at δ/2
 * when a caller's budget is charged (it keeps half of δ for spends of their own:
 * `calibrationFor`).
 * The charge — to a `PrivacyBudget`, a `Session` or a budget ledger
 * (`charge(scope, cost, memo)`) — is exactly the map's value, ρ kept as ρ
 * (the budget or ledger converts it once, against its cap), made after every
 * public check and before the data is read; the result states that same
 * guarantee. Inside, a {@link ZcdpFilter} checks that the pieces spent — DP
 * quantile cuts of continuous columns (a stated share), then the method's
 * marginals and selections — add up to no more than ρ.
 * @module
 */
import {
  anyDomain,
  DpError,
  type DpEvent,
  defineMeasurement,
  type ExactLoss,
  exactLoss,
  PrivacyBudget,
  type ZcdpLoss,
  zcdp,
  zcdpToApproximate,
} from '../core/index.js';
import { privacyUnit } from '../core/privacy-unit.js';
import type { LedgerScope, LedgerStatus } from '../ledger/ledger.js';
import { edgeRead } from '../numeric/edge.js';
import { Rational } from '../numeric/index.js';
import { defaultRandomSource, isSecureSource, type RandomSource } from '../random/index.js';
import { Session } from '../session/index.js';
import { runAim } from './aim.js';
import { buildDomain, decodeRecords, encodeRecords, readRecords, type SynthDomain, type SynthSchema, withCuts } from './domain.js';
import { type RhoCalibration, rhoForEpsilonDelta, ZcdpFilter } from './measure.js';
import { decompressColumns, type MarginalRun, runMst, type SynthProgress } from './mst.js';
import { runMwem } from './mwem.js';
import { checkDomain, checkObject } from './params.js';
import { releaseCuts } from './quantiles.js';
import { sampleModel } from './sample.js';
import { checkWorkBound, DEFAULT_MAX_MODEL_SIZE } from './work-bound.js';

/** The methods. */
export type SynthMethod = 'mst' | 'aim' | 'mwem';

/** A budget ledger to charge (`FileLedger`, `PostgresLedger`): the scope (data set, cap, analyst) and a memo. */
export interface SynthLedgerCharge {
  readonly ledger: { charge(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<LedgerStatus> };
  readonly scope: LedgerScope;
  /** A public note recorded with the spend (default: `synth <method>`). */
  readonly memo?: string;
}

/**
 * What {@link synthesize} charges: a `PrivacyBudget` (the new budget is returned), a `Session` (charged in place;
 * the records passed must hold one record per person) or a ledger.
 */
export type SynthBudget = PrivacyBudget | Session | SynthLedgerCharge;

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
  /**
   * How many records to produce, at most {@link MAX_SYNTH_ROWS} (default: the model's estimated total — a
   * noisy number — capped at {@link DEFAULT_ROWS_CAP}).
   */
  readonly rows?: number;
  /**
   * What to charge, before the data is read (none: the caller accounts for the guarantee, and ρ is calibrated to
   * all of δ; given: to δ/2, which a fresh (ε, δ) budget accepts — `calibrationFor`).
   */
  readonly budget?: SynthBudget;
  /**
   * The share of ρ spent on DP quantile cuts of columns declared `binning: 'quantiles'` (default 0.1 when there
   * are such columns, else 0), in (0, 0.5].
   */
  readonly quantileShare?: number;
  /** The random source (default: the platform CSPRNG). */
  readonly rng?: RandomSource;
  /**
   * Mirror-descent iterations of the final estimation (default 1000; AIM: 1000 up to 10⁵ model cells, then fewer, see
   * `finalIterationsFor`). At most `MAX_ITERATIONS`, and iterations × max(workload cells, maxModelSize) at most
   * `MAX_FIT_WORK` (`src/synth/work-bound.ts`), refused before anything is charged.
   */
  readonly iterations?: number;
  /** MWEM's rounds (default: the number of columns). */
  readonly rounds?: number;
  /** AIM's and MWEM's model-size cap in cells (default 1 000 000). */
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
  /** How ρ was planned: DP quantile cuts, and the method's marginals and selections (they add up to at most ρ). */
  readonly parts: { readonly quantiles: number; readonly marginals: number };
}

/** What {@link synthesize} returns. */
export interface SynthResult {
  readonly records: Record<string, string | number>[];
  readonly columns: readonly string[];
  readonly guarantee: SynthGuarantee;
  /** The `PrivacyBudget` after the charge (when one was given). */
  readonly budget?: PrivacyBudget;
  /** The ledger's balance after the charge (when a ledger was given). */
  readonly ledgerStatus?: LedgerStatus;
  /** The domain the records were encoded in (with the DP cut points of quantile-binned columns). */
  readonly domain: SynthDomain;
  /** Every noisy step, in order. */
  readonly events: readonly DpEvent[];
  /** True when a seeded source made it: not for release. */
  readonly notForRelease?: true;
}

/** The most records one release may be asked for (`rows`): every size a release allocates has a public bound. */
export const MAX_SYNTH_ROWS = 10_000_000;

/**
 * Without `rows`, the number of records is the model's estimated total (a DP estimate, post-processing)
 * capped at this public number: at small ε the estimate is noise and has no bound of its own (review S11).
 */
export const DEFAULT_ROWS_CAP = 1_000_000;

function checkRows(rows: unknown): void {
  if (rows !== undefined && !(typeof rows === 'number' && Number.isSafeInteger(rows) && rows >= 0 && rows <= MAX_SYNTH_ROWS)) {
    throw new DpError('INVALID_PARAMETER', `rows must be an integer in [0, ${MAX_SYNTH_ROWS}]`, {
      parameter: 'rows',
      expected: `an integer in [0, ${MAX_SYNTH_ROWS}]`,
    });
  }
}

/**
 * The number of records to sample: `rows` (checked ≤ {@link MAX_SYNTH_ROWS} before the charge), else the
 * estimated total rounded and capped at {@link DEFAULT_ROWS_CAP} (0 when not finite). Internal.
 */
export function rowsToSample(rows: number | undefined, estimatedTotal: number): number {
  if (rows !== undefined) return rows;
  const t = Math.round(estimatedTotal);
  return Number.isFinite(t) ? Math.min(DEFAULT_ROWS_CAP, Math.max(0, t)) : 0;
}

/** Every option `synthesize` reads. */
const OPTION_KEYS = [
  'data',
  'schema',
  'epsilon',
  'delta',
  'method',
  'rows',
  'budget',
  'quantileShare',
  'rng',
  'iterations',
  'rounds',
  'maxModelSize',
  'progress',
  'calibration',
] as const;

/**
 * Read-once rule (issue 10 class 12 / class 5; review ML M2): the caller's options object is read ONCE, at the edge,
 * into a frozen snapshot, and only the snapshot reaches the checks, the plan, the measurement and its `invoke` — a
 * getter that answers 10 when checked and −3 (or 2³¹) after the charge can no longer make a value used differ from
 * the value checked (it refused after ρ was spent, or aborted the process on an invalid size). A getter or Proxy
 * that throws while being read is INVALID_PARAMETER, before anything is charged.
 */
function snapshotOptions<T extends object>(o: T): T {
  return edgeRead('options', () => {
    if (typeof o !== 'object' || o === null)
      throw new DpError('INVALID_PARAMETER', 'synthesize needs an options object', { parameter: 'options' });
    const copy: Record<string, unknown> = {};
    for (const k of OPTION_KEYS) {
      const v = (o as Record<string, unknown>)[k];
      if (v !== undefined) copy[k] = v;
    }
    return Object.freeze(copy) as T;
  });
}

function checkOptions(o: SynthesizeOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new DpError('INVALID_PARAMETER', 'synthesize needs an options object', { parameter: 'options' });
  if (o.method !== 'mst' && o.method !== 'aim' && o.method !== 'mwem') {
    throw new DpError('INVALID_PARAMETER', "method must be 'mst', 'aim' or 'mwem'", {
      parameter: 'method',
      expected: "'mst' | 'aim' | 'mwem'",
    });
  }
  if (!Array.isArray(o.data)) throw new DpError('INVALID_PARAMETER', 'data must be an array of records', { parameter: 'data' });
  checkRows(o.rows);
  if (o.iterations !== undefined && !(Number.isSafeInteger(o.iterations) && o.iterations >= 1)) {
    throw new DpError('INVALID_PARAMETER', 'iterations must be an integer ≥ 1', { parameter: 'iterations' });
  }
  if (o.rounds !== undefined && !(Number.isSafeInteger(o.rounds) && o.rounds >= 1 && o.rounds <= 10_000)) {
    throw new DpError('INVALID_PARAMETER', 'rounds must be an integer in [1, 10000]', { parameter: 'rounds' });
  }
  if (o.maxModelSize !== undefined && !(Number.isFinite(o.maxModelSize) && o.maxModelSize >= 1)) {
    throw new DpError('INVALID_PARAMETER', 'maxModelSize must be ≥ 1', { parameter: 'maxModelSize' });
  }
  if (o.quantileShare !== undefined && !(typeof o.quantileShare === 'number' && o.quantileShare > 0 && o.quantileShare <= 0.5)) {
    throw new DpError('INVALID_PARAMETER', 'quantileShare must be in (0, 0.5]', { parameter: 'quantileShare', expected: '(0, 0.5]' });
  }
  const b = o.budget;
  if (
    b !== undefined &&
    !(b instanceof PrivacyBudget) &&
    !(b instanceof Session) &&
    !(typeof b === 'object' && b !== null && typeof (b as SynthLedgerCharge).ledger?.charge === 'function' && 'scope' in b)
  ) {
    throw new DpError('INVALID_PARAMETER', 'budget must be a PrivacyBudget, a Session or { ledger, scope, memo? }', {
      parameter: 'budget',
    });
  }
}

/** The tuning a synthesizer takes. */
export type SynthesizerOptions = Pick<
  SynthesizeOptions,
  'method' | 'rows' | 'iterations' | 'maxModelSize' | 'progress' | 'quantileShare' | 'rounds'
>;

/** The plan of ρ: the exact total (what a charge of zcdp(ρ) records) and its parts. */
function planRho(domain: SynthDomain, rho: number, quantileShare: number | undefined): { total: Rational; quantiles: Rational } {
  // The filter's total is the exact value a charge of zcdp(rho) records, so the pieces spent never pass what is charged.
  const total = exactLoss(zcdp(rho)).rho;
  const share = domain.quantileColumns.length === 0 ? 0 : (quantileShare ?? 0.1);
  return { total, quantiles: share === 0 ? Rational.ZERO : total.mul(Rational.fromNumber(share)) };
}

/** What the synthesizer's measurement outputs. */
export interface SynthOutput {
  /** The domain with its DP cuts. */
  readonly domain: SynthDomain;
  /** Codes per column. */
  readonly columns: Int32Array[];
  readonly events: readonly DpEvent[];
}

/**
 * The release as a core `Measurement`: records in, encoded synthetic columns out, ρ-zCDP.
 * @param domain - the public domain.
 * @param rho - the planned ρ.
 * @param options - method and tuning.
 * @returns the measurement.
 * @throws DpError INVALID_SCHEMA when the declared domain's 1- and 2-way marginals exceed `MAX_WORKLOAD_CELLS`;
 *   INVALID_PARAMETER on bad options, `maxModelSize` above `MAX_MODEL_SIZE` or `iterations` above the work bound
 *   (`MAX_ITERATIONS`, `MAX_FIT_WORK`; all before anything is charged).
 */
export function makeSynthesizer(domain: SynthDomain, rho: number, options0: SynthesizerOptions) {
  checkDomain(domain);
  checkObject(options0, 'options');
  const options = snapshotOptions(options0); // read once (M2): invoke uses only this snapshot
  checkRows(options.rows);
  // Public sizes and options only, before any charge: allocations (M8) and the whole run's work (M13).
  checkWorkBound(domain.sizes, {
    method: options.method,
    maxModelSize: options.maxModelSize,
    iterations: options.iterations,
    rounds: options.method === 'mwem' ? options.rounds : undefined,
  });
  const plan = planRho(domain, rho, options.quantileShare);
  return defineMeasurement({
    name: `synth-${options.method}`,
    inputDomain: anyDomain('records over the declared schema'),
    inputMetric: 'symmetric-distance',
    outputMeasure: 'zcdp',
    invoke: (data: readonly Readonly<Record<string, unknown>>[], rng): SynthOutput => {
      // One total read of every declared field (no getter or proxy of the data runs after this line, none throws).
      const records = readRecords(data, domain.names);
      // DP cut points first (their share), then the method on the rest; each has its own filter, the totals add to ρ.
      const quantileFilter = new ZcdpFilter(plan.quantiles);
      const cut = withCuts(domain, releaseCuts(domain, records, plan.quantiles, quantileFilter, rng));
      if (domain.quantileColumns.length > 0) {
        options.progress?.({
          stage: 'quantile cuts released',
          detail: `${domain.quantileColumns.length} columns`,
          rhoUsed: quantileFilter.spent.toNumber(),
        });
      }
      const columns = encodeRecords(cut, records);
      const rest = plan.total.sub(plan.quantiles);
      const shifted = shiftProgress(options.progress, quantileFilter.spent.toNumber());
      const common = { rho: rest, rng, names: cut.names, ...optional({ ...options, ...(shifted ? { progress: shifted } : {}) }) };
      const maxModelSize = options.maxModelSize ?? DEFAULT_MAX_MODEL_SIZE;
      const run: MarginalRun =
        options.method === 'mst'
          ? runMst(columns, cut.sizes, common)
          : options.method === 'aim'
            ? runAim(columns, cut.sizes, { ...common, maxModelSize })
            : runMwem(columns, cut.sizes, { ...common, maxModelSize, ...(options.rounds === undefined ? {} : { rounds: options.rounds }) });
      const rows = rowsToSample(options.rows, run.fit.total);
      const compressed = sampleModel(run.fit.model, run.fit.potentials, rows, rng);
      return {
        domain: cut,
        columns: decompressColumns(compressed, run.compression, rng),
        events: [...quantileFilter.events, ...run.filter.events],
      };
    },
    privacyMap: (dIn): ZcdpLoss => (dIn === 1 ? zcdp(rho) : zcdp(plan.total.mul(Rational.fromNumber(dIn * dIn)).toNumberUp())),
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'zcdp', rho: plan.total.mul(Rational.fromNumber(dIn * dIn)).toNumberUp() }),
  });
}

function shiftProgress(progress: SynthProgress | undefined, offset: number): SynthProgress | undefined {
  if (progress === undefined || offset === 0) return progress;
  return (e) => progress({ ...e, rhoUsed: e.rhoUsed + offset });
}

function optional(o: Pick<SynthesizeOptions, 'iterations' | 'progress'>): { iterations?: number; progress?: SynthProgress } {
  return {
    ...(o.iterations === undefined ? {} : { iterations: o.iterations }),
    ...(o.progress === undefined ? {} : { progress: o.progress }),
  };
}

/** Charges `loss` to whatever `budget` is; refuses (throws) having charged nothing. */
async function chargeBudget(
  budget: SynthBudget | undefined,
  loss: ZcdpLoss,
  memo: string,
): Promise<{ budget?: PrivacyBudget; ledgerStatus?: LedgerStatus }> {
  if (budget === undefined) return {};
  if (budget instanceof PrivacyBudget) return { budget: budget.charge(loss) };
  if (budget instanceof Session) {
    // The synthesizer's ρ is for one record: a session whose unit is a column refuses it (Session.charge's rule).
    budget.charge(loss, privacyUnit(null));
    return {};
  }
  // The release states its own unit (one record), overriding the caller's scope.unit: a data set pinned to a
  // unit column refuses the per-record ρ (DOMAIN_MISMATCH, nothing recorded) instead of recording it per person.
  const scope: LedgerScope = { ...budget.scope, unit: privacyUnit(null) };
  return { ledgerStatus: await budget.ledger.charge(scope, exactLoss(loss), budget.memo ?? memo) };
}

/** What a synthesis will cost, from its public parameters only. */
export interface SynthPlan {
  /** The public domain (quantile-binned columns without their cuts yet). */
  readonly domain: SynthDomain;
  /** The charge: the measurement's `privacyMap(1)`, ρ-zCDP. */
  readonly loss: ZcdpLoss;
  /** The guarantee the result will state (= the charge). */
  readonly guarantee: SynthGuarantee;
}

/**
 * Which δ the calibration of ρ may convert at (rule, stop 17; `RhoCalibration` in `measure.ts`).
 * - No budget: `synthesize` owns the (ε, δ) it was asked for — nothing else is ever charged against it, so no δ
 *   needs keeping for later spends: ρ = ρ_CKS(ε, δ), all of δ (`'whole-delta'`). The stated guarantee is the map's
 *   ρ converted at that δ, at most the requested ε.
 * - A `PrivacyBudget`, `Session` or ledger: the caller's budget converts its total ρ at its own D_c, D/2 unless it
 *   declared otherwise, keeping the rest for spends that carry their own δ. Calibrating to the whole δ would make a
 *   fresh budget of exactly (ε, δ) refuse the charge, so ρ = ρ_CKS(ε, δ/2) (`'budget-reserve'`), as before stop 17.
 * Only whether a budget is given is read (public); the budget itself is charged once, in `synthesize`.
 */
function calibrationFor(budget: SynthBudget | undefined): RhoCalibration {
  return budget === undefined ? 'whole-delta' : 'budget-reserve';
}

/** Options of {@link planSynthesis}: `synthesize`'s without the data and the random source, and the calibration. */
export type SynthPlanOptions = Omit<SynthesizeOptions, 'data' | 'rng'> & {
  /**
   * Which run to plan: `'budget-reserve'` (default) a run charged to a budget, Session or ledger — `tsdp synth`'s, which
   * plans before it opens its ledger —, `'whole-delta'` a `synthesize` call without a budget (`calibrationFor`).
   * `'whole-delta'` with a `budget` given is refused: a budget keeps half of δ.
   */
  readonly calibration?: RhoCalibration;
};

/** The calibration a plan is for (see {@link SynthPlanOptions}). */
function planCalibration(options: SynthPlanOptions): RhoCalibration {
  const c = options.calibration ?? 'budget-reserve';
  if (c !== 'budget-reserve' && c !== 'whole-delta') {
    throw new DpError('INVALID_PARAMETER', "calibration must be 'whole-delta' or 'budget-reserve'", {
      parameter: 'calibration',
      expected: "'whole-delta' | 'budget-reserve'",
    });
  }
  if (c === 'whole-delta' && options.budget !== undefined) {
    throw new DpError('INVALID_PARAMETER', "calibration 'whole-delta' is for a run without a budget: a budget keeps half of δ", {
      parameter: 'calibration',
    });
  }
  return c;
}

/**
 * Plans a synthesis from its public parameters (schema, (ε, δ), method, tuning), without data: what it will charge.
 * Every refusal `synthesize` makes before its charge is made here. By default the plan of a run charged to a budget
 * (ρ at δ/2, what `synthesize({ budget })` and `tsdp synth` charge); `calibration: 'whole-delta'` plans a `synthesize`
 * call without a budget (ρ at all of δ).
 * @param options - everything `synthesize` takes except the data and the random source, and `calibration`; `budget` is
 *   only checked, never charged.
 * @returns the domain, the loss to charge and the guarantee.
 * @throws DpError INVALID_PARAMETER on bad options; INVALID_SCHEMA on a column with no public domain.
 * @privacy reads no data.
 * @example
 * planSynthesis({ schema, epsilon: 1, delta: 1e-9, method: 'aim' }).loss; // { kind: 'zcdp', rho: … }
 */
export function planSynthesis(options0: SynthPlanOptions): SynthPlan {
  const options = snapshotOptions(options0); // read once (M2)
  checkOptions({ ...options, data: [] });
  const calibration = planCalibration(options);
  const domain = buildDomain(options.schema);
  const rho = rhoForEpsilonDelta(options.epsilon, options.delta, calibration);
  const loss = makeSynthesizer(domain, rho, options).privacyMap(1);
  const stated = zcdpToApproximate(loss, options.delta);
  const plan = planRho(domain, rho, options.quantileShare);
  const guarantee: SynthGuarantee = {
    rho: loss.rho,
    epsilon: stated.epsilon,
    delta: stated.delta,
    loss: exactLoss(loss),
    parts: { quantiles: plan.quantiles.toNumber(), marginals: plan.total.sub(plan.quantiles).toNumberDown() },
  };
  return { domain, loss, guarantee };
}

/**
 * Produces DP synthetic records.
 * @param options - data, schema, (ε, δ), method, rows, what to charge, random source.
 * @returns the records, the guarantee (= the charge), the budget or ledger balance after it, and the events.
 * @throws DpError INVALID_PARAMETER on bad options; INVALID_SCHEMA on a column with no public domain;
 *   BUDGET_EXHAUSTED (nothing charged, nothing read) when the budget or ledger cannot pay; all before the data is read.
 * @privacy ρ-zCDP for adding or removing one record, which implies the requested (ε, δ) (CKS; at all of δ without a
 *   budget, at δ/2 with one); the budget, session or ledger is charged that ρ, exactly the measurement's `privacyMap(1)`.
 * @see McKenna, Miklau, Sheldon (2021) (MST); McKenna et al. (2022) (AIM); Hardt, Ligett, McSherry (2012) (MWEM).
 * @example
 * const { records, guarantee } = await synthesize({ data, schema, epsilon: 1, delta: 1e-9, method: 'mst', rows: 1000 });
 */
export async function synthesize(options0: SynthesizeOptions): Promise<SynthResult> {
  const options = snapshotOptions(options0); // read once (M2): everything below sees only this snapshot
  checkOptions(options);
  // The calibration is synthesize's own (calibrationFor: whether a budget is given), never a caller's option.
  const { domain, loss, guarantee } = planSynthesis({ ...options, calibration: calibrationFor(options.budget) });
  const measurement = makeSynthesizer(domain, loss.rho, options);
  if (!exactLoss(measurement.privacyMap(1)).rho.equals(guarantee.loss.rho)) {
    throw new DpError('INTERNAL', 'the planned charge differs from the privacy map', { routine: 'synthesize' });
  }
  const charged = await chargeBudget(options.budget, loss, `synth ${options.method}`); // before the data is read
  const rng = options.rng ?? defaultRandomSource();
  const out = measurement.invoke(options.data, rng);
  return {
    records: decodeRecords(out.domain, out.columns),
    columns: domain.names,
    guarantee,
    domain: out.domain,
    ...charged,
    events: out.events,
    ...(!isSecureSource(rng) ? { notForRelease: true as const } : {}),
  };
}
