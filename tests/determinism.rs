//! Classification does not depend on what was classified before (per-thread
//! scratch buffers are reused) nor on batch order: a shuffled batch gives the
//! same per-item results, class, scores and evidence in the same order, and
//! `classify_batch` equals per-item `classify`.

#[path = "common/fuzz_input.rs"]
mod fuzz_input;

use std::collections::HashMap;

use arbitrary::{Arbitrary, Unstructured};
use feedback_triage::{Channel, Classification, Classifier, FeedbackItem};
use proptest::prelude::*;

/// Text made of words that the default policy knows, negation cues,
/// punctuation and other scripts.
fn text() -> impl Strategy<Value = String> {
    const WORDS: &[&str] = &[
        "crash",
        "crashes",
        "GDPR",
        "deal",
        "SSO",
        "not",
        "no longer",
        "please",
        "add",
        "export",
        "fails",
        "error",
        "love",
        "slow",
        "integration",
        "Salesforce",
        "law",
        "lose",
        "the",
        ".",
        ";",
        "\n",
        "崩溃",
        "👍",
        "don't",
        "security",
        "vulnerability",
        "CVE-2024-1234",
        "Linux",
        "dark",
        "mode",
        "renewal",
        "contract",
        "confusing",
    ];
    prop::collection::vec(prop::sample::select(WORDS), 0..30).prop_map(|w| w.join(" "))
}

fn item() -> impl Strategy<Value = FeedbackItem> {
    (
        text(),
        text(),
        0..Channel::ALL.len(),
        prop::option::of(0.0..1e7f64),
        0u32..500,
        prop::collection::vec(prop::sample::select(&["gdpr", "export", "sso"][..]), 0..3),
    )
        .prop_map(|(title, body, ch, deal, votes, tags)| {
            let mut item = FeedbackItem::new("x")
                .with_title(title)
                .with_body(body)
                .with_channel(Channel::ALL[ch])
                .with_votes(votes);
            if let Some(d) = deal {
                item = item.with_deal_value(d);
            }
            for t in tags {
                item = item.with_tag(t);
            }
            item
        })
}

fn batch() -> impl Strategy<Value = (Vec<FeedbackItem>, Vec<usize>)> {
    prop::collection::vec(item(), 1..40).prop_flat_map(|items| {
        let n = items.len();
        let items: Vec<FeedbackItem> = items
            .into_iter()
            .enumerate()
            .map(|(i, mut it)| {
                it.id = format!("item-{i}");
                it
            })
            .collect();
        (Just(items), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
    })
}

fn by_id(
    items: &[FeedbackItem],
    results: Vec<Result<Classification, feedback_triage::ItemError>>,
) -> HashMap<String, Classification> {
    items
        .iter()
        .zip(results)
        .map(|(i, r)| (i.id.clone(), r.expect("valid item")))
        .collect()
}

fn check(classifier: &Classifier, items: &[FeedbackItem], order: &[usize]) {
    let shuffled: Vec<FeedbackItem> = order.iter().map(|&i| items[i].clone()).collect();
    let a = by_id(items, classifier.classify_batch(items));
    let b = by_id(&shuffled, classifier.classify_batch(&shuffled));
    assert_eq!(a, b, "shuffling changed a result");
    // Batch equals one by one, in reverse order too.
    for item in items.iter().rev() {
        assert_eq!(
            &classifier.classify(item).unwrap(),
            &a[&item.id],
            "{}",
            item.id
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn shuffled_batch_gives_same_results_builtin((items, order) in batch()) {
        check(&Classifier::builtin(), &items, &order);
    }

    /// The same with random valid policies built like the fuzz target's.
    #[test]
    fn shuffled_batch_gives_same_results_random_policy(
        bytes in prop::collection::vec(any::<u8>(), 64..2048),
        (items, order) in batch(),
    ) {
        let mut u = Unstructured::new(&bytes);
        let Ok(input) = fuzz_input::Input::arbitrary(&mut u) else { return Ok(()) };
        let Ok(classifier) = Classifier::new(&input.policy()) else { return Ok(()) };
        check(&classifier, &items, &order);
    }
}

/// Interleaving two classifiers on one thread (they share the thread's
/// scratch buffers) changes nothing.
#[test]
fn two_classifiers_interleaved() {
    let builtin = Classifier::builtin();
    let mut p = feedback_triage::Policy::empty();
    p.rules.push(
        feedback_triage::Rule::new("one", feedback_triage::Class::MarketDriven)
            .keywords(["crash", "export", "gdpr"]),
    );
    let other = Classifier::new(&p).unwrap();
    let item = FeedbackItem::new("a").with_title("Export crashes, GDPR deal at risk");
    let first = (
        builtin.classify(&item).unwrap(),
        other.classify(&item).unwrap(),
    );
    for _ in 0..3 {
        assert_eq!(builtin.classify(&item).unwrap(), first.0);
        assert_eq!(other.classify(&item).unwrap(), first.1);
    }
}
