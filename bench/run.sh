#!/usr/bin/env bash
# bench/run.sh: every benchmark of dms-progress, side by side with its baseline, written to
# BENCHMARKS.md. One command:
#
#     bench/run.sh [--wait-quiet] [--quick]
#
#   --wait-quiet  first wait (polling every minute, at most 30 minutes) until the 1-minute
#                 load average is below 0.5, so that other work does not skew the figures
#   --quick       a smoke run: a few calls and runs of each, same report (not for publishing)
#
# It builds what it needs in release, makes two venvs under bench/out/venv (ours: the
# dms_progress package; sdk: the official huaweicloudsdkkafka), installs hyperfine, wrk and GNU
# time with apt-get when missing, starts one dms-emulator (release, --quiet,
# bench/scenario.json) on a free loopback port, measures, and stops it. Raw results go to
# bench/out/results/; bench/report.py turns them into BENCHMARKS.md. About 8-10 minutes on 2
# cores once the Rust build is cached.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
RES=$OUT/results
COMMAND="bench/run.sh${*:+ $*}"

WAIT_QUIET=0
QUICK=0
for arg in "$@"; do
    case "$arg" in
        --wait-quiet) WAIT_QUIET=1 ;;
        --quick) QUICK=1 ;;
        *) echo "usage: bench/run.sh [--wait-quiet] [--quick]" >&2; exit 2 ;;
    esac
done

step() { printf '\n==> %s\n' "$*" >&2; }
T_START=$(date +%s)

# Calls per caller (sequential: one caller; concurrent: 8 callers), per round. Every client
# runs ROUNDS rounds, interleaved with the others, so that a passing disturbance hits all.
ROUNDS=5
FAST_SEQ=2000 FAST_CONC=400        # raw socket, Rust, C, Go
PY_SEQ=600 PY_CONC=100             # dms_progress
SDK_SEQ=120 SDK_CONC=20            # official SDK
CRITERION_ARGS=(--warm-up-time 1 --measurement-time 5)
COLD_RUNS=40 SDK_COLD_RUNS=15 RSS_RUNS=5 WRK_SECONDS=10
if [ "$QUICK" = 1 ]; then
    ROUNDS=1 FAST_SEQ=200 FAST_CONC=40 PY_SEQ=60 PY_CONC=10 SDK_SEQ=20 SDK_CONC=4
    CRITERION_ARGS=(--warm-up-time 0.2 --measurement-time 0.5)
    COLD_RUNS=5 SDK_COLD_RUNS=3 RSS_RUNS=1 WRK_SECONDS=2
fi

step "tools"
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/bin/time ] || missing+=(time)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || { echo "bench/run.sh needs Go (for the Go package's bench)" >&2; exit 1; }

step "build (release)"
cargo build --release --quiet -p progress-emulator -p progress-cli
# The shipped library (LTO; Cargo does none in `cargo build` for a crate that is also an rlib),
# staged in target/stage as `make install` lays it out.
make -s -C bindings/c stage
cargo build --release --quiet -p progress-client --example bench_client
cargo build --release --quiet -p progress-emulator --example wrk_script
mkdir -p "$RES"
rm -f "$RES"/*
export PKG_CONFIG_PATH="$PWD/target/stage/lib/pkgconfig"
STATIC_LINK=$(pkg-config --cflags --libs dms_progress_static)
# shellcheck disable=SC2086 # the flags are words
cc -std=c11 -O2 -Wall -Wextra -Werror bench/c/bench_c.c -o "$OUT/bench_c" $STATIC_LINK
# shellcheck disable=SC2086
cc -std=c11 -O2 -Wall -Wextra -Werror bindings/c/example.c -o "$OUT/example-static" $STATIC_LINK
# Go does not notice a rebuilt libdms_progress.a: remove the binary so that it is linked anew.
rm -f "$OUT/bench-go"
(cd bench/go && go build -o "$OUT/bench-go" .)
(cd bench/go-sdk && go build -o "$OUT/bench-go-sdk" .)

step "Python venvs (bench/out/venv/ours, bench/out/venv/sdk)"
for side in ours sdk; do
    [ -x "$OUT/venv/$side/bin/python" ] || python3 -m venv "$OUT/venv/$side"
done
PY_OURS=$OUT/venv/ours/bin/python
PY_SDK=$OUT/venv/sdk/bin/python
"$PY_OURS" -m pip install --quiet --force-reinstall --no-deps ./bindings/python
"$PY_SDK" -m pip show --quiet huaweicloudsdkkafka >/dev/null 2>&1 ||
    "$PY_SDK" -m pip install --quiet huaweicloudsdkkafka

if [ "$WAIT_QUIET" = 1 ]; then
    step "waiting for a quiet machine (1-minute load average below 0.5)"
    for _ in $(seq 30); do
        load=$(cut -d' ' -f1 /proc/loadavg)
        awk -v l="$load" 'BEGIN { exit !(l < 0.5) }' && break
        echo "load $load, waiting a minute" >&2
        sleep 60
    done
fi

step "machine"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel=$(uname -r)"
    echo "rustc=$(rustc --version)"
    echo "go=$(go version | cut -d' ' -f3)"
    echo "python=$("$PY_SDK" -c 'import platform; print(platform.python_version())')"
    echo "sdk=$("$PY_SDK" -m pip show huaweicloudsdkkafka | sed -n 's/^Version: //p')"
    echo "sdkcore=$("$PY_SDK" -m pip show huaweicloudsdkcore | sed -n 's/^Version: //p')"
    echo "load_before=$LOAD_BEFORE"
    echo "command=$COMMAND"
    echo "quick=$QUICK"
} > "$RES/machine.txt"
cat "$RES/machine.txt" >&2

step "1. core (criterion)"
cargo bench --quiet -p progress-core --bench core -- "${CRITERION_ARGS[@]}" > "$RES/criterion.log" 2>&1 ||
    { cat "$RES/criterion.log" >&2; exit 1; }
for id in decode/progress/seed_example decode/serde_json_value_baseline/seed_example \
    decode/progress/200_steps decode/serde_json_value_baseline/200_steps \
    decode/error_body decode/error_body_serde_json_value_baseline \
    sign/sign_request sign/floor_hmac_plus_two_sha256 sign/build_full_request \
    sign/sign_plus_decode_seed_example; do
    printf '%s %s\n' "$id" "$(tr -d '\n ' < "target/criterion/$id/new/estimates.json")"
done > "$RES/criterion.txt"

step "start dms-emulator"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy
export NO_PROXY=127.0.0.1
EMU_LOG=$OUT/emulator.out
EMU_ENV=$OUT/emulator.env
rm -f "$EMU_ENV"
target/release/dms-emulator --listen 127.0.0.1:0 --quiet --scenario bench/scenario.json \
    --env-file "$EMU_ENV" > "$EMU_LOG" 2>&1 &
EMU_PID=$!
trap 'kill "$EMU_PID" 2>/dev/null || true' EXIT
# The start-up facts appear, complete, once the emulator accepts connections.
for _ in $(seq 100); do
    [ -f "$EMU_ENV" ] && break
    sleep 0.1
done
[ -f "$EMU_ENV" ] || { cat "$EMU_LOG" >&2; exit 1; }
. "$EMU_ENV"
ENDPOINT=$DMS_EMULATOR_ENDPOINT
PROJECT=$DMS_EMULATOR_PROJECT_ID
INSTANCE=11111111-2222-3333-4444-555555555555
TASK=bench000000000000000000000000001       # running for a day: stable answers
DONE_TASK=bench000000000000000000000000002  # finished: bindings/c/example.c returns at once
# Not started yet (no step times): the only kind of task the official Go SDK decodes.
WAITING_TASK=bench000000000000000000000000003
export HUAWEICLOUD_SDK_AK=DMSEMULATORDEMOAK00001 HUAWEICLOUD_SDK_SK=dms-emulator-demo-secret-key
export HUAWEICLOUD_SDK_PROJECT_ID=$PROJECT
# Nothing from a profile file or a region override may leak in.
export HUAWEICLOUD_SDK_CREDENTIALS_FILE=/dev/null
ARGS=("$ENDPOINT" "$PROJECT" "$INSTANCE" "$TASK")
echo "emulator $ENDPOINT (pid $EMU_PID)" >&2

step "2. end to end on loopback: $ROUNDS rounds, sequential then 8 concurrent callers"
# Where the emulator and a sequential client run decides a loopback call's latency on a VM
# more than either does: in the same CPU a request is a context switch into the emulator; in
# two CPUs it is a wake-up of an idle virtual CPU, which costs tens of microseconds on a
# hypervisor. Left to the scheduler, a run flips between the two from one moment to the next.
# So the sequential rows are pinned, both ways: "seq" with the emulator on CPU 0 and the client
# on CPU 1 (as a service on another machine), "same" with both on CPU 0. The concurrent rows
# keep every CPU busy and are not pinned.
if [ "$(nproc)" -ge 2 ]; then
    SPLIT=(taskset -c 1) SAME=(taskset -c 0)
    pin_emulator() { taskset -a -p -c "$1" "$EMU_PID" > /dev/null; }
else
    SPLIT=() SAME=()
    pin_emulator() { :; }
fi
sequential() { # mode, then the command prefix for the client's CPU
    local mode=$1
    shift
    "$@" "$OUT/bench_c" raw "${ARGS[@]}" 1 "$FAST_SEQ" > "$RES/e2e.raw.$mode.$round"
    "$@" target/release/examples/bench_client "${ARGS[@]}" 1 "$FAST_SEQ" > "$RES/e2e.rust.$mode.$round"
    "$@" "$OUT/bench_c" client "${ARGS[@]}" 1 "$FAST_SEQ" > "$RES/e2e.c.$mode.$round"
    "$@" "$OUT/bench-go" "${ARGS[@]}" 1 "$FAST_SEQ" > "$RES/e2e.go.$mode.$round"
    "$@" "$PY_OURS" bench/py/bench_py.py ours "${ARGS[@]}" 1 "$PY_SEQ" > "$RES/e2e.python.$mode.$round"
    "$@" "$PY_OURS" bench/py/bench_py.py socket "${ARGS[@]}" 1 "$PY_SEQ" > "$RES/e2e.pysocket.$mode.$round"
    "$@" "$PY_SDK" bench/py/bench_py.py sdk "${ARGS[@]}" 1 "$SDK_SEQ" > "$RES/e2e.sdk.$mode.$round"
}
for round in $(seq "$ROUNDS"); do
    echo "round $round" >&2
    pin_emulator 0
    sequential seq "${SPLIT[@]}"
    # The official Go SDK: on the running task (it fails to decode integer step times: the
    # error is recorded), and timed on a task not started yet, which it can decode.
    "$OUT/bench-go-sdk" "${ARGS[@]}" 1 1 > /dev/null 2> "$RES/gosdk.running.err" || true
    "${SPLIT[@]}" "$OUT/bench-go-sdk" "$ENDPOINT" "$PROJECT" "$INSTANCE" "$WAITING_TASK" 1 "$FAST_SEQ" > "$RES/gosdk.waiting.seq.$round"
    "${SPLIT[@]}" "$OUT/bench-go" "$ENDPOINT" "$PROJECT" "$INSTANCE" "$WAITING_TASK" 1 "$FAST_SEQ" > "$RES/gosdk.ours.seq.$round"
    if [ ${#SAME[@]} -gt 0 ]; then sequential same "${SAME[@]}"; fi
    pin_emulator 0-$(($(nproc) - 1))
    "$OUT/bench_c" raw "${ARGS[@]}" 8 "$FAST_CONC" > "$RES/e2e.raw.conc.$round"
    target/release/examples/bench_client "${ARGS[@]}" 8 "$FAST_CONC" > "$RES/e2e.rust.conc.$round"
    "$OUT/bench_c" client "${ARGS[@]}" 8 "$FAST_CONC" > "$RES/e2e.c.conc.$round"
    "$OUT/bench-go" "${ARGS[@]}" 8 "$FAST_CONC" > "$RES/e2e.go.conc.$round"
    "$PY_OURS" bench/py/bench_py.py ours "${ARGS[@]}" 8 "$PY_CONC" > "$RES/e2e.python.conc.$round"
    "$PY_SDK" bench/py/bench_py.py sdk "${ARGS[@]}" 8 "$SDK_CONC" > "$RES/e2e.sdk.conc.$round"
done
# Where the Python package's time goes: the same call from a worker thread (no wakeup
# descriptor for Ctrl-C), the native call alone, and the copy of a result into Python objects
# alone; across CPUs, as the sequential rows.
pin_emulator 0
"${SPLIT[@]}" "$PY_OURS" bench/py/bench_py.py ours-parts "${ARGS[@]}" 1 "$PY_SEQ" > "$RES/python_parts.txt"
pin_emulator 0-$(($(nproc) - 1))

step "3. cold start (hyperfine)"
HF=(hyperfine --style none --shell=none --warmup 3)
"${HF[@]}" --runs "$COLD_RUNS" --export-json "$RES/cold.cli.json" \
    "target/release/dms-progress get --endpoint $ENDPOINT --instance-id $INSTANCE --task-id $TASK" >&2
"${HF[@]}" --runs "$COLD_RUNS" --export-json "$RES/cold.python.json" \
    "$PY_OURS bench/py/one_call.py ours ${ARGS[*]}" >&2
"${HF[@]}" --runs "$SDK_COLD_RUNS" --export-json "$RES/cold.sdk.json" \
    "$PY_SDK bench/py/one_call.py sdk ${ARGS[*]}" >&2
"${HF[@]}" --runs "$COLD_RUNS" --export-json "$RES/import.none.json" "$PY_OURS -c pass" >&2
"${HF[@]}" --runs "$COLD_RUNS" --export-json "$RES/import.ours.json" "$PY_OURS -c 'import dms_progress'" >&2
"${HF[@]}" --runs "$SDK_COLD_RUNS" --export-json "$RES/import.sdk.json" \
    "$PY_SDK -c 'from huaweicloudsdkkafka.v2 import KafkaClient, ShowBackgroundTaskProgressRequest'" >&2
# -X importtime: the cumulative microseconds of the top-level import, one line per run.
for _ in $(seq "$RSS_RUNS"); do
    "$PY_OURS" -X importtime -c 'import dms_progress' 2>&1 >/dev/null |
        awk -F'|' '$3 ~ /^ dms_progress$/ { gsub(/ /, "", $2); print $2 }' >> "$RES/importtime.ours.txt"
    "$PY_SDK" -X importtime -c 'import huaweicloudsdkkafka.v2' 2>&1 >/dev/null |
        awk -F'|' '$3 ~ /^ huaweicloudsdkkafka.v2$/ { gsub(/ /, "", $2); print $2 }' >> "$RES/importtime.sdk.txt"
done

step "4. footprint"
{
    # The installed files (target/stage): the release profile already strips the .so.
    SO=$(readlink -f target/stage/lib/libdms_progress.so)
    echo "so $(stat -c %s "$SO")"
    strip -o "$OUT/libdms_progress.stripped.so" "$SO"
    echo "so_stripped $(stat -c %s "$OUT/libdms_progress.stripped.so")"
    echo "a $(stat -c %s target/stage/lib/libdms_progress.a)"
    echo "cli $(stat -c %s target/release/dms-progress)"
    echo "example_static $(stat -c %s "$OUT/example-static")"
    for side in ours sdk; do
        # Everything pip put in the venv's site-packages, less pip and setuptools themselves.
        site=$("$OUT/venv/$side/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
        files=$(cd "$site" && ls -A | grep -Ev '^(pip|setuptools|pkg_resources|_distutils_hack|distutils-precedence\.pth)($|-)' || true)
        echo "site_$side $(cd "$site" && du -sb $files | awk '{ s += $1 } END { print s }')"
        echo "dists_$side $(cd "$site" && ls -d *.dist-info | grep -Evc '^(pip|setuptools)-')"
        echo "distnames_$side $(cd "$site" && ls -d *.dist-info | grep -Ev '^(pip|setuptools)-' | sed 's/-[^-]*\.dist-info$//' | tr '\n' ' ')"
    done
} > "$RES/sizes.txt"
rss() { # label, command...: peak RSS in KiB of each of RSS_RUNS runs
    local label=$1
    shift
    for _ in $(seq "$RSS_RUNS"); do
        /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }' |
            sed "s/^/$label /" >> "$RES/rss.txt"
    done
}
rss c_example env DMS_ENDPOINT="$ENDPOINT" "$OUT/example-static" "$INSTANCE" "$DONE_TASK"
rss cli target/release/dms-progress get --endpoint "$ENDPOINT" --instance-id "$INSTANCE" --task-id "$TASK"
rss python "$PY_OURS" bench/py/one_call.py ours "${ARGS[@]}"
rss sdk "$PY_SDK" bench/py/one_call.py sdk "${ARGS[@]}"

step "5. emulator capacity (wrk, pre-signed request)"
target/release/examples/wrk_script "$ENDPOINT" "$TASK" > "$OUT/progress.lua"
wrk -t2 -c32 -d"${WRK_SECONDS}s" --latency -s "$OUT/progress.lua" "$ENDPOINT" > "$RES/wrk.txt"
cat "$RES/wrk.txt" >&2

kill "$EMU_PID" 2>/dev/null || true
wait "$EMU_PID" 2>/dev/null || true
trap - EXIT

step "6. a watch of 200 tasks (two minutes)"
if [ "$QUICK" = 1 ]; then WATCH_SECONDS=10; else WATCH_SECONDS=60; fi
WATCH_SECONDS=$WATCH_SECONDS bench/watch_fleet.sh "$RES"

{
    echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "seconds=$(($(date +%s) - T_START))"
} >> "$RES/machine.txt"

step "report"
python3 bench/report.py "$RES" BENCHMARKS.md
echo "wrote BENCHMARKS.md in $(($(date +%s) - T_START)) s" >&2
