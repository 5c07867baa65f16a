# Shared helpers for the zoo of real software (samples/real/<name>.sh).
#
# A scenario is samples/real/<name>.sh, a POSIX sh script that sets
#   KIND=incident|healthy     and   EXPECT=rule-id,rule-id   (empty for healthy)
# as plain assignments at the top (the truth table reads them without running
# anything), defines scenario_start and scenario_stop_extra (optional), then
# ends with `real_main "$@"`. Its interface:
#
#   sh samples/real/<name>.sh start RUNDIR   installs what is missing (Debian
#       packages via apt-get when root, npm packages via `npm ci` from the
#       committed package-lock.json into build/real-npm/), starts the
#       processes, waits until they serve, and prints KEY=VALUE lines (also
#       kept in RUNDIR/env):
#         TARGET_PID=   the process to capture
#         CHILDREN=0|1  whether the capture should use --children
#         PORT_<WHAT>=  the service's ports (all from the kernel)
#         KIND=, EXPECT= as above;  LOG= a log file to give --log (optional)
#         CAPTURE_S=    how long a capture should run to see the behaviour
#       Exits 77 with a one-line reason on stderr when the software cannot be
#       installed (not root and missing, or no registry).
#       $DURATION (seconds, default 120) bounds how long load generators run.
#   sh samples/real/<name>.sh stop RUNDIR    stops what start recorded in
#       RUNDIR/pids, by pid (and the process group each one leads), never by name.
#   sh samples/real/<name>.sh describe       prints KIND= and EXPECT=.
set -u
REAL_DIR=$(cd "$(dirname "$0")" && pwd)
REAL_TOP=$(cd "$REAL_DIR/../.." && pwd)
: "${DURATION:=120}"
: "${KIND:=healthy}"
: "${EXPECT:=}"
CHILDREN=${CHILDREN:-0}

real_die() { echo "$REAL_NAME: $*" >&2; exit 1; }
real_skip() { echo "$REAL_NAME: cannot run: $*" >&2; exit 77; }

# real_out KEY VALUE: one line of start's output, kept in $RUN/env.
real_out() { echo "$1=$2"; echo "$1=$2" >> "$RUN/env"; }

# real_need_deb CMD PKG...: installs the Debian packages when CMD is missing.
real_need_deb() {
	_cmd=$1; shift
	command -v "$_cmd" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || real_skip "needs '$_cmd' (apt-get install $*)"
	echo "$REAL_NAME: installing $*" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
		|| real_skip "apt-get install $* failed"
	command -v "$_cmd" >/dev/null 2>&1 || real_skip "'$_cmd' still missing after installing $*"
}

# real_npm DIR: installs DIR's package-lock.json (exact versions) once into
# build/real-npm/<dir>-<lock hash>/node_modules and prints that directory.
# Rerunning with the same lock reuses it; a changed lock gets a new one.
real_npm() {
	command -v npm >/dev/null 2>&1 || real_skip "needs npm (nodejs from nodesource or Debian)"
	_src=$1
	_h=$(cat "$_src/package.json" "$_src/package-lock.json" | sha256sum | cut -c1-12)
	_dst="$REAL_TOP/build/real-npm/$(basename "$_src")-$_h"
	if [ ! -f "$_dst/.installed" ]; then
		mkdir -p "$_dst" || real_die "cannot create '$_dst'"
		cp "$_src/package.json" "$_src/package-lock.json" "$_dst/"
		( cd "$_dst" && npm ci --no-audit --no-fund --loglevel=error >&2 ) \
			|| real_skip "npm ci in '$_dst' failed (is the npm registry reachable?)"
		touch "$_dst/.installed"
	fi
	echo "$_dst"
}

# real_port: a free TCP port on 127.0.0.1, chosen by the kernel (bind port 0).
# For servers that cannot listen on port 0 themselves.
real_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
		|| node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# real_bg NAME CMD...: starts CMD in its own session (so stop can end the
# group it leads), output to $RUN/NAME.out; records "pid NAME" in $RUN/pids.
real_bg() {
	_n=$1; shift
	setsid "$@" > "$RUN/$_n.out" 2>&1 < /dev/null &
	REAL_PID=$!
	echo "$REAL_PID $_n" >> "$RUN/pids"
}

# real_as USER: the prefix that runs a command as USER (nothing when we are USER).
real_as() {
	if [ "$(id -un)" = "$1" ]; then echo ""; else echo "setpriv --reuid=$1 --regid=$(id -g "$1") --init-groups --"; fi
}

# real_user: the unprivileged user scenarios run as (nobody), or ourselves
# when we are not root.
real_user() { if [ "$(id -u)" = 0 ]; then echo nobody; else id -un; fi; }

# real_userdir USER: a fresh directory under /tmp owned by USER, for files an
# unprivileged server writes (the caller's RUNDIR may be private to root);
# removed by stop.
real_userdir() {
	_d=$(mktemp -d /tmp/casefile-zoo.XXXXXX) || real_die "mktemp failed"
	chown "$1" "$_d" && chmod 0755 "$_d" || real_die "cannot chown '$_d' to $1"
	echo "$_d" >> "$RUN/userdirs"
	echo "$_d"
}

# real_wait SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
real_wait() {
	_t=$1; shift; _i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1)); [ $_i -ge $((_t * 10)) ] && return 1; sleep 0.1
	done
}
real_listening() { [ -n "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]; }
real_wait_port() { real_wait "${2:-30}" real_listening "$1" || real_die "nothing listens on port $1 after ${2:-30} s"; }
real_alive() { kill -0 "$1" 2>/dev/null; }

# real_stop_all: TERM every recorded pid and its group, newest first; KILL
# whatever is left after 5 s.
real_stop_all() {
	[ -f "$RUN/pids" ] || return 0
	_ps=$(awk '{print $1}' "$RUN/pids" | sed -n '1!G;h;$p')
	for _p in $_ps; do kill -TERM -- "-$_p" 2>/dev/null; kill -TERM "$_p" 2>/dev/null; done
	for _p in $_ps; do
		real_wait 5 sh -c "! kill -0 $_p 2>/dev/null" || { kill -KILL -- "-$_p" 2>/dev/null; kill -KILL "$_p" 2>/dev/null; }
	done
	rm -f "$RUN/pids"
	if [ -f "$RUN/userdirs" ]; then
		while read -r _d; do case "$_d" in /tmp/casefile-zoo.*) rm -rf "$_d" ;; esac; done < "$RUN/userdirs"
		rm -f "$RUN/userdirs"
	fi
}

real_main() {
	REAL_NAME=$(basename "$0" .sh)
	case "${1:-}" in
	start)
		[ -n "${2:-}" ] || real_die "usage: $0 start RUNDIR"
		mkdir -p "$2" || real_die "cannot create '$2'"
		RUN=$(cd "$2" && pwd); shift 2
		: > "$RUN/env"
		scenario_start "$@"
		grep -q '^CAPTURE_S=' "$RUN/env" || real_out CAPTURE_S "${CAPTURE_S:-30}"
		real_out KIND "$KIND"
		real_out EXPECT "$EXPECT"
		real_out CHILDREN "$CHILDREN"
		;;
	stop)
		[ -n "${2:-}" ] || real_die "usage: $0 stop RUNDIR"
		[ -d "$2" ] || exit 0
		RUN=$(cd "$2" && pwd)
		command -v scenario_stop_extra >/dev/null 2>&1 && scenario_stop_extra
		real_stop_all
		;;
	describe) echo "KIND=$KIND"; echo "EXPECT=$EXPECT" ;;
	*) echo "usage: $0 start|stop RUNDIR | describe" >&2; exit 2 ;;
	esac
}
