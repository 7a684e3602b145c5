#!/usr/bin/env bash
# bench/search.sh: owl search --all over 10 mailboxes of 1,000 messages, 4 connections vs 1.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=/tmp/owl-bench-search-servers
cargo build --release --quiet
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-26000} MAILTEST_USERS=2 WITH_POSTFIX=0 tests/support/mail-servers.sh start "$SERVERS" > /dev/null
trap 'tests/support/mail-servers.sh stop "$SERVERS"' EXIT
python3 bench/search.py --env "$SERVERS/env" --owl "$PWD/target/release/owl" --work "${BENCH_DIR:-/var/tmp/owl-bench-search}" "$@"
