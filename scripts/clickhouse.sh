#!/usr/bin/env bash
# Starts or stops a private ClickHouse cluster on loopback for tsdp's tests, benchmarks and users.
#   scripts/clickhouse.sh start   → prints the tsdp URL clickhouse://127.0.0.1:<http>/default?cluster=tsdp
#                                   (also written to $CHDIR/url)
#   scripts/clickhouse.sh stop
# TSDP_CH_DIR (default /tmp/tsdp-ch), TSDP_CH_SHARDS (1, 2 or 3, default 2) and TSDP_CH_PORT (the first
# HTTP port, default 18123) choose the cluster. Shard i (0-based) listens on 127.0.0.1 only: HTTP port
# TSDP_CH_PORT+i, native TCP port TSDP_CH_PORT+10+i (18123–18125 and 18133–18135 by default).
# Each shard is a plain `clickhouse-server` process with its own temp directory and config naming a
# `remote_servers` cluster `tsdp` of every shard (one replica each). Two users: `default` (no password,
# loopback only: loads data) and `tsdp_reader` (readonly = 2, SELECT only, statement time limit): what
# `tsdp sql --db clickhouse://tsdp_reader@…` connects as. Runs as root too (ClickHouse allows it).
# Debian: apt-get install -y clickhouse-server (18.16); newer official packages work the same way.
set -euo pipefail
CHDIR=${TSDP_CH_DIR:-/tmp/tsdp-ch}
SHARDS=${TSDP_CH_SHARDS:-2}
PORT=${TSDP_CH_PORT:-18123}
# TSDP_CH_LOG_QUERIES=1: the default user's queries are written to system.query_log (the benchmark reads rows and memory there).
LOG_QUERIES=""
[ "${TSDP_CH_LOG_QUERIES:-0}" = 1 ] && LOG_QUERIES="<log_queries>1</log_queries>"
# TSDP_CH_MAX_MEMORY: the default user's memory limit per query in bytes (default 4 GB; the benchmark's 3·10⁷ rows on one shard need more).
MAX_MEMORY=${TSDP_CH_MAX_MEMORY:-4000000000}
# TSDP_CH_EXTRA_PROFILES / TSDP_CH_EXTRA_USERS: XML appended inside <profiles> / <users> (tests of reader profiles, e.g.
# test/clickhouse/reader-settings.test.ts; an operator's own users).
EXTRA_PROFILES=${TSDP_CH_EXTRA_PROFILES:-}
EXTRA_USERS=${TSDP_CH_EXTRA_USERS:-}
case "$MAX_MEMORY" in *[!0-9]*|'') echo "TSDP_CH_MAX_MEMORY must be a number of bytes" >&2; exit 2 ;; esac

BIN=$(command -v clickhouse-server || true)
[ -n "$BIN" ] || BIN=$(command -v clickhouse || true)
if [ -z "$BIN" ]; then
  echo "ClickHouse is not installed: apt-get install -y clickhouse-server" >&2
  exit 1
fi
case "$SHARDS" in 1|2|3) ;; *) echo "TSDP_CH_SHARDS must be 1, 2 or 3" >&2; exit 2 ;; esac
mkdir -p "$(dirname "$CHDIR")"
exec 9>"$CHDIR.lock"
flock 9

ping_shard() { curl -sf "http://127.0.0.1:$1/ping" >/dev/null 2>&1; }

stop_all() {
  for pidfile in "$CHDIR"/shard*/pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$pidfile"
  done
}

case "${1:-start}" in
  start)
    if [ -f "$CHDIR/url" ] && [ -f "$CHDIR/shards" ] && [ "$(cat "$CHDIR/shards")" = "$SHARDS" ]; then
      ok=1
      for i in $(seq 0 $((SHARDS - 1))); do ping_shard $((PORT + i)) || ok=0; done
      if [ "$ok" = 1 ]; then cat "$CHDIR/url"; exit 0; fi
    fi
    stop_all
    for i in $(seq 0 $((SHARDS - 1))); do
      if ping_shard $((PORT + i)); then echo "port $((PORT + i)) is in use by another server: choose TSDP_CH_PORT" >&2; exit 1; fi
    done
    rm -rf "$CHDIR"; mkdir -p "$CHDIR"
    shards_xml=""
    for i in $(seq 0 $((SHARDS - 1))); do
      shards_xml="$shards_xml<shard><replica><host>127.0.0.1</host><port>$((PORT + 10 + i))</port></replica></shard>"
    done
    for i in $(seq 0 $((SHARDS - 1))); do
      d="$CHDIR/shard$i"
      mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas"
      cat > "$d/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>$MAX_MEMORY</max_memory_usage>$LOG_QUERIES</default>
    <reader><readonly>2</readonly><max_execution_time>600</max_execution_time><max_memory_usage>4000000000</max_memory_usage></reader>$EXTRA_PROFILES
  </profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <tsdp_reader><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>reader</profile><quota>default</quota></tsdp_reader>$EXTRA_USERS
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
      cat > "$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/server.log</log><errorlog>$d/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>$((PORT + i))</http_port>
  <tcp_port>$((PORT + 10 + i))</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers><tsdp>$shards_xml</tsdp></remote_servers>
  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>7500</flush_interval_milliseconds></query_log>
  <macros><shard>$i</shard></macros>
</yandex>
EOF
      # fd 9 (the lock) is closed for the server: a server that inherited it would hold the lock forever.
      (cd "$d" && exec setsid "$BIN" $( [ "$(basename "$BIN")" = clickhouse ] && echo server ) --config-file="$d/config.xml" \
        </dev/null >"$d/stdout.log" 2>&1 9>&- & echo $! > "$d/pid")
    done
    for i in $(seq 0 $((SHARDS - 1))); do
      up=0
      for _ in $(seq 1 300); do if ping_shard $((PORT + i)); then up=1; break; fi; sleep 0.1; done
      if [ "$up" != 1 ]; then
        echo "shard $i did not start (see $CHDIR/shard$i/server.err.log)" >&2
        stop_all
        exit 1
      fi
    done
    echo "$SHARDS" > "$CHDIR/shards"
    url="clickhouse://127.0.0.1:$PORT/default?cluster=tsdp"
    echo "$url" > "$CHDIR/url"
    echo "$url"
    ;;
  stop)
    stop_all
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
