#!/usr/bin/env bash
# fuzz-ci.sh: CI's fuzzing step (run by .ci/run after `cargo test`), also
# fine to run by hand. Installs cargo-fuzz if missing, builds every target in
# fuzz/ once, replays every seed (fuzz/corpus/NAME) and every past crash
# (fuzz/regressions/NAME), then fuzzes for what is left of a budget of about
# 8 minutes for the whole step (OWL_FUZZ_BUDGET seconds, install and build
# included). A crash, a hang (-timeout) or running out of memory
# (-rss_limit_mb) fails the step and prints the reproducer's path and its
# bytes in base64, so the input can be recovered from the CI log:
#   echo BASE64 | base64 -d > fuzz/regressions/NAME/what-it-is
# (commit it with the fix: cargo test replays it from then on).
#
# Rotation: building takes most of the budget on a 2-core machine, and 9
# targets sharing the rest would get too little each (corpus growth is not
# kept between CI runs, so every run starts from the seeds). So the targets
# are split into OWL_FUZZ_GROUPS fixed groups and each run fuzzes one group,
# the one numbered (commits in HEAD) mod OWL_FUZZ_GROUPS, or by the day when
# git cannot tell: every CI run is for a new commit, so consecutive runs
# take turns and each target is fuzzed at least every few runs. All targets
# are always built and replayed. OWL_FUZZ_GROUP=all (or a number) overrides.
# Measured on this 2-core machine: installing cargo-fuzz takes 40-90 s and
# building 3.5-7.5 min, depending on what else runs; an idle machine leaves
# about a minute for each of a group's targets, a busy one the 20 s floor.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

budget=${OWL_FUZZ_BUDGET:-480}
groups=${OWL_FUZZ_GROUPS:-3}
# Targets and their -max_len: room for a few real responses, messages or
# files, and for a DEFLATE bomb (about 1000:1) to reach the codec's caps.
targets=(imap_response:16384 imap_deflate:65536 pop3_reply:8192 smtp_reply:8192 mboxrd:16384
         maildir_name:512 message:32768 search_query:4096 config:8192)
# What every libFuzzer run gets: a unit slower than 10 s is a hang, more
# than 512 MB resident is unbounded growth; one process, as the machine is
# shared.
common=(-timeout=10 -rss_limit_mb=512 -malloc_limit_mb=512)

log() { echo "fuzz: $*"; }

# cargo-fuzz is made for nightly (its default sanitizer is a -Z flag), and
# nightly builds everything here, so it comes first. Without a sanitizer
# stable accepts the flags too (`cargo +stable fuzz check -s none` passes);
# RUSTC_BOOTSTRAP=1 also lets it take any -Z flag a later cargo-fuzz adds.
if cargo +nightly --version >/dev/null 2>&1; then
  cargo=(cargo +nightly)
else
  log "no usable nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
  cargo=(cargo +stable)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi

# Optimized with debug assertions and overflow checks: an overflow on
# server bytes is a bug. No AddressSanitizer: owl is safe Rust, and without
# it runs are about twice as fast and -rss_limit_mb measures owl, not the
# sanitizer's shadow memory. 16 codegen units: building is most of the
# budget.
log "building the targets ($(( SECONDS - start )) s so far)"
"${cargo[@]}" fuzz build -O -a -s none --codegen-units 16
bin=fuzz/target/x86_64-unknown-linux-gnu/release

failed=()
work=fuzz/target/ci
rm -rf "$work"
mkdir -p "$work"

# Runs libFuzzer for target $1 with the remaining arguments; on failure
# shows the end of its log and every reproducer it wrote.
run() {
  local name=$1 logfile=$work/$1.$2.log
  shift 2
  mkdir -p "fuzz/artifacts/$name"
  if "$bin/$name" "${common[@]}" -artifact_prefix="fuzz/artifacts/$name/" -print_final_stats=1 "$@" \
       >"$logfile" 2>&1; then
    return 0
  fi
  failed+=("$name")
  log "$name FAILED; the end of its log ($logfile):"
  tail -n 60 "$logfile" | sed 's/^/    /'
  local f
  for f in fuzz/artifacts/"$name"/{crash,timeout,oom,leak}-*; do
    [ -e "$f" ] || continue
    log "reproducer: $f ($(wc -c <"$f") bytes), base64:"
    base64 -w0 "$f"
    echo
  done
  return 0
}

for spec in "${targets[@]}"; do
  name=${spec%%:*}
  dirs=()
  for d in "fuzz/corpus/$name" "fuzz/regressions/$name"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  # -runs=0: run every file once and stop; no -max_len, so nothing is cut.
  run "$name" replay -runs=0 "${dirs[@]}"
done
log "replayed every seed and regression ($(( SECONDS - start )) s so far)"

if [ "${OWL_FUZZ_GROUP:-}" = all ]; then
  group=all
elif [ -n "${OWL_FUZZ_GROUP:-}" ]; then
  group=$OWL_FUZZ_GROUP
else
  counter=$(git rev-list --count HEAD 2>/dev/null || echo $(( $(date -u +%s) / 86400 )))
  group=$(( counter % groups ))
fi
chosen=()
for i in "${!targets[@]}"; do
  if [ "$group" = all ] || [ $(( i % groups )) -eq "$group" ]; then
    chosen+=("${targets[$i]}")
  fi
done

if [ ${#chosen[@]} -eq 0 ]; then
  log "group $group of $groups has no target"
  exit 1
fi
# What is left of the budget, shared out evenly; a few seconds per target
# go to starting up and loading the corpus, and no target gets under 20 s.
left=$(( budget - (SECONDS - start) ))
each=$(( left / ${#chosen[@]} - 5 ))
[ "$each" -lt 20 ] && each=20
log "group $group of $groups: ${chosen[*]%%:*}, ${each} s each"
for spec in "${chosen[@]}"; do
  name=${spec%%:*}
  # New inputs go to a scratch copy; the committed seeds stay as they are.
  mkdir -p "$work/corpus/$name"
  run "$name" fuzz -max_total_time="$each" -max_len="${spec#*:}" "$work/corpus/$name" "fuzz/corpus/$name"
  stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$work/$name.fuzz.log" |
          sed 's/^stat:://' | tr -s ' \n' ' ' || true)
  log "$name: $stats"
done

log "done in $(( SECONDS - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
  log "FAILED: ${failed[*]} (reproducers above; once fixed, keep them in fuzz/regressions/NAME/)"
  exit 1
fi
