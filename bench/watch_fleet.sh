#!/usr/bin/env bash
# bench/watch_fleet.sh: what one `dms-progress watch` of 200 tasks costs, for BENCHMARKS.md
# section 6. Part of bench/run.sh, which passes its results directory; run alone it measures
# into bench/out/results and rewrites only that section of BENCHMARKS.md:
#
#     bench/watch_fleet.sh [RESULTS_DIR]
#
# One dms-emulator (release) plays 200 instances with one expansion each, running for 20
# minutes (`--generate-tasks 1 --generate-instances 200`); `dms-progress watch` (release)
# watches the 200 tasks (`--task INSTANCE:TASK` each) for WATCH_SECONDS (60) under GNU time,
# stdout to a file (no terminal), twice: with the defaults (polls every 5 s, 10 requests/s
# in all) and at a busier pace (every 1 s, up to 200 requests/s). The emulator's request log
# counts the requests each watch sent.
set -euo pipefail
cd "$(dirname "$0")/.."

STANDALONE=0
RES=${1:-}
if [ -z "$RES" ]; then
    STANDALONE=1
    RES=bench/out/results
fi
OUT=bench/out
mkdir -p "$RES" "$OUT"
WATCH_SECONDS=${WATCH_SECONDS:-60}
TASKS=200

command -v /usr/bin/time >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time
}
cargo build --release --quiet -p progress-cli -p progress-emulator

unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy
export NO_PROXY=127.0.0.1
export HUAWEICLOUD_SDK_AK=DMSEMULATORDEMOAK00001 HUAWEICLOUD_SDK_SK=dms-emulator-demo-secret-key
export HUAWEICLOUD_SDK_CREDENTIALS_FILE=/dev/null

# The generated fleet's ids (README, "Generated scenarios"): instance k from 0 is
# 00000000-0000-4000-8000-{k+1, 12 digits}, its task 0 ff808081{k+1, 8 hex}{1, 16 hex}.
TARGETS=()
for k in $(seq 1 "$TASKS"); do
    TARGETS+=(--task "$(printf '00000000-0000-4000-8000-%012d:ff808081%08x%016x' "$k" "$k" 1)")
done

measure() { # label, extra watch flags...
    local label=$1
    shift
    local env_file=$OUT/fleet-emulator.env log=$OUT/fleet-emulator.log
    rm -f "$env_file"
    target/release/dms-emulator --listen 127.0.0.1:0 --generate-tasks 1 --generate-instances "$TASKS" \
        --generate-task-seconds 1200 --env-file "$env_file" > /dev/null 2> "$log" &
    local emu=$!
    trap 'kill "$emu" 2>/dev/null || true' EXIT
    for _ in $(seq 100); do
        [ -f "$env_file" ] && break
        sleep 0.1
    done
    [ -f "$env_file" ] || { cat "$log" >&2; exit 1; }
    . "$env_file"
    local before
    before=$(wc -l < "$log")
    local cmd=(target/release/dms-progress watch --endpoint "$DMS_EMULATOR_ENDPOINT"
        --project-id "$DMS_EMULATOR_PROJECT_ID" --max-wait "$WATCH_SECONDS" "$@" "${TARGETS[@]}")
    local code=0
    /usr/bin/time -v -o "$OUT/fleet-$label.time" "${cmd[@]}" > "$OUT/fleet-$label.out" || code=$?
    sleep 0.5
    local requests=$(($(wc -l < "$log") - before))
    kill "$emu" 2>/dev/null || true
    wait "$emu" 2>/dev/null || true
    trap - EXIT
    local t=$OUT/fleet-$label.time
    {
        echo "${label}_flags=$*"
        echo "${label}_user=$(awk -F': ' '/User time/ { print $2 }' "$t")"
        echo "${label}_system=$(awk -F': ' '/System time/ { print $2 }' "$t")"
        echo "${label}_rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$t")"
        echo "${label}_wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$t")"
        echo "${label}_requests=$requests"
        echo "${label}_exit=$code"
        echo "${label}_ended=$(grep -c '^\[.*--max-wait passed' "$OUT/fleet-$label.out" || true)"
    } >> "$RES/watch_fleet.txt"
    echo "$label: $(tail -n1 "$RES/watch_fleet.txt" | cut -d= -f2) tasks ended, $requests requests, exit $code" >&2
}

rm -f "$RES/watch_fleet.txt"
{
    echo "tasks=$TASKS"
    echo "seconds=$WATCH_SECONDS"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RES/watch_fleet.txt"
measure default
measure busy --interval 1 --max-rate 200
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RES/watch_fleet.txt"

if [ "$STANDALONE" = 1 ]; then
    python3 bench/report.py --only watch_fleet "$RES" BENCHMARKS.md
    echo "rewrote section 6 of BENCHMARKS.md" >&2
fi
