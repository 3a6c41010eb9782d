#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) one after the other for SECONDS each (default 600)
# on the stable toolchain, seeding the corpora from the vectors first, and prints one summary
# line per target: executions, final corpus size, result. Logs go to fuzz/artifacts/logs/<target>.log.
# Usage: [RUNS=N] fuzz/run-all.sh [SECONDS] [TARGET...]   (RUNS: stop a target after N executions)
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
python3 seeds.py >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
mkdir -p artifacts/logs
for t in "${targets[@]}"; do
  log="artifacts/logs/$t.log"
  cargo fuzz run -s none --target-dir "${FUZZ_TARGET_DIR:-target}" "$t" "corpus/$t" -- -max_total_time="$secs" -runs="${RUNS:--1}" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  result=$([ $rc -eq 0 ] && echo ok || echo "FAILED (rc $rc, see $log)")
  printf '%s\t%s execs\t%s s\t%s\n' "$t" "${execs:-?}" "$secs" "$result"
done
