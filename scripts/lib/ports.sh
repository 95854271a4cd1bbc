# Sourced by scripts: free_port prints a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL [TRIES]: waits until URL answers (any status), 50 ms apart; fails after TRIES (default 200).
wait_http() {
    local url=$1 tries=${2:-200}
    for _ in $(seq "$tries"); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.05
    done
    echo "nothing answered at $url" >&2
    return 1
}
