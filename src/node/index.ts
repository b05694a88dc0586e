/**
 * `tsdp/node`: the Node-only parts of tsdp (they import Node built-ins such as
 * `node:fs`), kept out of the browser-safe root entry so that
 * `import { makeLaplace } from 'tsdp'` bundles for the browser.
 *
 * - `csvSource(path)`: a CSV file streamed as a `StreamSource`, for
 *   `Session.fromSource(csvSource('data.csv'), options)`.
 * @module
 */
export { type CsvSourceOptions, csvSource } from '../stats/csv-source.js';
