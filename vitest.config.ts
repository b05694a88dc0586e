import { defineConfig } from 'vitest/config';
import { groupFiles } from './test/run-groups.js';

// Three groups, run one after the other (the rule and its reasons: test/run-groups.ts): files that touch nothing shared
// run on two workers; files that use PostgreSQL only inside one database run on two workers, each with its own
// database (test/worker-database.ts); then files that share ClickHouse, PostgreSQL roles or settings, the package
// build, Chromium or the clock run on one.
const servers = groupFiles(import.meta.dirname, 'servers');
const serial = groupFiles(import.meta.dirname, 'serial');
const include = ['src/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    // Above the engines' default statement deadline (60 s), so a stuck engine call fails as ENGINE_ERROR inside
    // the test (with its stack) before vitest's bare timeout would.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'parallel', include, exclude: [...servers, ...serial], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'servers',
          include: servers,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          globalSetup: ['test/global-setup-postgres.ts'],
          // Points TSDP_TEST_POSTGRES_URL at the worker's own database before each file loads.
          setupFiles: ['test/worker-database.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'serial',
          include: serial,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
          // A private PostgreSQL cluster, started on first use and stopped at the end, when TSDP_TEST_POSTGRES_URL is unset.
          globalSetup: ['test/global-setup-postgres.ts'],
          typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'] },
        },
      },
    ],
  },
});
