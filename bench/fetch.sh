#!/usr/bin/env bash
# bench/fetch.sh: owl fetch against mbsync, getmail6 and fetchmail on a local Dovecot.
# Needs root on Debian (installs isync getmail6 fetchmail and the mail servers if missing).
#   bench/fetch.sh [--messages N] [--reps N] [--slow-tools no] ...   (options of bench/fetch.py)
#   bench/fetch.sh --compare-owl /work/wt/base/target/release/owl   # before/after: this checkout's owl
#       beside another binary, in one interleaved run (--owl PATH: any owl instead of building this checkout)
# BENCH_DIR (default /var/tmp/owl-bench) holds the stores: put it on the disk you back up to.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-/var/tmp/owl-bench}
SERVERS=${FETCH_SERVERS:-/tmp/owl-bench-servers}  # FETCH_SERVERS, MAILTEST_BASE_PORT: beside another run

missing=()
for p in isync getmail6 fetchmail time python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -q >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
fi
args=("$@")
case " $* " in
  *" --owl "*|*" --owl="*) ;;
  *) cargo build --release --quiet; args+=(--owl "$PWD/target/release/owl");;
esac
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-23000} MAILTEST_USERS=2 WITH_POSTFIX=0 \
  tests/support/mail-servers.sh start "$SERVERS" > /dev/null
trap 'tests/support/mail-servers.sh stop "$SERVERS"' EXIT
python3 bench/fetch.py --env "$SERVERS/env" --work "$DIR" "${args[@]}"
