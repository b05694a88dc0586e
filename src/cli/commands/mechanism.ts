/**
 * `tsdp mechanism <laplace|gaussian|discrete-laplace|discrete-gaussian>`:
 * adds calibrated noise to one value and prints it with its guarantee.
 * Thin over `src/mechanisms`.
 * @module
 */
import type { Command } from 'commander';
import { DpError } from '../../core/errors.js';
import type { approximate } from '../../core/loss.js';
import { discreteGaussianEpsilon, discreteGaussianSigmaForEpsilonDelta, makeDiscreteGaussian } from '../../mechanisms/discrete-gaussian.js';
import { discreteLaplaceScaleForEpsilon, makeDiscreteLaplace } from '../../mechanisms/discrete-laplace.js';
import { gaussianSigmaForEpsilonDelta, makeGaussian } from '../../mechanisms/gaussian.js';
import { laplaceScaleForEpsilon, makeLaplace } from '../../mechanisms/laplace.js';
import { Rational } from '../../numeric/rational.js';
import { parseNumberOption, requiredOption } from '../options.js';
import type { RegisterCommand } from './register.js';

const KINDS = ['laplace', 'gaussian', 'discrete-laplace', 'discrete-gaussian'] as const;
type Kind = (typeof KINDS)[number];

interface MechanismFlags {
  value?: string;
  sensitivity?: string;
  epsilon?: string;
  delta?: string;
  scale?: string;
  json?: boolean;
}

/** The printed result. */
interface MechanismOutput {
  mechanism: Kind;
  value: number | string;
  scale: number;
  guarantee: { epsilon: number; delta: number } | { rho: number };
}

function parseInteger(text: string | undefined, parameter: string): bigint {
  const trimmed = text?.trim() ?? '';
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw new DpError('INVALID_PARAMETER', `--${parameter} must be an integer for a discrete mechanism`, {
      parameter,
      expected: 'an integer',
    });
  }
  return BigInt(trimmed);
}

/** Exactly one of --epsilon and --scale. */
function calibrationMode(flags: MechanismFlags): 'epsilon' | 'scale' {
  if ((flags.epsilon === undefined) === (flags.scale === undefined)) {
    throw new DpError('INVALID_PARAMETER', 'give exactly one of --epsilon and --scale', {
      parameter: 'epsilon',
      expected: '--epsilon E or --scale B',
    });
  }
  return flags.epsilon !== undefined ? 'epsilon' : 'scale';
}

function noDelta(flags: MechanismFlags, kind: Kind): void {
  if (flags.delta !== undefined) {
    throw new DpError('INVALID_PARAMETER', `${kind} is pure DP: --delta does not apply`, { parameter: 'delta' });
  }
}

/**
 * Runs one mechanism as the CLI describes; exported for tests.
 * @throws DpError INVALID_PARAMETER on bad flags.
 */
export function runMechanism(kind: string, flags: MechanismFlags): MechanismOutput {
  if (!(KINDS as readonly string[]).includes(kind)) {
    throw new DpError('INVALID_PARAMETER', `mechanism must be one of ${KINDS.join(', ')}`, {
      parameter: 'mechanism',
      expected: KINDS.join(' | '),
    });
  }
  const k = kind as Kind;
  const sensitivity = parseNumberOption(requiredOption(flags.sensitivity, 'sensitivity'), 'sensitivity');
  if (!(sensitivity > 0)) throw new DpError('INVALID_PARAMETER', '--sensitivity must be > 0', { parameter: 'sensitivity' });
  const mode = calibrationMode(flags);
  const valueText = requiredOption(flags.value, 'value');
  switch (k) {
    case 'laplace': {
      noDelta(flags, k);
      const value = parseNumberOption(valueText, 'value');
      const scale =
        mode === 'epsilon'
          ? laplaceScaleForEpsilon(parseNumberOption(flags.epsilon, 'epsilon'), sensitivity)
          : parseNumberOption(flags.scale, 'scale');
      const m = makeLaplace({ scale, sensitivity });
      const guarantee = m.privacyMap(sensitivity);
      return { mechanism: k, value: m.invoke(value), scale, guarantee: { epsilon: guarantee.epsilon, delta: 0 } };
    }
    case 'gaussian': {
      const value = parseNumberOption(valueText, 'value');
      if (mode === 'epsilon') {
        if (flags.delta === undefined) {
          throw new DpError('INVALID_PARAMETER', 'gaussian with --epsilon needs --delta (or give --scale for zCDP)', {
            parameter: 'delta',
          });
        }
        const epsilon = parseNumberOption(flags.epsilon, 'epsilon');
        const delta = parseNumberOption(flags.delta, 'delta');
        const sigma = gaussianSigmaForEpsilonDelta(epsilon, delta, sensitivity);
        const m = makeGaussian({ sigma, delta, sensitivity });
        const guarantee = m.privacyMap(sensitivity);
        return { mechanism: k, value: m.invoke(value), scale: sigma, guarantee: { epsilon: guarantee.epsilon, delta: guarantee.delta } };
      }
      const sigma = parseNumberOption(flags.scale, 'scale');
      if (flags.delta !== undefined) {
        const m = makeGaussian({ sigma, delta: parseNumberOption(flags.delta, 'delta'), sensitivity });
        const guarantee = m.privacyMap(sensitivity);
        return { mechanism: k, value: m.invoke(value), scale: sigma, guarantee: { epsilon: guarantee.epsilon, delta: guarantee.delta } };
      }
      const m = makeGaussian({ sigma, sensitivity });
      return { mechanism: k, value: m.invoke(value), scale: sigma, guarantee: { rho: m.privacyMap(sensitivity).rho } };
    }
    case 'discrete-laplace': {
      noDelta(flags, k);
      const value = parseInteger(valueText, 'value');
      const scale =
        mode === 'epsilon'
          ? discreteLaplaceScaleForEpsilon(parseNumberOption(flags.epsilon, 'epsilon'), sensitivity)
          : Rational.parse(String(parseNumberOption(flags.scale, 'scale')) && (flags.scale as string).trim());
      const m = makeDiscreteLaplace({ scale, sensitivity });
      const guarantee = m.privacyMap(sensitivity);
      return {
        mechanism: k,
        value: integerOut(m.invoke(value)),
        scale: scale.toNumber(),
        guarantee: { epsilon: guarantee.epsilon, delta: 0 },
      };
    }
    case 'discrete-gaussian': {
      const value = parseInteger(valueText, 'value');
      if (mode === 'epsilon') {
        if (flags.delta === undefined) {
          throw new DpError('INVALID_PARAMETER', 'discrete-gaussian with --epsilon needs --delta (or give --scale for zCDP)', {
            parameter: 'delta',
          });
        }
        const epsilon = parseNumberOption(flags.epsilon, 'epsilon');
        const delta = parseNumberOption(flags.delta, 'delta');
        const sigma = discreteGaussianSigmaForEpsilonDelta(epsilon, delta, sensitivity);
        const m = makeDiscreteGaussian({ sigma, sensitivity });
        const s = Rational.fromNumber(sigma);
        const guarantee = discreteGaussianEpsilon(s.mul(s), delta, sensitivity);
        return {
          mechanism: k,
          value: integerOut(m.invoke(value)),
          scale: sigma,
          guarantee: { epsilon: guarantee.epsilon, delta: guarantee.delta },
        };
      }
      const sigma = parseNumberOption(flags.scale, 'scale');
      const m = makeDiscreteGaussian({ sigma, sensitivity });
      if (flags.delta !== undefined) {
        const s = Rational.fromNumber(sigma);
        const guarantee = discreteGaussianEpsilon(s.mul(s), parseNumberOption(flags.delta, 'delta'), sensitivity);
        return { mechanism: k, value: integerOut(m.invoke(value)), scale: sigma, guarantee: approximateGuarantee(guarantee) };
      }
      return { mechanism: k, value: integerOut(m.invoke(value)), scale: sigma, guarantee: { rho: m.privacyMap(sensitivity).rho } };
    }
    default: {
      const never: never = k;
      throw new DpError('INTERNAL', `unhandled mechanism ${String(never)}`);
    }
  }
}

function approximateGuarantee(loss: ReturnType<typeof approximate>): { epsilon: number; delta: number } {
  return { epsilon: loss.epsilon, delta: loss.delta };
}

/** A bigint as a JSON number where exact, else as a string. */
function integerOut(x: bigint): number | string {
  const n = Number(x);
  return Number.isSafeInteger(n) ? n : x.toString();
}

function describe(out: MechanismOutput): string {
  const g =
    'rho' in out.guarantee
      ? `ρ=${out.guarantee.rho} (zCDP)`
      : out.guarantee.delta === 0
        ? `ε=${out.guarantee.epsilon}`
        : `(ε=${out.guarantee.epsilon}, δ=${out.guarantee.delta})`;
  return `${out.mechanism}: ${out.value} (scale ${out.scale}, ${g})`;
}

/** Registers `tsdp mechanism`. */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('mechanism')
    .description('add calibrated noise to one value and print it with its guarantee')
    .argument('<kind>', KINDS.join(' | '))
    .option('--value <number>', 'the value to protect (an integer for discrete mechanisms)')
    .option('--sensitivity <number>', 'how much one person can change the value (> 0)')
    .option('--epsilon <number>', 'target epsilon (calibrates the noise)')
    .option('--delta <number>', 'target delta (gaussian, discrete-gaussian)')
    .option('--scale <number>', 'the noise scale: Laplace b or Gaussian sigma (instead of --epsilon)')
    .option('--json', 'print one JSON object')
    .action((kind: string, flags: MechanismFlags) => {
      const out = runMechanism(kind, flags);
      process.stdout.write(flags.json ? `${JSON.stringify(out)}\n` : `${describe(out)}\n`);
    });
};
