#!/usr/bin/env bash
# Installs (if needed) and starts a throwaway MariaDB server on
# 127.0.0.1:3306 without systemd, creates the test database and a user for
# it, and prints one line to stdout: the DSN to export as
# DATAGATE_TEST_MYSQL_DSN. Everything else goes to stderr.
#
#   export DATAGATE_TEST_MYSQL_DSN="$(sudo .ci/mariadb.sh)"
#   go test ./store/...
#
# Meant for Debian 12 (mariadb-server 10.11), run as root. Idempotent: a
# second run reuses the installed package, the running server, the database
# and the user. The server is left running.
set -euo pipefail

HOST=127.0.0.1
PORT=3306
DB=datagate_test
# A throwaway CI database on the loopback interface: not a secret.
DB_USER=datagate
DB_PASS=datagate
DATADIR=/var/lib/mysql
RUNDIR=/run/mysqld
SOCKET=$RUNDIR/mysqld.sock
LOG=/var/log/mysql/datagate-ci.log
WAIT_SECONDS=60

log() { echo "mariadb.sh: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[[ $(id -u) -eq 0 ]] || die "run as root (it installs packages and starts mariadbd as user mysql)"

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

find_server() { command -v mariadbd || command -v mysqld || true; }
find_tool() {
	local t
	for t in "$@"; do
		if command -v "$t" >/dev/null 2>&1; then
			command -v "$t"
			return 0
		fi
	done
	return 1
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

# ---- install ----
started=$SECONDS
server=$(find_server)
if [[ -z $server ]]; then
	log "installing mariadb-server"
	# Keep the package's maintainer scripts from starting the service (the
	# server is started below, the same way on every machine), unless a
	# policy is already in place (Debian container images ship one).
	own_policy=
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		own_policy=1
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server >&2
	if [[ -n $own_policy ]]; then
		rm -f /usr/sbin/policy-rc.d
		trap - EXIT
	fi
	server=$(find_server)
	[[ -n $server ]] || die "mariadb-server installed but neither mariadbd nor mysqld is on PATH"
	log "installed in $((SECONDS - started)) s"
else
	log "server binary already installed: $server"
fi

client=$(find_tool mariadb mysql) || die "no mariadb/mysql client found"
admin=$(find_tool mariadb-admin mysqladmin) || die "no mariadb-admin/mysqladmin found"

# ---- start ----
if port_open; then
	log "something already answers on $HOST:$PORT; using it"
else
	install -d -o mysql -g mysql -m 755 "$RUNDIR"
	install -d -o mysql -g adm -m 2750 "$(dirname "$LOG")" 2>/dev/null ||
		install -d -o mysql -m 750 "$(dirname "$LOG")"
	if [[ ! -d $DATADIR/mysql ]]; then
		log "initialising $DATADIR"
		install -d -o mysql -g mysql -m 755 "$DATADIR"
		installdb=$(find_tool mariadb-install-db mysql_install_db) || die "no mariadb-install-db found"
		"$installdb" --user=mysql --datadir="$DATADIR" --skip-test-db >&2
	fi
	log "starting $server on $HOST:$PORT (log: $LOG)"
	# setsid: the server outlives this script and the shell that ran it.
	setsid "$server" --user=mysql --bind-address="$HOST" --port="$PORT" \
		--datadir="$DATADIR" --socket="$SOCKET" --pid-file="$RUNDIR/mysqld.pid" \
		--log-error="$LOG" </dev/null >/dev/null 2>&1 &
	pid=$!
	waited=0
	until "$admin" --protocol=tcp -h "$HOST" -P "$PORT" --connect-timeout=2 ping >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$LOG" >&2 || true
			die "mariadbd exited during startup; see $LOG"
		fi
		if ((waited >= WAIT_SECONDS)); then
			tail -n 30 "$LOG" >&2 || true
			die "mariadbd did not answer on $HOST:$PORT within $WAIT_SECONDS s; see $LOG"
		fi
		sleep 1
		waited=$((waited + 1))
	done
	log "server (pid $pid) up after $waited s"
fi

# ---- database and user ----
# Root over the Unix socket (unix_socket authentication, Debian's default),
# else root over TCP without a password.
sql() {
	"$client" --protocol=socket -S "$SOCKET" -u root "$@" 2>/dev/null ||
		"$client" --protocol=tcp -h "$HOST" -P "$PORT" -u root "$@"
}
sql <<SQL >&2 || die "could not create database $DB and user $DB_USER as root"
CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON \`$DB\`.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`$DB\`.* TO '$DB_USER'@'localhost';
FLUSH PRIVILEGES;
SQL

# Check the DSN's credentials work over TCP before handing it out.
"$client" --protocol=tcp -h "$HOST" -P "$PORT" -u "$DB_USER" -p"$DB_PASS" "$DB" \
	-e 'SELECT 1' >/dev/null || die "$DB_USER cannot connect to $DB over TCP"
log "ready: $("$client" --protocol=tcp -h "$HOST" -P "$PORT" -u "$DB_USER" -p"$DB_PASS" -N -e 'SELECT VERSION()') ($((SECONDS - started)) s)"

echo "mysql://$DB_USER:$DB_PASS@tcp($HOST:$PORT)/$DB"
