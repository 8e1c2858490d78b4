//! Policy parsing from JSON and TOML, then compiling: must never panic, and
//! every error must render.
#![no_main]

use feedback_triage::{Classifier, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let json = serde_json::from_slice::<Policy>(data);
    let toml = std::str::from_utf8(data)
        .ok()
        .map(toml::from_str::<Policy>);
    for policy in [json.ok(), toml.and_then(Result::ok)].into_iter().flatten() {
        match Classifier::new(&policy) {
            Ok(c) => {
                let r = c.classify_text("The app crashes; GDPR data loss", "no longer 崩溃 deal");
                assert!(r.confidence.is_finite());
                // A valid policy round-trips through JSON.
                let text = serde_json::to_string(&policy).expect("serialise");
                let back: Policy = serde_json::from_str(&text).expect("re-read");
                assert!(Classifier::new(&back).is_ok(), "round trip broke {text}");
            }
            Err(errors) => {
                assert!(!errors.is_empty());
                let _ = errors.to_string();
            }
        }
    }
});
