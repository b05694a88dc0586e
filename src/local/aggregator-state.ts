/**
 * The saved state of a local-DP aggregator: a versioned JSON document that
 * lets shards in several processes be merged, and an aggregator survive a
 * restart. It holds the protocol configuration, the counts of accepted and
 * rejected reports, and the protocol's sufficient statistics (integer
 * vectors) — never a report.
 *
 * Loading validates everything before anything is added, and refuses with
 * DpError INVALID_PARAMETER (`details.parameter` 'state', the message naming
 * the field and the rule, never a value): an unknown format or version, a
 * configuration that does not resolve or differs from the aggregator's, and
 * vectors that no sequence of `accepted` valid reports could produce (wrong
 * length, non-integer or negative cells, broken conservation laws — see
 * `_internal/snapshot.ts`). A forged state can therefore move an estimate
 * no further than `accepted` forged reports could, and its size shows in
 * `reportCount`. It is not authenticated: store and move it like the
 * reports themselves (an integrity-protected channel or store).
 * @module
 */
import { DpError } from '../core/errors.js';
import type { AccumulatorSnapshot } from './_internal/snapshot.js';
import { REJECTION_REASONS, type RejectionReason } from './_internal/validate.js';
import { type LocalProtocolConfig, type LocalProtocolParams, resolveLocalParams } from './protocol-config.js';

/** The `format` tag of a saved aggregator state. */
export const AGGREGATOR_STATE_FORMAT = 'tsdp-local-aggregator';
/** The version written by this release (and the only one read). */
export const AGGREGATOR_STATE_VERSION = 1;

/** A saved aggregator (JSON-serialisable as is). */
export interface LocalAggregatorState {
  readonly format: typeof AGGREGATOR_STATE_FORMAT;
  readonly version: typeof AGGREGATOR_STATE_VERSION;
  /** The configuration the aggregator was created with. */
  readonly config: LocalProtocolConfig;
  /** Accepted reports summarised by `cells`. */
  readonly accepted: number;
  /** Rejected reports, by reason. */
  readonly rejectedBy: Readonly<Record<RejectionReason, number>>;
  /** The protocol's sufficient statistics. */
  readonly cells: Readonly<Record<string, readonly number[]>>;
}

/** A parsed, structurally checked state (cells are checked by the accumulator that absorbs them). */
export interface CheckedState {
  readonly config: LocalProtocolConfig;
  readonly params: LocalProtocolParams;
  readonly snapshot: AccumulatorSnapshot;
  readonly rejectedBy: Readonly<Record<RejectionReason, number>>;
}

/** DpError INVALID_PARAMETER about the state. */
export function stateError(rule: string): DpError {
  return new DpError('INVALID_PARAMETER', `invalid aggregator state: ${rule}`, { parameter: 'state', expected: rule });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function count(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw stateError(`${field} must be a non-negative integer`);
  return x;
}

/**
 * Parses a state (the object, or its JSON text) and checks its envelope.
 * @throws DpError INVALID_PARAMETER (parameter 'state') on any violation.
 */
export function checkAggregatorState(input: unknown): CheckedState {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw stateError('the text is not JSON');
    }
  }
  if (!isRecord(value)) throw stateError('it must be an object');
  if (value.format !== AGGREGATOR_STATE_FORMAT) throw stateError(`format must be '${AGGREGATOR_STATE_FORMAT}'`);
  if (value.version !== AGGREGATOR_STATE_VERSION)
    throw stateError(`version must be ${AGGREGATOR_STATE_VERSION} (this release reads no other)`);
  const allowed = new Set(['format', 'version', 'config', 'accepted', 'rejectedBy', 'cells']);
  for (const key of Object.keys(value)) if (!allowed.has(key)) throw stateError(`unknown field '${key.slice(0, 40)}'`);
  if (!isRecord(value.config)) throw stateError('config must be an object');
  let params: LocalProtocolParams;
  try {
    params = resolveLocalParams(value.config as unknown as LocalProtocolConfig);
  } catch {
    throw stateError('config must be a valid protocol configuration');
  }
  const accepted = count(value.accepted, 'accepted');
  if (!isRecord(value.rejectedBy)) throw stateError('rejectedBy must be an object');
  const rejectedBy = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
  for (const [reason, n] of Object.entries(value.rejectedBy)) {
    if (!(REJECTION_REASONS as readonly string[]).includes(reason))
      throw stateError(`rejectedBy has an unknown reason '${reason.slice(0, 40)}'`);
    rejectedBy[reason as RejectionReason] = count(n, `rejectedBy.${reason}`);
  }
  if (!isRecord(value.cells)) throw stateError('cells must be an object');
  return {
    config: value.config as unknown as LocalProtocolConfig,
    params,
    snapshot: { total: accepted, cells: value.cells as Record<string, readonly number[]> },
    rejectedBy,
  };
}

/** Whether two resolved parameter sets are the same protocol with the same public parameters. */
export function sameParams(a: LocalProtocolParams, b: LocalProtocolParams): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
