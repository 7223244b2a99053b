#!/usr/bin/env bash
# Every test of the project, in the order a failure is cheapest to read. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests"
cargo test --workspace

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
