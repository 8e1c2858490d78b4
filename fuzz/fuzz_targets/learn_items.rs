//! Learning a policy from arbitrary labelled texts (long tokens, any script,
//! emoji, control characters) with arbitrary valid parameters, then
//! cross-validating it, checking the invariants in tests/common/fuzz_input.rs
//! (`run_learn`, shared with the stable harness tests/fuzz_long.rs): no
//! panic, every learned policy validates and compiles, only documented errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/fuzz_input.rs"]
mod fuzz_input;

fuzz_target!(|input: fuzz_input::LearnIn| {
    fuzz_input::run_learn(&input);
});
