/**
 * The events an audit tests: sets of outputs, described on a named feature
 * of the output (see `extractFeatures`). A witness of a violation is a pair
 * of inputs and one such event.
 * @module
 */

import { assertNever } from '../core/errors.js';
import { edgeKind } from '../numeric/edge.js';

/** {y : y op threshold} on a numeric feature; outputs without the feature are outside. */
export interface ThresholdEvent {
  readonly kind: 'threshold';
  readonly feature: string;
  readonly op: '>=' | '>' | '<' | '<=';
  readonly threshold: number;
}
/** {y : lower ≤ y < upper} on a numeric feature. */
export interface IntervalEvent {
  readonly kind: 'interval';
  readonly feature: string;
  readonly lower: number;
  readonly upper: number;
}
/** {y : key(y) ∈ values} on a discrete feature (a single outcome or a union of outcomes). */
export interface OutcomesEvent {
  readonly kind: 'outcomes';
  readonly feature: string;
  readonly values: readonly string[];
}
/**
 * {y : Σ wᵢ·fᵢ(y) op threshold}: a threshold on a linear score of numeric features, the weights learnt
 * on the selection samples (a linear discriminant, the simplest classifier of DP-Sniper's kind).
 */
export interface LinearEvent {
  readonly kind: 'linear';
  readonly features: readonly string[];
  readonly weights: readonly number[];
  readonly op: '>=' | '<=';
  readonly threshold: number;
}
/** An event of the audit's family. */
export type AuditEvent = ThresholdEvent | IntervalEvent | OutcomesEvent | LinearEvent;

/** The features of one output, by name. */
export type FeatureRecord = ReadonlyMap<string, number | string>;

/**
 * Compiles an event into a predicate on feature records.
 * @param event - the event.
 * @returns a function that is true when the output lies in the event.
 */
export function auditEventPredicate(event: AuditEvent): (features: FeatureRecord) => boolean {
  edgeKind(event, 'event');
  const name = event.kind === 'linear' ? '' : event.feature;
  switch (event.kind) {
    case 'linear': {
      const { features, weights, threshold } = event;
      const score = (f: FeatureRecord) => {
        let total = 0;
        for (let i = 0; i < features.length; i++) {
          const v = f.get(features[i] as string);
          if (typeof v !== 'number') return Number.NaN;
          total += (weights[i] as number) * v;
        }
        return total;
      };
      return event.op === '>=' ? (f) => score(f) >= threshold : (f) => score(f) <= threshold;
    }
    case 'threshold': {
      const t = event.threshold;
      const num = (f: FeatureRecord) => {
        const v = f.get(name);
        return typeof v === 'number' ? v : Number.NaN;
      };
      const op = event.op;
      switch (op) {
        case '>=':
          return (f) => num(f) >= t;
        case '>':
          return (f) => num(f) > t;
        case '<':
          return (f) => num(f) < t;
        case '<=':
          return (f) => num(f) <= t;
        default:
          return assertNever(op, 'operator');
      }
    }
    case 'interval': {
      const { lower, upper } = event;
      return (f) => {
        const v = f.get(name);
        return typeof v === 'number' && v >= lower && v < upper;
      };
    }
    case 'outcomes': {
      const set = new Set(event.values);
      return (f) => {
        const v = f.get(name);
        return v !== undefined && set.has(typeof v === 'number' ? String(v) : v);
      };
    }
    default:
      return assertNever(event, 'event');
  }
}

/**
 * A short human description of an event, e.g. `output >= 1` or `output ∈ {0, 1}`.
 * @param event - the event.
 * @returns one line of text.
 */
export function describeAuditEvent(event: AuditEvent): string {
  edgeKind(event, 'event');
  switch (event.kind) {
    case 'linear': {
      const terms = event.features.map((f, i) => `${(event.weights[i] as number).toPrecision(3)}·${f}`);
      return `${terms.join(' + ')} ${event.op} ${event.threshold}`;
    }
    case 'threshold':
      return `${event.feature} ${event.op} ${event.threshold}`;
    case 'interval':
      return `${event.lower} <= ${event.feature} < ${event.upper}`;
    case 'outcomes': {
      const shown = event.values.slice(0, 8).join(', ');
      return `${event.feature} ∈ {${shown}${event.values.length > 8 ? `, … (${event.values.length} values)` : ''}}`;
    }
    default:
      return assertNever(event, 'event');
  }
}
