/**
 * The progress line of long queries: on a terminal, after `delayMs` (2 s), the
 * CLI rewrites one stderr line — `running… 42% · 12 s` with DuckDB's own
 * estimate of how far the statement is, `running… 12 s` where the engine gives
 * none — and erases it when the query ends. Quiet when stderr is not a
 * terminal (pipes, files, CI) and with `--json`, so that scripted output is
 * never interleaved with it.
 *
 * Privacy: DuckDB's percentage is rows scanned over rows to scan, i.e. the
 * size of the declared files, which the operator running the CLI already
 * knows; it is shown on the operator's own terminal and never in the output.
 * @module
 */

/** Where and how the progress line is shown. */
export interface ProgressOptions {
  /** The stream written to (default `process.stderr`). */
  readonly stream?: { readonly isTTY?: boolean; write(text: string): unknown };
  /** False turns it off (e.g. with --json). */
  readonly enabled: boolean;
  /** The running statement's progress in percent, or null when unknown. */
  readonly percent?: () => number | null;
  /** Nothing is shown before this many ms (default 2000). */
  readonly delayMs?: number;
  /** How often the line is refreshed, in ms (default 500). */
  readonly intervalMs?: number;
}

/**
 * Starts the progress line.
 * @param options - stream, whether enabled, the progress source.
 * @returns a function that stops it and erases the line (if one was shown).
 * @example
 * const done = startProgress({ enabled: format !== 'json', percent: () => engine.progress() });
 * try { await run(); } finally { done(); }
 */
export function startProgress(options: ProgressOptions): () => void {
  const stream = options.stream ?? process.stderr;
  if (!options.enabled || stream.isTTY !== true) return () => undefined;
  const delay = options.delayMs ?? 2000;
  const start = Date.now();
  let shown = false;
  const timer = setInterval(() => {
    const ms = Date.now() - start;
    if (ms < delay) return;
    const p = options.percent?.() ?? null;
    const pct = p === null ? '' : `${Math.min(99, Math.floor(p))}% · `;
    shown = true;
    stream.write(`\r\x1b[Krunning… ${pct}${Math.round(ms / 1000)} s`);
  }, options.intervalMs ?? 500);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (shown) stream.write('\r\x1b[K');
  };
}
