#!/usr/bin/env bash
# seed-corpus.sh [DIR]: writes the seed corpora of decode_progress and decode_error from the
# response cases of testdata/responses (one seed per case, in each target's input layout) to
# DIR/decode_progress and DIR/decode_error (DIR defaults to fuzz/seeds). The seeds of profile
# and endpoint are committed under fuzz/seeds as they are.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
cases="$here/../testdata/responses"
out=${1:-"$here/seeds"}
mkdir -p "$out/decode_progress" "$out/decode_error"

# Two bytes of status, big-endian.
status_bytes() { printf "\\$(printf %03o $(($1 >> 8)))\\$(printf %03o $(($1 & 255)))"; }

count=0
for dir in "$cases"/*/; do
    name=$(basename "$dir")
    response="$dir/response.txt"
    status=$(head -n 1 "$response" | cut -d' ' -f2)
    # Bytes up to and including the empty line that ends the head.
    head_len=$(awk '{ n += length($0) + 1 } $0 == "" { print n; exit }' "$response")
    headers=$(awk 'NR == 1 { next } $0 == "" { exit } { print }' "$response")
    # decode_progress: the status, then the body.
    { status_bytes "$status"; tail -c +"$((head_len + 1))" "$response"; } >"$out/decode_progress/$name"
    # decode_error: the status, `Name: value` lines and an empty line when there are
    # headers, then the body.
    {
        status_bytes "$status"
        if [ -n "$headers" ]; then printf '%s\n\n' "$headers"; fi
        tail -c +"$((head_len + 1))" "$response"
    } >"$out/decode_error/$name"
    count=$((count + 1))
done
echo "$count response cases written as seeds to $out/decode_progress and $out/decode_error"
