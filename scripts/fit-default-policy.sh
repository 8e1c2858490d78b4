#!/usr/bin/env bash
# Refits the learned layer of the embedded default policy from ../shared/data
# (five_class plus the mapped shared sets) and writes src/policy/learned.rules.
# Prints the cross-validated figures (grouped by site or repository) first.
# Reproducible: same data, same file. Extra arguments go to the example
# (see `examples/fit_default.rs` for the knobs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --example fit_default -- "$@" --write src/policy/learned.rules
