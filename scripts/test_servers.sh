#!/usr/bin/env bash
# Runs a command with throwaway PostgreSQL, MariaDB and Kafka (tansu)
# servers on 127.0.0.1, and stops them afterwards whatever the command did:
#
#   scripts/test_servers.sh cargo test --workspace
#
# Each server lives in a temporary directory (never the system's service),
# on a free port, with a user and password made up for the run; the command
# sees them as GLASSBOX_TEST_{PG,MYSQL,KAFKA}_ADDR and GLASSBOX_TEST_DB_USER /
# GLASSBOX_TEST_DB_PASSWORD. The servers are installed by `make setup-native`.
set -euo pipefail

DIR=$(mktemp -d /tmp/glassbox-servers.XXXXXX)
chmod 755 "$DIR"
PIDS=()
cleanup() {
  local rc=$?
  [ -n "${PG_BIN:-}" ] && [ -d "$DIR/pg" ] && as_user "$PG_BIN/pg_ctl" -D "$DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$DIR/my.pid" ] && kill "$(cat "$DIR/my.pid")" 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
  exit $rc
}
trap cleanup EXIT INT TERM

# PostgreSQL and MariaDB refuse to run as root: a system user of our own runs them.
RUN_USER=$(id -un)
if [ "$(id -u)" = 0 ]; then
  RUN_USER=glassbox-test
  id "$RUN_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
  chown "$RUN_USER" "$DIR"
fi
as_user() { if [ "$(id -u)" = 0 ]; then runuser -u "$RUN_USER" -- "$@"; else "$@"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # port, what, log
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "test_servers: $2 did not start on 127.0.0.1:$1" >&2; cat "$3" >&2 || true; exit 1
}

USER_NAME=glassbox
PASSWORD="gb-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

# PostgreSQL: a cluster of its own with password (SCRAM) logins over TCP only.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_PORT=$(free_port)
printf '%s\n' "$PASSWORD" > "$DIR/pw"; chmod 644 "$DIR/pw"
as_user "$PG_BIN/initdb" -D "$DIR/pg" -U "$USER_NAME" --pwfile="$DIR/pw" --auth=scram-sha-256 -E UTF8 >"$DIR/pg-init.log" 2>&1 \
  || { cat "$DIR/pg-init.log" >&2; exit 1; }
as_user "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w -o "-h 127.0.0.1 -p $PG_PORT -k $DIR -c fsync=off" start >/dev/null \
  || { cat "$DIR/pg.log" >&2; exit 1; }
PGPASSWORD="$PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$USER_NAME" -d postgres -qc "CREATE DATABASE glassbox" >/dev/null

# MariaDB: a data directory of its own; root by socket only, our user by TCP.
MY_PORT=$(free_port)
MY_BIN=$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)
INSTALL_DB=$(command -v mariadb-install-db || command -v mysql_install_db)
as_user "$INSTALL_DB" --datadir="$DIR/my" --auth-root-authentication-method=normal --skip-test-db >"$DIR/my-init.log" 2>&1 \
  || { cat "$DIR/my-init.log" >&2; exit 1; }
as_user "$MY_BIN" --no-defaults --datadir="$DIR/my" --port="$MY_PORT" --bind-address=127.0.0.1 \
  --socket="$DIR/my.sock" --pid-file="$DIR/my.pid" --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
  --log-error="$DIR/my.log" >"$DIR/my.out" 2>&1 &
PIDS+=($!)
wait_port "$MY_PORT" MariaDB "$DIR/my.log"
for _ in $(seq 1 50); do [ -S "$DIR/my.sock" ] && break; sleep 0.2; done
MYSQL_CLIENT=$(command -v mariadb || command -v mysql)
"$MYSQL_CLIENT" --no-defaults -S "$DIR/my.sock" -u root -e "
  CREATE DATABASE glassbox;
  CREATE USER '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
  GRANT ALL ON glassbox.* TO '$USER_NAME'@'127.0.0.1';"

# Kafka: tansu, in memory.
KAFKA_PORT=$(free_port)
TANSU=$(command -v tansu || echo "${CARGO_HOME:-$HOME/.cargo}/bin/tansu")
"$TANSU" broker --listener-url "tcp://127.0.0.1:$KAFKA_PORT" --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
  --storage-engine memory://tansu/ >"$DIR/kafka.log" 2>&1 &
PIDS+=($!)
wait_port "$KAFKA_PORT" "Kafka (tansu)" "$DIR/kafka.log"

export GLASSBOX_TEST_PG_ADDR="127.0.0.1:$PG_PORT"
export GLASSBOX_TEST_MYSQL_ADDR="127.0.0.1:$MY_PORT"
export GLASSBOX_TEST_KAFKA_ADDR="127.0.0.1:$KAFKA_PORT"
export GLASSBOX_TEST_DB_USER="$USER_NAME"
export GLASSBOX_TEST_DB_PASSWORD="$PASSWORD"
export GLASSBOX_TEST_SERVERS=required
echo "test_servers: PostgreSQL on $GLASSBOX_TEST_PG_ADDR, MariaDB on $GLASSBOX_TEST_MYSQL_ADDR, Kafka (tansu) on $GLASSBOX_TEST_KAFKA_ADDR" >&2
set +e
"$@"
