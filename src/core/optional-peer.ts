/**
 * A lazy loader of an optional peer dependency (`pg` for PostgreSQL, `fastify` for the query server): imported once,
 * on first use, so an application that never uses the feature needs no such package installed.
 *
 * Rules: (1) the caller passes the `import('<name>')` itself, as a literal in its own file, so a bundler sees the
 * dynamic import where the feature lives (`tsdp/sql`, `tsdp/server`) and nowhere else; (2) a module's default export
 * is the value when it has one (CommonJS packages seen through ESM), else the namespace; (3) a failed import is the
 * one typed error, DpError NOT_FOUND with `details.kind` 'dependency' and `details.name` the package, and is not
 * remembered: a later call imports again (the package may have been installed since).
 * @module
 */
import { DpError } from './errors.js';

/**
 * The loader of one optional peer dependency.
 * @param name - the package name (named in the error).
 * @param load - `() => import('<name>')`, written literally by the caller (rule 1).
 * @param needs - what needs it, for the message (e.g. 'PostgreSQL support').
 * @param install - the install command the message names (e.g. 'npm install pg').
 * @returns a function that resolves to the module's default export (or namespace), imported once.
 * @throws (the returned function) DpError NOT_FOUND (`details.kind` 'dependency', `details.name` = `name`) when it cannot be imported.
 * @privacy Touches no data.
 * @example
 * export const loadPg = optionalPeer<typeof pg>('pg', () => import('pg'), 'PostgreSQL support', 'npm install pg');
 */
export function optionalPeer<T>(name: string, load: () => Promise<unknown>, needs: string, install: string): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().then(
      (module) => (module as { default?: T }).default ?? (module as T),
      () => {
        loading = undefined; // rule 3: a later call may succeed once the package is installed
        throw new DpError('NOT_FOUND', `${needs} needs the optional peer dependency \`${name}\`: run \`${install}\``, {
          kind: 'dependency',
          name,
        });
      },
    );
    return loading;
  };
}
