#!/usr/bin/env bash
# localize-archive.sh IN.a OUT.a VERSION_SCRIPT
#
# Turns the static library rustc writes (hundreds of objects: the Rust standard library,
# ring, rustls and the other dependencies, each with embedded LLVM bitcode and debug info,
# about 4,000 default-visibility globals) into an archive of one object that defines only the
# C API. A Rust staticlib cannot be given a version script (nothing is linked), so this does
# by hand what the linker does for the shared library:
#
#   1. drop the embedded bitcode (.llvmbc/.llvmcmd: a user's LTO linker plugin must not see it),
#   2. `ld -r` every member into one relocatable object, so references between them resolve
#      there and no longer need global symbols,
#   3. keep global only the names the version script's `global:` patterns match
#      (dms_progress_*); everything else, rust_eh_personality included, becomes local, and the
#      one COMDAT group (DW.ref.rust_eh_personality) is renamed so that another Rust static
#      library's copy cannot replace ours,
#   4. strip debug info and the symbols no relocation needs.
#
# It fails if a defined global other than the API is left.
set -euo pipefail
in=$1 out=$2 map=$3
LD=${LD:-ld}
OBJCOPY=${OBJCOPY:-objcopy}
AR=${AR:-ar}
READELF=${READELF:-readelf}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The patterns of the version script's `global:` list, e.g. "dms_progress_*".
patterns=$(tr '\n' ' ' <"$map" | sed -e 's|/\*\([^*]\|\*[^/]\)*\*/||g' | sed -n 's/.*global:\([^;}]*\(;[^:;}]*\)*\);[[:space:]]*local:.*/\1/p' | tr ';' '\n' | sed 's/[[:space:]]//g' | grep -v '^$')
[ -n "$patterns" ] || { echo "localize-archive.sh: no global: patterns in $map" >&2; exit 1; }
keep=()
while read -r p; do keep+=(--keep-global-symbol="$p"); done <<<"$patterns"

"$OBJCOPY" --remove-section=.llvmbc --remove-section=.llvmcmd "$in" "$work/no-bitcode.a"
"$LD" -r --whole-archive "$work/no-bitcode.a" -o "$work/all.o"
"$OBJCOPY" --wildcard "${keep[@]}" \
    --redefine-sym DW.ref.rust_eh_personality=DW.ref.dms_progress.rust_eh_personality \
    --strip-debug "$work/all.o" "$work/localized.o"
"$OBJCOPY" --strip-unneeded "$work/localized.o" "$work/dms_progress.o"

# Every defined global or weak symbol left must match a pattern.
stray=$("$READELF" -s --wide "$work/dms_progress.o" |
    awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" { print $8 }' |
    while read -r sym; do
        matched=
        while read -r p; do
            # shellcheck disable=SC2254 # the pattern is a glob on purpose
            case "$sym" in $p) matched=1 ;; esac
        done <<<"$patterns"
        [ -n "$matched" ] || echo "$sym"
    done)
if [ -n "$stray" ]; then
    echo "localize-archive.sh: symbols outside the API are still global:" >&2
    echo "$stray" | head -20 >&2
    exit 1
fi

rm -f "$out"
"$AR" rcsD "$out" "$work/dms_progress.o"
