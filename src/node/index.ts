/**
 * `tsdp/node` — the Node-only helpers of the browser-safe core: reading data
 * from the file system (CSV streamed in one pass). Nothing here may be
 * reached from `tsdp`, `tsdp/local` or `tsdp/local/client`; the browser-bundle
 * test (test/package/browser-bundle.test.ts) fails on any Node built-in
 * reachable from those entries.
 * @module tsdp/node
 */
export { type CsvSourceOptions, csvSource } from '../stats/csv-source.js';
