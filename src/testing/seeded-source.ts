/**
 * Re-export of the ChaCha20 seeded source, which lives in `src/random/seeded-source.ts` so that
 * production code (the audit) can use it without importing `tsdp/testing`.
 * @module
 */
export { chacha20Block, type Seed, SeededRandomSource } from '../random/seeded-source.js';
