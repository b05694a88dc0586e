/**
 * The one error class of tsdp and its code table. It lives in `src/numeric/errors.ts`, the ground
 * floor, so that every folder (random and numeric included) throws it without an import against
 * DESIGN.md's order; this module re-exports it for the many callers that name `core/errors`.
 * @module
 */
export * from '../numeric/errors.js';
