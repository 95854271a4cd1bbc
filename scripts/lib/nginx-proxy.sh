# Sourced by scripts: Debian's nginx in front of uwsgi sockets, one process pinned to a core, in a folder.
#   nginx_proxy_start DIR CPU PORT:SOCKET [PORT:SOCKET ...]
#       one server per pair, `location /` as the seed writes it (include uwsgi_params; uwsgi_connect_timeout 30;
#       uwsgi_pass unix:SOCKET); sets NGINX_PROXY_PID. End it with: kill "$NGINX_PROXY_PID".
nginx_proxy_start() {
    local dir=$1 cpu=$2 servers="" pair
    shift 2
    for pair in "$@"; do
        servers+="    server {
        listen 127.0.0.1:${pair%%:*};
        location / { include /etc/nginx/uwsgi_params; uwsgi_connect_timeout 30; uwsgi_pass unix:${pair#*:}; }
    }
"
    done
    cat > "$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $dir/body;
    uwsgi_temp_path $dir/uwsgi_temp;
$servers}
CONF
    taskset -c "$cpu" /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" &
    NGINX_PROXY_PID=$!
}
