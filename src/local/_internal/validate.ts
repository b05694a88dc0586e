/** Shared checks of incoming reports. @module */
import { hexToBits } from './bits.js';

/** Why a report was rejected. */
export type RejectionReason =
  | 'malformed-json'
  | 'not-an-object'
  | 'unsupported-version'
  | 'wrong-protocol'
  | 'wrong-parameters'
  | 'missing-field'
  | 'unexpected-field'
  | 'wrong-type'
  | 'out-of-range'
  | 'wrong-length'
  | 'invalid-bits'
  | 'implausible';

/** Every rejection reason, in a stable order. */
export const REJECTION_REASONS: readonly RejectionReason[] = [
  'malformed-json',
  'not-an-object',
  'unsupported-version',
  'wrong-protocol',
  'wrong-parameters',
  'missing-field',
  'unexpected-field',
  'wrong-type',
  'out-of-range',
  'wrong-length',
  'invalid-bits',
  'implausible',
];

/** A report as parsed JSON. */
export type ReportObject = Record<string, unknown>;

/**
 * A checker of the header and public parameters of a report: `v`, `p`, then
 * each expected parameter, then the payload fields' presence, then that no
 * other field is present. Built once per aggregator (the key lists are
 * precomputed: this runs for every report).
 */
export function headerChecker(
  protocol: string,
  parameters: Readonly<Record<string, number>>,
  payload: readonly string[],
): (report: ReportObject) => RejectionReason | null {
  const keys = Object.keys(parameters);
  const values = keys.map((key) => parameters[key]);
  const expectedFields = 2 + keys.length + payload.length;
  return (report) => {
    if (report.v !== 1) return report.v === undefined ? 'missing-field' : 'unsupported-version';
    if (report.p !== protocol) return report.p === undefined ? 'missing-field' : 'wrong-protocol';
    for (let i = 0; i < keys.length; i++) {
      const value = report[keys[i] as string];
      if (value === undefined) return 'missing-field';
      if (value !== values[i]) return 'wrong-parameters';
    }
    for (let i = 0; i < payload.length; i++) if (report[payload[i] as string] === undefined) return 'missing-field';
    // Every enumerable key counts (inherited ones too): anything beyond the expected fields is refused.
    let present = 0;
    for (const _ in report) present++;
    return present === expectedFields ? null : 'unexpected-field';
  };
}

/** Checks an integer field in [0, bound). */
export function checkIndex(value: unknown, bound: number): RejectionReason | null {
  if (typeof value !== 'number') return 'wrong-type';
  return Number.isInteger(value) && value >= 0 && value < bound ? null : 'out-of-range';
}

/**
 * Reads a bit vector of `length` bits (hex string or array of 0/1) into `out`
 * and checks its number of ones lies within `plausible` (from {@link plausibleOnes}).
 * Returns null, or a rejection reason.
 */
export function readBits(
  value: unknown,
  length: number,
  out: Uint8Array,
  plausible: { readonly min: number; readonly max: number },
): RejectionReason | null {
  if (typeof value === 'string') {
    if (value.length !== Math.ceil(length / 4)) return 'wrong-length';
    if (!hexToBits(value, length, out)) return 'invalid-bits';
  } else if (Array.isArray(value)) {
    if (value.length !== length) return 'wrong-length';
    for (let i = 0; i < length; i++) {
      const bit = value[i];
      if (bit !== 0 && bit !== 1) return 'invalid-bits';
      out[i] = bit;
    }
  } else {
    return 'wrong-type';
  }
  let ones = 0;
  for (let i = 0; i < length; i++) ones += out[i] as number;
  return ones < plausible.min || ones > plausible.max ? 'implausible' : null;
}

/**
 * Hoeffding half-width t with P(|S − E S| ≥ t) ≤ 1e-9 for a sum S of `length`
 * independent bits: an honest report falls outside [lo − t, hi + t] with
 * probability at most 1e-9, so rejecting such reports ("implausible") costs
 * honest users nothing measurable and stops crude forgeries (all ones).
 */
export function plausibleOnes(length: number, lowMean: number, highMean: number): { min: number; max: number } {
  const t = Math.sqrt((length * Math.log(2 / 1e-9)) / 2);
  return { min: lowMean - t, max: highMean + t };
}
