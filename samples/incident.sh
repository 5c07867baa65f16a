#!/bin/sh
# incident.sh: runs the seed incident's workload (samples/incident.c and its
# slow log sink samples/logsink.c) in the background, for the demo and the
# end-to-end tests.
#
#   samples/incident.sh start DIR [--fixed] [INCIDENT_OPTION...]
#   samples/incident.sh stop DIR
#   samples/incident.sh run DIR SECONDS [--fixed] [INCIDENT_OPTION...]
#
# start: launches the sink, then the incident process, waits until both are
#   running, prints their pids and returns. Writes into DIR: sink.pid,
#   sink.port, incident.pid, app.log (the JSON log, for `--log`), and
#   sink.err / incident.err (their counters at exit). The sink runs in
#   --fixed mode too (the cluster is still there; the fixed service just no
#   longer talks to it). Extra options go to samples/incident (for example
#   --cap 256, --rate 40, --rate-wave 0.5:20).
# stop: SIGTERM to both, waits up to 5 s each, then SIGKILL. Idempotent.
# run: start, wait SECONDS (or until the incident process exits), stop.
#
# Environment (defaults): BUILD (build) where the samples are built;
# DURATION (90) seconds the incident process runs at most; SINK_PORT (9243,
# or any free port when 9243 is taken; set it to pin one); SINK_DELAY_MS (500);
# RESPONSE_BYTES (1101).
set -eu

BUILD=${BUILD:-build}
DURATION=${DURATION:-90}
SINK_DELAY_MS=${SINK_DELAY_MS:-500}
RESPONSE_BYTES=${RESPONSE_BYTES:-1101}

usage() {
	echo "usage: $0 start DIR [--fixed] [INCIDENT_OPTION...] | stop DIR | run DIR SECONDS [...]" >&2
	exit 2
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# wait_file FILE PID TENTHS: until FILE is non-empty, while PID lives.
wait_file() {
	_i=0
	while [ ! -s "$1" ]; do
		alive "$2" || return 1
		_i=$((_i + 1)); [ "$_i" -ge "$3" ] && return 1
		sleep 0.1
	done
}

# Starts the sink on port $1 (0: any free port); sets sink_pid.
start_sink() {
	rm -f "$dir/sink.port"
	"$BUILD/samples/logsink" --port "$1" --delay "$SINK_DELAY_MS" \
		--response-bytes "$RESPONSE_BYTES" --duration $((DURATION + 60)) \
		--ready "$dir/sink.port" </dev/null >/dev/null 2>"$dir/sink.err" &
	sink_pid=$!
	wait_file "$dir/sink.port" "$sink_pid" 100 || { kill "$sink_pid" 2>/dev/null; return 1; }
}

stop_pid() {
	[ -s "$1" ] || return 0
	_p=$(cat "$1")
	if alive "$_p"; then
		kill -TERM "$_p" 2>/dev/null || true
		_i=0
		while alive "$_p" && [ "$_i" -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
		alive "$_p" && kill -KILL "$_p" 2>/dev/null || true
	fi
	rm -f "$1"
}

cmd_start() {
	mode=incident
	[ "${1:-}" = --fixed ] && mode=fixed
	for b in logsink incident; do
		[ -x "$BUILD/samples/$b" ] || { echo "$0: $BUILD/samples/$b not built (run make)" >&2; exit 1; }
	done
	if alive "$(cat "$dir/incident.pid" 2>/dev/null || true)"; then
		echo "$0: already running in $dir (stop it first)" >&2
		exit 1
	fi
	if [ -n "${SINK_PORT:-}" ]; then
		start_sink "$SINK_PORT" || { echo "$0: sink did not start: $(cat "$dir/sink.err")" >&2; exit 1; }
	elif ! start_sink 9243; then
		# 9243 is taken (another run on this machine): any free port will do.
		start_sink 0 || { echo "$0: sink did not start: $(cat "$dir/sink.err")" >&2; exit 1; }
	fi
	echo "$sink_pid" > "$dir/sink.pid"
	port=$(cat "$dir/sink.port")
	rm -f "$dir/incident.ready" "$dir/app.log"
	"$BUILD/samples/incident" --sink "127.0.0.1:$port" --duration "$DURATION" \
		--log "$dir/app.log" --ready "$dir/incident.ready" "$@" \
		</dev/null >/dev/null 2>"$dir/incident.err" &
	inc_pid=$!
	echo "$inc_pid" > "$dir/incident.pid"
	if ! wait_file "$dir/incident.ready" "$inc_pid" 100; then
		echo "$0: incident did not start: $(cat "$dir/incident.err")" >&2
		stop_pid "$dir/incident.pid"; stop_pid "$dir/sink.pid"
		exit 1
	fi
	echo "sink: pid $sink_pid, 127.0.0.1:$port, ${SINK_DELAY_MS} ms delay, ${RESPONSE_BYTES}-byte responses"
	echo "incident ($mode): pid $inc_pid, log $dir/app.log, ${DURATION} s at most"
}

[ $# -ge 2 ] || usage
verb=$1; dir=$2; shift 2
case "$verb" in
start)
	mkdir -p "$dir"
	cmd_start "$@"
	;;
stop)
	stop_pid "$dir/incident.pid"
	stop_pid "$dir/sink.pid"
	;;
run)
	[ $# -ge 1 ] || usage
	secs=$1; shift
	mkdir -p "$dir"
	trap 'stop_pid "$dir/incident.pid"; stop_pid "$dir/sink.pid"' EXIT INT TERM
	cmd_start "$@"
	i=0
	while [ "$i" -lt "$((secs * 10))" ] && alive "$(cat "$dir/incident.pid")"; do
		sleep 0.1; i=$((i + 1))
	done
	;;
*)
	usage
	;;
esac
