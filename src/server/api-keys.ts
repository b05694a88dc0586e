/**
 * API keys of the query server: 256-bit random tokens, shown once at creation
 * and stored only as HMAC-SHA-256 under the server secret (SECURITY.md §14).
 *
 * A token reads `tsdp_<id>_<secret>`: `id` is 64 random bits in hex, public
 * (it names the key in the audit log and for revocation); `secret` is 256
 * random bits (base64url). The store keeps `HMAC-SHA-256(serverSecret, token)`
 * per id. A check parses the token, finds its id, recomputes the HMAC and
 * compares the two digests with `timingSafeEqual`: microseconds per request —
 * never scrypt or argon2 on the request path, which would hand an attacker a
 * denial of service — and no oracle on how much of a guessed token matched.
 * The HMAC key is the server secret, so a stolen key file does not let anyone
 * test guesses offline without it, and 256-bit tokens need no slow hash.
 *
 * Every failure — no header, malformed, unknown id, wrong secret, revoked —
 * is the one `UNAUTHORIZED` with the same message. The key file is re-read when
 * it changes (mtime, size), so `tsdp serve keys revoke` takes effect on a
 * running server at its next request; it is written atomically (temporary file
 * and rename) with mode 0600.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DpError } from '../core/errors.js';
import { edgeString } from '../numeric/edge.js';

/** The `format` tag of a key file. */
export const KEY_FILE_FORMAT = 'tsdp-server-keys';

/** One stored key (never the token). */
export interface StoredKey {
  /** The public key id (16 hex digits). */
  readonly id: string;
  readonly analyst: string;
  /** HMAC-SHA-256(server secret, token), hex. */
  readonly hmac: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** The key that replaced this one (`rotate`). */
  readonly replacedBy?: string;
}

/** The identity a valid token proves. */
export interface Caller {
  readonly keyId: string;
  readonly analyst: string;
}

const TOKEN = /^tsdp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const UNAUTHORIZED_MESSAGE =
  'a valid API key is required (Authorization: Bearer tsdp_…); the key is missing, malformed, unknown or revoked';

function unauthorized(): DpError<'UNAUTHORIZED'> {
  return new DpError('UNAUTHORIZED', UNAUTHORIZED_MESSAGE, {});
}

/**
 * Reads the server secret (32+ random bytes as hex), from `TSDP_SERVER_SECRET` or `<stateDir>/server.secret`; creates
 * the file (mode 0600) when missing and `create` is true.
 * @param stateDir - the server's state folder.
 * @param create - make a new secret when none exists.
 * @returns the secret's bytes.
 * @throws DpError INVALID_PARAMETER when the secret is shorter than 32 bytes or not hex; NOT_FOUND when missing and not created.
 */
export function readServerSecret(stateDir: string, create = true): Buffer {
  edgeString(stateDir, 'stateDir'); // S22 edge line
  const fromEnv = process.env.TSDP_SERVER_SECRET;
  const file = join(stateDir, 'server.secret');
  let hex: string;
  if (fromEnv !== undefined && fromEnv !== '') hex = fromEnv.trim();
  else if (existsSync(file)) hex = readFileSync(file, 'utf8').trim();
  else if (create) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    hex = randomBytes(32).toString('hex');
    writeFileSync(file, `${hex}\n`, { mode: 0o600, flag: 'wx' });
  } else
    throw new DpError('NOT_FOUND', `no server secret: ${file} (create a key first: tsdp serve keys create)`, { kind: 'server secret' });
  if (!/^([0-9a-f]{2}){32,}$/i.test(hex)) {
    throw new DpError('INVALID_PARAMETER', 'the server secret must be at least 32 bytes written as hex (64 hex digits)', {
      parameter: 'TSDP_SERVER_SECRET',
    });
  }
  return Buffer.from(hex, 'hex');
}

/** The key store: the file of HMACs, re-read when it changes. */
export class ApiKeyStore {
  private keys = new Map<string, StoredKey>();
  private stamp = '';

  /**
   * @param file - the key file (`<stateDir>/keys.json`).
   * @param secret - the server secret (HMAC key).
   */
  constructor(
    readonly file: string,
    private readonly secret: Buffer,
  ) {
    this.reload();
  }

  private digest(token: string): Buffer {
    return createHmac('sha256', this.secret).update(token, 'utf8').digest();
  }

  /** Re-reads the file when its mtime or size changed. @throws DpError INVALID_SCHEMA on a corrupt file. */
  reload(): void {
    let stamp = 'absent';
    try {
      const s = statSync(this.file);
      stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      // Absent: no keys.
    }
    if (stamp === this.stamp) return;
    const next = new Map<string, StoredKey>();
    if (stamp !== 'absent') {
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(this.file, 'utf8'));
      } catch {
        throw new DpError('INVALID_SCHEMA', `${this.file}: expected a JSON key file`, { path: this.file, expected: 'JSON' });
      }
      const d = doc as { format?: unknown; keys?: unknown };
      if (d?.format !== KEY_FILE_FORMAT || !Array.isArray(d.keys)) {
        throw new DpError('INVALID_SCHEMA', `${this.file}: expected a ${KEY_FILE_FORMAT} file`, {
          path: this.file,
          expected: KEY_FILE_FORMAT,
        });
      }
      for (const k of d.keys as StoredKey[]) {
        if (typeof k?.id === 'string' && typeof k.analyst === 'string' && typeof k.hmac === 'string' && /^[0-9a-f]{64}$/.test(k.hmac)) {
          next.set(k.id, Object.freeze({ ...k }));
        }
      }
    }
    this.keys = next;
    this.stamp = stamp;
  }

  /** Every stored key (no token; for `keys list`). */
  list(): readonly StoredKey[] {
    this.reload();
    return [...this.keys.values()];
  }

  /**
   * Checks an `Authorization` header value.
   * @param header - `Bearer tsdp_…` (or undefined).
   * @returns the caller.
   * @throws DpError UNAUTHORIZED (one message for every failure).
   */
  authenticate(header: string | undefined): Caller {
    this.reload();
    const m = typeof header === 'string' ? /^Bearer ([^\s]{1,200})$/.exec(header.trim()) : null;
    const token = m?.[1] ?? '';
    const parts = TOKEN.exec(token);
    // The digest is computed whatever the input, so a malformed header costs what a wrong key costs.
    const presented = this.digest(token);
    const stored = parts ? this.keys.get(parts[1] as string) : undefined;
    const expected = stored ? Buffer.from(stored.hmac, 'hex') : Buffer.alloc(32);
    const same = timingSafeEqual(presented, expected);
    if (!parts || !stored || !same || stored.revokedAt !== undefined) throw unauthorized();
    return { keyId: stored.id, analyst: stored.analyst };
  }

  private write(keys: readonly StoredKey[]): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ format: KEY_FILE_FORMAT, version: 1, keys }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
    this.stamp = '';
    this.reload();
  }

  /**
   * Creates a key for an analyst; the token is returned once and never stored.
   * @param analyst - the analyst's name (as in the configuration's budgets).
   * @returns the token (show it once) and its public id.
   * @throws DpError INVALID_PARAMETER on a bad name.
   */
  create(analyst: string): { token: string; id: string } {
    if (typeof analyst !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(analyst)) {
      throw new DpError('INVALID_PARAMETER', 'an analyst name is letters, digits, _ . - (1–100 characters)', { parameter: 'analyst' });
    }
    this.reload();
    const { token, key } = this.mint(analyst, new Date().toISOString());
    this.write([...this.keys.values(), key]);
    return { token, id: key.id };
  }

  /**
   * Rotates a key: a new key for the same analyst and the old key's revocation, in one write of the key file (a
   * running server sees both at its next request; there is no instant at which both or neither work). Budgets are
   * the analyst's, not the key's, so the new key continues the same spend.
   * @param id - the id of the key to replace (a live key).
   * @returns the new token (show it once), its id, and the analyst.
   * @throws DpError NOT_FOUND when no such key exists; INVALID_PARAMETER when it is already revoked (create a new one).
   */
  rotate(id: string): { token: string; id: string; analyst: string } {
    this.reload();
    const old = typeof id === 'string' ? this.keys.get(id) : undefined;
    if (!old)
      throw new DpError('NOT_FOUND', `no API key with id ${typeof id === 'string' && /^[0-9a-f]{16}$/.test(id) ? id : '(malformed)'}`, {
        kind: 'API key',
      });
    if (old.revokedAt !== undefined) {
      throw new DpError('INVALID_PARAMETER', `key ${old.id} is revoked: create a new key instead (tsdp serve keys create)`, {
        parameter: 'id',
      });
    }
    const now = new Date().toISOString();
    const next = this.mint(old.analyst, now);
    this.write([
      ...[...this.keys.values()].map((x) => (x.id === old.id ? { ...x, revokedAt: now, replacedBy: next.key.id } : x)),
      next.key,
    ]);
    return { token: next.token, id: next.key.id, analyst: old.analyst };
  }

  private mint(analyst: string, createdAt: string): { token: string; key: StoredKey } {
    const id = randomBytes(8).toString('hex');
    const token = `tsdp_${id}_${randomBytes(32).toString('base64url')}`;
    return { token, key: { id, analyst, hmac: this.digest(token).toString('hex'), createdAt } };
  }

  /**
   * Revokes a key by id (kept in the file, marked revoked).
   * @param id - the key id.
   * @throws DpError NOT_FOUND when no such key exists.
   */
  revoke(id: string): void {
    this.reload();
    const k = typeof id === 'string' ? this.keys.get(id) : undefined;
    if (!k) throw new DpError('NOT_FOUND', `no API key with id ${/^[0-9a-f]{16}$/.test(id) ? id : '(malformed)'}`, { kind: 'API key' });
    if (k.revokedAt !== undefined) return;
    this.write([...this.keys.values()].map((x) => (x.id === id ? { ...x, revokedAt: new Date().toISOString() } : x)));
  }
}
