/** The playground's client of the tsdp server API (same origin; the key from the page's fragment or the key field). */

const KEY = 'tsdp-playground-key';

/** A DpError as the server sends it. */
export interface ApiError {
  readonly code: string;
  readonly message: string;
}

/** The result of a call: the JSON body, or the server's DpError. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError; status: number };

export function apiKey(): string {
  return sessionStorage.getItem(KEY) ?? '';
}

export function setApiKey(key: string): void {
  sessionStorage.setItem(KEY, key.trim());
}

/** Calls the API; never throws (network failures become an error result). */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResult<T>> {
  const headers: Record<string, string> = {};
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const r = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const json = (await r.json().catch(() => ({}))) as { error?: ApiError };
    if (!r.ok) return { ok: false, status: r.status, error: json.error ?? { code: 'HTTP', message: `HTTP ${r.status}` } };
    return { ok: true, value: json as T };
  } catch {
    return { ok: false, status: 0, error: { code: 'NETWORK', message: 'the server could not be reached' } };
  }
}

/** Data sets as the server describes them. */
export interface Dataset {
  name: string;
  description?: string;
  cap: { epsilon: number; delta: number };
  budget: { epsilon: number; delta: number } | null;
  tables: { name: string; privacyUnit: string | null; columns: { name: string; type: string; lower?: number; upper?: number; categories?: unknown[] }[] }[];
}

/** A DP SQL answer. */
export interface QueryAnswer {
  columns: string[];
  rows: (string | number | boolean | null)[][];
  intervals: Record<string, ([number, number] | null)[]>;
  confidence: number;
  guarantee: Record<string, unknown>;
  charged: { epsilon: string; delta: string; rho: string };
  remaining: { analyst: { epsilon: number; delta: number } | null; dataset: { epsilon: number; delta: number } };
}

/** An exact answer of the non-private demo endpoint. */
export interface PlainAnswer {
  dataset: string;
  nonPrivate: true;
  columns: string[];
  rows: (string | number | boolean | null)[][];
}

/** One data set's balance for the caller. */
export interface Balance {
  dataset: string;
  analyst: { budget: { epsilon: number }; remaining: { epsilon: number } };
  cap: { budget: { epsilon: number }; remaining: { epsilon: number } };
}
