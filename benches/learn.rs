//! Learning a policy takes seconds, not minutes, even on 100,000 items.
//!
//! The learner is linear in the items per optimiser iteration: it tokenizes
//! each item once, interns n-grams, and fits a logistic regression over
//! sparse binary features with L-BFGS. With the defaults (no search, macro-F1
//! prior tuning) it makes four fits up to 20,000 items (about 1.9 s at
//! 10,000 on one core) and two above (about 8.5 s at 100,000). The default
//! `l2` 0.5 (chosen for accuracy, see `LearnParams::default`) takes more
//! optimiser steps than the earlier 32, which measured 4.6 s at 100,000 in
//! the same session; `max_iterations` bounds them. The items are synthetic
//! (a Zipf-like vocabulary with a few class-specific words), so the bench
//! needs no data.
//!
//! ```text
//! cargo bench --bench learn
//! ```

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use feedback_triage::{Class, Classifier, Labelled, LearnParams, Learner};

/// A small deterministic generator (64-bit LCG).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CLASSES: [Class; 3] = [
    Class::FaultCorrection,
    Class::MarketDriven,
    Class::Responsiveness,
];

/// `n` synthetic items: (title, body, class).
fn items(n: usize) -> Vec<(String, String, Class)> {
    let mut rng = Rng(42);
    // 5,000 filler words, drawn with a Zipf-like skew, plus 20 signal words
    // per class.
    let filler: Vec<String> = (0..5000).map(|i| format!("w{i}x")).collect();
    let signal: Vec<Vec<String>> = (0..3)
        .map(|c| (0..20).map(|i| format!("sig{c}q{i}z")).collect())
        .collect();
    (0..n)
        .map(|_| {
            // Imbalanced like real feedback: 60/20/20.
            let c = match rng.below(10) {
                0..=5 => 2,
                6 | 7 => 0,
                _ => 1,
            };
            let (title_len, body_len) = (3 + rng.below(6), 10 + rng.below(40));
            let mut words = |len: u64| -> String {
                let mut out = Vec::new();
                for _ in 0..len {
                    if rng.below(8) == 0 {
                        out.push(signal[c][rng.below(20) as usize].as_str());
                    } else {
                        let r = rng.below(5000) * rng.below(5000) / 5000;
                        out.push(filler[r as usize].as_str());
                    }
                }
                out.join(" ")
            };
            let title = words(title_len);
            let body = words(body_len);
            (title, body, CLASSES[c])
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("learn");
    group.sample_size(10);
    let learner = Learner::new(LearnParams::default()).expect("default parameters are valid");
    for n in [1_000usize, 10_000, 100_000] {
        let data = items(n);
        let labelled: Vec<Labelled> = data
            .iter()
            .enumerate()
            .map(|(i, (t, b, c))| Labelled::new(i, t, b, *c))
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &labelled, |b, items| {
            b.iter(|| {
                let policy = learner.learn(items).expect("three classes");
                // The learned policy must work: it finds the signal words.
                let classifier = Classifier::new(&policy).expect("a learned policy validates");
                let c = classifier.classify_text("sig0q1z sig0q2z", "");
                assert_eq!(c.class, Some(Class::FaultCorrection));
                policy.rules.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
