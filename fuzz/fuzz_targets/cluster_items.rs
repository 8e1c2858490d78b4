//! Clustering of arbitrary small batches with arbitrary valid parameters,
//! then the incremental index on new items, checking the invariants in
//! tests/common/fuzz_input.rs (`run_cluster`, shared with the stable harness
//! tests/fuzz_long.rs): every id in exactly one group, consistent counts,
//! order independence, similarities in [0, 1].
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/fuzz_input.rs"]
mod fuzz_input;

fuzz_target!(|input: fuzz_input::ClusterIn| {
    fuzz_input::run_cluster(&input);
});
