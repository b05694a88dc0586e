/**
 * The connecting user's settings, checked before the charge (review M11; class 1 "stability understated" and
 * class 3 "answered depends on a row").
 *
 * **Threat.** A compiled statement is exact only under settings that cannot change what it computes. ClickHouse
 * takes every setting tsdp does not send from the connecting user's profile — operator configuration. Some make an
 * aggregate a function of read order, limits or timing (`max_rows_to_group_by` with `group_by_overflow_mode =
 * 'any'`: keys past the limit are skipped, so one more person read first takes another person's slot and COUNT …
 * GROUP BY moves by 2 with P·C = 1); some fail on the data's size after the charge (`max_rows_to_read`,
 * `max_result_rows` with `throw`); some change what a result means (`join_use_nulls`, `join_default_strictness`,
 * `output_format_*` read by the TSV parser, `skip_unavailable_shards`, `max_parallel_replicas`, …).
 *
 * **Rule.** Every statement pins the overflow modes to `throw` and `skip_unavailable_shards = 0`
 * (`PINNED_SETTINGS`, clickhouse-http.ts). Before any charge, on every server a statement reaches, `system.settings
 * WHERE changed` read as the connecting user may name only settings of `NEUTRAL_SETTINGS` — access, memory, threads,
 * timeouts, logging, caches and buffer sizes: settings that change how fast or whether a statement runs at all,
 * never which rows it reads or what it returns — or the settings tsdp itself sends with its own values. Any other
 * changed setting is refused with INVALID_PARAMETER naming it (a setting's name is configuration, public); the
 * fix is to reset it in the reader's profile. The per-statement memory limit and spilling sizes in the profile do not
 * matter: tsdp sends its own with every statement (`resource-limits.ts`). Residual (as on every engine): that limit,
 * a server-wide one or the statement deadline can still fail a statement on a large input after the charge — the one
 * ENGINE_ERROR, whose occurrence depends on the data's size and the machine's load (SQL threat model).
 * Test: `test/clickhouse/reader-settings.test.ts`.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { type ClickHouseEndpoint, clickhouseQuery, PINNED_SETTINGS } from './clickhouse-http.js';

/** Settings that change only whether or how fast a statement runs (see the module header); an allow-list. */
const NEUTRAL_SETTINGS = new Set([
  // tsdp's own (clickhouse-http.ts sets them on every statement)
  'max_execution_time',
  'max_query_size',
  'max_ast_elements',
  'max_expanded_ast_elements',
  'max_ast_depth',
  // access
  'readonly',
  'allow_ddl',
  'allow_introspection_functions',
  // memory and spilling
  'max_memory_usage',
  'max_memory_usage_for_user',
  'max_memory_usage_for_all_queries',
  'max_bytes_before_external_group_by',
  'max_bytes_before_external_sort',
  'max_bytes_before_remerge_sort',
  'max_untracked_memory',
  'memory_profiler_step',
  // threads, blocks, buffers, caches
  'max_threads',
  'max_final_threads',
  'max_block_size',
  'preferred_block_size_bytes',
  'max_streams_to_max_threads_ratio',
  'max_compress_block_size',
  'min_compress_block_size',
  'max_read_buffer_size',
  'min_bytes_to_use_direct_io',
  'use_uncompressed_cache',
  'merge_tree_min_rows_for_concurrent_read',
  'merge_tree_min_bytes_for_concurrent_read',
  'merge_tree_min_rows_for_seek',
  'merge_tree_min_bytes_for_seek',
  'merge_tree_coarse_index_granularity',
  'merge_tree_max_rows_to_use_cache',
  'merge_tree_max_bytes_to_use_cache',
  'merge_tree_uniform_read_distribution',
  'group_by_two_level_threshold',
  'group_by_two_level_threshold_bytes',
  'distributed_aggregation_memory_efficient',
  'aggregation_memory_efficient_merge_threads',
  'compile',
  'compile_expressions',
  'min_count_to_compile',
  'min_count_to_compile_expression',
  // network, connections, queues, priorities
  'connect_timeout',
  'connect_timeout_with_failover_ms',
  'receive_timeout',
  'send_timeout',
  'tcp_keep_alive_timeout',
  'queue_max_wait_ms',
  'poll_interval',
  'idle_connection_timeout',
  'distributed_connections_pool_size',
  'max_distributed_connections',
  'connections_with_failover_max_tries',
  'load_balancing',
  'priority',
  'max_concurrent_queries_for_user',
  'max_network_bandwidth',
  'max_network_bytes',
  'max_network_bandwidth_for_user',
  'max_network_bandwidth_for_all_users',
  'http_connection_timeout',
  'http_send_timeout',
  'http_receive_timeout',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_native_compression_disable_checksumming_on_decompress',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'interactive_delay',
  // logging
  'log_queries',
  'log_queries_cut_to_length',
  'log_query_threads',
  'log_profile_events',
  'log_query_settings',
  'send_logs_level',
]);

function refuse(what: string): DpError<'INVALID_PARAMETER'> {
  return new DpError(
    'INVALID_PARAMETER',
    `the ClickHouse user tsdp connects as has ${what} (in its profile or the server's configuration): it can change what a statement computes, or make it fail on the data's size after the charge. ` +
      'Reset it to its default in the reader profile (users.xml), or connect as a user whose profile changes only access, memory, threads, timeouts and logging; nothing was charged',
    { parameter: 'db', expected: 'a reader profile that changes only access, memory, threads, timeouts and logging' },
  );
}

/**
 * Refuses, before any charge, a connecting user whose changed settings are outside the allow-list on any of
 * `servers` (the rule in the module header). Reads `system.settings` only.
 * @param servers - every server a statement will be sent to.
 * @param timeoutMs - the catalog read's deadline.
 * @throws DpError INVALID_PARAMETER naming the first such setting; ENGINE_ERROR when the settings cannot be read.
 */
export async function checkReaderSettings(servers: readonly ClickHouseEndpoint[], timeoutMs: number): Promise<void> {
  const sql = 'SELECT name AS n, value AS v FROM system.settings WHERE changed';
  // Read with the pinned settings only (their profile values never matter: every statement overrides them). A
  // profile limit that stops even this read of a system table (rows read, rows returned…) is itself a setting that
  // could stop a data statement: refused, unless the server does not answer at all (then the one engine error).
  const perServer = await Promise.all(
    servers.map((s) =>
      clickhouseQuery(s, sql, timeoutMs).catch(async (e: unknown) => {
        await clickhouseQuery(s, 'SELECT 1 AS one', timeoutMs).catch(() => {
          throw e;
        });
        throw refuse('a limit (rows read, rows returned, …) that stops even a read of system.settings');
      }),
    ),
  );
  for (const r of perServer) {
    for (const [name, value] of r.rows.map((row) => row.map((v) => (typeof v === 'string' ? v : String(v))))) {
      const n = String(name);
      if (NEUTRAL_SETTINGS.has(n) || PINNED_SETTINGS[n] === value) continue;
      throw refuse(`the setting "${n}" changed`);
    }
  }
}
