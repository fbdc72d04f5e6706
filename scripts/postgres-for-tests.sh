# Sourced by scripts/test.sh: starts a throwaway PostgreSQL cluster from the
# Debian packages on a free local port, exports GRIDWALK_TEST_PG_URL for the
# server tests (each test creates its own database in it), and stops and
# deletes the cluster when the calling shell exits.
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL is not installed: run scripts/setup.sh" >&2
  exit 1
fi
pg_dir="$(mktemp -d /tmp/gridwalk-pg.XXXXXX)"
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# initdb refuses to run as root; the packages' postgres user owns the cluster then.
pg_as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$pg_dir"
  pg_as=(runuser -u postgres --)
fi
"${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
stop_postgres() {
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT
export GRIDWALK_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $pg_port"
