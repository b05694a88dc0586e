/**
 * Preloaded into each measured process of bench/sql/files.ts
 * (`node --import ./bench/sql/rss-at-exit.mjs …`): at exit, appends one line
 * to the file named by `TSDP_BENCH_RSS_OUT`: the process's peak resident set
 * size in KiB and its CPU time (user + system, all threads) in µs.
 */
import { appendFileSync } from 'node:fs';

const out = process.env.TSDP_BENCH_RSS_OUT;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    appendFileSync(out, `${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}\n`);
  });
}
