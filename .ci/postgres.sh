#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and benchmarks.
#
#   eval "$(.ci/postgres.sh start)"   # prints NEUROEXAM_TEST_PG=… and NEUROEXAM_PG_DIR=… exports
#   .ci/postgres.sh stop [DIR]        # stops the server in DIR (default $NEUROEXAM_PG_DIR), removes it
#
# The server lives in a fresh temp folder: initdb --no-sync, listening on 127.0.0.1 at a free
# port, its unix socket in that folder, trust authentication (nothing but this machine can reach
# it). fsync is off unless NEUROEXAM_PG_FSYNC=on (benchmarks measure with it on). The
# distribution's `postgresql` package is installed only when no initdb can be found. initdb
# refuses to run as root: as root the server runs as the `postgres` user; as any other user it
# runs as that user.
set -euo pipefail

say() { echo "postgres.sh: $*" >&2; }

find_bin() {
    local initdb dir
    if initdb="$(command -v initdb 2>/dev/null)"; then
        dirname "$(readlink -f "$initdb")"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install_postgresql() {
    say "initdb not found: installing the distribution's postgresql package"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { say "not root and no sudo: install postgresql first"; exit 1; }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq >&2
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >&2
}

# Run a command as the server's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local t0 bin dir port fsync
    t0=$(date +%s.%N)
    bin="$(find_bin)" || { install_postgresql; bin="$(find_bin)"; }
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    dir="$(mktemp -d "${TMPDIR:-/tmp}/neuroexam-pg.XXXXXX")"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    fsync="${NEUROEXAM_PG_FSYNC:-off}"
    as_owner "$bin/initdb" --no-sync --auth=trust --username=postgres --encoding=UTF8 \
        --locale=C -D "$dir/data" >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        exit 1
    }
    # A port can be taken between choosing and binding it: try a few.
    local tries=0
    while :; do
        port="$(free_port)"
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start -o \
            "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=$fsync \
             -c synchronous_commit=$fsync -c full_page_writes=$fsync -c max_connections=100" \
            >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 3 ]; then
            cat "$dir/server.log" >&2
            stop "$dir"
            exit 1
        fi
    done
    say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" \
        "(fsync $fsync) ready in $(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }") s"
    echo "export NEUROEXAM_TEST_PG='postgresql://postgres@127.0.0.1:$port/postgres'"
    echo "export NEUROEXAM_PG_DIR='$dir'"
    echo "export NEUROEXAM_PG_BIN='$bin'"
}

stop() {
    local dir="${1:-${NEUROEXAM_PG_DIR:-}}" bin
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    case "$dir" in
        */neuroexam-pg.*) ;;
        *) say "refusing to remove $dir (not a folder this script made)"; return 1 ;;
    esac
    if [ -f "$dir/data/postmaster.pid" ]; then
        bin="${NEUROEXAM_PG_BIN:-$(find_bin)}"
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
