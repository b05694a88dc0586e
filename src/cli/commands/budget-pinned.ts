/**
 * `tsdp budget` against the budgets a data set was pinned to (reviewml, issue 11 "a visible budget").
 *
 * The ledger pins a data set's cap (and each analyst's budget) at its first spend and refuses a status or charge
 * naming another (DOMAIN_MISMATCH: losses under different caps do not compose into either guarantee). So when the
 * schema's budget is not the pinned one — `tsdp schema init --dp-bounds` pinned the draft's ε, then the owner
 * confirmed another — every query is refused, and `tsdp budget --schema`, which charges nothing, was refused with
 * them: it hid the spend and the history exactly when the owner needed them.
 *
 * The rule: `tsdp budget` always shows what was spent, what is left and the history. What is left is computed
 * under the **pinned** budgets (the ones the ledger enforces), and each schema budget that differs from its pin
 * is named in a warning. Nothing is charged or re-pinned; the queries stay refused until the schema names the
 * pinned budget (or the data set is renamed).
 * @module
 */
import type { ApproximateCap } from '../../core/exact-loss.js';
import type { BudgetLedger } from '../../ledger/ledger.js';
import { formatAmountText } from '../../sql/format-result.js';
import type { SqlSchema } from '../../sql/schema.js';

/** The schema with its budgets replaced by the pinned ones, and what differed. */
export interface PinnedView {
  /** The schema whose budget (and analysts' budgets) are the pinned ones where a pin exists. */
  readonly schema: SqlSchema;
  /** The data set's pinned cap, when it has one. */
  readonly pinned: ApproximateCap | undefined;
  /** One line per schema budget that is not its pin. */
  readonly warnings: readonly string[];
}

const sameCap = (a: ApproximateCap, b: ApproximateCap) => a.epsilon.equals(b.epsilon) && a.delta.equals(b.delta);

/**
 * Reads the data set's pins (both built-in ledgers store them) and puts them in place of the schema's budgets.
 * @param ledger - the ledger.
 * @param dataset - the data set.
 * @param schema - its schema.
 * @returns the schema to read the balance with, the pinned cap and the warnings.
 */
export async function withPinnedBudgets(ledger: BudgetLedger, dataset: string, schema: SqlSchema): Promise<PinnedView> {
  const pins = typeof ledger.pins === 'function' ? await ledger.pins(dataset) : [];
  const warnings: string[] = [];
  const own = pins.find((p) => p.analyst === null)?.cap;
  let budget = schema.budget;
  if (own && !sameCap(own, schema.budget)) {
    warnings.push(
      `the schema's budget (${formatAmountText(schema.budget)}) is not the budget data set "${dataset}" was pinned to at its first spend (${formatAmountText(own)}): what is left is shown under the pinned budget, and every query naming the schema's is refused until the schema says ${formatAmountText(own)} (or names a new data set)`,
    );
    budget = own;
  }
  const analysts = new Map(schema.analysts);
  for (const p of pins) {
    if (p.analyst === null) continue;
    const declared = analysts.get(p.analyst);
    if (declared && !sameCap(declared, p.cap)) {
      warnings.push(
        `the schema's budget of analyst ${p.analyst} (${formatAmountText(declared)}) is not the pinned one (${formatAmountText(p.cap)}): shown under the pinned budget; that analyst's queries are refused until the schema says ${formatAmountText(p.cap)}`,
      );
      analysts.set(p.analyst, p.cap);
    }
  }
  return { schema: warnings.length === 0 ? schema : { ...schema, budget, analysts }, pinned: own, warnings };
}
