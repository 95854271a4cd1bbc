# Sourced by the scripts that run stackbench: builds it (release) with the Python-only pool it execs for a
# Python app (stackbench-uwsgi, beside it), and names the binary in $binary. Output goes where the caller sends it.
build_release() {
    local product
    for product in stackbench stackbench-uwsgi; do
        swift build -c release --product "$product" || return 1
    done
    binary=$(swift build -c release --show-bin-path)/stackbench
}
