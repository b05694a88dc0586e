/**
 * `tsdp demo`: loads the Adult data set (examples/adult.csv) into DuckDB and
 * runs a few DP queries, printing each answer next to its guarantee and the
 * budget left. It charges a throw-away ledger in a fresh temporary state
 * directory (unless `--home` names one), so repeated demos never spend the
 * user's own budget under `TSDP_HOME`.
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DpError } from '../../core/errors.js';
import { FileLedger } from '../../ledger/file-ledger.js';
import { formatDpSqlResult } from '../../sql/format-result.js';
import { openDataSource } from '../../sql/open-data.js';
import { runDpSql } from '../../sql/run-dp-sql.js';
import { loadSqlSchema } from '../../sql/schema.js';
import type { RegisterCommand } from './register.js';

/** The demo's queries: text, ε (or ρ), δ and what it shows. */
const QUERIES: readonly { sql: string; epsilon?: string; rho?: string; delta?: string; note: string }[] = [
  {
    note: 'counts and mean age per education level (declared keys, 95% intervals)',
    sql: 'SELECT education, COUNT(*) AS n, AVG(age) AS mean_age FROM adult GROUP BY education ORDER BY n DESC LIMIT 8',
    epsilon: '1',
  },
  {
    note: 'median and spread of weekly hours by sex, people over 30 only',
    sql: 'SELECT sex, COUNT(*) AS n, MEDIAN(hours_per_week) AS median_hours, STDDEV(hours_per_week) AS sd_hours FROM adult WHERE age > 30 GROUP BY sex',
    epsilon: '1',
  },
  {
    note: 'share of high earners by race, computed with CASE inside the aggregate',
    sql: "SELECT race, AVG(CASE WHEN income = '>50K' THEN 1 ELSE 0 END) AS high_income_share FROM adult GROUP BY race",
    epsilon: '1/2',
  },
  {
    note: 'median weekly hours per decade of age: GROUP BY an expression (its keys follow from the bounds of age), quantile intervals',
    sql: 'SELECT FLOOR(age / 10) * 10 AS decade, COUNT(*) AS n, MEDIAN(hours_per_week) AS median_hours FROM adult GROUP BY decade ORDER BY decade',
    epsilon: '1',
  },
  {
    note: 'percentage of high earners by sex with discrete Gaussian noise (ρ-zCDP, charged as (ε, δ)); arithmetic over aggregates',
    sql: "SELECT sex, 100 * SUM(CASE WHEN income = '>50K' THEN 1 ELSE 0 END) / COUNT(*) AS pct_high_income FROM adult GROUP BY sex",
    rho: '0.05',
    delta: '1e-7',
  },
  {
    note: 'the refused query: raw private columns never leave the database',
    sql: 'SELECT * FROM adult',
    epsilon: '1',
  },
];

function examplesDirectory(): string {
  // src/cli/commands/demo.ts and dist/cli/commands/demo.js are both three levels below the package root.
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../../examples'), resolve(process.cwd(), 'examples')];
  const found = candidates.find((d) => existsSync(join(d, 'adult.csv')) && existsSync(join(d, 'adult.schema.json')));
  if (!found)
    throw new DpError('NOT_FOUND', 'examples/adult.csv and examples/adult.schema.json were not found', {
      kind: 'file',
      name: 'examples/adult.csv',
    });
  return found;
}

/** Registers `tsdp demo`. */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('demo')
    .description('load the Adult data set into DuckDB and run a few DP queries (charges a temporary demo ledger)')
    .option('--home <dir>', 'state directory for the demo ledger (default: a fresh temporary directory, removed afterwards)')
    .action(async (flags: { home?: string }) => {
      const dir = examplesDirectory();
      const schema = loadSqlSchema(join(dir, 'adult.schema.json'));
      const home = flags.home ?? mkdtempSync(join(tmpdir(), 'tsdp-demo-'));
      const ledger = new FileLedger({ home });
      // Opened like `tsdp sql --data`: the CSV is read with the schema's column types, never types inferred from values.
      const { engine } = await openDataSource({ data: [`adult=${join(dir, 'adult.csv')}`], home }, schema);
      const out = process.stdout;
      try {
        out.write(
          `tsdp demo: UCI Adult (${join(dir, 'adult.csv')}), each row one person; data set budget ε=${schema.budget.epsilon.toString()}, δ=${schema.budget.delta.toString()}\n` +
            `ledger: ${ledger.directory}${flags.home ? '' : ' (temporary: your own budget under TSDP_HOME is not touched)'}\n`,
        );
        for (const [i, q] of QUERIES.entries()) {
          const budget = q.rho ? `ρ=${q.rho}, δ=${q.delta}` : `ε=${q.epsilon}${q.delta ? `, δ=${q.delta}` : ''}`;
          out.write(`\n[${i + 1}] ${q.note}\n    ${q.sql}\n    ${budget}\n\n`);
          try {
            const result = await runDpSql({ sql: q.sql, schema, engine, ledger, epsilon: q.epsilon, rho: q.rho, delta: q.delta });
            out.write(formatDpSqlResult(result));
          } catch (e) {
            if (e instanceof DpError) out.write(`refused (nothing spent): ${e.message}\n`);
            else throw e;
          }
        }
      } finally {
        await engine.close();
        if (!flags.home) rmSync(home, { recursive: true, force: true });
      }
    });
};
