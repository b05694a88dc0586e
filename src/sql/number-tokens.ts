/**
 * The fast parser's view of a text's number literals, for callers outside `src/sql` (the server's shape cache,
 * src/server/shape-plans.ts): which texts the fast path parses, and the number tokens it reads in them.
 * @module
 */
export { fastNumberTokens, fastParseSelect, type NumberToken } from './_internal/fast-parse.js';
