/**
 * `DpEvent`: a description of what a release did, in the style of Google's
 * `dp_accounting` events. Events are data (JSON-serialisable, append-only
 * union); accountants in `accounting/` price them. Mechanisms report their
 * event so that any accountant can compose them.
 * @module
 */

/** A release with no privacy cost. */
export interface NoOpEvent {
  readonly type: 'noOp';
}
/** A release with unbounded privacy cost (e.g. a public value computed from private data). */
export interface NonPrivateEvent {
  readonly type: 'nonPrivate';
}
/** Gaussian noise of σ = noiseMultiplier · Δ₂ (sensitivity normalised to 1). */
export interface GaussianEvent {
  readonly type: 'gaussian';
  readonly noiseMultiplier: number;
}
/** Laplace noise of b = noiseMultiplier · Δ₁ (sensitivity normalised to 1). */
export interface LaplaceEvent {
  readonly type: 'laplace';
  readonly noiseMultiplier: number;
}
/** Discrete Laplace noise with scale `scale` (P(k) ∝ e^{−|k|/scale}) on an integer query of sensitivity `sensitivity`. */
export interface DiscreteLaplaceEvent {
  readonly type: 'discreteLaplace';
  readonly scale: number;
  readonly sensitivity: number;
}
/** Discrete Gaussian noise with σ (P(k) ∝ e^{−k²/2σ²}) on an integer query of L2 sensitivity `sensitivity`. */
export interface DiscreteGaussianEvent {
  readonly type: 'discreteGaussian';
  readonly sigma: number;
  readonly sensitivity: number;
}
/**
 * Randomized response over `numBuckets` values: with probability
 * `noiseParameter` a uniformly random bucket, otherwise the true one
 * (`dp_accounting`'s RandomizedResponseDpEvent).
 */
export interface RandomizedResponseEvent {
  readonly type: 'randomizedResponse';
  readonly noiseParameter: number;
  readonly numBuckets: number;
}
/** An exponential-mechanism selection with pure ε (utility sensitivity included). */
export interface ExponentialEvent {
  readonly type: 'exponential';
  readonly epsilon: number;
}
/** A permute-and-flip selection with pure ε. */
export interface PermuteAndFlipEvent {
  readonly type: 'permuteAndFlip';
  readonly epsilon: number;
}
/** A ρ-zCDP release. */
export interface ZcdpEvent {
  readonly type: 'zcdp';
  readonly rho: number;
}
/** An (ε, δ)-DP release. */
export interface EpsilonDeltaEvent {
  readonly type: 'epsilonDelta';
  readonly epsilon: number;
  readonly delta: number;
}
/** `event` run on a Poisson subsample that keeps each record with probability `sampleRate`. */
export interface PoissonSampledEvent {
  readonly type: 'poissonSampled';
  readonly sampleRate: number;
  readonly event: DpEvent;
}
/** `event` run on `sampleSize` records drawn without replacement from `sourceDatasetSize`. */
export interface SampledWithoutReplacementEvent {
  readonly type: 'sampledWithoutReplacement';
  readonly sourceDatasetSize: number;
  readonly sampleSize: number;
  readonly event: DpEvent;
}
/** `event` repeated `count` times. */
export interface SelfComposedEvent {
  readonly type: 'selfComposed';
  readonly event: DpEvent;
  readonly count: number;
}
/** Several events in sequence. */
export interface ComposedEvent {
  readonly type: 'composed';
  readonly events: readonly DpEvent[];
}

/** What happened in a release. */
export type DpEvent =
  | NoOpEvent
  | NonPrivateEvent
  | GaussianEvent
  | LaplaceEvent
  | DiscreteLaplaceEvent
  | DiscreteGaussianEvent
  | RandomizedResponseEvent
  | ExponentialEvent
  | PermuteAndFlipEvent
  | ZcdpEvent
  | EpsilonDeltaEvent
  | PoissonSampledEvent
  | SampledWithoutReplacementEvent
  | SelfComposedEvent
  | ComposedEvent;

/** The `type` tags of events. */
export type DpEventType = DpEvent['type'];
