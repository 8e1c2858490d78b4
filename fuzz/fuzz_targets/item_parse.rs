//! Item parsing from JSON bytes, then classification with the default
//! policy: never a panic; a rejected item's error renders; an accepted one
//! keeps the invariants of tests/common/fuzz_input.rs.
#![no_main]

use feedback_triage::{Classifier, FeedbackItem};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/fuzz_input.rs"]
mod fuzz_input;

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<FeedbackItem>(data) {
        Ok(item) => {
            let classifier = Classifier::builtin();
            let c = classifier.classify(&item).expect("a parsed item is valid");
            fuzz_input::check(classifier.policy(), &item, &c);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
