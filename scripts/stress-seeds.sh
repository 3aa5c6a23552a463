#!/usr/bin/env bash
# Runs the seeded stress test (tests/integration/stress_test.cpp) over many seeds per mode, one
# process per seed, and reports the seeds that fail. CI runs only seeds 1-2; this is the long
# run docs/reliability.md reports.
#
#   scripts/stress-seeds.sh [-b BUILD_DIR] [-m "a b c"] [-j JOBS] FIRST LAST
#
# Example: scripts/stress-seeds.sh -m c 1 1000   (mode C, seeds 1..1000)
# Output: one line per failing seed; the log of each failure in $LOG_DIR (default
# /tmp/vcdlb-stress) as mode_<m>-seed_<s>.log; at the end "mode M: N seeds, F failed: ..." and
# exit status 1 when a seed failed. Rerun one seed: VCDLB_STRESS_SEED=S <binary>
# --gtest_filter='*mode_M*'.
set -euo pipefail

build=build
modes="a b c"
jobs=1
while getopts "b:m:j:" opt; do
  case $opt in
    b) build=$OPTARG ;;
    m) modes=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-m \"a b c\"] [-j JOBS] FIRST LAST" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [[ $# -ne 2 || ! $1 =~ ^[0-9]+$ || ! $2 =~ ^[0-9]+$ || $1 -gt $2 || $1 -lt 1 ]]; then
  echo "usage: $0 [-b BUILD_DIR] [-m \"a b c\"] [-j JOBS] FIRST LAST (1 <= FIRST <= LAST)" >&2
  exit 2
fi
first=$1
last=$2
binary=$build/tests/integration_stress_test
if [[ ! -x $binary ]]; then
  echo "$binary not found: cmake --build $build --target integration_stress_test" >&2
  exit 2
fi
log_dir=${LOG_DIR:-/tmp/vcdlb-stress}
mkdir -p "$log_dir"

run_one() { # mode seed -> prints "FAIL mode seed" on failure
  local mode=$1 seed=$2 log=$log_dir/mode_$1-seed_$2.log
  if VCDLB_STRESS_SEED=$seed "$binary" --gtest_filter="*mode_${mode^^}" >"$log" 2>&1; then
    rm -f "$log"
  else
    echo "FAIL mode $mode seed $seed ($log)"
  fi
}
export -f run_one
export binary log_dir

status=0
for mode in $modes; do
  started=$(date +%s)
  fails=$log_dir/mode_$mode-failed.txt
  seq "$first" "$last" | xargs -P "$jobs" -I{} bash -c "run_one $mode {}" | while read -r line; do
    echo "$line" >&2 # as they happen
    echo "$line"
  done >"$fails"
  failed=$(awk '{print $5}' "$fails" | sort -n | tr '\n' ' ')
  took=$(( $(date +%s) - started ))
  count=$(( last - first + 1 ))
  nfail=$(wc -w <<<"$failed")
  echo "mode $mode: seeds $first-$last ($count), $nfail failed${failed:+: $failed}; ${took} s"
  [[ $nfail -eq 0 ]] || status=1
done
exit $status
