/**
 * How the CLI reports a failure: once, with its code, and with the code
 * table's exit status (`DP_ERRORS`).
 *
 * - text: `tsdp: CODE: message` on stderr (the code appears once);
 * - `--json`: `{"error": {"code", "message", "details"}}` as one line on stdout, where a
 *   script reading the command's JSON finds a result or an error (as `npm --json` does);
 * - a commander usage error (unknown option, missing argument) is
 *   `INVALID_PARAMETER` (exit 2); help and version exit 0;
 * - anything else is a bug: `INTERNAL` (exit 70). Its own message is not
 *   printed (it could carry a value from the data, e.g. from a driver); set
 *   `TSDP_DEBUG=1` to see the stack.
 * @module
 */
import { DP_ERRORS, isDpError } from '../core/errors.js';

/** The JSON form of a CLI error. */
export interface CliErrorJson {
  readonly error: { readonly code: string; readonly message: string; readonly details: Readonly<Record<string, unknown>> };
}

function commanderCode(e: unknown): string | undefined {
  if (!e || typeof e !== 'object' || !('code' in e)) return undefined;
  const code = (e as { code: unknown }).code;
  return typeof code === 'string' && code.startsWith('commander.') ? code : undefined;
}

/** The JSON error for `e` and its exit code (undefined JSON for help/version, which are not errors). */
export function describeError(e: unknown, usage = ''): { json: CliErrorJson | undefined; exitCode: number; text: string | undefined } {
  if (isDpError(e)) {
    const prefix = `${e.code}: `;
    const message = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    return {
      json: { error: { code: e.code, message, details: { ...e.details } } },
      exitCode: e.exitCode,
      text: `tsdp: ${e.code}: ${message}\n`,
    };
  }
  const cc = commanderCode(e);
  if (cc !== undefined) {
    if (cc === 'commander.helpDisplayed' || cc === 'commander.version' || cc === 'commander.help') {
      return { json: undefined, exitCode: 0, text: undefined };
    }
    const firstLine = (usage || (e instanceof Error ? e.message : '')).split('\n')[0] ?? '';
    const message = firstLine.replace(/^error:\s*/, '');
    const parameter = /'(--?[\w-]+)/.exec(message)?.[1]?.replace(/^-+/, '') ?? 'arguments';
    return {
      json: { error: { code: 'INVALID_PARAMETER', message, details: { parameter, usage: cc.replace(/^commander\./, '') } } },
      exitCode: DP_ERRORS.INVALID_PARAMETER.exit,
      // commander already printed its message (and the help) in text mode
      text: undefined,
    };
  }
  const kind = e instanceof Error ? e.name : typeof e;
  return {
    json: { error: { code: 'INTERNAL', message: `internal error (${kind}); this is a bug in tsdp`, details: {} } },
    exitCode: DP_ERRORS.INTERNAL.exit,
    text: `tsdp: INTERNAL: internal error (${kind}); this is a bug in tsdp${process.env.TSDP_DEBUG ? '' : ' (set TSDP_DEBUG=1 for the stack)'}\n`,
  };
}

/**
 * Prints `e` (text on stderr, JSON on stdout) and returns the exit code.
 * @param e - what the command threw.
 * @param options - `json`: print JSON; `usage`: commander's captured error text.
 * @returns the exit code from the code table.
 */
export function reportError(e: unknown, options: { json: boolean; usage?: string }): number {
  const d = describeError(e, options.usage);
  if (options.json && d.json) process.stdout.write(`${JSON.stringify(d.json)}\n`);
  else if (d.text) process.stderr.write(d.text);
  if (process.env.TSDP_DEBUG && !isDpError(e) && e instanceof Error && commanderCode(e) === undefined) {
    process.stderr.write(`${e.stack ?? ''}\n`);
  }
  return d.exitCode;
}
