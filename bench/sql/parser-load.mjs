/**
 * CPU time (user + system, this process) to import a built `load-parser.js` and load the SQL parser once
 * (bench/sql/README.md, "the parser as one minified file"). Compare with and without `dist/vendor/`
 * (move it aside for the second) and take the minimum of several interleaved runs on a shared machine:
 *
 *   npm run build && node bench/sql/parser-load.mjs
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const start = process.cpuUsage();
const { sqlParser } = await import(pathToFileURL(resolve(import.meta.dirname, '../../dist/sql/load-parser.js')).href);
sqlParser();
const used = process.cpuUsage(start);
console.log(`${((used.user + used.system) / 1000).toFixed(0)} ms`);
