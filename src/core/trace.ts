/**
 * The trace hook (SECURITY.md §9): records each call of a noise primitive
 * (value it was applied to, declared sensitivity, scale) and each value the
 * library treats as public, so grey-box audits can check that nothing private
 * becomes public and that declared sensitivities hold. Inactive — one array
 * length check — unless a test starts a trace through `tsdp/testing`.
 * @module
 */

/** One call of a noise primitive. */
export interface NoiseTraceRecord {
  /** The primitive, e.g. 'laplace', 'discrete-gaussian'. */
  readonly primitive: string;
  /** The exact value noise was added to (private!). */
  readonly value: number | bigint;
  /** The sensitivity the privacy map assumed. */
  readonly sensitivity: number;
  /** The noise scale used (b, σ, or the mechanism's parameter). */
  readonly scale: number;
  /** Any other public parameters. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A value the library treated as public (released without noise). */
export interface PublicTraceRecord {
  readonly name: string;
  readonly value: unknown;
}

/** A trace in progress. */
export interface TraceSink {
  noise(record: NoiseTraceRecord): void;
  publicValue(record: PublicTraceRecord): void;
}

const sinks: TraceSink[] = [];

/** @internal Registers a sink; returns a function that removes it. */
export function addTraceSink(sink: TraceSink): () => void {
  sinks.push(sink);
  return () => {
    const i = sinks.indexOf(sink);
    if (i >= 0) sinks.splice(i, 1);
  };
}

/** Records a call of a noise primitive. Library code calls this at every noise addition. */
export function traceNoise(record: NoiseTraceRecord): void {
  if (sinks.length === 0) return;
  for (const s of sinks) s.noise(record);
}

/** Records a value treated as public. */
export function tracePublic(name: string, value: unknown): void {
  if (sinks.length === 0) return;
  for (const s of sinks) s.publicValue({ name, value });
}
