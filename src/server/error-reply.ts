/**
 * How any error becomes an HTTP reply: a DpError leaves with its code table's
 * status and its own (public) message and details; Fastify's request errors
 * (invalid JSON, a body over the limit, a wrong content type, a schema
 * violation) become MALFORMED_REQUEST with a message written here from the
 * schema's rule — never the parser's text, which may quote the body; anything
 * else is INTERNAL with a fixed message (a database message or a data value in
 * an unexpected exception never reaches the client).
 * @module
 */
import { DP_ERRORS, DpError, isDpError } from '../core/errors.js';

/** A reply for an error. */
export interface ErrorReply {
  readonly status: number;
  readonly code: string;
  readonly body: { error: { code: string; message: string; details: unknown } };
  /** Seconds, for RATE_LIMITED. */
  readonly retryAfter?: number;
}

function reply(e: DpError): ErrorReply {
  const json = e.toJSON();
  // The message without its "CODE: " prefix (the code is its own field).
  const message = json.message.startsWith(`${e.code}: `) ? json.message.slice(e.code.length + 2) : json.message;
  const retry = isDpError(e, 'RATE_LIMITED') ? e.details.retryAfterSeconds : undefined;
  return {
    status: DP_ERRORS[e.code].http,
    code: e.code,
    body: { error: { code: e.code, message, details: json.details } },
    ...(retry !== undefined ? { retryAfter: retry } : {}),
  };
}

/** Fastify's validation entry (ajv): where and which rule. */
interface ValidationEntry {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly params?: Record<string, unknown>;
}

function validationMessage(context: string, v: ValidationEntry): { field: string; expected: string } {
  const field = `${context}${v.instancePath ?? ''}`;
  const p = v.params ?? {};
  const expected = (() => {
    switch (v.keyword) {
      case 'required':
        return `a field "${String(p.missingProperty)}"`;
      case 'additionalProperties':
        return 'only the documented fields (GET /openapi.json)';
      case 'type':
        return `a value of type ${String(p.type)}`;
      case 'enum':
        return `one of ${(p.allowedValues as unknown[] | undefined)?.map(String).join(', ') ?? 'the documented values'}`;
      case 'maxLength':
      case 'minLength':
        return `a string of ${v.keyword === 'maxLength' ? 'at most' : 'at least'} ${String(p.limit)} characters`;
      case 'pattern':
        return 'a value of the documented form (GET /openapi.json)';
      case 'anyOf':
        return 'a number or an exact fraction as text';
      default:
        return 'a value the schema allows (GET /openapi.json)';
    }
  })();
  return { field, expected };
}

/**
 * The reply for an error thrown anywhere in a route.
 * @param error - what was thrown.
 * @param bodyLimit - the body limit in bytes (for its message).
 * @returns status, body and code.
 */
export function toErrorReply(error: unknown, bodyLimit: number): ErrorReply {
  // Total (S22): an error handler must never throw; a value whose getters throw is one more INTERNAL.
  try {
    return classify(error, bodyLimit);
  } catch {
    return reply(new DpError('INTERNAL', 'internal error (the reason is withheld; see the server log)', {}));
  }
}

function classify(error: unknown, bodyLimit: number): ErrorReply {
  if (isDpError(error)) return reply(error);
  const e = error as { code?: string; statusCode?: number; validation?: ValidationEntry[]; validationContext?: string };
  if (Array.isArray(e?.validation)) {
    const { field, expected } = validationMessage(e.validationContext ?? 'body', e.validation[0] ?? {});
    return reply(new DpError('MALFORMED_REQUEST', `${field}: expected ${expected}`, { field, expected }));
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return reply(new DpError('MALFORMED_REQUEST', 'the body is not valid JSON', { field: 'body', expected: 'JSON' }));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply(
        new DpError('MALFORMED_REQUEST', `the body is larger than ${bodyLimit} bytes`, { field: 'body', expected: `≤ ${bodyLimit} bytes` }),
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return reply(
        new DpError('MALFORMED_REQUEST', 'send the body as application/json', { field: 'content-type', expected: 'application/json' }),
      );
    default:
      break;
  }
  if (e instanceof SyntaxError || (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)) {
    return reply(new DpError('MALFORMED_REQUEST', 'the request could not be read', { field: 'request' }));
  }
  return reply(new DpError('INTERNAL', 'internal error (the reason is withheld; see the server log)', {}));
}
