#!/bin/sh
# Healthy: curl downloading a large file (4 GiB, sparse) from a local HTTP
# server (python3 http.server) at a random --limit-rate of 4-16 MB/s. Target:
# curl.
KIND=healthy
EXPECT=
CAPTURE_S=20
. "$(dirname "$0")/lib.sh"

scenario_start() {
	real_need_deb curl curl
	real_need_deb python3 python3
	user=$(real_user)
	as=$(real_as "$user")
	dir=$(real_userdir "$user")
	truncate -s 4G "$dir/big.bin" || real_die "cannot create '$dir/big.bin'"
	port=$(real_port)
	# Debian's python3: a python3 earlier in root's PATH (pyenv) may be
	# unreadable to the unprivileged user.
	py=/usr/bin/python3; [ -x "$py" ] || py=python3
	real_bg server $as "$py" -m http.server "$port" --bind 127.0.0.1 --directory "$dir"
	real_wait_port "$port"
	mb=${CURL_RATE_MB:-$(shuf -i 4-16 -n 1)}
	real_bg curl $as curl -sS -o /dev/null --limit-rate "${mb}M" "http://127.0.0.1:$port/big.bin"
	curl_pid=$REAL_PID
	real_wait 30 sh -c "[ -n \"\$(ss -tanpH state established '( dport = :$port )' | grep 'pid=$curl_pid,')\" ]" \
		|| real_die "curl did not connect"
	real_out TARGET_PID "$curl_pid"
	real_out PORT_HTTP "$port"
	# curl's --limit-rate counts in units of 1024.
	real_out RATE_BYTES $((mb * 1024 * 1024))
}
real_main "$@"
