/**
 * Optimizers: SGD (with optional momentum) and Adam. They read each
 * parameter's `grad` (filled by the trainer: the noisy clipped mean in
 * DP-SGD) and update `value`. They are post-processing: they see only the
 * privatized gradient, so they cost no privacy.
 * @module
 */
import { DpError } from '../core/index.js';
import { describeValue } from './_internal/describe.js';
import { checkObject } from './_internal/validate.js';
import type { Parameter } from './layer.js';

/** An optimizer's state, for checkpoints: its step count and its buffers in parameter order. */
export interface OptimizerState {
  readonly kind: string;
  readonly step: number;
  /** For each parameter, its buffers concatenated (SGD with momentum: v; Adam: m then v; plain SGD: none). */
  readonly buffers: number[][];
}

/** Updates parameters from their gradients. */
export interface Optimizer {
  /** 'sgd' or 'adam'. */
  readonly kind: string;
  /** One update of every parameter from its `grad`. */
  step(parameters: readonly Parameter[]): void;
  /** The state for a checkpoint. */
  exportState(parameters: readonly Parameter[]): OptimizerState;
  /** Restores a state saved by exportState. @throws DpError INVALID_PARAMETER when it does not fit. */
  importState(parameters: readonly Parameter[], state: OptimizerState): void;
}

function exportBuffers(
  kind: string,
  step: number,
  parameters: readonly Parameter[],
  maps: WeakMap<Parameter, Float64Array>[],
): OptimizerState {
  return { kind, step, buffers: parameters.map((p) => maps.flatMap((m) => Array.from(stateFor(m, p)))) };
}

function importBuffers(
  kind: string,
  parameters: readonly Parameter[],
  state: OptimizerState,
  maps: WeakMap<Parameter, Float64Array>[],
): number {
  const ok =
    typeof state === 'object' &&
    state !== null &&
    state.kind === kind &&
    Number.isSafeInteger(state.step) &&
    state.step >= 0 &&
    Array.isArray(state.buffers) &&
    state.buffers.length === parameters.length &&
    parameters.every((p, i) => {
      const b = state.buffers[i];
      return Array.isArray(b) && b.length === maps.length * p.value.length && b.every((x) => typeof x === 'number' && Number.isFinite(x));
    });
  if (!ok)
    throw new DpError('INVALID_PARAMETER', `the optimizer state does not fit this ${kind} optimizer and model`, { parameter: 'optimizer' });
  parameters.forEach((p, i) => {
    const b = state.buffers[i] as number[];
    maps.forEach((m, k) => {
      m.set(p, Float64Array.from(b.slice(k * p.value.length, (k + 1) * p.value.length)));
    });
  });
  return state.step;
}

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Step size, > 0. */
  learningRate: number;
  /** Heavy-ball momentum in [0, 1) (default 0). */
  momentum?: number;
}

/** Options of {@link adam}. */
export interface AdamOptions {
  /** Step size, > 0. */
  learningRate: number;
  /** First-moment decay in [0, 1) (default 0.9). */
  beta1?: number;
  /** Second-moment decay in [0, 1) (default 0.999). */
  beta2?: number;
  /** The constant added to √v̂ (default 1e-8). */
  stabilizer?: number;
}

function checkRange(x: number, name: string, low: number, high: number, highOpen: boolean): void {
  if (!(Number.isFinite(x) && x >= low && (highOpen ? x < high : x <= high))) {
    throw new DpError('INVALID_PARAMETER', `${name} must be in [${low}, ${high}${highOpen ? ')' : ']'}, got ${describeValue(x)}`, {
      parameter: name,
    });
  }
}

function checkPositive(x: number, name: string): void {
  if (!(Number.isFinite(x) && x > 0))
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number > 0, got ${describeValue(x)}`, { parameter: name });
}

/** State keyed by parameter object, so one optimizer can serve one model. */
function stateFor(map: WeakMap<Parameter, Float64Array>, p: Parameter): Float64Array {
  let s = map.get(p);
  if (!s) {
    s = new Float64Array(p.value.length);
    map.set(p, s);
  }
  return s;
}

/**
 * Stochastic gradient descent, v ← μv + g, w ← w − η v (PyTorch's form; μ = 0 is plain SGD).
 * @param options - learning rate and momentum.
 * @returns the optimizer.
 * @throws DpError INVALID_PARAMETER when learningRate ≤ 0 or momentum ∉ [0, 1).
 * @privacy post-processing of the privatized gradient.
 * @example
 * const optimizer = sgd({ learningRate: 0.1, momentum: 0.9 });
 */
export function sgd(options: SgdOptions): Optimizer {
  checkObject(options, 'options');
  checkPositive(options.learningRate, 'learningRate');
  const momentum = options.momentum ?? 0;
  checkRange(momentum, 'momentum', 0, 1, true);
  const velocity = new WeakMap<Parameter, Float64Array>();
  const maps = momentum === 0 ? [] : [velocity];
  let steps = 0;
  return {
    kind: 'sgd',
    exportState: (parameters) => exportBuffers('sgd', steps, parameters, maps),
    importState(parameters, state) {
      steps = importBuffers('sgd', parameters, state, maps);
    },
    step(parameters) {
      steps++;
      for (const p of parameters) {
        if (momentum === 0) {
          for (let i = 0; i < p.value.length; i++) p.value[i] = (p.value[i] as number) - options.learningRate * (p.grad[i] as number);
          continue;
        }
        const v = stateFor(velocity, p);
        for (let i = 0; i < p.value.length; i++) {
          v[i] = momentum * (v[i] as number) + (p.grad[i] as number);
          p.value[i] = (p.value[i] as number) - options.learningRate * (v[i] as number);
        }
      }
    },
  };
}

/**
 * Adam (Kingma and Ba 2015) with bias correction.
 * @param options - learning rate, decays and stabilizer.
 * @returns the optimizer.
 * @throws DpError INVALID_PARAMETER when a setting is out of range.
 * @privacy post-processing of the privatized gradient.
 * @see Kingma, Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1.
 * @example
 * const optimizer = adam({ learningRate: 1e-3 });
 */
export function adam(options: AdamOptions): Optimizer {
  checkObject(options, 'options');
  checkPositive(options.learningRate, 'learningRate');
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const stabilizer = options.stabilizer ?? 1e-8;
  checkRange(beta1, 'beta1', 0, 1, true);
  checkRange(beta2, 'beta2', 0, 1, true);
  checkPositive(stabilizer, 'stabilizer');
  const first = new WeakMap<Parameter, Float64Array>();
  const second = new WeakMap<Parameter, Float64Array>();
  let t = 0;
  return {
    kind: 'adam',
    exportState: (parameters) => exportBuffers('adam', t, parameters, [first, second]),
    importState(parameters, state) {
      t = importBuffers('adam', parameters, state, [first, second]);
    },
    step(parameters) {
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (const p of parameters) {
        const m = stateFor(first, p);
        const v = stateFor(second, p);
        for (let i = 0; i < p.value.length; i++) {
          const g = p.grad[i] as number;
          m[i] = beta1 * (m[i] as number) + (1 - beta1) * g;
          v[i] = beta2 * (v[i] as number) + (1 - beta2) * g * g;
          const mHat = (m[i] as number) / c1;
          const vHat = (v[i] as number) / c2;
          p.value[i] = (p.value[i] as number) - (options.learningRate * mHat) / (Math.sqrt(vHat) + stabilizer);
        }
      }
    },
  };
}
