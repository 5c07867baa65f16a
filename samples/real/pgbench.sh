#!/bin/sh
# Healthy and busy: PostgreSQL (initdb into a fresh directory, run as user
# postgres, unix socket in that directory, TCP port from the kernel) under
# pgbench over TCP with a random client count (4-16) and a random rate
# (150-500 transactions/s, -R). Target: the postmaster, with --children (one
# backend per client).
KIND=healthy
EXPECT=
CAPTURE_S=20
CHILDREN=1
. "$(dirname "$0")/lib.sh"

scenario_start() {
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
		real_need_deb /usr/bin/pg_config postgresql
		pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
		[ -x "$pgbin/initdb" ] || real_skip "postgresql installed, but no initdb under /usr/lib/postgresql/*/bin"
	fi
	[ -x "$pgbin/pgbench" ] || command -v pgbench >/dev/null 2>&1 || real_skip "needs pgbench (apt-get install postgresql-client)"
	pgbench=$pgbin/pgbench; [ -x "$pgbench" ] || pgbench=pgbench
	# PostgreSQL refuses to run as root.
	user=postgres; [ "$(id -u)" = 0 ] || user=$(id -un)
	id "$user" >/dev/null 2>&1 || real_skip "no user '$user'"
	as=$(real_as "$user")
	dir=$(real_userdir "$user")
	port=$(real_port)
	$as "$pgbin/initdb" -D "$dir/data" -A trust -U postgres --no-sync > "$RUN/initdb.out" 2>&1 \
		|| real_die "initdb failed: $(tail -n 3 "$RUN/initdb.out")"
	real_bg postgres $as "$pgbin/postgres" -D "$dir/data" -p "$port" -k "$dir" \
		-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=50
	pm=$REAL_PID
	real_wait_port "$port" 60
	real_wait 60 $as "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" || real_die "postgres not ready"
	$as "$pgbench" -i -q -s 2 -h 127.0.0.1 -p "$port" -U postgres postgres > "$RUN/pgbench-init.out" 2>&1 \
		|| real_die "pgbench -i failed: $(tail -n 3 "$RUN/pgbench-init.out")"
	clients=${PG_CLIENTS:-$(shuf -i 4-16 -n 1)}
	rate=${PG_RATE:-$(shuf -i 150-500 -n 1)}
	real_bg pgbench nice $as "$pgbench" -h 127.0.0.1 -p "$port" -U postgres -c "$clients" -j 2 \
		-R "$rate" -T "$DURATION" -P 5 postgres
	real_wait 30 sh -c "[ \$(ss -tanH state established '( sport = :$port )' | wc -l) -ge $clients ]" \
		|| real_die "pgbench did not open its $clients connections"
	real_out TARGET_PID "$pm"
	real_out PORT_PG "$port"
	real_out CLIENTS "$clients"
	real_out RATE "$rate"
}
real_main "$@"
