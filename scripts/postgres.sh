#!/usr/bin/env bash
# Starts or stops a private PostgreSQL cluster on loopback for tsdp's tests and for users.
#   scripts/postgres.sh start   → prints the connection URL (also written to $PGDIR/url)
#   scripts/postgres.sh stop
# TSDP_PG_DIR (default /tmp/tsdp-pg) and TSDP_PG_PORT (default 54329) choose the cluster.
# It never touches Debian's default cluster. Runs the server as the `postgres`
# user when invoked as root (PostgreSQL refuses to run as root).
set -euo pipefail
PGDIR=${TSDP_PG_DIR:-/tmp/tsdp-pg}
PGPORT=${TSDP_PG_PORT:-54329}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$BIN" ]; then
  echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
  exit 1
fi
# fd 9 (the lock below) is closed for the commands run: a server that inherited it would hold the lock forever.
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@" 9>&-; else "$@" 9>&-; fi
}
# One start or stop at a time per cluster directory: test workers may ask for the same cluster at once.
mkdir -p "$(dirname "$PGDIR")"
exec 9>"$PGDIR.lock"
flock 9
case "${1:-start}" in
  start)
    if [ -f "$PGDIR/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
      cat "$PGDIR/url"; exit 0
    fi
    rm -rf "$PGDIR"; mkdir -p "$PGDIR/sock"
    [ "$(id -u)" = "0" ] && chown -R postgres:postgres "$PGDIR"
    as_pg "$BIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_pg "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    as_pg "$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE tsdp" >/dev/null
    url="postgres://postgres@127.0.0.1:$PGPORT/tsdp"
    echo "$url" > "$PGDIR/url"
    echo "$url"
    ;;
  stop)
    if [ -d "$PGDIR/data" ]; then as_pg "$BIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
