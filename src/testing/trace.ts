/**
 * The trace hook for grey-box audits (SECURITY.md §9).
 * @module
 */
import { addTraceSink, type NoiseTraceRecord, type PublicTraceRecord } from '../core/trace.js';

/** A running trace: what noise primitives and public values were seen since `startTrace()`. */
export interface Trace {
  readonly noise: readonly NoiseTraceRecord[];
  readonly publicValues: readonly PublicTraceRecord[];
  /** Stops recording; the records stay readable. */
  stop(): void;
}

/**
 * Starts recording every noise-primitive call and every value treated as public.
 * @example
 * const trace = startTrace();
 * makeLaplace(...).invoke(3);
 * trace.stop();
 * expect(trace.noise[0].sensitivity).toBe(1);
 */
export function startTrace(): Trace {
  const noise: NoiseTraceRecord[] = [];
  const publicValues: PublicTraceRecord[] = [];
  const remove = addTraceSink({ noise: (r) => noise.push(r), publicValue: (r) => publicValues.push(r) });
  return { noise, publicValues, stop: remove };
}
