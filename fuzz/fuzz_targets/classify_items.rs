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
