/**
 * One ClickHouse statement's `TabSeparatedWithNamesAndTypes` answer read line by line from the HTTP body, handed on
 * in chunks of a public number of rows — the per-server reader a streamed quantile histogram needs (not yet used by
 * DP SQL on ClickHouse: the dialect keeps the 4,096 grid; why: `quantile-sparse.proof.md`, "ClickHouse").
 *
 * Rule (class 11, "rows held in Node after the charge grow with the data"): Node holds at most one chunk of
 * `chunkRows` rows (public) being filled, the bytes of one unfinished line (one row: its keys' text, as `query`
 * holds), and what the socket buffers while the response is paused — the body is paused whenever a full chunk is
 * handed on and resumed only once `onChunk` has settled, so the server's send waits on the consumer (TCP flow
 * control), never Node's memory.
 * Rule (no error after rows): the request keeps `wait_end_of_query=1` (`statementRequest`): the server finishes the
 * statement (spilling its buffered answer to its temporary files past `buffer_size`) before it sends the status, so a
 * limit, a deadline or any server error is a failed status before the first row — never an exception's text after
 * rows of a 200 body. What can still end a 200 body early is the connection (a dropped socket, the client deadline):
 * a body that does not end complete on a line end is the one engine error, like every other failure.
 * Any failure — connection, status, deadline, a line of another shape, the consumer's — is the one ENGINE_ERROR.
 * Test: test/clickhouse/http-stream.test.ts.
 * @module
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { DpError } from '../../core/errors.js';
import type { EngineValue } from '../engine.js';
import {
  type ClickHouseEndpoint,
  type InvalidText,
  readField,
  type StatementRequest,
  splitBytes,
  statementRequest,
  unescapeField,
} from './clickhouse-http.js';

/** One chunk of a streamed answer: the column names and types (the header lines) and up to `chunkRows` rows. */
export interface ClickHouseChunk {
  readonly names: readonly string[];
  readonly types: readonly string[];
  readonly rows: readonly (readonly (EngineValue | InvalidText)[])[];
}

/** The largest chunk handed on (public): 2¹⁶ rows, as the other engines' readers. */
const MAX_CHUNK_ROWS = 1 << 16;

/**
 * Runs one statement on one server and hands its rows to `onChunk` in chunks of exactly `chunkRows` (the last
 * shorter; none for no rows), the next read only once `onChunk` has settled (module rules).
 * @param endpoint - the server.
 * @param sql - the statement (literals inlined; one statement).
 * @param timeoutMs - the deadline: `max_execution_time` on the server and a client deadline over the whole read.
 * @param chunkRows - rows per chunk, in [1, 2¹⁶].
 * @param onChunk - the consumer.
 * @throws DpError ENGINE_ERROR on any failure (the reason withheld).
 */
export async function clickhouseQueryChunks(
  endpoint: ClickHouseEndpoint,
  sql: string,
  timeoutMs: number,
  chunkRows: number,
  onChunk: (chunk: ClickHouseChunk) => void | Promise<void>,
): Promise<void> {
  const r = statementRequest(endpoint, sql, timeoutMs);
  if (!(Number.isSafeInteger(chunkRows) && chunkRows >= 1 && chunkRows <= MAX_CHUNK_ROWS)) throw r.error();
  await streamBody(r, timeoutMs + 5_000, new TsvLines(chunkRows, onChunk, r.error));
}

/** The TSV answer's lines, parsed as they complete and handed on in chunks. */
class TsvLines {
  private names: string[] | undefined;
  private types: string[] | undefined;
  private rows: (EngineValue | InvalidText)[][] = [];
  private pending: Uint8Array[] = [];

  constructor(
    private readonly chunkRows: number,
    private readonly onChunk: (chunk: ClickHouseChunk) => void | Promise<void>,
    private readonly error: () => DpError<'ENGINE_ERROR'>,
  ) {}

  /**
   * Takes the next bytes of the body; returns the consumer's promise when a chunk filled (the caller pauses the body
   * until it settles), else undefined. Lines are cut at LF (TSV escapes a field's LF as `\n`, so a raw LF ends a row).
   * The rows after a full chunk in the same piece wait in `rest` until the consumer has settled.
   */
  feed(piece: Uint8Array): Promise<void> | undefined {
    const lines = splitBytes(piece, 0x0a);
    const last = lines.pop() as Uint8Array; // the unfinished line (empty when the piece ended on LF)
    let waiting: Promise<void> | undefined;
    for (const line of lines) {
      this.pending.push(line);
      const whole = this.joined();
      this.pending = [];
      waiting = waiting ? waiting.then(() => this.line(whole)) : this.line(whole);
    }
    if (last.length > 0) this.pending.push(last);
    return waiting;
  }

  /** The body ended: it must end on a line end, after the two header lines; the last rows are handed on. */
  async end(): Promise<void> {
    if (this.pending.length > 0 || !this.names || !this.types) throw this.error();
    if (this.rows.length > 0) await this.flush();
  }

  private joined(): Uint8Array {
    if (this.pending.length === 1) return this.pending[0] as Uint8Array;
    const n = this.pending.reduce((a, b) => a + b.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.pending) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private line(line: Uint8Array): Promise<void> | undefined {
    const decode = () => splitBytes(line, 0x09).map((f) => new TextDecoder().decode(unescapeField(f) ?? new Uint8Array()));
    if (!this.names) {
      this.names = decode();
      return undefined;
    }
    if (!this.types) {
      this.types = decode();
      if (this.types.length !== this.names.length) throw this.error();
      return undefined;
    }
    const types = this.types;
    const fields = splitBytes(line, 0x09);
    if (fields.length !== types.length) throw this.error();
    this.rows.push(fields.map((f, i) => readField(unescapeField(f), types[i] as string)));
    return this.rows.length === this.chunkRows ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    const rows = this.rows;
    this.rows = [];
    await this.onChunk({ names: this.names as string[], types: this.types as string[], rows });
  }
}

/**
 * One POST on a fresh connection (`agent: false`, as `clickhouseQuery`), its body fed to `lines` and paused while a
 * chunk is consumed; resolves once the body ended complete with status 200 and the last chunk was consumed.
 * @throws DpError ENGINE_ERROR
 */
function streamBody(r: StatementRequest, timeoutMs: number, lines: TsvLines): Promise<void> {
  const payload = Buffer.from(r.text, 'utf8');
  const send = r.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = () => {
      if (failed) return;
      failed = true;
      req.destroy();
      reject(r.error());
    };
    // The client deadline covers the whole read (the consumer's time included), as `max_execution_time` the server's.
    const deadline = setTimeout(fail, timeoutMs);
    const done = (f: () => void) => {
      clearTimeout(deadline);
      f();
    };
    const req = send(
      r.url,
      { method: 'POST', agent: false, headers: { ...r.headers, 'Content-Length': String(payload.length) }, timeout: timeoutMs },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          done(fail);
          return;
        }
        let queue: Promise<void> = Promise.resolve();
        res.on('data', (piece: Buffer) => {
          if (failed) return;
          let waiting: Promise<void> | undefined;
          try {
            waiting = lines.feed(new Uint8Array(piece.buffer, piece.byteOffset, piece.length));
          } catch {
            done(fail);
            return;
          }
          if (!waiting) return;
          res.pause();
          queue = waiting.then(
            () => {
              if (!failed) res.resume();
            },
            () => done(fail),
          );
        });
        res.on('error', () => done(fail));
        res.on('end', () => {
          void queue.then(async () => {
            if (failed) return;
            if (!res.complete) return done(fail);
            try {
              await lines.end();
            } catch {
              return done(fail);
            }
            done(resolve);
          });
        });
      },
    );
    req.on('timeout', () => done(fail));
    req.on('error', () => done(fail));
    req.end(payload);
  });
}
