# Sourced by scripts: Debian's nginx serving a 1 KiB file on 127.0.0.1, in a temporary folder, one worker.
#   nginx_static_start PORT CPU   sets NGINX_DIR, NGINX_PID and NGINX_URL
#   nginx_static_stop             ends that nginx by its pid and removes the folder
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
nginx_static_start() {
    local port=$1 cpu=$2
    NGINX_DIR=$(mktemp -d /tmp/stackbench-nginx.XXXXXX)
    chmod 755 "$NGINX_DIR"
    mkdir -p "$NGINX_DIR/www"
    head -c 1024 /dev/zero | tr '\0' 'a' > "$NGINX_DIR/www/1k.txt"
    cat > "$NGINX_DIR/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $NGINX_DIR/body;
    server { listen 127.0.0.1:$port; root $NGINX_DIR/www; }
}
CONF
    taskset -c "$cpu" /usr/sbin/nginx -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" &
    NGINX_PID=$!
    NGINX_URL="http://127.0.0.1:$port/1k.txt"
    for _ in $(seq 100); do
        curl -fs -o /dev/null "$NGINX_URL" && return 0
        sleep 0.05
    done
    echo "nginx did not come up on port $port:" >&2
    cat "$NGINX_DIR/error.log" >&2
    nginx_static_stop
    return 1
}

nginx_static_stop() {
    if [[ -n ${NGINX_PID:-} ]]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=
    fi
    [[ -n ${NGINX_DIR:-} ]] && rm -rf "$NGINX_DIR"
    NGINX_DIR=
}
