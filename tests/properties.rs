//! Property tests: no panic on any text or item, finite scores, spans on char
//! boundaries that slice the matched words, serde round trips, and order
//! independence of batch classification.

use feedback_triage::{
    Channel, Class, Classifier, EvidenceKind, FeedbackItem, Keyword, Outcome, Policy, Rule, Scope,
    TextField,
};
use proptest::prelude::*;

/// Text drawn from a mix of scripts, emoji, control characters, zero-width
/// joiners, right-to-left marks and words the default policy knows.
fn odd_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("crash".to_string()),
        Just("doesn't".to_string()),
        Just("GDPR".to_string()),
        Just("no longer".to_string()),
        Just("lose the deal".to_string()),
        Just("崩溃".to_string()),
        Just("バグ".to_string()),
        Just("👍".to_string()),
        Just("\u{200d}".to_string()),
        Just("\u{202e}".to_string()),
        Just("مرحبا".to_string()),
        Just("İ".to_string()),
        Just(". ".to_string()),
        Just("\n".to_string()),
        "\\PC{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.join(" "))
}

fn check_spans(text: &str, span: &std::ops::Range<usize>) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{span:?} in {} bytes",
        text.len()
    );
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn classification_never_panics_and_explains_itself(title in odd_text(), body in odd_text()) {
        let c = Classifier::builtin().classify_text(&title, &body);
        for (_, s) in c.scores.iter() {
            prop_assert!(s.is_finite() && s >= 0.0);
        }
        prop_assert!((0.0..=1.0).contains(&c.confidence));
        prop_assert_eq!(c.class.is_none(), c.outcome == Outcome::NoMatch);
        for e in &c.evidence {
            prop_assert!(e.contribution.is_finite() && e.contribution >= 0.0);
            match &e.kind {
                EvidenceKind::Keyword { phrase, field, span }
                | EvidenceKind::Excluded { phrase, field, span }
                | EvidenceKind::Negated { phrase, field, span, .. } => {
                    let text = match field { TextField::Title => &title, TextField::Body => &body };
                    check_spans(text, span);
                    // The slice is the phrase's words, as the matcher sees them.
                    let matched = &text[span.clone()];
                    let norm = |s: &str| feedback_triage::__normalized_terms(s);
                    prop_assert_eq!(norm(matched), norm(phrase), "{:?} vs {:?}", matched, phrase);
                    if let EvidenceKind::Negated { cue, .. } = &e.kind {
                        check_spans(text, cue);
                        prop_assert!(cue.end <= span.start);
                    }
                }
                _ => {}
            }
        }
    }

    #[test]
    fn any_item_is_classified_or_rejected_with_a_typed_error(
        id in "\\PC{0,8}",
        title in odd_text(),
        deal in prop_oneof![Just(None), any::<f64>().prop_map(Some)],
        votes in any::<u32>(),
        channel in prop::sample::select(Channel::ALL.to_vec()),
    ) {
        let mut item = FeedbackItem::new(id).with_title(title).with_channel(channel).with_votes(votes);
        item.deal_value = deal;
        match Classifier::builtin().classify(&item) {
            Ok(c) => prop_assert!(c.confidence.is_finite()),
            Err(e) => prop_assert!(item.validate().is_err() && !e.to_string().is_empty()),
        }
    }

    #[test]
    fn policies_survive_a_serde_round_trip(
        ids in prop::collection::btree_set("[a-z]{1,8}", 1..5),
        words in prop::collection::vec("[a-z]{1,10}( [a-z]{1,10}){0,2}", 1..6),
        weight in 0.1f64..10.0,
        class in prop::sample::select(Class::ALL.to_vec()),
    ) {
        let mut policy = Policy::empty();
        for (i, id) in ids.iter().enumerate() {
            let mut rule = Rule::new(id.clone(), class).weight(weight).field(if i % 2 == 0 { Scope::Both } else { Scope::Title });
            for w in &words {
                let mut k = Keyword::new(w.clone());
                k.weight = weight / 2.0;
                rule.keywords.push(k);
            }
            rule = rule.exclude("not this");
            policy.rules.push(rule);
        }
        let json = serde_json::to_string(&policy).unwrap();
        let back: Policy = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &policy);
        let toml_text = toml::to_string(&policy).unwrap();
        let back: Policy = toml::from_str(&toml_text).unwrap();
        prop_assert_eq!(&back, &policy);
        prop_assert!(Classifier::new(&policy).is_ok());
    }

    #[test]
    fn batch_results_do_not_depend_on_order(texts in prop::collection::vec(odd_text(), 1..12), seed in any::<u64>()) {
        let items: Vec<FeedbackItem> = texts.iter().enumerate()
            .map(|(i, t)| FeedbackItem::new(format!("id-{i}")).with_body(t.clone()))
            .collect();
        let mut shuffled: Vec<usize> = (0..items.len()).collect();
        // A deterministic Fisher-Yates from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let classifier = Classifier::builtin();
        let forward = classifier.classify_batch(&items);
        let permuted: Vec<FeedbackItem> = shuffled.iter().map(|&i| items[i].clone()).collect();
        let backward = classifier.classify_batch(&permuted);
        for (k, &i) in shuffled.iter().enumerate() {
            prop_assert_eq!(&backward[k], &forward[i]);
        }
    }
}

#[test]
fn a_ten_megabyte_item_is_classified() {
    let body = "the export crashes when the file is large ".repeat(250_000);
    assert!(body.len() >= 10_000_000);
    let c = Classifier::builtin().classify_text("", &body);
    assert_eq!(c.class, Some(Class::FaultCorrection));
    // One piece of evidence per distinct keyword, not per occurrence.
    assert!(c.evidence.len() < 20, "{}", c.evidence.len());
}

#[test]
fn spans_survive_case_folding_that_changes_lengths() {
    // 'İ' lowercases to two chars; spans must still point into the original.
    let title = "İİİ CRASHED İİİ";
    let c = Classifier::builtin().classify_text(title, "");
    let EvidenceKind::Keyword { span, .. } = &c.evidence[0].kind else {
        panic!("{c:?}")
    };
    assert_eq!(&title[span.clone()], "CRASHED");
}
