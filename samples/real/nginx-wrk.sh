#!/bin/sh
# Healthy and busy: nginx (master + 2 workers, as an unprivileged user)
# serving a static file to wrk with a random number of keep-alive
# connections (20-80). Target: the master, captured with --children.
KIND=healthy
EXPECT=
CAPTURE_S=20
CHILDREN=1
. "$(dirname "$0")/lib.sh"

scenario_start() {
	real_need_deb nginx nginx
	real_need_deb wrk wrk
	user=$(real_user)
	dir=$(real_userdir "$user")
	port=$(real_port)
	mkdir -p "$dir/www" "$dir/tmp"
	head -c "$(shuf -i 2000-20000 -n 1)" /dev/urandom | base64 > "$dir/www/index.html"
	cat > "$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$port;
		root $dir/www;
	}
}
CONF
	chown -R "$user" "$dir"
	real_bg nginx $(real_as "$user") nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;'
	master=$REAL_PID
	real_wait_port "$port"
	conns=${NGINX_CONNS:-$(shuf -i 20-80 -n 1)}
	real_bg wrk $(real_as "$user") nice wrk -t 2 -c "$conns" -d "${DURATION}s" "http://127.0.0.1:$port/index.html"
	real_wait 30 sh -c "[ \$(ss -tanH state established '( sport = :$port )' | wc -l) -ge $((conns * 9 / 10)) ]" \
		|| real_die "wrk did not open its $conns connections"
	real_out TARGET_PID "$master"
	real_out PORT_HTTP "$port"
	real_out CLIENTS "$conns"
}
real_main "$@"
