//! Stable fallback for the cargo-fuzz targets (for machines without nightly):
//! proptest feeds random bytes through the same structured input and
//! invariant checks as fuzz/fuzz_targets/classify_items.rs, and mutated bad
//! policies through parsing and compiling like fuzz_targets/policy_parse.rs,
//! and labelled texts through the learner like fuzz_targets/learn_items.rs.
//!
//! ```text
//! FUZZ_CASES=200000 cargo test --release --test fuzz_long -- --ignored --nocapture
//! ```
//!
//! A short run of each is part of the normal test suite.

#[path = "common/fuzz_input.rs"]
mod fuzz_input;

use std::cell::Cell;

use arbitrary::{Arbitrary, Unstructured};
use feedback_triage::{Classifier, Policy};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

fn classify_run(cases: u32) -> (u32, usize) {
    let classified = Cell::new(0usize);
    let runs = Cell::new(0u32);
    runner(cases)
        .run(&prop::collection::vec(any::<u8>(), 0..4096), |bytes| {
            let mut u = Unstructured::new(&bytes);
            if let Ok(input) = fuzz_input::Input::arbitrary(&mut u) {
                classified.set(classified.get() + fuzz_input::run(&input));
            }
            runs.set(runs.get() + 1);
            Ok(())
        })
        .unwrap();
    (runs.get(), classified.get())
}

/// Seeds for the policy parser: the bad corpus plus the builtin policy.
fn policy_seeds() -> Vec<(bool, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad/policies");
    let mut seeds: Vec<(bool, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.extension().is_some_and(|e| e == "toml"),
                std::fs::read(p).unwrap(),
            )
        })
        .collect();
    let builtin = Policy::builtin();
    seeds.push((false, serde_json::to_vec(&builtin).unwrap()));
    seeds.push((true, toml::to_string(&builtin).unwrap().into_bytes()));
    seeds
}

fn policy_run(cases: u32) -> u32 {
    let seeds = policy_seeds();
    let n = seeds.len();
    let edit = (any::<usize>(), any::<u8>(), 0u8..4);
    let runs = Cell::new(0u32);
    runner(cases)
        .run(
            &(0..n, prop::collection::vec(edit, 0..8)),
            |(seed, edits)| {
                let (is_toml, mut bytes) = seeds[seed].clone();
                for (at, byte, op) in edits {
                    let at = if bytes.is_empty() {
                        0
                    } else {
                        at % bytes.len()
                    };
                    match op {
                        0 if !bytes.is_empty() => bytes[at] = byte,
                        1 => bytes.insert(at, byte),
                        2 if !bytes.is_empty() => {
                            bytes.remove(at);
                        }
                        _ => bytes.truncate(at),
                    }
                }
                let parsed = if is_toml {
                    std::str::from_utf8(&bytes)
                        .ok()
                        .and_then(|t| toml::from_str::<Policy>(t).ok())
                } else {
                    serde_json::from_slice::<Policy>(&bytes).ok()
                };
                if let Some(policy) = parsed {
                    match Classifier::new(&policy) {
                        Ok(c) => {
                            let r = c
                                .classify_text("The app crashes; GDPR data loss", "no longer 崩溃");
                            prop_assert!(r.confidence.is_finite());
                        }
                        Err(e) => prop_assert!(!e.to_string().is_empty()),
                    }
                }
                runs.set(runs.get() + 1);
                Ok(())
            },
        )
        .unwrap();
    runs.get()
}

fn cluster_run(cases: u32) -> (u32, usize) {
    let clustered = Cell::new(0usize);
    let runs = Cell::new(0u32);
    runner(cases)
        .run(&prop::collection::vec(any::<u8>(), 0..4096), |bytes| {
            let mut u = Unstructured::new(&bytes);
            if let Ok(input) = fuzz_input::ClusterIn::arbitrary(&mut u) {
                clustered.set(clustered.get() + fuzz_input::run_cluster(&input));
            }
            runs.set(runs.get() + 1);
            Ok(())
        })
        .unwrap();
    (runs.get(), clustered.get())
}

#[test]
fn cluster_invariants_short() {
    let (runs, _) = cluster_run(128);
    assert_eq!(runs, 128);
}

#[test]
#[ignore = "long run: FUZZ_CASES=N cargo test --release --test fuzz_long -- --ignored"]
fn cluster_invariants_long() {
    let n = cases(20_000);
    let start = std::time::Instant::now();
    let (runs, clustered) = cluster_run(n);
    eprintln!(
        "cluster_invariants_long: {runs} cases, {clustered} items clustered in {:.1?}",
        start.elapsed()
    );
}

#[test]
fn classify_invariants_short() {
    let (runs, _) = classify_run(256);
    assert_eq!(runs, 256);
}

#[test]
fn policy_parsing_short() {
    assert_eq!(policy_run(256), 256);
}

#[test]
#[ignore = "long run: FUZZ_CASES=N cargo test --release --test fuzz_long -- --ignored"]
fn classify_invariants_long() {
    let n = cases(20_000);
    let start = std::time::Instant::now();
    let (runs, classified) = classify_run(n);
    eprintln!(
        "classify_invariants_long: {runs} cases, {classified} items classified in {:.1?}",
        start.elapsed()
    );
}

#[test]
#[ignore = "long run: FUZZ_CASES=N cargo test --release --test fuzz_long -- --ignored"]
fn policy_parsing_long() {
    let n = cases(20_000);
    let start = std::time::Instant::now();
    let runs = policy_run(n);
    eprintln!(
        "policy_parsing_long: {runs} cases in {:.1?}",
        start.elapsed()
    );
}

fn learn_run(cases: u32) -> (u32, usize) {
    let learned = Cell::new(0usize);
    let runs = Cell::new(0u32);
    runner(cases)
        .run(&prop::collection::vec(any::<u8>(), 0..4096), |bytes| {
            let mut u = Unstructured::new(&bytes);
            if let Ok(input) = fuzz_input::LearnIn::arbitrary(&mut u) {
                learned.set(learned.get() + fuzz_input::run_learn(&input));
            }
            runs.set(runs.get() + 1);
            Ok(())
        })
        .unwrap();
    (runs.get(), learned.get())
}

#[test]
fn learn_invariants_short() {
    let (runs, _) = learn_run(256);
    assert_eq!(runs, 256);
}

#[test]
#[ignore = "long run: FUZZ_CASES=N cargo test --release --test fuzz_long -- --ignored"]
fn learn_invariants_long() {
    let n = cases(20_000);
    let start = std::time::Instant::now();
    let (runs, learned) = learn_run(n);
    eprintln!(
        "learn_invariants_long: {runs} cases, {learned} training items in {:.1?}",
        start.elapsed()
    );
}
