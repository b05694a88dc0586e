/**
 * Tail averaging of DP-SGD iterates (Polyak–Ruppert averaging over the last
 * steps of a run). The average of the parameters after steps k+1…T is a
 * function of the released noisy iterates only, so it is post-processing: it
 * costs no privacy and the run's guarantee (the trainer's events) covers it.
 * Under DP-SGD it averages out part of the injected noise of the last steps
 * (for a convex loss such as logistic regression the averaged iterate's
 * excess risk is lower than the last iterate's); bench/learn/adult-sweep.ts
 * measures the gain on a held-out part of Adult's training split.
 * @module
 */
import { DpError } from '../core/index.js';
import { describeValue } from './_internal/describe.js';
import { Sequential } from './sequential.js';

/**
 * A running average of a model's parameters, fed after each step, written back at the end.
 * @example
 * const avg = new IterateAverage(model);
 * for (let s = 0; s < steps; s++) { trainer.step(); if (s >= steps / 2) avg.add(); }
 * avg.apply(); // the model now holds the mean of the last half of the iterates
 */
export class IterateAverage {
  /** The model whose parameters are averaged. */
  readonly model: Sequential;
  private readonly sums: Float64Array[];
  private n = 0;

  /**
   * @param model - the model being trained.
   * @throws DpError INVALID_PARAMETER when `model` is not a Sequential.
   */
  constructor(model: Sequential) {
    if (!(model instanceof Sequential))
      throw new DpError('INVALID_PARAMETER', `model must be a Sequential, got ${describeValue(model)}`, { parameter: 'model' });
    this.model = model;
    this.sums = model.parameters.map((p) => new Float64Array(p.value.length));
  }

  /** How many iterates have been added. */
  get count(): number {
    return this.n;
  }

  /**
   * Adds the model's current parameters (call after a step).
   * @privacy post-processing of a released iterate.
   */
  add(): void {
    this.model.parameters.forEach((p, i) => {
      const s = this.sums[i] as Float64Array;
      for (let j = 0; j < s.length; j++) s[j] = (s[j] as number) + (p.value[j] as number);
    });
    this.n++;
  }

  /**
   * Writes the average of the added iterates into the model; with none added the model is left as it is.
   * @returns the number of iterates averaged.
   * @privacy post-processing: the result is covered by the run's guarantee.
   */
  apply(): number {
    if (this.n === 0) return 0;
    this.model.parameters.forEach((p, i) => {
      const s = this.sums[i] as Float64Array;
      for (let j = 0; j < s.length; j++) p.value[j] = (s[j] as number) / this.n;
    });
    return this.n;
  }
}
