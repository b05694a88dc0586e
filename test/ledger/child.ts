/**
 * A child process for the ledger tests.
 *   hammer <file|postgres> <home-or-url> <dataset> <fraction>   charge until exhausted; print the number of successes
 *   query-then-hang <home>                                       run a DP query whose engine hangs after the charge; print QUERYING
 *   charge-until-error <home>                                    charge 1/1000 until a charge throws; print OK per charge, then ERR <code>
 *   crash-at <home> <step>                                       charge 1/4 once, SIGKILLing itself at <step>; print DONE if it never got there
 */
import { writeSync } from 'node:fs';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { BudgetLedger } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const [mode, where, dataset, fraction] = process.argv.slice(2);

if (mode === 'hammer') {
  const ledger: BudgetLedger =
    process.argv[3] === 'postgres' ? new PostgresLedger(process.argv[4] as string) : new FileLedger({ home: process.argv[4] });
  const ds = process.argv[5] as string;
  const cost = { epsilon: Rational.parse(process.argv[6] as string), delta: Rational.ZERO, rho: Rational.ZERO };
  let ok = 0;
  for (;;) {
    try {
      await ledger.charge({ dataset: ds, cap: { epsilon: Rational.ONE, delta: Rational.ZERO } }, cost, `child ${process.pid}`);
      ok++;
    } catch (e) {
      if (e instanceof DpError && e.code === 'BUDGET_EXHAUSTED') break;
      throw e;
    }
  }
  await ledger.close();
  process.stdout.write(`${ok}\n`);
} else if (mode === 'query-then-hang') {
  const schema = parseSqlSchema({
    dataset: 'killed',
    budget: { epsilon: 5 },
    tables: { t: { columns: { x: { type: 'integer', lower: 0, upper: 1 } } } },
  });
  const engine: SqlEngine = {
    dialect: duckdbDialect,
    query(_s: CompiledStatement): Promise<EngineRow[]> {
      process.stdout.write('QUERYING\n');
      return new Promise(() => {}); // hangs "mid-query" until killed
    },
    close: async () => {},
    catalog: async () => new Map([['t', new Map([['x', 'bigint']])]]),
  };
  await runDpSql({ sql: 'SELECT COUNT(*) FROM t', schema, engine, ledger: new FileLedger({ home: where }), epsilon: '1/3' });
} else if (mode === 'charge-until-error') {
  const ledger = new FileLedger({ home: where });
  const cost = { epsilon: Rational.of(1n, 1000n), delta: Rational.ZERO, rho: Rational.ZERO };
  const scope = { dataset: 'limited', cap: { epsilon: Rational.of(1000n), delta: Rational.ZERO } };
  for (;;) {
    try {
      await ledger.charge(scope, cost, 'SELECT COUNT(*) FROM t WHERE x > 1');
      writeSync(1, 'OK\n'); // synchronous: an answer is "released" only once this line is out
    } catch (e) {
      writeSync(1, `ERR ${e instanceof DpError ? e.code : 'other'} ${e instanceof DpError ? String(e.details.state ?? '') : String(e)}\n`);
      break;
    }
  }
} else if (mode === 'crash-at') {
  const step = process.argv[4] as string;
  const die = (s: string) => {
    if (s === step) process.kill(process.pid, 'SIGKILL');
  };
  let first = true;
  const ledger = new FileLedger({
    home: where,
    onStep: die,
    // For the 'journal:partial' step: the first write is short (half the record), as under a file-size limit.
    write: (fd, buf, off, len) => {
      const n = first && step === 'journal:partial' ? Math.max(1, len >> 1) : len;
      first = false;
      return writeSync(fd, buf, off, n);
    },
  });
  await ledger.charge(
    { dataset: 'crash', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } },
    { epsilon: Rational.of(1n, 4n), delta: Rational.ZERO, rho: Rational.ZERO },
    'q',
  );
  writeSync(1, 'DONE\n');
} else {
  void dataset;
  void fraction;
  throw new Error(`unknown mode ${mode}`);
}
