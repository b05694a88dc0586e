/**
 * Optimizers: SGD (with optional momentum) and Adam. They read each
 * parameter's `grad` (filled by the trainer: the noisy clipped mean in
 * DP-SGD) and update `value`. They are post-processing: they see only the
 * privatized gradient, so they cost no privacy.
 * @module
 */
import { DpError } from '../core/index.js';
import { describeValue } from './_internal/describe.js';
import type { Parameter } from './layer.js';

/** Updates parameters from their gradients. */
export interface Optimizer {
  /** 'sgd' or 'adam'. */
  readonly kind: string;
  /** One update of every parameter from its `grad`. */
  step(parameters: readonly Parameter[]): void;
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
  checkPositive(options.learningRate, 'learningRate');
  const momentum = options.momentum ?? 0;
  checkRange(momentum, 'momentum', 0, 1, true);
  const velocity = new WeakMap<Parameter, Float64Array>();
  return {
    kind: 'sgd',
    step(parameters) {
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
