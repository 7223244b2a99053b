#!/usr/bin/env bash
# with-emulator.sh SCENARIO COMMAND...: starts dms-emulator on a free port with SCENARIO,
# exports DMS_ENDPOINT, DMS_AK, DMS_SK and DMS_PROJECT_ID for COMMAND, runs it, and stops the
# emulator whatever happens. The emulator binary comes from DMS_EMULATOR_BIN.
set -euo pipefail
scenario=$1; shift
bin=${DMS_EMULATOR_BIN:?set DMS_EMULATOR_BIN to the dms-emulator binary}
out=$(mktemp)
export DMS_AK=CTESTAK0001 DMS_SK=c-test-secret-key-0001
"$bin" --listen 127.0.0.1:0 --scenario "$scenario" --ak "$DMS_AK" --sk "$DMS_SK" --quiet >"$out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do
    line=$(head -n 1 "$out")
    case "$line" in "listening on "*) break ;; esac
    kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; exit 1; }
    sleep 0.05
done
case "$line" in "listening on "*) ;; *) echo "dms-emulator did not start" >&2; cat "$out" >&2; exit 1 ;; esac
export DMS_ENDPOINT=${line#listening on }
export DMS_PROJECT_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["project_id"])' "$scenario")
"$@"
