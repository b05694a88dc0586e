/**
 * Turns mechanism outputs into named features: continuous (numbers) and
 * discrete (string keys). Events are then sets of feature values. Every
 * feature is a post-processing of the output, so an event on it is an event
 * on the output and the audit stays sound.
 * @module
 */
import { lowestSetBitExponent } from '../float-bits-feature.js';

/** Called once per feature of one output. */
export type FeatureSink = (name: string, value: number | string) => void;

/** At most this many elements of an array (or fields of an object) become their own features. */
const MAX_PROJECTIONS = 16;

// Feature names are built once per path, not once per sample.
const bitsNames = new Map<string, string>();
function bitsName(path: string): string {
  let name = bitsNames.get(path);
  if (name === undefined) {
    name = `${path}#bits`;
    if (bitsNames.size < 10_000) bitsNames.set(path, name);
  }
  return name;
}

function emitNumber(path: string, x: number, sink: FeatureSink): void {
  sink(path, x);
  // The valuation is a small integer: it gets the discrete family (single values, unions) and thresholds.
  if (!Number.isInteger(x) && Number.isFinite(x)) sink(bitsName(path), lowestSetBitExponent(x));
}

function keyOf(x: unknown): string {
  switch (typeof x) {
    case 'bigint':
      return `${x}n`;
    case 'number':
    case 'boolean':
      return String(x);
    case 'string':
      return JSON.stringify(x);
    case 'undefined':
      return 'undefined';
    default:
      break;
  }
  if (x === null) return 'null';
  if (Array.isArray(x)) return `[${x.map(keyOf).join(',')}]`;
  return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/**
 * Emits the features of `x` under `path`: numbers (and bigints) as
 * continuous values plus their bit pattern, booleans and strings as keys,
 * arrays as their length, first elements, sum (numbers), count and first
 * index of `true` (booleans) and whole key, objects as their fields.
 */
export function extractFeatures(x: unknown, path: string, sink: FeatureSink, depth = 0): void {
  switch (typeof x) {
    case 'number':
      emitNumber(path, x, sink);
      return;
    case 'bigint':
      sink(path, Number(x));
      return;
    case 'boolean':
      sink(path, x ? 'true' : 'false');
      return;
    case 'string':
      sink(path, x);
      return;
    case 'undefined':
      sink(path, 'undefined');
      return;
    default:
      break;
  }
  if (x === null) {
    sink(path, 'null');
    return;
  }
  if (depth > 3) {
    sink(`${path}#key`, keyOf(x));
    return;
  }
  if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    const arr = Array.from(x as ArrayLike<unknown>);
    sink(`${path}.length`, String(arr.length));
    let sum = 0;
    let numeric = arr.length > 0;
    let trues = 0;
    let firstTrue = -1;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (typeof v === 'number') sum += v;
      else if (typeof v === 'bigint') sum += Number(v);
      else numeric = false;
      if (v === true) {
        trues++;
        if (firstTrue < 0) firstTrue = i;
      }
      if (i < MAX_PROJECTIONS) extractFeatures(v, `${path}[${i}]`, sink, depth + 1);
    }
    if (numeric && arr.length > 1) sink(`${path}.sum`, sum);
    if (arr.length > 0 && typeof arr[0] === 'boolean') {
      sink(`${path}.trues`, trues);
      sink(`${path}.firstTrue`, firstTrue);
    }
    if (arr.length <= MAX_PROJECTIONS) sink(`${path}#key`, keyOf(arr));
    return;
  }
  if (x instanceof Map || x instanceof Set) {
    sink(`${path}#key`, keyOf(Array.from(x as Iterable<unknown>)));
    return;
  }
  if (typeof x === 'object') {
    const keys = Object.keys(x).sort();
    for (const k of keys.slice(0, MAX_PROJECTIONS)) extractFeatures((x as Record<string, unknown>)[k], `${path}.${k}`, sink, depth + 1);
    return;
  }
  sink(path, String(x));
}
