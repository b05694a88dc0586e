/**
 * The one input shape of a budget: what a caller WRITES to say how much a
 * release may spend — `{ epsilon, delta? }` (pure ε, or (ε, δ) where the
 * mechanism uses δ) or `{ rho }` (ρ-zCDP). It is not a loss type: it is read
 * once, at the edge, into core's types, and no code behind the edge keeps it:
 *
 * - `ExactLoss` (`exact-loss.ts`) — the one type for a privacy loss that is
 *   spent and left: what a `PrivacyBudget`, a ledger, a query plan
 *   (`QueryBudgetPlan`, DP SQL's `BudgetSplit`: plans whose amounts are
 *   `ExactLoss`/`Rational` values) and a measurement's exact map hold;
 * - `PrivacyLoss` (`loss.ts`) — the guarantee a release states (its
 *   measurement's privacy map), with branded amounts where validated;
 * - `PrivacyBudget` (`budget.ts`) — an immutable filter over `ExactLoss`
 *   spends (a budget object, not a shape).
 *
 * Rule (issue 10, "budgets appear in five shapes"): an amount a caller writes
 * enters as this shape or as plain numbers of a public entry point, and is
 * validated once (`Epsilon`, `Delta`, `Rho` in `params.ts`, or `readAmount`);
 * everything behind the edge takes brands or `ExactLoss`. `LedgerAmount` (an
 * alias of a cap) is gone; a ledger's cap is an `ApproximateCap`.
 * @module
 */

/**
 * A budget as a caller writes it: pure ε (optionally with the δ a mechanism may use), or ρ-zCDP.
 * @example
 * const a: OutputBudget = { epsilon: 0.5 };
 * const b: OutputBudget = { rho: 0.125 };
 */
export type OutputBudget = { readonly epsilon: number; readonly delta?: number } | { readonly rho: number };
