#!/usr/bin/env bash
# with-emulator.sh SCENARIO COMMAND...: starts dms-emulator on a free port with SCENARIO,
# exports DMS_ENDPOINT, DMS_AK, DMS_SK and DMS_PROJECT_ID for COMMAND, runs it, and stops the
# emulator whatever happens. The emulator binary comes from DMS_EMULATOR_BIN. What the
# emulator says about itself is read from the shell file it writes with --env-file.
set -euo pipefail
scenario=$1; shift
bin=${DMS_EMULATOR_BIN:?set DMS_EMULATOR_BIN to the dms-emulator binary}
dir=$(mktemp -d)
export DMS_AK=CTESTAK0001 DMS_SK=c-test-secret-key-0001
"$bin" --listen 127.0.0.1:0 --scenario "$scenario" --ak "$DMS_AK" --sk "$DMS_SK" --quiet \
    --env-file "$dir/emulator.env" >"$dir/out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
# The file appears, complete (it is renamed into place), once the emulator accepts connections.
for _ in $(seq 200); do
    [ -f "$dir/emulator.env" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/out" >&2; exit 1; }
    sleep 0.05
done
[ -f "$dir/emulator.env" ] || { echo "dms-emulator did not start" >&2; cat "$dir/out" >&2; exit 1; }
. "$dir/emulator.env"
export DMS_ENDPOINT=$DMS_EMULATOR_ENDPOINT DMS_PROJECT_ID=$DMS_EMULATOR_PROJECT_ID
"$@"
