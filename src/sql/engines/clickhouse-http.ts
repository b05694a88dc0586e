/**
 * ClickHouse's HTTP interface, through Node's `http` (no native addon, no
 * driver package): one POST per statement, the result in
 * `TabSeparatedWithNamesAndTypes`, read **totally**: every field by its
 * declared ClickHouse type, text decoded as strict UTF-8 field by field.
 * Any failure — connection, HTTP status, timeout, a body of another shape —
 * is the one data-independent `ENGINE_ERROR` (the server's message, which may
 * quote data, is never read).
 * @module
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DpError } from '../../core/errors.js';
import { type EngineValue, engineError } from '../engine.js';
import type { EngineLimits } from './resource-limits.js';

/** Where one ClickHouse server is and who we are there. */
export interface ClickHouseEndpoint {
  /** `http://host:port` (no path). */
  readonly base: string;
  readonly database: string;
  readonly user?: string;
  readonly password?: string;
  /** The resource limits sent with every statement (resource-limits.ts); none: the reader profile's (tests of the HTTP layer only). */
  readonly limits?: ClickHouseLimits;
}

/** ClickHouse's per-statement resource limits, pinned by tsdp on every statement (rule: `resource-limits.ts`). */
export interface ClickHouseLimits {
  /** `max_memory_usage` in bytes. */
  readonly maxMemoryBytes: number;
  /** `max_bytes_before_external_group_by` and `max_bytes_before_external_sort` in bytes (0: no spilling). */
  readonly spillBytes: number;
}

/** The limits as the one engine error names them. */
export function clickhouseLimitNames(limits: ClickHouseLimits | undefined, timeoutMs: number): EngineLimits {
  return {
    max_execution_time: `${Math.max(1, Math.ceil(timeoutMs / 1000))} s`,
    ...(limits
      ? {
          max_memory_usage: `${limits.maxMemoryBytes} bytes`,
          'spill (external GROUP BY/sort) at': limits.spillBytes === 0 ? 'never' : `${limits.spillBytes} bytes`,
        }
      : {}),
  };
}

/** One result: column names, their ClickHouse types, and the rows (null for a text field that is not valid UTF-8). */
export interface ClickHouseResult {
  readonly names: readonly string[];
  readonly types: readonly string[];
  readonly rows: readonly (readonly (EngineValue | InvalidText)[])[];
}

/** A text field whose bytes are not valid UTF-8 (kept apart so that two such keys never become one JS string). */
export const INVALID_TEXT: unique symbol = Symbol('invalid UTF-8 text');
/** The type of `INVALID_TEXT`. */
export type InvalidText = typeof INVALID_TEXT;

/**
 * Settings every statement pins (review M11, class 1 "stability understated"): each limit's overflow mode is
 * `throw`, never `break` or `any` — under `group_by_overflow_mode = 'any'` a GROUP BY skips keys past its limit,
 * under `read_overflow_mode`/`result_overflow_mode`/`timeout_overflow_mode = 'break'` a statement returns a
 * partial answer — so a statement either computes the exact aggregate or fails with the one ENGINE_ERROR; and a
 * Distributed read never skips a shard it cannot reach. The connecting user's other changed settings are checked
 * before the charge (`clickhouse-settings.ts`). All exist on 18.16 and on current releases.
 */
export const PINNED_SETTINGS: Readonly<Record<string, string>> = {
  read_overflow_mode: 'throw',
  group_by_overflow_mode: 'throw',
  sort_overflow_mode: 'throw',
  result_overflow_mode: 'throw',
  timeout_overflow_mode: 'throw',
  set_overflow_mode: 'throw',
  join_overflow_mode: 'throw',
  transfer_overflow_mode: 'throw',
  distinct_overflow_mode: 'throw',
  skip_unavailable_shards: '0',
};

/**
 * Runs one statement on one server.
 * @param endpoint - the server.
 * @param sql - the statement (literals inlined; one statement).
 * @param timeoutMs - the deadline: `max_execution_time` on the server and an abort on the client.
 * @param settings - further settings of this statement only (catalog reads that must not meet a profile's limits).
 * @returns the parsed result.
 * @throws DpError ENGINE_ERROR on any failure (the reason withheld).
 */
export async function clickhouseQuery(
  endpoint: ClickHouseEndpoint,
  sql: string,
  timeoutMs: number,
  settings: Readonly<Record<string, string>> = {},
): Promise<ClickHouseResult> {
  const r = statementRequest(endpoint, sql, timeoutMs, settings);
  const body = await post(r.url, r.headers, r.text, timeoutMs + 5_000, r.error);
  return parseTsv(body, r.error);
}

/** One statement's HTTP request (`clickhouseQuery`, `clickhouseQueryChunks`): its URL, headers, body and one error. */
export interface StatementRequest {
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly error: () => DpError<'ENGINE_ERROR'>;
}

/**
 * The request of one statement: the parser's limits, the pinned resource limits and settings, `wait_end_of_query=1`
 * and the TSV format (see `clickhouseQuery`'s comments).
 */
export function statementRequest(
  endpoint: ClickHouseEndpoint,
  sql: string,
  timeoutMs: number,
  settings: Readonly<Record<string, string>> = {},
): StatementRequest {
  const url = new URL(endpoint.base);
  url.searchParams.set('database', endpoint.database);
  url.searchParams.set('max_execution_time', String(Math.max(1, Math.ceil(timeoutMs / 1000))));
  // The parser's limits follow the statement (public: its text), so that no size limit fails a compiled statement
  // after the charge (the defaults — 256 KiB of text, 50 000 AST elements, depth 1000 — are below what the totality
  // rewrite of a long query reaches). The compiler bounds each expression (MAX_COMPILED_EXPRESSION).
  const size = new TextEncoder().encode(sql).length;
  url.searchParams.set('max_query_size', String(size + 4096));
  url.searchParams.set('max_ast_elements', String(Math.max(50_000, size)));
  url.searchParams.set('max_expanded_ast_elements', String(Math.max(500_000, size * 4)));
  url.searchParams.set('max_ast_depth', String(Math.max(1000, Math.ceil(size / 4))));
  // The resource limits, pinned by tsdp over the reader profile's (resource-limits.ts, rule 3); the whole answer is
  // buffered by the server before the status is sent, so a limit hit while output streams is a failed status, never
  // an exception's text appended to a 200 body (which could parse as one more row).
  url.searchParams.set('wait_end_of_query', '1');
  const limits = endpoint.limits;
  if (limits) {
    url.searchParams.set('max_memory_usage', String(limits.maxMemoryBytes));
    url.searchParams.set('max_bytes_before_external_group_by', String(limits.spillBytes));
    url.searchParams.set('max_bytes_before_external_sort', String(limits.spillBytes));
  }
  for (const [name, value] of Object.entries({ ...PINNED_SETTINGS, ...settings })) url.searchParams.set(name, value);
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (endpoint.user) headers['X-ClickHouse-User'] = endpoint.user;
  if (endpoint.password) headers['X-ClickHouse-Key'] = endpoint.password;
  const error = () => engineError('clickhouse', clickhouseLimitNames(limits, timeoutMs));
  return { url, headers, text: `${sql}\nFORMAT TabSeparatedWithNamesAndTypes`, error };
}

/**
 * One POST on a fresh connection (`agent: false`): a kept-alive socket that the server closes while idle
 * (ClickHouse's keep_alive_timeout, 3 s by default) would fail the next request on it — an error that depends
 * on timing, after the charge. @throws DpError ENGINE_ERROR
 */
function post(
  url: URL,
  headers: Record<string, string>,
  text: string,
  timeoutMs: number,
  error: () => DpError<'ENGINE_ERROR'>,
): Promise<Uint8Array> {
  const payload = Buffer.from(text, 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: 'POST', agent: false, headers: { ...headers, 'Content-Length': String(payload.length) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => reject(error()));
        res.on('end', () => (res.statusCode === 200 ? resolve(new Uint8Array(Buffer.concat(chunks))) : reject(error())));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => reject(error()));
    req.end(payload);
  });
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Splits `bytes` at every `sep` byte. */
export function splitBytes(bytes: Uint8Array, sep: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === sep) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  out.push(bytes.subarray(start));
  return out;
}

const ESCAPES: Record<number, number> = { 98: 0x08, 102: 0x0c, 114: 0x0d, 110: 0x0a, 116: 0x09, 48: 0x00, 39: 0x27, 92: 0x5c };

/** A TSV field's bytes with ClickHouse's escapes undone; null for `\N`. */
export function unescapeField(field: Uint8Array): Uint8Array | null {
  if (field.length === 2 && field[0] === 0x5c && field[1] === 0x4e) return null;
  if (!field.includes(0x5c)) return field;
  const out = new Uint8Array(field.length);
  let n = 0;
  for (let i = 0; i < field.length; i++) {
    const b = field[i] as number;
    if (b === 0x5c && i + 1 < field.length) {
      const next = field[i + 1] as number;
      out[n++] = ESCAPES[next] ?? next;
      i++;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

function textOf(bytes: Uint8Array): string | InvalidText {
  try {
    return strict.decode(bytes);
  } catch {
    return INVALID_TEXT;
  }
}

/** The base type of `Nullable(T)` / `LowCardinality(T)`. */
export function baseType(type: string): string {
  const m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(type);
  return m ? baseType(m[1] as string) : type;
}

/** One field by its ClickHouse type. @throws DpError INTERNAL for a type compiled statements never return. */
export function readField(bytes: Uint8Array | null, type: string): EngineValue | InvalidText {
  if (bytes === null) return null;
  const t = baseType(type);
  if (t === 'String' || t.startsWith('FixedString')) return textOf(bytes);
  const text = new TextDecoder().decode(bytes);
  if (/^U?Int(8|16|32|64)$/.test(t)) {
    if (!/^-?\d{1,20}$/.test(text))
      throw new DpError('INTERNAL', 'ClickHouse returned an integer field that does not read (the value is withheld)');
    return BigInt(text);
  }
  if (t === 'Float64' || t === 'Float32') {
    if (text === 'nan' || text === '-nan') return Number.NaN;
    if (text === 'inf' || text === '+inf') return Number.POSITIVE_INFINITY;
    if (text === '-inf') return Number.NEGATIVE_INFINITY;
    const v = Number(text);
    if (text === '' || Number.isNaN(v))
      throw new DpError('INTERNAL', 'ClickHouse returned a float field that does not read (the value is withheld)');
    return v;
  }
  throw new DpError('INTERNAL', 'ClickHouse returned a column type that compiled statements never return');
}

/**
 * Parses a `TabSeparatedWithNamesAndTypes` body.
 * @param body - the response body.
 * @param error - the engine error (default: without limits).
 * @throws DpError ENGINE_ERROR when it is not one.
 */
export function parseTsv(body: Uint8Array, error: () => DpError<'ENGINE_ERROR'> = () => engineError('clickhouse')): ClickHouseResult {
  const lines = splitBytes(body, 0x0a);
  if (lines.length > 0 && lines[lines.length - 1]?.length === 0) lines.pop();
  const [nameLine, typeLine, ...rest] = lines;
  if (!nameLine || !typeLine) throw error();
  const decode = (line: Uint8Array) => splitBytes(line, 0x09).map((f) => new TextDecoder().decode(unescapeField(f) ?? new Uint8Array()));
  const names = decode(nameLine);
  const types = decode(typeLine);
  if (names.length !== types.length) throw error();
  const rows = rest.map((line) => {
    const fields = splitBytes(line, 0x09);
    if (fields.length !== names.length) throw error();
    return fields.map((f, i) => readField(unescapeField(f), types[i] as string));
  });
  return { names, types, rows };
}
