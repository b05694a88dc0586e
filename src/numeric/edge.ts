/**
 * Shape checks at the edge: the few total guards every public entry runs on its arguments before it reads them.
 *
 * Rule (issue 10 item 12, review S7 — "every public entry validates once at the edge"): a public function,
 * constructor or static method of a `package.json` export reads no property of, iterates over no, and does no
 * arithmetic on an argument before one of these guards (or a brand validator of `core/params.ts`, which is
 * total on `unknown` too) has checked its shape. Each guard is total on every JavaScript value (undefined,
 * null, a bigint, a string, NaN, a Symbol, a Proxy-free object) and refuses with `DpError('INVALID_PARAMETER')`
 * naming the parameter and only the TYPE of what it got — never a data value. So no TypeError or RangeError
 * escapes a public entry on a hostile argument (`test/review/root-hostile-parameters.test.ts`, the generative
 * sweep `test/core/edge.test.ts`). Numbers' ranges are the brands' business (`Epsilon.of`, `Delta.of`, …);
 * these guards only fix the shape.
 * @module
 */
import { DpError, describeParameter } from './errors.js';

function refuse(name: string, expected: string, x: unknown): never {
  throw new DpError('INVALID_PARAMETER', `${name} must be ${expected}, got ${describeParameter(x)}`, {
    parameter: name,
    expected,
  });
}

/**
 * Checks that `x` is a non-null object (not an array).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeRecord(options, 'options')
 */
export function edgeRecord(x: unknown, name: string): asserts x is object {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) refuse(name, 'an object', x);
}

/**
 * Checks that `x` is undefined or a non-null object (an optional options bag).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeOptionalRecord(options, 'options')
 */
export function edgeOptionalRecord(x: unknown, name: string): asserts x is object | undefined {
  if (x !== undefined) edgeRecord(x, name);
}

/**
 * Checks that `x` is a number (NaN and ±∞ pass: ranges are for the brands or the caller).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeNumber(x, 'x')
 */
export function edgeNumber(x: unknown, name: string): asserts x is number {
  if (typeof x !== 'number') refuse(name, 'a number', x);
}

/**
 * Checks that `x` is a finite number.
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeFinite(x, 'x')
 */
export function edgeFinite(x: unknown, name: string): asserts x is number {
  if (typeof x !== 'number' || !Number.isFinite(x)) refuse(name, 'a finite number', x);
}

/**
 * Checks that `x` is an integer in [min, max] (both safe integers).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @param min - the least allowed value.
 * @param max - the largest allowed value (a stated limit keeps the cost of the call bounded).
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeInteger(count, 'count', 1, 1e6)
 */
export function edgeInteger(x: unknown, name: string, min: number, max: number): asserts x is number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) refuse(name, `an integer in [${min}, ${max}]`, x);
}

/**
 * Checks that `x` is an array (a typed array passes too when `typed` is true).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @param typed - whether typed arrays are accepted.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeArray(values, 'values')
 */
export function edgeArray(x: unknown, name: string, typed = false): asserts x is ArrayLike<unknown> {
  if (Array.isArray(x)) return;
  if (typed && ArrayBuffer.isView(x) && !(x instanceof DataView)) return;
  refuse(name, typed ? 'an array or a typed array' : 'an array', x);
}

/**
 * Checks that `x` is array-like: an object with a safe-integer `length` ≥ 0 (an array, a typed array, an Arrow vector).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeArrayLike(values, 'values')
 */
export function edgeArrayLike(x: unknown, name: string): asserts x is ArrayLike<unknown> {
  const length = typeof x === 'object' && x !== null ? (x as { length?: unknown }).length : undefined;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) refuse(name, 'an array-like value (with a length)', x);
}

/**
 * Checks that `x` is iterable (an array, a Set, a generator …) and not a string.
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeIterable(entries, 'entries')
 */
export function edgeIterable(x: unknown, name: string): asserts x is Iterable<unknown> {
  if (typeof x !== 'object' || x === null || typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    refuse(name, 'an iterable (an array)', x);
  }
}

/**
 * Checks that `x` is a string.
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeString(text, 'sql')
 */
export function edgeString(x: unknown, name: string): asserts x is string {
  if (typeof x !== 'string') refuse(name, 'a string', x);
}

/**
 * Checks that `x` is a function.
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeFunction(f, 'f')
 */
export function edgeFunction(x: unknown, name: string): asserts x is (...args: never[]) => unknown {
  if (typeof x !== 'function') refuse(name, 'a function', x);
}

/**
 * Checks that `x` is an object with a string `kind` (a tagged union's member; the switch on `kind` then refuses
 * an unknown tag).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeKind(loss, 'loss')
 */
export function edgeKind(x: unknown, name: string): asserts x is { kind: string } {
  if (typeof x !== 'object' || x === null || typeof (x as { kind?: unknown }).kind !== 'string') {
    refuse(name, "an object with a string 'kind'", x);
  }
}

/**
 * Runs the reading of a caller's argument (`read`) at the edge: a `DpError` passes through, anything
 * else thrown while reading (a getter, a Proxy trap, a `toString`/`valueOf` of the caller's own that
 * throws) becomes `DpError('INVALID_PARAMETER')` naming the parameter — never the thrown message, which
 * could carry a data value. Only for reading and validating, before any state changes or any charge
 * (S7 over instance methods; rule in this module's header).
 * @param name - the parameter read.
 * @param read - the reading and validation.
 * @returns what `read` returns.
 * @throws DpError INVALID_PARAMETER when reading fails; the DpError `read` throws otherwise.
 * @example
 * const loss = edgeRead('loss', () => checkLoss(x));
 */
export function edgeRead<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DpError) throw e;
    throw new DpError('INVALID_PARAMETER', `${name} could not be read (a getter, proxy or conversion of it threw)`, {
      parameter: name,
    });
  }
}

/**
 * Checks that `x` is a `Uint32Array` (proxy-safe).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example edgeUint32Array(out, 'out')
 */
export function edgeUint32Array(x: unknown, name: string): asserts x is Uint32Array {
  let ok = false;
  try {
    ok = x instanceof Uint32Array;
  } catch {
    ok = false;
  }
  if (!ok) refuse(name, 'a Uint32Array', x);
}

/** The typed arrays {@link edgeTypedArray} can return, by their `Symbol.toStringTag`. */
export interface EdgeTypedArrays {
  Float64Array: Float64Array;
  Float32Array: Float32Array;
  Int32Array: Int32Array;
  Uint32Array: Uint32Array;
}
type EdgeTag = keyof EdgeTypedArrays;
const VIEW_CONSTRUCTORS: { readonly [K in EdgeTag]: new (b: ArrayBufferLike, o: number, n: number) => EdgeTypedArrays[K] } = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
};
// The intrinsic accessors of %TypedArray%.prototype: they read a typed array's internal slots, run no user code
// (no getter, no Proxy trap: a Proxy or any other object makes them throw TypeError, which is caught below).
const TYPED_ARRAY_PROTOTYPE = Object.getPrototypeOf(Int8Array.prototype) as object;
function intrinsicGetter(key: PropertyKey): (this: unknown) => unknown {
  const get = Object.getOwnPropertyDescriptor(TYPED_ARRAY_PROTOTYPE, key)?.get;
  if (get === undefined) throw new Error(`no intrinsic typed-array accessor ${String(key)}`);
  return get as (this: unknown) => unknown;
}
const TAG = intrinsicGetter(Symbol.toStringTag);
const BUFFER = intrinsicGetter('buffer');
const BYTE_OFFSET = intrinsicGetter('byteOffset');
const LENGTH = intrinsicGetter('length');

/**
 * Reads a typed-array argument once, totally: returns a FRESH view of the same memory (same buffer, offset and
 * length, so writes through it reach the caller's array), built from the argument's internal slots by the
 * intrinsic accessors of `%TypedArray%.prototype`. The view has the intrinsic prototype and no own properties,
 * so nothing the caller put on the object (a subclass's overridden `length` or `subarray`, an own accessor, a
 * changed prototype) and no Proxy trap ever runs inside tsdp; a Proxy, a detached buffer or any other value is
 * refused. Cost: O(1) (no copy). Rule: a method that keeps or indexes a typed array it was given goes through
 * this at its top (S7; this module's header).
 * @param x - the argument.
 * @param name - its name, for the message.
 * @param tags - the accepted element types (`Symbol.toStringTag` names).
 * @param length - when given, the exact length required.
 * @returns a clean view of the same memory.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example
 * const input = edgeTypedArray(x, 'input', ['Float64Array', 'Float32Array'], batch * width);
 */
export function edgeTypedArray<K extends EdgeTag>(x: unknown, name: string, tags: readonly K[], length?: number): EdgeTypedArrays[K] {
  const expected = `a ${tags.join(' or ')}${length === undefined ? '' : ` of length ${length}`}`;
  let view: EdgeTypedArrays[K] | undefined;
  try {
    const tag = TAG.call(x) as K | undefined;
    if (tag !== undefined && tags.includes(tag)) {
      const n = LENGTH.call(x) as number;
      if (length === undefined || n === length) {
        const make = VIEW_CONSTRUCTORS[tag] as new (b: ArrayBufferLike, o: number, n: number) => EdgeTypedArrays[K];
        view = new make(BUFFER.call(x) as ArrayBufferLike, BYTE_OFFSET.call(x) as number, n);
      }
    }
  } catch {
    view = undefined; // not a typed array (a Proxy, a plain object) or a detached buffer
  }
  if (view === undefined) refuse(name, expected, x);
  return view;
}

/**
 * Reads an array of strings once, totally: its length once (an integer in [0, max]), then each element once by
 * index (no iterator, so no user `Symbol.iterator`), each checked to be a string; a Proxy trap or getter that
 * throws is INVALID_PARAMETER. The caller uses only the returned copy.
 * @param x - the argument.
 * @param name - its name, for the message.
 * @param max - the most elements accepted (a stated limit keeps the cost of the call bounded).
 * @returns a fresh array of the strings.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example
 * const names = edgeStringArray(tables, 'tables');
 */
export function edgeStringArray(x: unknown, name: string, max = 2 ** 24): string[] {
  return edgeRead(name, () => {
    edgeArray(x, name);
    const n = x.length;
    edgeInteger(n, `${name}.length`, 0, max);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = x[i];
      edgeString(v, `${name}[]`);
      out.push(v);
    }
    return out;
  });
}
