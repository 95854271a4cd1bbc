#!/usr/bin/env bash
# Installs the Debian packages stackbench needs, only those missing; `apt-get update` at most once.
#   scripts/install-deps.sh            build + test needs: libcurl, SQLite and libpython3 (dev: the pool embeds CPython), pkg-config, nginx, curl, openssl (test certificates), xmllint (JUnit checks), python3 (free ports in scripts), iproute2 and OpenSSH (load agents in network namespaces)
#   scripts/install-deps.sh wrk time   ...plus any extra packages named
# Quiet when everything is already there.
set -euo pipefail
packages=(libcurl4-openssl-dev libsqlite3-dev libpython3-dev pkg-config nginx curl openssl libxml2-utils python3 iproute2 openssh-client openssh-server "$@")
missing=()
for package in "${packages[@]}"; do
    # Any Debian nginx flavour (nginx, nginx-light, nginx-core...) provides /usr/sbin/nginx.
    if [[ $package == nginx ]] && [[ -x /usr/sbin/nginx ]]; then continue; fi
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
