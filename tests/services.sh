#!/usr/bin/env bash
# Start (or stop) what the class-service tests need, for a local run or for .ci/run:
#   * a temporary PostgreSQL cluster (Debian's postgresql package) on a free loopback port,
#     with a database "kit" owned by a role "kit" that may create databases;
#   * configurable-http-proxy from the npm registry (installed into the same folder).
#
#   eval "$(tests/services.sh start)"      # prints export lines for KIT_TEST_POSTGRES_URL
#                                          # and KIT_TEST_CHP (and KIT_SERVICES_DIR)
#   tests/services.sh stop                 # stops PostgreSQL and removes the folder
#
# The folder is $KIT_SERVICES_DIR (default: a new one under ${TMPDIR:-/tmp}); nothing is
# written into the checkout. PostgreSQL refuses to run as root: as root the cluster runs as
# the "postgres" user that Debian's package creates.
set -euo pipefail

cmd=${1:-start}
dir=${KIT_SERVICES_DIR:-}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
  return 1
}

as_pg() {  # run a command as the cluster's (non-root) owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/casebook-kit-services.XXXXXX"); fi
  mkdir -p "$dir"
  chmod 755 "$dir"
  local bin port pw
  bin=$(pg_bin)
  # configurable-http-proxy from the npm registry, into the folder (not the checkout)
  if [ ! -x "$dir/npm/node_modules/.bin/configurable-http-proxy" ]; then
    npm install --prefix "$dir/npm" --no-audit --no-fund --loglevel=error \
      configurable-http-proxy >"$dir/npm.log" 2>&1 \
      || { echo "npm install configurable-http-proxy failed: see $dir/npm.log" >&2; exit 1; }
  fi
  # a temporary PostgreSQL cluster on a free loopback port
  port=$(free_port)
  pw=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  mkdir -p "$dir/pg"
  printf '%s\n' "$pw" >"$dir/pg.pw"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir/pg" "$dir/pg.pw"; fi
  chmod 700 "$dir/pg"
  as_pg "$bin/initdb" -D "$dir/pg/data" -U postgres --auth=scram-sha-256 \
    --pwfile="$dir/pg.pw" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { echo "initdb failed: see $dir/initdb.log" >&2; exit 1; }
  as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/pg -c fsync=on" start >/dev/null \
    || { echo "PostgreSQL did not start: see $dir/pg/server.log" >&2; exit 1; }
  echo "$port" >"$dir/pg.port"
  PGPASSWORD=$pw "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -c "CREATE ROLE kit LOGIN CREATEDB PASSWORD '$pw'" \
    -c "CREATE DATABASE kit OWNER kit" >/dev/null
  echo "export KIT_SERVICES_DIR='$dir'"
  echo "export KIT_TEST_POSTGRES_URL='postgresql+psycopg://kit:$pw@127.0.0.1:$port/kit'"
  echo "export KIT_TEST_CHP='$dir/npm/node_modules/.bin/configurable-http-proxy'"
}

stop() {
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then echo "nothing to stop (set KIT_SERVICES_DIR)" >&2; return 0; fi
  local bin
  bin=$(pg_bin) || true
  if [ -n "${bin:-}" ] && [ -f "$dir/pg/data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: tests/services.sh start|stop" >&2; exit 2 ;;
esac
