//! Classification of arbitrary items with arbitrary valid policies, checking
//! the invariants in tests/common/fuzz_input.rs (shared with the stable
//! harness tests/fuzz_long.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/fuzz_input.rs"]
mod fuzz_input;

fuzz_target!(|input: fuzz_input::Input| {
    fuzz_input::run(&input);
});

// CLUSTERING TARGET PLACEHOLDER: add fuzz_targets/cluster_items.rs at merge
// (arbitrary items -> clusterer; invariants: every item in exactly one
// cluster, deterministic output, no panic). Not written here on purpose.
