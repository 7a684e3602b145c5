#!/usr/bin/env bash
# bench/idle.sh: latency from APPEND on a local Dovecot to owl idle's JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=/tmp/owl-bench-idle-servers
cargo build --release --quiet
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-27000} MAILTEST_USERS=1 WITH_POSTFIX=0 tests/support/mail-servers.sh start "$SERVERS" > /dev/null
trap 'tests/support/mail-servers.sh stop "$SERVERS"' EXIT
python3 bench/idle.py --env "$SERVERS/env" --owl "$PWD/target/release/owl" --work "${BENCH_DIR:-/var/tmp/owl-bench-idle}" "$@"
