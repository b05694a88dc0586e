/**
 * The HTTP API of the query server as data: one JSON Schema per route (body,
 * query string, path parameters and every response), from which Fastify
 * validates requests, serialises responses, and `openapi.ts` writes the
 * OpenAPI 3.1 document served at `GET /openapi.json`. The TypeScript types of
 * the request bodies are written beside their schemas (`QueryBody`, …) and
 * checked against them by the route tests.
 * @module
 */

const amount = {
  anyOf: [{ type: 'number' }, { type: 'string', maxLength: 64, pattern: '^[0-9eE+./ -]+$' }],
  description: 'A number or an exact fraction as text ("1/11").',
} as const;

const name = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' } as const;

/** The body of `POST /v1/queries` and `POST /v1/explain`. */
export interface QueryBody {
  readonly dataset: string;
  readonly sql: string;
  readonly epsilon?: number | string;
  readonly delta?: number | string;
  readonly rho?: number | string;
  readonly noise?: 'laplace' | 'gaussian';
  readonly confidence?: number;
}

const queryBody = {
  type: 'object',
  additionalProperties: false,
  required: ['dataset', 'sql'],
  properties: {
    dataset: { ...name, description: 'The data set (GET /v1/datasets lists them).' },
    sql: { type: 'string', minLength: 1, maxLength: 20_000, description: 'The DP SQL query (docs/sql.md: the accepted subset).' },
    epsilon: { ...amount, description: 'ε of this query (exclusive with rho).' },
    delta: { ...amount, description: 'δ of this query (partition selection, Gaussian noise); default 0.' },
    rho: { ...amount, description: 'ρ of this query (zCDP, discrete Gaussian noise).' },
    noise: { type: 'string', enum: ['laplace', 'gaussian'] },
    confidence: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Level of the intervals (default 0.95).' },
  },
} as const;

/** The body of `POST /v1/demo/plain-queries`. */
export interface PlainQueryBody {
  readonly dataset: string;
  readonly sql: string;
}

const plainQueryBody = {
  type: 'object',
  additionalProperties: false,
  required: ['dataset', 'sql'],
  properties: { dataset: queryBody.properties.dataset, sql: queryBody.properties.sql },
} as const;

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: "The DpError code (its HTTP status is the code table's)." },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

const errors = {
  400: errorBody,
  401: errorBody,
  403: errorBody,
  404: errorBody,
  422: errorBody,
  429: errorBody,
  500: errorBody,
  502: errorBody,
} as const;

const budgetNumbers = {
  type: 'object',
  properties: { epsilon: { type: 'number' }, delta: { type: 'number' } },
} as const;

const budgetJson = {
  type: 'object',
  properties: {
    epsilon: { type: 'number' },
    delta: { type: 'number' },
    exact: { type: 'object', properties: { epsilon: { type: 'string' }, delta: { type: 'string' } } },
  },
} as const;

const loss = {
  type: 'object',
  properties: { epsilon: { type: 'string' }, delta: { type: 'string' }, rho: { type: 'string' } },
  description: 'An exact loss (rationals as text).',
} as const;

const cell = { type: ['string', 'number', 'boolean', 'null'] } as const;

const queryResponse = {
  type: 'object',
  properties: {
    dataset: { type: 'string' },
    analyst: { type: 'string' },
    columns: { type: 'array', items: { type: 'string' } },
    rows: { type: 'array', items: { type: 'array', items: cell } },
    intervals: {
      type: 'object',
      additionalProperties: { type: 'array', items: { anyOf: [{ type: 'array', items: { type: 'number' } }, { type: 'null' }] } },
      description: 'Per aggregate column, one [lower, upper] per row (null where none is known).',
    },
    confidence: { type: 'number' },
    guarantee: { type: 'object', additionalProperties: true, description: 'The guarantee of the whole answer (its privacy map).' },
    charged: loss,
    remaining: {
      type: 'object',
      properties: { analyst: { anyOf: [budgetNumbers, { type: 'null' }] }, dataset: budgetNumbers },
      description: "What is left: the analyst's budget and the data set's cap.",
    },
    notForRelease: { type: 'boolean' },
  },
} as const;

const balance = {
  type: 'object',
  properties: { budget: budgetJson, spent: loss, remaining: budgetNumbers },
} as const;

const dataset = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    engine: { type: 'string' },
    nonPrivateDemo: {
      type: 'boolean',
      description: 'True for a demo data set that is NOT private: POST /v1/demo/plain-queries answers exactly on it.',
    },
    cap: budgetJson,
    budget: { anyOf: [budgetJson, { type: 'null' }] },
    tables: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          public: { type: 'boolean' },
          privacyUnit: { type: ['string', 'null'] },
          maxPartitions: { type: 'number' },
          maxContributionsPerPartition: { type: 'number' },
          columns: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                type: { type: 'string' },
                lower: { type: 'number' },
                upper: { type: 'number' },
                categories: { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
              },
            },
          },
        },
      },
    },
  },
} as const;

const collectorParams = {
  type: 'object',
  required: ['collector'],
  properties: { collector: name },
} as const;

/** A route: method, URL, whether it needs an API key, its summary and its schemas. */
export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly auth: boolean;
  readonly summary: string;
  readonly schema: Readonly<{
    body?: object;
    querystring?: object;
    params?: object;
    response: Readonly<Record<number, object>>;
  }>;
}

/** Every route of the API (the playground's static files aside). */
export const ROUTES = {
  health: {
    method: 'GET',
    url: '/healthz',
    auth: false,
    summary: 'Liveness: the process answers.',
    schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
  },
  ready: {
    method: 'GET',
    url: '/readyz',
    auth: false,
    summary: 'Readiness: data sets and ledger open, not shutting down (503 while draining).',
    schema: {
      response: {
        200: { type: 'object', properties: { status: { type: 'string' } } },
        503: { type: 'object', properties: { status: { type: 'string' } } },
      },
    },
  },
  openapi: {
    method: 'GET',
    url: '/openapi.json',
    auth: false,
    summary: 'This API as an OpenAPI 3.1 document.',
    schema: { response: { 200: { type: 'object', additionalProperties: true } } },
  },
  datasets: {
    method: 'GET',
    url: '/v1/datasets',
    auth: true,
    summary: 'The data sets the caller has a budget on, with their public schemas (never a data value).',
    schema: { response: { 200: { type: 'object', properties: { datasets: { type: 'array', items: dataset } } }, ...errors } },
  },
  budget: {
    method: 'GET',
    url: '/v1/budget',
    auth: true,
    summary: "The caller's budget and the data set's cap: spent and left, per data set.",
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { dataset: name } },
      response: {
        200: {
          type: 'object',
          properties: {
            analyst: { type: 'string' },
            budgets: {
              type: 'array',
              items: { type: 'object', properties: { dataset: { type: 'string' }, analyst: balance, cap: balance } },
            },
          },
        },
        ...errors,
      },
    },
  },
  explain: {
    method: 'POST',
    url: '/v1/explain',
    auth: true,
    summary: 'What a query would do and cost (plan, budget split, rewritten SQL); free, reads no data.',
    schema: {
      body: queryBody,
      response: {
        200: { type: 'object', properties: { dataset: { type: 'string' }, charge: loss, text: { type: 'string' } } },
        ...errors,
      },
    },
  },
  query: {
    method: 'POST',
    url: '/v1/queries',
    auth: true,
    summary: 'Runs a DP SQL query: charged (durably) before it runs; the answer with intervals, guarantee and budget left.',
    schema: { body: queryBody, response: { 200: queryResponse, ...errors } },
  },
  plainQuery: {
    method: 'POST',
    url: '/v1/demo/plain-queries',
    auth: true,
    summary:
      'NOT PRIVATE. Exact answers of a query (the DP SQL subset) on a data set the operator marked nonPrivateDemo — what a plain SQL endpoint would leak, for the playground’s attack demo. Charges nothing; NOT_FOUND on every other data set.',
    schema: {
      body: plainQueryBody,
      response: {
        200: {
          type: 'object',
          properties: {
            dataset: { type: 'string' },
            nonPrivate: { type: 'boolean', const: true },
            columns: { type: 'array', items: { type: 'string' } },
            rows: { type: 'array', items: { type: 'array', items: { type: ['string', 'number', 'boolean', 'null'] } } },
          },
        },
        ...errors,
      },
    },
  },
  collectors: {
    method: 'GET',
    url: '/v1/ldp',
    auth: false,
    summary: 'The local-DP collectors and their public protocol configurations (what a client must use).',
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            collectors: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  description: { type: 'string' },
                  config: { type: 'object', additionalProperties: true },
                  labels: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    },
  },
  report: {
    method: 'POST',
    url: '/v1/ldp/:collector',
    auth: false,
    summary: 'Adds local-DP reports (randomized on the device) to a persistent aggregator; one report or { reports: [...] }.',
    schema: {
      params: collectorParams,
      body: { type: 'object' },
      response: {
        200: {
          type: 'object',
          properties: { accepted: { type: 'number' }, rejected: { type: 'number' }, reasons: { type: 'array', items: { type: 'string' } } },
        },
        ...errors,
      },
    },
  },
  estimate: {
    method: 'GET',
    url: '/v1/ldp/:collector/estimate',
    auth: true,
    summary: "A collector's estimate: per value, unbiased count, frequency, standard error and interval (post-processing, free).",
    schema: {
      params: collectorParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { confidence: { type: 'string', pattern: '^0?\\.[0-9]{1,6}$' } },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            collector: { type: 'string' },
            protocol: { type: 'string' },
            epsilon: { type: 'number' },
            reports: { type: 'number' },
            rejected: { type: 'number' },
            confidence: { type: 'number' },
            estimates: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  value: { type: ['string', 'number'] },
                  label: { type: 'string' },
                  count: { type: 'number' },
                  frequency: { type: 'number' },
                  standardError: { type: 'number' },
                  lower: { type: 'number' },
                  upper: { type: 'number' },
                },
              },
            },
          },
        },
        ...errors,
      },
    },
  },
} as const satisfies Record<string, RouteSpec>;
