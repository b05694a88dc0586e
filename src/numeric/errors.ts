/**
 * The one error class of tsdp and its closed table of codes.
 *
 * Messages may echo public parameters (ε, a column name, an option) and never a
 * data value: an error is itself an output, and one that depends on private
 * data would leak it.
 * @module
 */

/** Each code with its HTTP status (for the server) and exit code (for the CLI). */
export const DP_ERRORS = {
  /** A parameter (ε, δ, scale, bounds, an option) is out of its domain. */
  INVALID_PARAMETER: { http: 400, exit: 2 },
  /** A request, report or file is malformed (not about private data values). */
  MALFORMED_REQUEST: { http: 400, exit: 2 },
  /** A schema or metadata file is invalid. */
  INVALID_SCHEMA: { http: 400, exit: 2 },
  /** Two pieces that are chained do not fit (domains, metrics, measures). */
  DOMAIN_MISMATCH: { http: 400, exit: 2 },
  /** A SQL query or query shape outside the supported subset. */
  UNSUPPORTED_QUERY: { http: 422, exit: 3 },
  /** An accountant was asked to price an event it cannot price. */
  UNSUPPORTED_EVENT: { http: 422, exit: 3 },
  /** The release would pass the budget; nothing was charged. */
  BUDGET_EXHAUSTED: { http: 403, exit: 4 },
  /** The caller is not authenticated or not allowed. */
  UNAUTHORIZED: { http: 401, exit: 5 },
  /** Too many requests (a rate limit or a concurrency cap of the server); nothing was charged: retry later. */
  RATE_LIMITED: { http: 429, exit: 9 },
  /** A named thing (dataset, analyst, table) does not exist. */
  NOT_FOUND: { http: 404, exit: 6 },
  /** The database engine failed; the message is the same whatever the data. */
  ENGINE_ERROR: { http: 502, exit: 7 },
  /** A numerical routine could not reach the requested accuracy. */
  NUMERICAL_ERROR: { http: 500, exit: 8 },
  /** A bug in tsdp. */
  INTERNAL: { http: 500, exit: 70 },
} as const;

/** A stable error code. */
export type DpErrorCode = keyof typeof DP_ERRORS;

/** Typed details per code; every field is public information. */
export interface DpErrorDetails {
  INVALID_PARAMETER: { parameter: string; expected?: string };
  MALFORMED_REQUEST: { field?: string; expected?: string };
  INVALID_SCHEMA: { path?: string; expected?: string };
  DOMAIN_MISMATCH: { left?: string; right?: string };
  UNSUPPORTED_QUERY: { construct?: string; position?: { line: number; column: number }; hint?: string };
  UNSUPPORTED_EVENT: { event?: string; accountant?: string };
  BUDGET_EXHAUSTED: { requested?: string; remaining?: string; scope?: string };
  UNAUTHORIZED: Record<string, never>;
  RATE_LIMITED: { limit?: string; retryAfterSeconds?: number };
  NOT_FOUND: { kind?: string; name?: string };
  ENGINE_ERROR: { engine?: string };
  NUMERICAL_ERROR: { routine?: string };
  INTERNAL: Record<string, unknown>;
}

/**
 * The error every tsdp function throws on bad input or refused work.
 * @example
 * try { Epsilon.of(-1); } catch (e) { if (isDpError(e, 'INVALID_PARAMETER')) console.log(e.message); }
 */
export class DpError<C extends DpErrorCode = DpErrorCode> extends Error {
  override readonly name = 'DpError';
  /** The stable code. */
  readonly code: C;
  /** Public details, typed per code. */
  readonly details: Partial<DpErrorDetails[C]>;

  constructor(code: C, message: string, details?: Partial<DpErrorDetails[C]>) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = details ?? {};
  }

  /** HTTP status for this error. */
  get http(): number {
    return DP_ERRORS[this.code].http;
  }

  /** CLI exit code for this error. */
  get exitCode(): number {
    return DP_ERRORS[this.code].exit;
  }

  /** A JSON form for APIs: code, message, details. */
  toJSON(): { code: C; message: string; details: Partial<DpErrorDetails[C]> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `e` is a DpError (of `code`, when given). */
export function isDpError<C extends DpErrorCode>(e: unknown, code?: C): e is DpError<C> {
  return e instanceof DpError && (code === undefined || e.code === code);
}

/** Exhaustiveness check for switches over discriminated unions. */
export function assertNever(x: never, what = 'value'): never {
  // Only the type: the value may be anything (a bigint JSON cannot write, a data value that must not leak).
  throw new DpError('INTERNAL', `unexpected ${String(what)}: ${describeParameter(x)}`);
}

/** A result for `safe*` forms: no throw. */
export type SafeResult<T> = { ok: true; value: T } | { ok: false; error: DpError };

/** Runs `f` and returns a SafeResult instead of throwing DpErrors. */
export function safely<T>(f: () => T): SafeResult<T> {
  if (typeof f !== 'function') return { ok: false, error: new DpError('INVALID_PARAMETER', 'safely needs a function', { parameter: 'f' }) };
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof DpError) return { ok: false, error: e };
    throw e;
  }
}

/**
 * A public parameter as text for an error message, safe for every JavaScript value (a Symbol, an
 * object whose `toString` throws, a bigint): numbers are shown (NaN, ±Infinity, −0 included), other
 * values only by their type. Only for PARAMETERS, never for data values.
 * @param x - the offending parameter.
 * @returns a short description.
 * @example describeParameter(Number.NaN) // 'NaN'
 */
export function describeParameter(x: unknown): string {
  if (typeof x === 'number') {
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
    return Object.is(x, -0) ? '-0' : String(x);
  }
  if (typeof x === 'bigint') return `${x}n (a bigint)`;
  if (typeof x === 'string') return `a string`;
  return x === null ? 'null' : typeof x;
}
