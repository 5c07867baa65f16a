#!/bin/sh
# Incident: a per-record log shipper. A Python service (stdlib logging) sends
# each ERROR record at once over TCP to a syslog sink (SysLogHandler,
# SOCK_STREAM) and writes it to its log file; errors wander around 8-16/s.
# The bytes to the sink's port follow the error rate record by record: the
# sink's own counter gives the bytes per line. Target: the Python service.
KIND=incident
EXPECT=error-log-amplification
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/upstream/zoo.inc"

scenario_start() {
	real_need_deb /usr/bin/python3 python3
	real_bg sink /usr/bin/python3 "$REAL_DIR/log-syslog/sink.py" --port-file "$RUN/sink.port" --counts "$RUN/sink.counts"
	real_wait 30 test -s "$RUN/sink.port" || real_die "sink did not start: $(tail -n 3 "$RUN/sink.out")"
	port=$(cat "$RUN/sink.port")
	real_wait_port "$port"
	rate=$(shuf -i 8-16 -n 1)
	real_bg app /usr/bin/python3 "$REAL_DIR/log-syslog/app.py" --syslog-port "$port" --log "$RUN/app.log" --rate "$rate"
	real_out TARGET_PID "$REAL_PID"
	zoo_wait_log "$RUN/app.log"
	real_out PORT_SINK "$port"
	real_out RATE "$rate"
	real_out SINK_COUNTS "$RUN/sink.counts"
	real_out LOG "$RUN/app.log"
	real_out CAPTURE_S 25
}
real_main "$@"
