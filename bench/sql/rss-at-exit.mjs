/**
 * Preloaded into each measured process of bench/sql/files.ts
 * (`node --import ./bench/sql/rss-at-exit.mjs …`): at exit, appends the
 * process's peak resident set size in KiB to the file named by
 * `TSDP_BENCH_RSS_OUT`.
 */
import { appendFileSync } from 'node:fs';

const out = process.env.TSDP_BENCH_RSS_OUT;
if (out) process.on('exit', () => appendFileSync(out, `${process.resourceUsage().maxRSS}\n`));
