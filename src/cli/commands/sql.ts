/**
 * `tsdp sql`: runs one DP SQL query over CSV/Parquet files, a DuckDB database
 * or PostgreSQL, and prints the noisy table with confidence intervals, the
 * guarantee spent and the budget left. Thin over `tsdp/sql`.
 *
 * ```
 * tsdp sql --data examples/adult.csv --schema examples/adult.schema.json --epsilon 1 \
 *   "SELECT education, COUNT(*) AS n, AVG(age) AS mean_age FROM adult GROUP BY education"
 * # discrete Gaussian noise: ρ-zCDP, charged to the (ε, δ) budget as its conversion at --delta
 * tsdp sql ... --rho 0.05 --delta 1e-7 "SELECT sex, MEDIAN(age) AS m FROM adult GROUP BY sex"
 * # or Gaussian noise within a stated (ε, δ)
 * tsdp sql ... --noise gaussian --epsilon 1 --delta 1e-7 "SELECT FLOOR(age / 10) * 10 AS decade, COUNT(*) FROM adult GROUP BY decade"
 * ```
 * @module
 */
import type { Command } from 'commander';
import { DpError } from '../../core/errors.js';
import { duckdbDialect } from '../../sql/dialects/duckdb.js';
import { postgresDialect } from '../../sql/dialects/postgres.js';
import { formatDpSqlResult } from '../../sql/format-result.js';
import { isPostgresUrl, openDataSource } from '../../sql/open-data.js';
import { explainDpSql, runDpSql, SQL_QUANTILE_INTERVAL_SHARE } from '../../sql/run-dp-sql.js';
import { loadSqlSchema } from '../../sql/schema.js';
import type { RegisterCommand } from './register.js';

interface SqlFlags {
  data?: string[];
  db?: string;
  schema?: string;
  epsilon?: string;
  delta?: string;
  rho?: string;
  noise?: string;
  analyst?: string;
  confidence?: string;
  ledger?: string;
  json?: boolean;
  explain?: boolean;
}

function amount(text: string | undefined, name: string): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^\d+\s*\/\s*\d+$/.test(t)) {
    throw new DpError('INVALID_PARAMETER', `--${name} must be a number or a fraction like 1/11, got ${JSON.stringify(text)}`, {
      parameter: name,
    });
  }
  return t;
}

/** Registers `tsdp sql`. */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('sql')
    .description('run a differentially private SQL query and print noisy results with confidence intervals')
    .argument('<query>', 'one SELECT statement (PostgreSQL syntax)')
    .requiredOption('--schema <file>', 'the privacy schema (JSON or YAML)')
    .option(
      '--data <file>',
      'a CSV or Parquet file loaded into DuckDB (path or table=path); repeat for several',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--db <spec>', 'duckdb:file.duckdb or postgres://user@host:port/db')
    .option('--epsilon <e>', 'ε for this query (number or fraction)')
    .option('--delta <d>', 'δ for this query (used by DP partition selection and by Gaussian noise)', '0')
    .option('--rho <r>', 'ρ (zCDP) for this query instead of --epsilon: discrete Gaussian noise, charged as (ε, δ) at --delta')
    .option('--noise <kind>', 'laplace (default) or gaussian (with --epsilon and --delta: the largest ρ that fits them)')
    .option('--analyst <name>', 'the analyst charged', 'default')
    .option('--confidence <c>', 'confidence level of the intervals', '0.95')
    .option('--ledger <kind>', 'file (under $TSDP_HOME, default ./.tsdp) or postgres (default with --db postgres://)')
    .option('--json', 'print JSON: {columns, rows, intervals, spent, remaining}')
    .option('--explain', 'print the rewritten SQL and the budget split; runs and spends nothing')
    .action(async (query: string, flags: SqlFlags) => {
      const schema = loadSqlSchema(flags.schema ?? '');
      const epsilon = amount(flags.epsilon, 'epsilon');
      const delta = amount(flags.delta, 'delta') ?? '0';
      const rho = amount(flags.rho, 'rho');
      if (flags.noise !== undefined && flags.noise !== 'laplace' && flags.noise !== 'gaussian') {
        throw new DpError('INVALID_PARAMETER', '--noise must be laplace or gaussian', { parameter: 'noise' });
      }
      const noise = flags.noise as 'laplace' | 'gaussian' | undefined;
      if (flags.explain) {
        const dialect = flags.db && isPostgresUrl(flags.db) ? postgresDialect : duckdbDialect;
        const ex = explainDpSql(query, schema, dialect, {
          ...(rho === undefined ? { epsilon: epsilon ?? '1' } : { rho, ...(epsilon === undefined ? {} : { epsilon }) }),
          delta,
          noise,
        });
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify(
              {
                sql: ex.compiled.main.sql,
                params: ex.compiled.main.params.map((p) => (typeof p.value === 'bigint' ? p.value.toString() : p.value)),
                histograms: ex.compiled.histograms.map((h) => h.sql),
                charge: { epsilon: ex.split.charge.epsilon.toString(), delta: ex.split.charge.delta.toString() },
                noise: ex.split.noise,
                rho: ex.split.rho === null ? null : ex.split.rho.toNumber(),
                split: Object.fromEntries(
                  ex.plan.outputs.flatMap((o, i) => (o.kind === 'aggregate' ? [[o.name, ex.split.outputs[i]?.toString()]] : [])),
                ),
                quantileIntervalShare: ex.plan.outputs.some((o) => o.kind === 'aggregate' && o.aggregate.kind === 'quantile')
                  ? SQL_QUANTILE_INTERVAL_SHARE
                  : null,
                selection: ex.split.selection
                  ? { epsilon: ex.split.selection.epsilon.toString(), delta: ex.split.selection.delta.toString() }
                  : null,
              },
              null,
              2,
            )}\n`,
          );
        } else {
          process.stdout.write(
            `${epsilon === undefined && rho === undefined ? '(no --epsilon given: split shown for ε=1)\n' : ''}${ex.text}\nnothing was run or spent\n`,
          );
        }
        return;
      }
      if (epsilon === undefined && rho === undefined)
        throw new DpError('INVALID_PARAMETER', '--epsilon (or --rho) is required (the budget this query spends)', { parameter: 'epsilon' });
      const confidence = Number(flags.confidence);
      if (flags.ledger !== undefined && flags.ledger !== 'file' && flags.ledger !== 'postgres') {
        throw new DpError('INVALID_PARAMETER', '--ledger must be file or postgres', { parameter: 'ledger' });
      }
      const { engine, ledger } = await openDataSource(
        { data: flags.data, db: flags.db, ledger: flags.ledger as 'file' | 'postgres' | undefined },
        schema,
      );
      try {
        const result = await runDpSql({
          sql: query,
          schema,
          engine,
          ledger,
          epsilon,
          delta,
          rho,
          noise,
          analyst: flags.analyst,
          confidence,
        });
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({
              columns: result.columns,
              rows: result.rows,
              intervals: result.intervals,
              spent: result.spent,
              remaining: result.remaining,
              confidence: result.confidence,
            })}\n`,
          );
        } else process.stdout.write(formatDpSqlResult(result));
      } finally {
        await engine.close();
        await ledger.close();
      }
    });
};
