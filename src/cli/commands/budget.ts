/**
 * `tsdp budget`: what a data set has spent, what is left and the history, read
 * from the file ledger or the PostgreSQL ledger (never charged).
 *
 * ```
 * tsdp budget                                                  # every data set of the ledger, what each spent
 * tsdp budget --schema examples/adult.schema.json              # spent, left, history
 * tsdp budget --dataset adult --analyst alice --json
 * tsdp budget --db postgres://me@db/hr --schema hr.schema.yaml   # the PostgreSQL ledger
 * ```
 *
 * What is left is computed under the budgets the ledger pinned at the data set's first spend; a schema naming
 * another budget gets a warning, never a refusal (budget-pinned.ts).
 * @module
 */
import type { Command } from 'commander';
import type { RegisterCommand } from './register.js';

interface BudgetFlags {
  schema?: string;
  dataset?: string;
  analyst?: string;
  db?: string;
  ledger?: string;
  json?: boolean;
}

async function runBudget(flags: BudgetFlags): Promise<void> {
  const { DpError } = await import('../../core/errors.js');
  const { openLedger } = await import('../ledger-choice.js');
  const { readBudget, amountJson } = await import('../budget-view.js');
  const { formatAmountText, formatTable } = await import('../../sql/format-result.js');
  const schema = flags.schema === undefined ? undefined : (await import('../../sql/schema.js')).loadSqlSchema(flags.schema);
  if (schema && flags.dataset !== undefined && flags.dataset !== schema.dataset) {
    throw new DpError('INVALID_PARAMETER', `--dataset ${flags.dataset} is not the schema's data set (${schema.dataset})`, {
      parameter: 'dataset',
    });
  }
  const dataset = flags.dataset ?? schema?.dataset;
  const { ledger, description } = await openLedger({ ledger: flags.ledger, db: flags.db });
  try {
    if (dataset === undefined) {
      // No data set named: every data set of the ledger, with what it spent (its budget is in its schema).
      const lister = ledger as { datasets?: () => Promise<string[]> };
      if (typeof lister.datasets !== 'function') {
        throw new DpError('INVALID_PARAMETER', 'name the data set: --dataset D, or --schema file (its budget gives what is left)', {
          parameter: 'dataset',
        });
      }
      const names = (await lister.datasets()).sort();
      const views = await Promise.all(
        names.map(async (d) => ({ dataset: d, view: await readBudget(ledger, d, undefined, flags.analyst) })),
      );
      if (flags.json) {
        const list = views.map(({ dataset: d, view }) => ({ dataset: d, spent: amountJson(view.spent), spends: view.history.length }));
        process.stdout.write(`${JSON.stringify({ ledger: description, datasets: list })}\n`);
        return;
      }
      const lines = [`ledger: ${description}`];
      if (views.length === 0) lines.push('no data set has spent anything in this ledger');
      else {
        lines.push(
          '',
          ...formatTable(
            ['data set', 'spent', 'spends'],
            views.map(({ dataset: d, view }) => [d, formatAmountText(view.spent), String(view.history.length)]),
          ),
          '',
          'what is left and the history: tsdp budget --schema <file> (or --dataset <name>)',
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      return;
    }
    // The balance under the budgets the ledger pinned (budget-pinned.ts): shown even when the schema names others.
    const pinned = schema ? await (await import('./budget-pinned.js')).withPinnedBudgets(ledger, dataset, schema) : undefined;
    const warnings = pinned?.warnings ?? [];
    const view = await readBudget(ledger, dataset, pinned?.schema, flags.analyst);
    if (flags.json) {
      const opt = (a: Parameters<typeof amountJson>[0] | undefined) => (a ? amountJson(a) : null);
      process.stdout.write(
        `${JSON.stringify({
          ledger: description,
          dataset,
          budget: opt(view.budget),
          pinned: opt(pinned?.pinned),
          warnings,
          spent: amountJson(view.spent),
          remaining: opt(view.remaining),
          analysts: view.analysts.map((a) => ({
            analyst: a.analyst,
            spent: amountJson(a.spent),
            budget: opt(a.budget),
            remaining: opt(a.remaining),
          })),
          history: view.history.map((e) => ({ at: e.at, analyst: e.analyst, ...amountJson(e), memo: e.memo })),
        })}\n`,
      );
      return;
    }
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const lines = [`ledger: ${description}`, `data set: ${dataset}`];
    if (view.budget && view.remaining) {
      const pin = pinned?.pinned ? ' (pinned at the first spend)' : '';
      lines.push(
        `budget: ${formatAmountText(view.budget)}${pin}   spent: ${formatAmountText(view.spent)}   left: ${formatAmountText(view.remaining)}`,
      );
    } else {
      lines.push(`spent: ${formatAmountText(view.spent)}   left: unknown (give --schema: the budget is in the schema)`);
    }
    if (view.analysts.length > 0) {
      lines.push('', 'by analyst:');
      lines.push(
        ...formatTable(
          ['analyst', 'spent', 'budget', 'left'],
          view.analysts.map((a) => [
            a.analyst,
            formatAmountText(a.spent),
            a.budget ? formatAmountText(a.budget) : '(data set budget)',
            a.remaining ? formatAmountText(a.remaining) : '-',
          ]),
        ),
      );
    }
    lines.push('', `history (${view.history.length} spend${view.history.length === 1 ? '' : 's'}, oldest first):`);
    if (view.history.length > 0) {
      const memo = (m: string) => (m.length > 80 ? `${m.slice(0, 77)}...` : m).replace(/\s+/g, ' ');
      lines.push(
        ...formatTable(
          ['at', 'analyst', 'spent', 'what'],
          view.history.map((e) => [e.at, e.analyst, formatAmountText(e), memo(e.memo)]),
        ),
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await ledger.close();
  }
}

/** Registers `tsdp budget`. */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('budget')
    .description('show what a data set has spent, what is left and the history (from the file or PostgreSQL ledger); charges nothing')
    .option('--schema <file>', "the data set's schema: its name and budget (for what is left)")
    .option('--dataset <name>', "the data set (default: the schema's; neither: list every data set of the ledger)")
    .option('--analyst <name>', 'show this analyst only')
    .option('--db <url>', 'postgres://…: read the PostgreSQL ledger there')
    .option('--ledger <kind>', 'file (default; under $TSDP_HOME) or postgres (with --db)')
    .option('--json', 'print JSON: {ledger, dataset, budget, pinned, warnings, spent, remaining, analysts, history}')
    .action(runBudget);
};
