/**
 * The OpenAPI 3.1 document of the query server, written from the same route
 * schemas Fastify validates with (`route-schemas.ts`), so the document and the
 * server cannot disagree.
 * @module
 */
import { ROUTES, type RouteSpec } from './route-schemas.js';

/** JSON Schema `{ properties }` as OpenAPI parameters. */
function parameters(where: 'query' | 'path', schema: object | undefined): object[] {
  const s = schema as { properties?: Record<string, object>; required?: readonly string[] } | undefined;
  return Object.entries(s?.properties ?? {}).map(([name, sch]) => ({
    name,
    in: where,
    required: where === 'path' || (s?.required ?? []).includes(name),
    schema: sch,
  }));
}

/**
 * The OpenAPI document.
 * @param version - the package version to state.
 * @returns an OpenAPI 3.1 object.
 * @example
 * openApiDocument('0.1.0').paths['/v1/queries'];
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of Object.values(ROUTES) as RouteSpec[]) {
    const url = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      parameters: [...parameters('path', r.schema.params), ...parameters('query', r.schema.querystring)],
      responses: Object.fromEntries(
        Object.entries(r.schema.response).map(([status, schema]) => [
          status,
          { description: status === '200' ? 'OK' : 'A DpError', content: { 'application/json': { schema } } },
        ]),
      ),
      ...(r.auth ? { security: [{ apiKey: [] }] } : {}),
    };
    if (r.schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.schema.body } } };
    paths[url] = { ...(paths[url] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tsdp query server',
      version,
      description:
        "Differentially private SQL and local-DP collection under per-analyst budgets and a per-dataset cap. Every error is a DpError whose HTTP status is its code's.",
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'tsdp_<id>_<secret> (tsdp serve keys create)' } },
    },
    paths,
  };
}
