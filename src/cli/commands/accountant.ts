/**
 * `tsdp accountant`: prices a mechanism run (or any DpEvent) with the RDP,
 * PLD or zCDP accountant; `tsdp accountant calibrate` finds the smallest
 * DP-SGD noise multiplier for a target ε. Thin over `src/accounting`.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { calibrateNoiseMultiplier, makeAccountant } from '../../accounting/calibration.js';
import { DpEvents, parseDpEvent } from '../../accounting/dp-events.js';
import type { AccountingMethod } from '../../accounting/privacy-accountant.js';
import type { DpEvent } from '../../core/dp-event.js';
import { DpError } from '../../core/errors.js';
import { parseNumberOption, requiredOption } from '../options.js';
import type { RegisterCommand } from './register.js';

interface AccountantFlags {
  mechanism?: string;
  event?: string;
  noiseMultiplier?: string;
  scale?: string;
  samplingRate?: string;
  steps?: string;
  delta?: string;
  epsilon?: string;
  method?: string;
  json?: boolean;
}

interface CalibrateFlags {
  targetEpsilon?: string;
  delta?: string;
  samplingRate?: string;
  steps?: string;
  method?: string;
  json?: boolean;
}

const METHODS = ['rdp', 'pld', 'zcdp'] as const;
const MECHANISMS = ['gaussian', 'laplace', 'subsampled-gaussian'] as const;

function parseSteps(text: string | undefined): number {
  if (text === undefined) return 1;
  const trimmed = text.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= 1)) {
    throw new DpError('INVALID_PARAMETER', `--steps must be an integer >= 1, got ${JSON.stringify(text)}`, { parameter: 'steps' });
  }
  return n;
}

function parseMethod(text: string | undefined, fallback: AccountingMethod): AccountingMethod {
  if (text === undefined) return fallback;
  const m = METHODS.find((x) => x === text);
  if (!m)
    throw new DpError('INVALID_PARAMETER', `--method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(text)}`, {
      parameter: 'method',
    });
  return m;
}

function positive(text: string | undefined, parameter: string): number {
  const x = parseNumberOption(text, parameter);
  if (!(x > 0)) throw new DpError('INVALID_PARAMETER', `--${parameter} must be > 0, got ${x}`, { parameter });
  return x;
}

function rate(text: string | undefined): number {
  if (text === undefined)
    throw new DpError('INVALID_PARAMETER', '--sampling-rate is required for subsampled-gaussian', { parameter: 'sampling-rate' });
  const q = parseNumberOption(text, 'sampling-rate');
  if (!(q > 0 && q <= 1))
    throw new DpError('INVALID_PARAMETER', `--sampling-rate must be in (0, 1], got ${q}`, { parameter: 'sampling-rate' });
  return q;
}

/** Reads `--event`: inline JSON, or a path to a JSON file. */
function readEvent(arg: string): DpEvent {
  const trimmed = arg.trim();
  if (trimmed.startsWith('{')) return parseDpEvent(trimmed);
  let text: string;
  try {
    text = readFileSync(trimmed, 'utf8');
  } catch {
    throw new DpError('NOT_FOUND', 'cannot read the --event file', { kind: 'file', name: trimmed });
  }
  return parseDpEvent(text);
}

/** The event of `--mechanism …`. */
function mechanismEvent(flags: AccountantFlags): DpEvent {
  const kind = MECHANISMS.find((m) => m === flags.mechanism);
  if (!kind) {
    throw new DpError(
      'INVALID_PARAMETER',
      `--mechanism must be one of ${MECHANISMS.join(', ')}, got ${JSON.stringify(flags.mechanism ?? '')}`,
      {
        parameter: 'mechanism',
      },
    );
  }
  const steps = parseSteps(flags.steps);
  let single: DpEvent;
  switch (kind) {
    case 'gaussian':
      single = DpEvents.gaussian(positive(requiredOption(flags.noiseMultiplier, 'noise-multiplier'), 'noise-multiplier'));
      break;
    case 'laplace': {
      const b = flags.scale ?? flags.noiseMultiplier;
      single = DpEvents.laplace(positive(requiredOption(b, 'scale'), flags.scale !== undefined ? 'scale' : 'noise-multiplier'));
      break;
    }
    case 'subsampled-gaussian':
      single = DpEvents.poissonSampled(
        rate(flags.samplingRate),
        DpEvents.gaussian(positive(requiredOption(flags.noiseMultiplier, 'noise-multiplier'), 'noise-multiplier')),
      );
      break;
  }
  return steps === 1 ? single : DpEvents.selfComposed(single, steps);
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

async function runAccountant(flags: AccountantFlags): Promise<void> {
  if ((flags.mechanism === undefined) === (flags.event === undefined)) {
    throw new DpError('INVALID_PARAMETER', 'give exactly one of --mechanism or --event', { parameter: 'mechanism' });
  }
  if ((flags.delta === undefined) === (flags.epsilon === undefined)) {
    throw new DpError('INVALID_PARAMETER', 'give exactly one of --delta or --epsilon', { parameter: 'delta' });
  }
  const method = parseMethod(flags.method, 'pld');
  let event: DpEvent;
  if (flags.event !== undefined) {
    event = readEvent(flags.event);
    const steps = parseSteps(flags.steps);
    if (steps > 1) event = DpEvents.selfComposed(event, steps);
  } else {
    event = mechanismEvent(flags);
  }
  const accountant = makeAccountant(method).compose(event);
  let epsilon: number;
  let delta: number;
  if (flags.delta !== undefined) {
    delta = parseNumberOption(flags.delta, 'delta');
    if (!(delta >= 0 && delta <= 1))
      throw new DpError('INVALID_PARAMETER', `--delta must be in [0, 1], got ${delta}`, { parameter: 'delta' });
    epsilon = accountant.epsilon(delta);
  } else {
    epsilon = parseNumberOption(flags.epsilon, 'epsilon');
    if (!(epsilon >= 0)) throw new DpError('INVALID_PARAMETER', `--epsilon must be >= 0, got ${epsilon}`, { parameter: 'epsilon' });
    delta = accountant.delta(epsilon);
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ method, epsilon: finiteOrNull(epsilon), delta })}\n`);
  } else {
    process.stdout.write(`method ${method}: epsilon = ${epsilon}, delta = ${delta}\n`);
  }
}

async function runCalibrate(flags: CalibrateFlags): Promise<void> {
  const targetEpsilon = positive(requiredOption(flags.targetEpsilon, 'target-epsilon'), 'target-epsilon');
  const delta = parseNumberOption(requiredOption(flags.delta, 'delta'), 'delta');
  if (!(delta >= 0 && delta < 1)) throw new DpError('INVALID_PARAMETER', `--delta must be in [0, 1), got ${delta}`, { parameter: 'delta' });
  const q = flags.samplingRate === undefined ? 1 : rate(flags.samplingRate);
  const steps = parseSteps(flags.steps);
  const method = parseMethod(flags.method, 'pld');
  const makeEvent = (sigma: number): DpEvent => {
    const single = q === 1 ? DpEvents.gaussian(sigma) : DpEvents.poissonSampled(q, DpEvents.gaussian(sigma));
    return steps === 1 ? single : DpEvents.selfComposed(single, steps);
  };
  const noiseMultiplier = calibrateNoiseMultiplier({ targetEpsilon, delta, makeEvent, accountant: method, tolerance: 1e-4 });
  if (flags.json) process.stdout.write(`${JSON.stringify({ noiseMultiplier })}\n`);
  else process.stdout.write(`noise multiplier ${noiseMultiplier} (method ${method}, epsilon <= ${targetEpsilon} at delta ${delta})\n`);
}

/**
 * Registers `tsdp accountant [calibrate]`. `calibrate` is an optional
 * positional argument rather than a commander subcommand, so that `--delta`
 * means the same on both forms.
 */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('accountant')
    .description(
      'privacy accounting: epsilon for a delta (or delta for an epsilon) of a mechanism run or a DpEvent; ' +
        '"accountant calibrate" finds the smallest DP-SGD noise multiplier for a target epsilon',
    )
    .argument('[action]', 'calibrate (optional)')
    .option('--mechanism <kind>', `one of ${MECHANISMS.join(', ')}`)
    .option('--event <json-or-file>', 'a DpEvent as JSON text or a path to a JSON file')
    .option('--noise-multiplier <s>', 'Gaussian noise multiplier sigma / sensitivity')
    .option('--scale <b>', 'Laplace scale b / sensitivity')
    .option('--sampling-rate <q>', 'Poisson sampling rate')
    .option('--steps <t>', 'number of compositions (default 1; with --event, the event is repeated)')
    .option('--delta <d>', 'report epsilon at this delta (calibrate: the delta)')
    .option('--epsilon <e>', 'report delta at this epsilon')
    .option('--target-epsilon <e>', 'calibrate: the epsilon not to exceed')
    .option('--method <m>', 'rdp, pld or zcdp (default pld)')
    .option('--json', 'print JSON: {"method","epsilon","delta"}, or {"noiseMultiplier"} for calibrate')
    .action(async (action: string | undefined, flags: AccountantFlags & CalibrateFlags) => {
      if (action === undefined) {
        if (flags.targetEpsilon !== undefined) {
          throw new DpError('INVALID_PARAMETER', '--target-epsilon belongs to "tsdp accountant calibrate"', {
            parameter: 'target-epsilon',
          });
        }
        return runAccountant(flags);
      }
      if (action !== 'calibrate') {
        throw new DpError('INVALID_PARAMETER', `unknown action ${JSON.stringify(action)}; the only action is "calibrate"`, {
          parameter: 'action',
        });
      }
      if (flags.mechanism !== undefined || flags.event !== undefined || flags.epsilon !== undefined) {
        throw new DpError('INVALID_PARAMETER', 'calibrate takes --target-epsilon, --delta, --sampling-rate, --steps and --method', {
          parameter: flags.mechanism !== undefined ? 'mechanism' : flags.event !== undefined ? 'event' : 'epsilon',
        });
      }
      return runCalibrate(flags);
    });
};
