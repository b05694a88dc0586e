/**
 * A real local ClickHouse cluster for the tests (scripts/clickhouse.sh), and
 * loaders that put the SQL suites' data on it.
 *
 * - `TSDP_TEST_CLICKHOUSE_URL` set (CI sets it, from `scripts/clickhouse.sh start`
 *   with 3 shards): that cluster is used; tables go to a database of the test file.
 * - Otherwise, outside CI: when `clickhouse-server` is installed, one private
 *   3-shard cluster (`/tmp/tsdp-ch-test`, HTTP ports 18126–18128) is shared by the
 *   test files (each in its own database): each file registers itself beside the
 *   cluster directory, and the last one to stop stops the cluster (the port range
 *   has room for one cluster beside `scripts/clickhouse.sh`'s default). When it
 *   is not installed the tests skip (the caller uses `describe.skipIf(!available)`).
 * - Under CI without the variable: an error (never a silent skip).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { doubleLiteral, intLiteral, textLiteral } from '../../src/sql/dialects/clickhouse-literals.js';
import { makeVisits } from '../sql/data.js';

const script = resolve(import.meta.dirname, '../../scripts/clickhouse.sh');
const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** True when a ClickHouse cluster can be had (CI always: a missing one is an error there). */
export const clickhouseAvailable: boolean =
  Boolean(process.env.TSDP_TEST_CLICKHOUSE_URL) ||
  inCi ||
  ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server', '/usr/bin/clickhouse'].some(existsSync);

/** A running cluster: the tsdp URL, the HTTP base of each shard, and how to stop it (null when not ours). */
export interface TestCluster {
  readonly url: string;
  readonly shards: readonly string[];
  readonly stop: (() => void) | null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The cluster for one test file (shared with the other files; see the header).
 * @param dir - the private cluster directory (outside CI).
 * @param port - its first HTTP port (shards use port…port+2, TCP port+10…).
 */
export function testCluster(dir = '/tmp/tsdp-ch-test', port = 18126): TestCluster {
  const fromEnv = process.env.TSDP_TEST_CLICKHOUSE_URL;
  const env = { ...process.env, TSDP_CH_DIR: dir, TSDP_CH_PORT: String(port), TSDP_CH_SHARDS: '3' };
  let url: string;
  let stop: (() => void) | null = null;
  if (fromEnv) url = fromEnv;
  else {
    if (inCi)
      throw new Error('CI is set but TSDP_TEST_CLICKHOUSE_URL is not: start the cluster with scripts/clickhouse.sh and export the URL');
    const users = `${dir}.users`;
    mkdirSync(users, { recursive: true });
    const me = join(users, `${process.pid}-${randomUUID()}`);
    writeFileSync(me, '');
    url = execFileSync('bash', [script, 'start'], { env, encoding: 'utf8' }).trim().split('\n').pop() as string;
    stop = () => {
      rmSync(me, { force: true });
      const others = readdirSync(users).filter((f) => alive(Number(f.split('-')[0])));
      if (others.length === 0) execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
    };
  }
  const u = new URL(url.replace(/^clickhouse:/, 'http:'));
  const first = Number(u.port);
  const shards = [0, 1, 2].map((i) => `http://${u.hostname}:${first + i}`);
  return { url, shards, stop };
}

/** Runs a statement as the admin user on one server. @throws Error with the server's message (tests only). */
export async function adminExec(base: string, sql: string, settings: Record<string, string> = {}): Promise<string> {
  const u = new URL(base);
  for (const [k, v] of Object.entries(settings)) u.searchParams.set(k, v);
  // A fresh connection per statement: a kept-alive socket the server closed while idle would fail the next one.
  const { status, text } = await new Promise<{ status: number; text: string }>((done, fail) => {
    const req = httpRequest(u, { method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(sql);
  });
  if (status !== 200) throw new Error(`ClickHouse: ${text.slice(0, 400)}`);
  return text;
}

/** Creates `database` with `tables` (name → column DDL) on every shard, each with a Distributed `<name>_all` sharded by `key(name)`. */
export async function createSharded(
  shards: readonly string[],
  database: string,
  tables: Readonly<Record<string, string>>,
  key: (table: string) => string | null,
): Promise<void> {
  await Promise.all(
    shards.map(async (s) => {
      await adminExec(s, `DROP DATABASE IF EXISTS ${database}`);
      await adminExec(s, `CREATE DATABASE ${database}`);
      for (const [t, cols] of Object.entries(tables)) {
        await adminExec(s, `CREATE TABLE ${database}.${t} (${cols}) ENGINE = MergeTree ORDER BY tuple()`);
        const k = key(t);
        if (k)
          await adminExec(s, `CREATE TABLE ${database}.${t}_all AS ${database}.${t} ENGINE = Distributed(tsdp, ${database}, ${t}, ${k})`);
      }
    }),
  );
}

/** A JS value as a ClickHouse literal for the loaders (NULL, integers, doubles bit-exact, text). */
export function lit(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'bigint') return intLiteral(v);
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 53 ? intLiteral(v) : doubleLiteral(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return textLiteral(String(v));
}

/** Inserts rows through the Distributed table (synchronously: each row lands on the shard of its unit). */
export async function insertRows(initiator: string, table: string, rows: readonly (readonly unknown[])[]): Promise<void> {
  for (let k = 0; k < rows.length; k += 500) {
    const values = rows
      .slice(k, k + 500)
      .map((r) => `(${r.map(lit).join(', ')})`)
      .join(', ');
    await adminExec(initiator, `INSERT INTO ${table} VALUES ${values}`, { insert_distributed_sync: '1' });
  }
}

/** The schema entry (raw) of the `visits` table as loaded by `loadVisits`, with `maxPartitions` P and C = 3. */
export function visitsTable(maxPartitions: number) {
  return {
    privacyUnit: 'person_id',
    maxPartitions,
    maxContributionsPerPartition: 3,
    columns: {
      person_id: { type: 'integer' },
      region: { type: 'string', categories: ['north', 'south', 'east'] },
      city: { type: 'string' },
      amount: { type: 'float', lower: 0, upper: 100 },
      minutes: { type: 'integer', lower: 0, upper: 60 },
      day: { type: 'integer', lower: 1, upper: 31 },
    },
  } as const;
}

/** The visits of test/sql/data.ts, sharded by person over the cluster, in `database`. */
export async function loadVisits(cluster: TestCluster, database: string): Promise<void> {
  await createSharded(
    cluster.shards,
    database,
    {
      visits: 'person_id Int64, region String, city Nullable(String), amount Nullable(Float64), minutes Int64, day Int64',
      unsharded: 'person_id Int64, region String',
      nodistributed: 'person_id Int64',
      randarg: 'person_id Int64',
      twice: 'person_id Int64',
    },
    (t) =>
      t === 'visits' || t === 'twice' ? 'cityHash64(person_id)' : t === 'unsharded' ? 'rand()' : t === 'randarg' ? 'rand(person_id)' : null,
  );
  // review S10: a second Distributed table over `twice` that shards at random (rows inserted through it spread a unit).
  await Promise.all(
    cluster.shards.map((s) =>
      adminExec(s, `CREATE TABLE ${database}.twice_rand AS ${database}.twice ENGINE = Distributed(tsdp, ${database}, twice, rand())`),
    ),
  );
  const { visits } = makeVisits();
  await insertRows(
    cluster.shards[0] as string,
    `${database}.visits_all`,
    visits.map((v) => [v.person_id, v.region, v.city, v.amount, v.minutes, v.day]),
  );
}

const temporaryDirs: string[] = [];

/**
 * A fresh directory under the system temp folder (a ledger home, a server's state) that
 * `removeTemporaryDirs` deletes: every test file calls it in its `afterAll`, so no run leaves them behind.
 * @param prefix - the directory name's prefix (e.g. `tsdp-ch-test-`).
 * @returns its path.
 */
export function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

/** Deletes every directory `temporaryDir` made in this test file. */
export function removeTemporaryDirs(): void {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
