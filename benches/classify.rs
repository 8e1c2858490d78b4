//! Classification throughput: the full classifier (phrases, negation,
//! evidence) against a naive keyword loop (split with `unicode_words`,
//! lowercase each word into a new `String`, look it up in a `HashMap` of the
//! policy's single words).
//!
//! Goal: the full classifier at least 1.5x faster than the naive loop, with no
//! allocation per token. Data: `../shared/data/app_reviews` and
//! `github_issues` when present, synthetic items otherwise.
//!
//! ```text
//! cargo bench --bench classify
//! ```

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use feedback_triage::{Class, Classifier, FeedbackItem, Policy};
use unicode_segmentation::UnicodeSegmentation;

fn load(path: &str) -> Option<Vec<FeedbackItem>> {
    let text = std::fs::read_to_string(path).ok()?;
    let items: Vec<FeedbackItem> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (!items.is_empty()).then_some(items)
}

fn synthetic(n: usize) -> Vec<FeedbackItem> {
    const WORDS: &[&str] = &[
        "the",
        "app",
        "crashes",
        "when",
        "I",
        "open",
        "settings",
        "please",
        "add",
        "dark",
        "mode",
        "we",
        "lose",
        "deal",
        "without",
        "SSO",
        "GDPR",
        "request",
        "export",
        "is",
        "slow",
        "love",
        "it",
        "integration",
        "with",
        "Salesforce",
        "error",
        "after",
        "update",
        "how",
        "do",
        "change",
        "my",
        "password",
    ];
    let mut s = 0x9e3779b97f4a7c15u64;
    (0..n)
        .map(|i| {
            let mut next = || {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s
            };
            let len = 20 + (next() % 60) as usize;
            let body: Vec<&str> = (0..len)
                .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                .collect();
            FeedbackItem::new(format!("s{i}"))
                .with_title(body[..6].join(" "))
                .with_body(body.join(" "))
        })
        .collect()
}

/// The naive reference: one `String` per token, single words only.
struct Naive {
    words: HashMap<String, (Class, f64)>,
}

impl Naive {
    fn new(policy: &Policy) -> Naive {
        let mut words = HashMap::new();
        for rule in &policy.rules {
            for k in &rule.keywords {
                if !k.text.contains(' ') {
                    words.insert(k.text.to_lowercase(), (rule.class, rule.weight * k.weight));
                }
            }
        }
        Naive { words }
    }

    fn classify(&self, title: &str, body: &str) -> Option<Class> {
        let mut scores = [0.0f64; 5];
        for text in [title, body] {
            for w in text.unicode_words() {
                let lower = w.to_lowercase();
                if let Some((c, wt)) = self.words.get(&lower) {
                    scores[c.index()] += wt;
                }
            }
        }
        let (i, s) = scores
            .iter()
            .enumerate()
            .fold((0, 0.0), |b, (i, &s)| if s > b.1 { (i, s) } else { b });
        (s > 0.0).then(|| Class::ALL[i])
    }
}

fn bench(c: &mut Criterion) {
    let sets: Vec<(&str, Vec<FeedbackItem>)> = match (
        load("../shared/data/app_reviews/maalej.jsonl"),
        load("../shared/data/github_issues/nlbse24_train.jsonl"),
    ) {
        (Some(a), Some(g)) => vec![("app_reviews", a), ("github_issues", g)],
        _ => vec![("synthetic", synthetic(3000))],
    };
    let classifier = Classifier::builtin();
    let naive = Naive::new(classifier.policy());
    let mut group = c.benchmark_group("classify");
    group.sample_size(20);
    for (name, items) in &sets {
        let bytes: usize = items.iter().map(|i| i.title.len() + i.body.len()).sum();
        // Sanity, asserted once: every item gets a result and the checksum is stable.
        let classified = items
            .iter()
            .filter(|i| classifier.classify(i).unwrap().class.is_some())
            .count();
        assert!(
            classified > items.len() / 2,
            "{name}: {classified} of {}",
            items.len()
        );
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::new("full", name), items, |b, items| {
            b.iter(|| {
                let mut sum = 0usize;
                for item in items {
                    let r = classifier.classify(black_box(item)).unwrap();
                    sum += r.evidence.len() + r.class.map_or(0, Class::index);
                }
                sum
            })
        });
        group.bench_with_input(BenchmarkId::new("naive", name), items, |b, items| {
            b.iter(|| {
                let mut sum = 0usize;
                for item in items {
                    sum += naive
                        .classify(black_box(&item.title), black_box(&item.body))
                        .map_or(0, Class::index);
                }
                sum
            })
        });
        group.throughput(Throughput::Elements(items.len() as u64));
        group.bench_with_input(BenchmarkId::new("full-items", name), items, |b, items| {
            b.iter(|| {
                items
                    .iter()
                    .filter(|i| classifier.classify(i).unwrap().class.is_some())
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
