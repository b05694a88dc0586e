/**
 * The utility report of a synthetic data set, as JSON (`reportHtml` in
 * `report-html.ts` renders it as one self-contained page): average TVD over
 * the 1-, 2- and 3-way marginals, the worst marginals, side-by-side 1-way
 * distributions, pairwise association (Cramér's V, real and synthetic), ML
 * efficacy (train on synthetic, test on real, beside train on real), the
 * guarantee and the budget. It compares against the real data, so only the
 * data owner may compute or read it; the report says so. It is not a DP
 * release.
 * @module
 */
import { DpError, formatExactLoss, type PrivacyBudget } from '../core/index.js';
import type { LedgerBalance } from '../ledger/ledger.js';
import { associationMatrix } from './association.js';
import type { SynthDomain } from './domain.js';
import { countMarginal } from './measure.js';
import { type MlEfficacy, mlEfficacy } from './ml-efficacy.js';
import { checkColumns, checkDomain, checkObject } from './params.js';
import type { SynthGuarantee, SynthMethod } from './synthesize.js';
import { combinations, type MarginalError, marginalTvd, meanTvd } from './utility.js';

/** The budget a report states: a `PrivacyBudget`'s or a ledger scope's, after the charge. */
export interface ReportBudget {
  /** Where: `PrivacyBudget`, or the ledger's description (`file /…/tsdp`) and data set. */
  readonly source: string;
  readonly total: { readonly epsilon: number; readonly delta: number } | string;
  /** What has been spent in all (exact text). */
  readonly spent: string;
  readonly remaining: { readonly epsilon: number; readonly delta: number } | string;
}

/** The JSON form of the report. */
export interface UtilityReport {
  readonly notice: string;
  readonly method: SynthMethod;
  readonly columns: readonly string[];
  readonly realRows: number;
  readonly syntheticRows: number;
  readonly guarantee: {
    readonly rho: number;
    readonly epsilon: number;
    readonly delta: number;
    /** The exact loss charged (= the privacy map). */
    readonly charged: string;
    readonly parts: SynthGuarantee['parts'];
  };
  readonly budget?: ReportBudget;
  /** ½‖p − q‖₁ of the normalised marginals, averaged over every 1-, 2- and 3-way marginal (3-way: the first `threeWayScored`). */
  readonly averageTvd: { readonly oneWay: number; readonly twoWay: number; readonly threeWay: number };
  readonly threeWayScored: number;
  readonly threeWayTotal: number;
  /** The ten worst marginals of any order, worst first. */
  readonly worst: readonly MarginalError[];
  readonly oneWay: readonly { column: string; labels: string[]; real: number[]; synthetic: number[]; tvd: number }[];
  /** Every 2-way marginal's TVD, worst first. */
  readonly twoWayTvd: readonly MarginalError[];
  /** Cramér's V of every pair, real and synthetic (symmetric matrices over `columns`), and the mean |difference| off the diagonal. */
  readonly association: { readonly real: number[][]; readonly synthetic: number[][]; readonly meanAbsDifference: number };
  readonly mlEfficacy?: MlEfficacy;
}

/** What the report says about itself, at its top. */
export const REPORT_NOTICE =
  'Computed by the data owner from the real data: this report compares the synthetic records with the private ones and is NOT differentially private. Do not publish it; publish the synthetic data and its guarantee.';

/** What {@link utilityReport} needs. */
export interface UtilityReportInput {
  /** The domain both data sets are encoded in (the result's `domain`, with its DP cut points). */
  readonly domain: SynthDomain;
  readonly real: readonly Int32Array[];
  readonly synthetic: readonly Int32Array[];
  readonly method: SynthMethod;
  readonly guarantee: SynthGuarantee;
  /** The `PrivacyBudget` after the charge. */
  readonly budget?: PrivacyBudget;
  /** Or the ledger's balance after the charge. */
  readonly ledger?: { readonly description: string; readonly dataset: string; readonly status: LedgerBalance };
  /** The ML-efficacy label column (default: the last column; none with a single column). */
  readonly target?: string;
  /** The most 3-way marginals to score (default 2000). */
  readonly maxThreeWay?: number;
}

function labelsOf(domain: SynthDomain, j: number): string[] {
  const c = domain.columns[j];
  const size = domain.sizes[j] as number;
  if (c === undefined || c.type === 'categorical') return c ? [...c.categories] : [];
  const cuts = domain.cuts[j];
  const span = c.max - c.min + (c.type === 'integer' ? 1 : 0);
  const fmt = (x: number) => String(Number(x.toPrecision(4)));
  return Array.from({ length: size }, (_, k) => {
    // span·(k/size), never span·k first (it overflows for a span near the largest double; review ML M1).
    const lo = cuts ? (k === 0 ? c.min : (cuts[k - 1] as number)) : Math.min(c.max, c.min + span * (k / size));
    const hi = cuts ? (k >= cuts.length ? c.max : (cuts[k] as number)) : Math.min(c.max, c.min + span * ((k + 1) / size));
    return c.type === 'integer' && !cuts && span === size ? fmt(lo) : `[${fmt(lo)}, ${fmt(hi)})`;
  });
}

function errors(input: UtilityReportInput, k: number, limit = Number.POSITIVE_INFINITY): MarginalError[] {
  const { domain, real, synthetic } = input;
  return combinations(domain.sizes.length, k)
    .slice(0, limit)
    .map((attrs) => ({ columns: attrs.map((a) => domain.names[a] as string), tvd: marginalTvd(real, synthetic, domain.sizes, attrs) }));
}

function budgetOf(input: UtilityReportInput): ReportBudget | undefined {
  if (input.ledger) {
    const s = input.ledger.status;
    return {
      source: `ledger ${input.ledger.description}, data set ${input.ledger.dataset}`,
      total: { epsilon: s.total.epsilon.toNumber(), delta: s.total.delta.toNumber() },
      spent: formatExactLoss(s.spent),
      remaining: { epsilon: s.remaining.epsilon.toNumber(), delta: s.remaining.delta.toNumber() },
    };
  }
  if (input.budget) {
    const b = input.budget;
    const t = b.total;
    return {
      source: 'PrivacyBudget',
      total: t.kind === 'approximate' ? { epsilon: t.epsilon, delta: t.delta } : JSON.stringify(t),
      spent: formatExactLoss(b.spentExact),
      remaining: JSON.stringify(b.remaining),
    };
  }
  return undefined;
}

/**
 * Computes the report's figures.
 * @param input - domain, encoded real and synthetic data, method, guarantee, budget or ledger balance, ML target.
 * @returns the report.
 * @throws DpError INVALID_PARAMETER when `target` is not a column or the data sets do not match the domain.
 * @privacy not DP: reads the real data (for the data owner only; the report says so).
 * @example
 * const report = utilityReport({ domain: result.domain, real: encodeRecords(result.domain, data), synthetic: encodeRecords(result.domain, result.records), method: 'mst', guarantee: result.guarantee });
 */
export function utilityReport(input: UtilityReportInput): UtilityReport {
  checkObject(input, 'input');
  checkDomain(input.domain, 'domain');
  checkColumns(input.real, 'real');
  checkColumns(input.synthetic, 'synthetic');
  const { domain, real, synthetic } = input;
  const d = domain.sizes.length;
  if (real.length !== d || synthetic.length !== d) {
    throw new DpError('INVALID_PARAMETER', 'the real and synthetic data must have one column per domain column', { parameter: 'real' });
  }
  const target = input.target === undefined ? d - 1 : domain.names.indexOf(input.target);
  if (target < 0) throw new DpError('INVALID_PARAMETER', 'target must be one of the columns', { parameter: 'target' });
  const one = errors(input, 1);
  const two = errors(input, 2);
  const maxThree = input.maxThreeWay ?? 2000;
  const three = errors(input, 3, maxThree);
  const nr = real[0]?.length ?? 0;
  const ns = synthetic[0]?.length ?? 0;
  const share = (x: Float64Array, n: number) => Array.from(x, (v) => (n > 0 ? v / n : 0));
  const g = input.guarantee;
  const budget = budgetOf(input);
  const assocReal = associationMatrix(real, domain.sizes);
  const assocSynth = associationMatrix(synthetic, domain.sizes);
  let diff = 0;
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) diff += Math.abs((assocReal[i]?.[j] ?? 0) - (assocSynth[i]?.[j] ?? 0));
  const pairs = (d * (d - 1)) / 2;
  const byTvd = (a: MarginalError, b: MarginalError) => b.tvd - a.tvd;
  return {
    notice: REPORT_NOTICE,
    method: input.method,
    columns: [...domain.names],
    realRows: nr,
    syntheticRows: ns,
    guarantee: { rho: g.rho, epsilon: g.epsilon, delta: g.delta, charged: formatExactLoss(g.loss), parts: g.parts },
    ...(budget === undefined ? {} : { budget }),
    averageTvd: { oneWay: meanTvd(one), twoWay: meanTvd(two), threeWay: meanTvd(three) },
    threeWayScored: three.length,
    threeWayTotal: combinations(d, 3).length,
    worst: [...one, ...two, ...three].sort(byTvd).slice(0, 10),
    oneWay: domain.names.map((column, j) => ({
      column,
      labels: labelsOf(domain, j),
      real: share(countMarginal(real, domain.sizes, [j]), nr),
      synthetic: share(countMarginal(synthetic, domain.sizes, [j]), ns),
      tvd: (one[j] as MarginalError).tvd,
    })),
    twoWayTvd: [...two].sort(byTvd),
    association: { real: assocReal, synthetic: assocSynth, meanAbsDifference: pairs > 0 ? diff / pairs : 0 },
    ...(d >= 2 && nr > 0 ? { mlEfficacy: mlEfficacy(real, synthetic, domain.sizes, domain.names, target) } : {}),
  };
}
