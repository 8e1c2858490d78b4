//! Property tests: no panic on any text or item, finite scores, spans on char
//! boundaries that slice the matched words, serde round trips, and order
//! independence of batch classification.

use feedback_triage::{
    Channel, Class, Classifier, Conditions, EvidenceKind, FeedbackItem, Keyword, Outcome, Policy,
    Rule, Scope, TextField,
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
                    #[cfg(not(feature = "internals"))]
                    let _ = phrase;
                    #[cfg(feature = "internals")]
                    {
                        let matched = &text[span.clone()];
                        let norm = |s: &str| feedback_triage::__normalized_terms(s);
                        prop_assert_eq!(norm(matched), norm(phrase), "{:?} vs {:?}", matched, phrase);
                    }
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
        shape in any::<u8>(),
    ) {
        let mut policy = Policy::empty();
        if shape & 1 == 1 {
            policy.settings.fallback = Some(class);
        }
        for (i, id) in ids.iter().enumerate() {
            let mut rule = Rule::new(id.clone(), class).weight(weight).field(if i % 2 == 0 { Scope::Both } else { Scope::Title });
            for (j, w) in words.iter().enumerate() {
                let mut k = Keyword::new(w.clone());
                // Weight 1 is written as a bare string in JSON and TOML.
                if j % 2 == 0 {
                    k.weight = weight / 2.0;
                }
                rule.keywords.push(k);
            }
            rule = rule.exclude("not this");
            if shape & 2 == 2 {
                rule = rule.when(Conditions {
                    channel: Some(vec![Channel::Sales]),
                    min_deal_value: Some(weight * 1000.0),
                    tags: Some(vec!["vip".to_string()]),
                    ..Conditions::default()
                });
            }
            if shape & 4 == 4 {
                rule = rule.decisive().not_negatable();
            }
            if shape & 8 == 8 {
                rule = rule.field(Scope::Body).when(Conditions {
                    not_channel: Some(vec![Channel::Internal, Channel::Partner]),
                    max_deal_value: Some(weight * 10.0),
                    min_votes: Some(3),
                    ..Conditions::default()
                });
                rule.description = Some(format!("note on {id}"));
            }
            policy.rules.push(rule);
        }
        let json = serde_json::to_string(&policy).unwrap();
        let back: Policy = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &policy);
        let toml_text = toml::to_string(&policy).unwrap();
        let back: Policy = toml::from_str(&toml_text).unwrap();
        prop_assert_eq!(&back, &policy);
        // A format that is not self-describing: fields by position.
        let bytes = postcard::to_stdvec(&policy).unwrap();
        let back: Policy = postcard::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &policy);
        // Not human-readable either, but with field names (a map).
        let mut cbor = Vec::new();
        ciborium::into_writer(&policy, &mut cbor).unwrap();
        let back: Policy = ciborium::from_reader(cbor.as_slice()).unwrap();
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
    // One piece of evidence per distinct keyword, not per occurrence: as
    // much as for the sentence said twice.
    let twice = Classifier::builtin().classify_text("", &body[..84]);
    assert_eq!(c.evidence.len(), twice.evidence.len());
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

/// A rule of the generated policies: (class, scope, keywords as (first
/// word, second word or none, weight)).
type TestRule = (u8, u8, Vec<(u8, u8, u8)>);

/// A policy of weighted one- and two-word keywords over a small vocabulary,
/// in rules of each scope; `bag` makes them bags of words (not negatable),
/// else they take the general path (negatable, with negation turned off so
/// the two mean the same).
fn weighted_policy(rules: &[TestRule], bag: bool) -> Policy {
    const WORDS: [&str; 8] = [
        "export", "crash", "law", "deal", "theme", "slow", "pdf", "sso",
    ];
    let mut p = Policy::empty();
    p.settings.negation_window = 0;
    p.settings.title_weight = 1.5;
    for (i, (class, scope, keywords)) in rules.iter().enumerate() {
        let mut r = Rule::new(format!("r{i}"), Class::ALL[*class as usize % 5])
            .field([Scope::Both, Scope::Title, Scope::Body][*scope as usize % 3]);
        let mut seen = std::collections::BTreeSet::new();
        for &(a, b, w) in keywords {
            // Pairs of words only where the second word is no keyword of the
            // rule alone: a longer match covers its words only on the
            // general path.
            let text = if b % 3 == 0 {
                format!("{} {}", WORDS[a as usize % 8], WORDS[b as usize % 8])
            } else {
                WORDS[a as usize % 8].to_string()
            };
            if seen.insert(text.clone()) {
                r = r.weighted_keyword(text, f64::from(w % 20 + 1) / 4.0);
            }
        }
        if !bag {
            p.rules.push(r);
        } else {
            p.rules.push(r.not_negatable());
        }
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Bag-of-words rules (compiled into shared phrases with cells) score
    /// exactly as the general path does, and their evidence lists at most
    /// five keywords per rule plus one entry for the rest, summing to the
    /// rule's part of the score.
    #[test]
    fn bag_rules_score_as_plain_rules(
        rules in prop::collection::vec(
            (0u8..5, 0u8..3, prop::collection::vec((0u8..8, 0u8..8, any::<u8>()), 1..10)),
            1..6,
        ),
        title in prop::collection::vec(0usize..8, 0..10),
        body in prop::collection::vec(0usize..8, 0..20),
    ) {
        const WORDS: [&str; 8] = ["export", "crash", "law", "deal", "theme", "slow", "pdf", "sso"];
        let title: Vec<&str> = title.iter().map(|&i| WORDS[i]).collect();
        let body: Vec<&str> = body.iter().map(|&i| WORDS[i]).collect();
        let (title, body) = (title.join(" "), body.join(" "));
        // Scores are compared unless a rule has pairs that may overlap
        // (only the general path lets one cover the other).
        let plain = Classifier::new(&weighted_policy(&rules, false)).unwrap();
        let bag = Classifier::new(&weighted_policy(&rules, true)).unwrap();
        let a = plain.classify_text(&title, &body);
        let b = bag.classify_text(&title, &body);
        for class in Class::ALL {
            prop_assert!((a.scores[class] - b.scores[class]).abs() < 1e-9 || overlapping_pairs(&rules),
                "{class}: {} vs {}", a.scores[class], b.scores[class]);
        }
        let mut per_rule = std::collections::BTreeMap::<String, (usize, f64)>::new();
        for e in &b.evidence {
            let entry = per_rule.entry(e.rule.to_string()).or_default();
            if matches!(e.kind, EvidenceKind::Keyword { .. }) {
                entry.0 += 1;
            }
            entry.1 += e.contribution;
        }
        let total: f64 = per_rule.values().map(|v| v.1).sum();
        let score: f64 = b.scores.iter().map(|(_, s)| s).sum();
        prop_assert!((total - score).abs() < 1e-6, "{total} vs {score}");
        prop_assert!(per_rule.values().all(|v| v.0 <= 5));
    }
}

/// Whether a rule of the test policy has a two-word keyword that shares a
/// word with another of its keywords: on the general path the longer match
/// covers the shorter (or overlapping) one, while a bag rule counts every
/// keyword found, as the learned weights were fitted.
fn overlapping_pairs(rules: &[TestRule]) -> bool {
    rules.iter().any(|(_, _, kws)| {
        let words: Vec<Vec<u8>> = kws
            .iter()
            .map(|k| {
                if k.1 % 3 == 0 {
                    vec![k.0 % 8, k.1 % 8]
                } else {
                    vec![k.0 % 8]
                }
            })
            .collect();
        words.iter().enumerate().any(|(i, a)| {
            a.len() == 2
                && (a[0] == a[1]
                    || words
                        .iter()
                        .enumerate()
                        .any(|(j, b)| i != j && b != a && b.iter().any(|w| a.contains(w))))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A label map's text form reads back to an equal map, whatever its
    /// labels hold (separators, backslashes, spaces at either end, any
    /// script), so long as each label and class list is non-empty.
    #[test]
    fn label_map_text_round_trips(
        entries in prop::collection::btree_map(
            "[ ,=|\\\\a-zé崩👍\t]{1,8}",
            prop::collection::vec(prop::sample::select(Class::ALL.to_vec()), 1..3),
            1..5,
        ),
    ) {
        let mut map = feedback_triage::LabelMap::default();
        for (label, classes) in &entries {
            map.insert(label.clone(), classes.clone());
        }
        let text = map.to_string();
        let back: feedback_triage::LabelMap = text.parse().map_err(|e| {
            TestCaseError::fail(format!("{text:?}: {e}"))
        })?;
        prop_assert_eq!(back, map, "{:?}", text);
    }
}
