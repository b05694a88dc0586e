/**
 * tsdp — differential privacy for TypeScript.
 *
 * This entry point holds the browser-safe core: randomness and exact
 * samplers, the privacy calculus, mechanisms, accounting, statistics and
 * sessions. Heavier parts live in subpaths: `tsdp/sql`, `tsdp/local`, `tsdp/node` (CSV files),
 * `tsdp/audit`, `tsdp/testing`.
 * @module tsdp
 */

export * from './accounting/index.js';
export * from './core/index.js';
export * from './mechanisms/index.js';
export * from './numeric/index.js';
export * from './random/index.js';
export * from './session/index.js';
export * from './stats/index.js';
