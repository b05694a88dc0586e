/**
 * `tsdp audit mechanism <name> --epsilon E [--delta D] [--samples N] [--seed S] [--confidence C] [--json]`:
 * builds a shipped mechanism calibrated to the claimed (ε, δ) and audits it
 * with `tsdp/audit`. Exit code 0 when the claim stands, 1 when the audit
 * refutes it, 2 on bad arguments.
 * @module
 */
import type { Command } from 'commander';
import { type AuditOptions, type AuditResult, auditPrivacy } from '../../audit/index.js';
import { DpError } from '../../core/errors.js';
import {
  analyticGaussianSigma,
  discreteGaussianSigmaForEpsilonDelta,
  discreteLaplaceScaleForEpsilon,
  laplaceScaleForEpsilon,
  makeDiscreteGaussian,
  makeDiscreteLaplace,
  makeExponential,
  makeGaussian,
  makeLaplace,
  makeRandomizedResponse,
  makeReportNoisyMax,
  makeSparseVector,
  reportNoisyMaxScaleForEpsilon,
  sparseVectorSplit,
} from '../../mechanisms/index.js';
import { SeededRandomSource } from '../../random/seeded-source.js';
import { defaultRandomSource } from '../../random/source.js';
import { registerAuditModel } from './audit-model.js';
import type { RegisterCommand } from './register.js';

/** The mechanisms `tsdp audit mechanism` knows, with the neighbouring inputs it tests them on. */
export const AUDITABLE_MECHANISMS = [
  'laplace',
  'gaussian',
  'discrete-laplace',
  'discrete-gaussian',
  'randomized-response',
  'exponential',
  'report-noisy-max',
  'sparse-vector',
] as const;

/** A name from {@link AUDITABLE_MECHANISMS}. */
export type AuditableMechanismName = (typeof AUDITABLE_MECHANISMS)[number];

/** δ used for the Gaussian mechanisms when none is given. */
const DEFAULT_GAUSSIAN_DELTA = 1e-5;
const SVT_QUERIES = 30;

interface Plan {
  // biome-ignore lint/suspicious/noExplicitAny: each plan pairs a mechanism with inputs of its own type.
  readonly target: Parameters<typeof auditPrivacy<any, any>>[0];
  // biome-ignore lint/suspicious/noExplicitAny: idem.
  readonly pairs: ReadonlyArray<readonly [any, any]>;
  readonly delta: number;
}

/**
 * Builds the named mechanism calibrated to (ε, δ) with sensitivity 1, and the
 * neighbouring pairs it is audited on.
 * @throws DpError INVALID_PARAMETER on an unknown name or bad ε / δ.
 */
function plan(name: string, epsilon: number, delta: number | undefined): Plan {
  // A pure ε-DP mechanism satisfies (ε, δ) for every δ: a given δ is audited as claimed.
  const pureDelta = () => delta ?? 0;
  switch (name as AuditableMechanismName) {
    case 'laplace':
      return { target: makeLaplace({ scale: laplaceScaleForEpsilon(epsilon, 1) }), pairs: [[0, 1]], delta: pureDelta() };
    case 'gaussian': {
      const d = delta ?? DEFAULT_GAUSSIAN_DELTA;
      return { target: makeGaussian({ sigma: analyticGaussianSigma(epsilon, d, 1), delta: d }), pairs: [[0, 1]], delta: d };
    }
    case 'discrete-laplace':
      return { target: makeDiscreteLaplace({ scale: discreteLaplaceScaleForEpsilon(epsilon, 1) }), pairs: [[0n, 1n]], delta: pureDelta() };
    case 'discrete-gaussian': {
      const d = delta ?? DEFAULT_GAUSSIAN_DELTA;
      return { target: makeDiscreteGaussian({ sigma: discreteGaussianSigmaForEpsilonDelta(epsilon, d, 1) }), pairs: [[0n, 1n]], delta: d };
    }
    case 'randomized-response':
      return { target: makeRandomizedResponse({ epsilon }), pairs: [[true, false]], delta: pureDelta() };
    case 'exponential':
      return {
        target: makeExponential({
          candidates: [0, 1, 2, 3],
          utility: (s: readonly number[], c: number) => s[c] ?? 0,
          sensitivity: 1,
          epsilon,
        }),
        pairs: [
          [
            [0, 0, 0, 0],
            [1, -1, -1, -1],
          ],
        ],
        delta: pureDelta(),
      };
    case 'report-noisy-max':
      return {
        target: makeReportNoisyMax({ scale: reportNoisyMaxScaleForEpsilon(epsilon, 1) }),
        pairs: [
          [
            [0, 0, 0, 0],
            [1, -1, -1, -1],
          ],
        ],
        delta: pureDelta(),
      };
    case 'sparse-vector': {
      const queries = Array.from({ length: SVT_QUERIES }, (_, i) => (d: readonly number[]) => d[i] ?? 0);
      return {
        target: makeSparseVector({ queries, threshold: 1, sensitivity: 1, ...sparseVectorSplit(epsilon), inputMetric: 'linf-distance' }),
        pairs: [[new Array(SVT_QUERIES).fill(0), new Array(SVT_QUERIES).fill(1)]],
        delta: pureDelta(),
      };
    }
    default:
      throw new DpError('INVALID_PARAMETER', `unknown mechanism '${name}'; expected one of ${AUDITABLE_MECHANISMS.join(', ')}`, {
        parameter: 'name',
        expected: AUDITABLE_MECHANISMS.join(' | '),
      });
  }
}

function parseNumber(raw: string | undefined, parameter: string, check: (x: number) => boolean, expected: string): number | undefined {
  if (raw === undefined) return undefined;
  const x = Number(raw);
  if (raw.trim() === '' || !check(x))
    throw new DpError('INVALID_PARAMETER', `--${parameter} must be ${expected}, got ${raw}`, { parameter, expected });
  return x;
}

/**
 * Audits one shipped mechanism calibrated to (ε, δ).
 * @param name - one of {@link AUDITABLE_MECHANISMS}.
 * @param options - the claimed ε and δ, samples per input, seed, confidence.
 * @returns the audit result.
 * @throws DpError INVALID_PARAMETER on an unknown name or bad parameters.
 * @example
 * auditShippedMechanism('laplace', { epsilon: 1, samples: 100_000 }).violated; // false
 */
export function auditShippedMechanism(
  name: string,
  options: { epsilon: number; delta?: number; samples?: number; seed?: number; confidence?: number },
): AuditResult {
  const { target, pairs, delta } = plan(name, options.epsilon, options.delta);
  const auditOptions: AuditOptions<unknown, unknown> = {
    claimed: { epsilon: options.epsilon, delta },
    pairs,
    samples: options.samples ?? 100_000,
    rng: options.seed === undefined ? defaultRandomSource() : new SeededRandomSource(options.seed),
    ...(options.confidence === undefined ? {} : { confidence: options.confidence }),
  };
  return auditPrivacy(target, auditOptions);
}

function show(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Registers `tsdp audit`. */
export const register: RegisterCommand = (program: Command) => {
  const audit = program.command('audit').description('empirically audit privacy guarantees (a certified lower bound on ε)');
  audit
    .command('mechanism')
    .description(`audit a shipped mechanism calibrated to the claimed ε (δ): ${AUDITABLE_MECHANISMS.join(', ')}`)
    .argument('<name>', 'the mechanism')
    .requiredOption('--epsilon <number>', 'the claimed ε (> 0)')
    .option('--delta <number>', `the claimed δ (default ${DEFAULT_GAUSSIAN_DELTA} for the Gaussian mechanisms, 0 for the others)`)
    .option('--samples <number>', 'samples per input', '100000')
    .option('--seed <integer>', 'seed a deterministic source (reproducible runs)')
    .option('--confidence <number>', 'confidence of the lower bound (default 1 - 1e-6)')
    .option('--json', 'print the result as JSON')
    .action(
      (name: string, opts: { epsilon: string; delta?: string; samples: string; seed?: string; confidence?: string; json?: boolean }) => {
        const epsilon = parseNumber(opts.epsilon, 'epsilon', (x) => Number.isFinite(x) && x > 0, 'a finite number > 0') as number;
        const delta = parseNumber(opts.delta, 'delta', (x) => x >= 0 && x < 1, 'a number in [0, 1)');
        const samples = parseNumber(opts.samples, 'samples', (x) => Number.isSafeInteger(x) && x >= 100, 'an integer >= 100') as number;
        const seed = parseNumber(opts.seed, 'seed', (x) => Number.isSafeInteger(x) && x >= 0, 'an integer >= 0');
        const confidence = parseNumber(opts.confidence, 'confidence', (x) => x > 0 && x < 1, 'a number in (0, 1)');
        const result = auditShippedMechanism(name, {
          epsilon,
          samples,
          ...(delta === undefined ? {} : { delta }),
          ...(seed === undefined ? {} : { seed }),
          ...(confidence === undefined ? {} : { confidence }),
        });
        const w = result.witness;
        if (opts.json) {
          const out = {
            mechanism: name,
            claimed: result.claimed,
            lowerBound: result.lowerBound,
            deltaLowerBound: result.deltaLowerBound,
            confidence: result.confidence,
            samples: result.samples,
            violated: result.violated,
            witness: w ? { inputs: w.inputs, event: w.description, counts: w.counts } : null,
            invocations: result.invocations,
          };
          process.stdout.write(`${show(out)}\n`);
        } else {
          process.stdout.write(
            `${name}: claimed (ε=${result.claimed.epsilon}, δ=${result.claimed.delta}); certified ε ≥ ${result.lowerBound.toFixed(4)} ` +
              `at confidence ${result.confidence} from ${result.samples} samples per input: ${result.violated ? 'VIOLATED' : 'no violation found'}\n` +
              (w ? `  witness: ${show(w.inputs[0])} vs ${show(w.inputs[1])}, event ${w.description}\n` : ''),
          );
        }
        if (result.violated) process.exitCode = 1;
      },
    );
  registerAuditModel(audit); // `tsdp audit model` (models area, issue 13)
};
