/**
 * The server benchmarks' set-up (issue 15): Adult copied from its CSV into a DuckDB database file (declared types),
 * and a server configuration serving it read-only with padding off and limits out of the way (`overhead-phases.ts`,
 * `main-thread-phases.ts`).
 * @module
 */
import { join, resolve } from 'node:path';
import { parseServerConfig, type ServerConfig } from '../../src/server/config.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { loadSqlSchema } from '../../src/sql/schema.js';

const root = resolve(import.meta.dirname, '../..');
const schemaPath = join(root, 'examples/adult.schema.json');

/**
 * Writes `<work>/adult.duckdb` and returns the configuration serving it (state in `<work>/state`).
 * @param work - an empty folder.
 * @returns the parsed configuration.
 */
export async function adultDbConfig(work: string): Promise<ServerConfig> {
  const dbFile = join(work, 'adult.duckdb');
  const table = loadSqlSchema(schemaPath).tables.get('adult');
  if (!table) throw new Error('no adult table');
  const columnTypes = { adult: Object.fromEntries([...table.columns].map(([c, col]) => [c, col.type])) };
  const e = await DuckDbEngine.open({ files: { adult: join(root, 'examples/adult.csv') }, columnTypes, allowExternalAccess: true });
  await e.connection.run(`ATTACH '${dbFile.replace(/'/g, "''")}' AS out`);
  await e.connection.run('CREATE TABLE out.adult AS SELECT * FROM adult');
  await e.connection.run('DETACH out');
  await e.close();
  return parseServerConfig(
    {
      server: { stateDir: join(work, 'state'), padLatencyMs: 0, rateLimit: { perSecond: 1e6, burst: 1e6 }, maxConcurrentPerAnalyst: 1024 },
      datasets: {
        adult: {
          schema: schemaPath,
          db: `duckdb:${dbFile}`,
          cap: { epsilon: 1e6, delta: 1e-6 },
          analysts: { bench: { epsilon: 1e6, delta: 1e-6 } },
        },
      },
    },
    root,
  );
}
