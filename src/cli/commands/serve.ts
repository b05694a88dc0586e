/**
 * `tsdp serve`: the budget-enforcing query server (`tsdp/server`) and its API
 * keys.
 *
 * ```
 * tsdp serve --config examples/server/server.yaml                 # API + playground
 * tsdp serve --config examples/server/server.yaml --demo demo     # also prints a playground link with a fresh key
 * tsdp serve keys create --config server.yaml --analyst alice     # the key is shown once
 * tsdp serve keys list --config server.yaml
 * tsdp serve keys revoke --config server.yaml 3f1c0a9e2b7d4c51
 * tsdp serve keys rotate --config server.yaml 3f1c0a9e2b7d4c51   # a new key for the same analyst; the old one revoked
 * tsdp serve check --config server.yaml                           # validate, open everything, exit
 * ```
 * SIGINT/SIGTERM stop it gracefully: no new requests, requests in flight
 * finish, LDP states saved, engines and ledger closed.
 * @module
 */
import type { Command } from 'commander';
import type { RegisterCommand } from './register.js';

interface ServeFlags {
  config?: string;
  port?: string;
  host?: string;
  demo?: string;
  json?: boolean;
}

async function configOf(flags: { config?: string }) {
  const { DpError } = await import('../../core/errors.js');
  if (flags.config === undefined) {
    throw new DpError('INVALID_PARAMETER', 'name the configuration: --config server.yaml (examples/server/server.yaml)', {
      parameter: 'config',
    });
  }
  const { loadServerConfig } = await import('../../server/config.js');
  return loadServerConfig(flags.config);
}

async function keyStore(flags: { config?: string }) {
  const config = await configOf(flags);
  const { join } = await import('node:path');
  const { ApiKeyStore, readServerSecret } = await import('../../server/api-keys.js');
  return { config, store: new ApiKeyStore(join(config.server.stateDir, 'keys.json'), readServerSecret(config.server.stateDir)) };
}

function port(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : Number.NaN;
}

async function runServe(flags: ServeFlags): Promise<void> {
  const { DpError } = await import('../../core/errors.js');
  const config = await configOf(flags);
  const p = port(flags.port);
  if (Number.isNaN(p)) throw new DpError('INVALID_PARAMETER', '--port must be an integer in [0, 65535]', { parameter: 'port' });
  const { createQueryServer } = await import('../../server/app.js');
  const effective = flags.host === undefined ? config : { ...config, server: { ...config.server, host: flags.host } };
  const server = await createQueryServer(effective, { version: '0.1.0' });
  const url = await server.listen(p);
  const lines = [`tsdp serve: listening on ${url} (${server.datasets.size} data set(s); state ${config.server.stateDir})`];
  const open = [...server.datasets.values()].filter((d) => d.config.nonPrivateDemo).map((d) => d.name);
  if (open.length > 0) {
    process.stderr.write(
      `tsdp serve: WARNING: NOT PRIVATE (nonPrivateDemo, exact answers at /v1/demo/plain-queries): ${open.join(', ')}\n`,
    );
  }
  if (flags.demo !== undefined) {
    const { token } = server.keys.create(flags.demo);
    lines.push(`playground with a new key for analyst "${flags.demo}" (shown once): ${url}/#key=${token}`);
  }
  process.stdout.write(flags.json ? `${JSON.stringify({ url, datasets: [...server.datasets.keys()] })}\n` : `${lines.join('\n')}\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write('tsdp serve: shutting down (draining requests in flight)\n');
      void server.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Registers `tsdp serve` and its `keys` and `check` subcommands. */
export const register: RegisterCommand = (program: Command): void => {
  const serve = program
    .command('serve')
    .description('run the budget-enforcing query server (HTTP API + playground) from a YAML configuration')
    .option('--config <file>', 'the server configuration (YAML; see examples/server/server.yaml and docs/server.md)')
    .option('--port <n>', 'listen on this port instead of the configured one (0: any free port)')
    .option('--host <address>', 'listen on this address instead of the configured one')
    .option('--demo <analyst>', 'create a key for this analyst and print a playground link carrying it')
    .option('--json', 'print the address as JSON')
    .action(async (flags: ServeFlags) => {
      await runServe(flags);
    });
  // `serve` and its subcommands share --config and --json: commander hands them to whichever command declares them
  // first (serve), so `tsdp serve keys create --config f --json` would otherwise reach the subcommand without them.
  const withServe = <T extends { config?: string; json?: boolean }>(flags: T): T => {
    const parent = serve.opts<ServeFlags>();
    return { ...flags, config: flags.config ?? parent.config, json: flags.json ?? parent.json };
  };
  serve
    .command('check')
    .description('validate the configuration and open every data set, the ledger and the collectors, then exit')
    .option('--config <file>', 'the server configuration')
    .action(async (flags: { config?: string }) => {
      const config = await configOf(withServe(flags));
      const { createQueryServer } = await import('../../server/app.js');
      const server = await createQueryServer(config, { playgroundDir: null });
      await server.close();
      process.stdout.write(`configuration ok: ${[...config.datasets.keys()].join(', ')}\n`);
    });
  const keys = serve
    .command('keys')
    .description('create, list, revoke and rotate API keys (stored as HMAC-SHA-256 under the server secret)');
  keys
    .command('create')
    .description('create a 256-bit API key for an analyst; it is printed once and never stored')
    .option('--config <file>', 'the server configuration')
    .option('--analyst <name>', 'the analyst (as named in the data sets’ budgets)')
    .option('--json', 'print { id, analyst, key }')
    .action(async (flags: { config?: string; analyst?: string; json?: boolean }) => {
      const { DpError } = await import('../../core/errors.js');
      if (flags.analyst === undefined)
        throw new DpError('INVALID_PARAMETER', 'name the analyst: --analyst alice', { parameter: 'analyst' });
      const { config, store } = await keyStore(withServe(flags));
      const { token, id } = store.create(flags.analyst);
      const known = [...config.datasets.values()].some((d) => d.analysts.has(flags.analyst as string));
      const warn = known ? '' : `\nnote: no data set in the configuration gives "${flags.analyst}" a budget yet`;
      process.stdout.write(
        withServe(flags).json
          ? `${JSON.stringify({ id, analyst: flags.analyst, key: token })}\n`
          : `key ${id} for analyst ${flags.analyst} (shown once; store it now):\n${token}${warn}\n`,
      );
    });
  keys
    .command('list')
    .description('list key ids, analysts and revocations (never a key)')
    .option('--config <file>', 'the server configuration')
    .option('--json', 'print JSON')
    .action(async (flags: { config?: string; json?: boolean }) => {
      const { store } = await keyStore(withServe(flags));
      const list = store.list().map((k) => ({
        id: k.id,
        analyst: k.analyst,
        createdAt: k.createdAt,
        revokedAt: k.revokedAt ?? null,
        replacedBy: k.replacedBy ?? null,
      }));
      process.stdout.write(
        withServe(flags).json
          ? `${JSON.stringify(list)}\n`
          : `${list.map((k) => `${k.id}  ${k.analyst}  created ${k.createdAt}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ''}${k.replacedBy ? ` (replaced by ${k.replacedBy})` : ''}`).join('\n') || '(no keys)'}\n`,
      );
    });
  keys
    .command('revoke <id>')
    .description('revoke a key by id (a running server refuses it at its next request)')
    .option('--config <file>', 'the server configuration')
    .action(async (id: string, flags: { config?: string }) => {
      const { store } = await keyStore(withServe(flags));
      store.revoke(id);
      process.stdout.write(`key ${id} revoked\n`);
    });
  keys
    .command('rotate <id>')
    .description('replace a key: a new key for the same analyst (printed once) and the old one revoked, in one step')
    .option('--config <file>', 'the server configuration')
    .option('--json', 'print { id, analyst, key, replaced }')
    .action(async (id: string, flags: { config?: string; json?: boolean }) => {
      const { store } = await keyStore(withServe(flags));
      const next = store.rotate(id);
      process.stdout.write(
        withServe(flags).json
          ? `${JSON.stringify({ id: next.id, analyst: next.analyst, key: next.token, replaced: id })}\n`
          : `key ${id} revoked; new key ${next.id} for analyst ${next.analyst} (shown once; store it now):\n${next.token}\n`,
      );
    });
};
