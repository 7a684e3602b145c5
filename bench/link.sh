#!/usr/bin/env bash
# bench/link.sh: owl against mbsync over emulated access links (loopback; 100 Mbit/s at 20 ms;
# 20 Mbit/s at 80 ms), through bench/linkrelay.py, a user-space relay (this kernel has no netem).
# Needs root on Debian (installs isync, time, python3 and the mail servers if missing; mounts a
# loop ext4 per store). Arguments go to bench/link.py, e.g.
#   bench/link.sh                                         # everything, 3 reps (about 25 min)
#   bench/link.sh --owl /path/to/owl                      # any owl binary (default: build this checkout)
#   bench/link.sh --profiles 20mbit-80ms --datasets small --reps 1 --w1 no   # a few minutes
#   bench/link.sh --himalaya /var/tmp/himalaya/bin/himalaya   # + cold list of 50 against himalaya, built
#       once with `cargo install himalaya --root /var/tmp/himalaya` (minutes on 2 cores; CA: imap.tls.cert)
#   bench/link.sh --sessions yes                          # + cold against warm (owl session start) per profile
#   bench/link.sh --profiles loopback --datasets small --reps 1 --sessions only   # just the sessions
#   bench/link.sh --report /var/tmp/owl-link/link-DATE.jsonl  # the tables of an earlier run again
# The relay alone: python3 bench/linkrelay.py selftest --rtt-ms 80 --mbit 20
set -euo pipefail
cd "$(dirname "$0")/.."
# LINK_SERVERS and MAILTEST_BASE_PORT let a second run go beside another one.
SERVERS=${LINK_SERVERS:-/tmp/owl-link-servers}
WORK=/var/tmp/owl-link
owl=
prev=
for a in "$@"; do
  case "$prev" in --owl) owl=$a;; --work) WORK=$a;; esac
  case "$a" in --owl=*) owl=${a#--owl=};; --work=*) WORK=${a#--work=};; esac
  prev=$a
done

missing=()
for p in isync time python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -q >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
fi
args=("$@")
if [ -z "$owl" ]; then
  cargo build --release --quiet
  args+=(--owl "$PWD/target/release/owl")
fi
case " $* " in *" --work "*|*" --work="*) ;; *) args+=(--work "$WORK");; esac

cleanup() {
  findmnt -rn -o TARGET | grep -F "$WORK/runs/" | while read -r m; do umount "$m" || umount -l "$m"; done || true
  tests/support/mail-servers.sh stop "$SERVERS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
case " $* " in *" --report "*|*" --report="*) exec python3 bench/link.py --env /dev/null "${args[@]}";; esac
# Ports of their own, so the benchmark can run beside the tests and the other benches.
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-27000} MAILTEST_USERS=3 WITH_POSTFIX=0 \
  tests/support/mail-servers.sh start "$SERVERS" > /dev/null
python3 bench/link.py --env "$SERVERS/env" "${args[@]}"
