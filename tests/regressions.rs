//! Regression tests for library bugs found by the bad-input corpus and the
//! fuzzers (see tests/bad_inputs.rs and fuzz/).

use feedback_triage::{Class, Classifier, Policy, PolicyError, Rule};

fn json_err(text: &str) -> String {
    serde_json::from_str::<Policy>(text)
        .unwrap_err()
        .to_string()
}

fn toml_err(text: &str) -> String {
    toml::from_str::<Policy>(text).unwrap_err().to_string()
}

/// A value of the wrong type in a rule named neither the rule nor the key
/// ("invalid type: string "heavy", expected f64 at line 1 column 80").
#[test]
fn wrong_type_in_a_rule_names_rule_and_key() {
    let e = json_err(
        r#"{"version": 1, "rules": [{"id": "crash", "class": "fault_correction", "weight": "heavy", "keywords": ["crash"]}]}"#,
    );
    assert!(
        e.contains("rules[0]") && e.contains("\"crash\"") && e.contains("`weight`"),
        "{e}"
    );
    // One position, not one per level of wrapping.
    assert_eq!(e.matches(" at line ").count(), 1, "{e}");

    // Before the id is read, the rule is named by its position.
    let e = json_err(
        r#"{"version": 1, "rules": [{"id": "a", "class": "necessity", "keywords": ["x"]}, {"weight": [], "id": "b"}]}"#,
    );
    assert!(e.contains("rules[1]") && e.contains("`weight`"), "{e}");

    let e = toml_err(
        "version = 1\n[[rules]]\nid = \"popular\"\nclass = \"responsiveness\"\n[rules.when]\nmin_votes = -1\n",
    );
    assert!(
        e.contains("\"popular\"") && e.contains("`when`") && e.contains("`min_votes`"),
        "{e}"
    );
}

#[test]
fn bad_keyword_names_rule_and_index() {
    let e = json_err(
        r#"{"version": 1, "rules": [{"id": "crash", "class": "fault_correction", "keywords": ["crash", {"txt": "x"}]}]}"#,
    );
    assert!(
        e.contains("\"crash\"") && e.contains("keywords[1]") && e.contains("\"txt\""),
        "{e}"
    );
    let e = json_err(
        r#"{"version": 1, "rules": [{"id": "sur", "class": "necessity", "keywords": ["\udc00"]}]}"#,
    );
    assert!(e.contains("\"sur\"") && e.contains("keywords[0]"), "{e}");
}

#[test]
fn wrong_type_at_top_level_and_in_settings_names_the_key() {
    let e = json_err(r#"{"version": "1", "rules": []}"#);
    assert!(e.contains("`version`"), "{e}");
    let e = toml_err("version = 1\n[settings]\nfit_ratio = \"half\"\n");
    assert!(e.contains("`fit_ratio`"), "{e}");
    let e = json_err(r#"{"version": 1, "settings": {"precedence": ["necessity", "feature"]}}"#);
    assert!(e.contains("precedence[1]") && e.contains("feature"), "{e}");
    // Unknown keys and missing ones keep serde's wording.
    let e = json_err(r#"{"version": 1, "rulez": []}"#);
    assert!(e.contains("unknown field `rulez`"), "{e}");
    let e = json_err(r#"{"rules": []}"#);
    assert!(e.contains("missing field `version`"), "{e}");
    // Nesting too deep is named too.
    let deep = format!(
        r#"{{"version": 1, "rules": {}{}}}"#,
        "[".repeat(500),
        "]".repeat(500)
    );
    assert!(json_err(&deep).contains("`rules"), "{}", json_err(&deep));
}

/// Weights of 1e300 passed validation, and their product overflowed a class
/// score to infinity (confidence then came out as NaN, clamped to 0).
#[test]
fn weights_that_could_overflow_are_rejected() {
    let mut p = Policy::empty();
    p.settings.title_weight = 1e300;
    p.rules.push(
        Rule::new("huge", Class::Necessity)
            .weight(1e300)
            .weighted_keyword("gdpr", 1e300),
    );
    let errors = Classifier::new(&p).unwrap_err();
    assert_eq!(errors.len(), 3, "{errors}");
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, PolicyError::InvalidWeight { field, .. } if field == "weight"))
    );
    assert!(errors.iter().any(
        |e| matches!(e, PolicyError::InvalidWeight { field, .. } if field == "keywords[0].weight")
    ));
    assert!(errors.to_string().contains("title_weight"));

    // The largest weights allowed keep every score finite.
    let mut p = Policy::empty();
    p.settings.title_weight = 1e6;
    for i in 0..50 {
        p.rules.push(
            Rule::new(format!("r{i}"), Class::Necessity)
                .weight(1e6)
                .weighted_keyword("gdpr", 1e6),
        );
    }
    let c = Classifier::new(&p).unwrap().classify_text("GDPR", "gdpr");
    assert!(c.scores.iter().all(|(_, s)| s.is_finite()));
    assert!(
        c.confidence > 0.99 && c.confidence <= 1.0,
        "{}",
        c.confidence
    );
}

#[test]
fn item_errors_carry_one_position() {
    let e = serde_json::from_str::<feedback_triage::FeedbackItem>(r#"{"id": "a", "votes": -1}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`votes`"), "{e}");
    assert_eq!(e.matches(" at line ").count(), 1, "{e}");
}

#[test]
fn toml_errors_name_the_key_once() {
    let e = toml_err(
        "version = 1\n[[rules]]\nid = \"popular\"\nclass = \"responsiveness\"\n[rules.when]\nmin_votes = -1\n",
    );
    assert!(!e.contains("in `when`"), "{e}");
    assert_eq!(e.matches("`min_votes`").count(), 1, "{e}");
}

/// A key given twice was silently resolved to its last value (a rule's first
/// `keywords` list dropped without a word).
#[test]
fn repeated_keys_are_rejected() {
    let e = json_err(
        r#"{"version": 1, "rules": [{"id": "twice", "class": "necessity", "keywords": ["a"], "keywords": ["b"]}]}"#,
    );
    assert!(
        e.contains("\"twice\"") && e.contains("duplicate field `keywords`"),
        "{e}"
    );
    let e = json_err(r#"{"version": 1, "version": 1, "rules": []}"#);
    assert!(e.contains("duplicate field `version`"), "{e}");
    let e = json_err(r#"{"version": 1, "settings": {"fit_ratio": 0.5, "fit_ratio": 0.6}}"#);
    assert!(e.contains("duplicate field `fit_ratio`"), "{e}");
    let e = serde_json::from_str::<feedback_triage::FeedbackItem>(r#"{"id": "a", "id": "b"}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("duplicate field `id`"), "{e}");
}

#[test]
fn null_when_means_no_conditions() {
    let p: Policy = serde_json::from_str(
        r#"{"version": 1, "rules": [{"id": "a", "class": "necessity", "keywords": ["x"], "when": null, "description": null}]}"#,
    )
    .unwrap();
    assert!(p.rules[0].when.is_empty());
    let e = json_err(r#"{"version": 1, "rules": [{"id": "a", "class": "necessity", "when": 3}]}"#);
    assert!(e.contains("\"a\"") && e.contains("`when`"), "{e}");
}

/// Issue 24: a policy of thousands of keywords in a script without spaces
/// was matched with one search per keyword (time keywords x text). With one
/// automaton over them all, every keyword present is still found, once, at
/// its first occurrence, and no other. (Time per MB: `cargo run --release
/// --example substring_scale`.)
#[test]
fn thousands_of_substring_keywords_find_exactly_those_present() {
    // 3,000 distinct keywords of two ideographs: U+4E00 + i, U+5E00 + i.
    let kw = |i: u32| -> String {
        [0x4E00 + i, 0x5E00 + i]
            .into_iter()
            .map(|c| char::from_u32(c).unwrap())
            .collect()
    };
    let mut policy = Policy::empty();
    for (c, class) in Class::ALL.into_iter().enumerate() {
        let mut rule = Rule::new(format!("cjk-{class}"), class);
        for i in (c as u32..3_000).step_by(Class::ALL.len()) {
            rule = rule.keyword(kw(i).as_str());
        }
        policy.rules.push(rule);
    }
    let classifier = Classifier::new(&policy).unwrap();
    // Keywords 7, 1234 and 2999 (twice), between characters of no keyword.
    let filler = "。".repeat(50);
    let body = format!(
        "{filler}{}{filler}{}{filler}{}{filler}{}{filler}",
        kw(7),
        kw(2999),
        kw(1234),
        kw(2999)
    );
    let c = classifier.classify_text("", &body);
    let mut found: Vec<(String, usize)> = c
        .evidence
        .iter()
        .filter_map(|e| match &e.kind {
            feedback_triage::EvidenceKind::Keyword { phrase, span, .. } => {
                Some((phrase.to_string(), span.start))
            }
            _ => None,
        })
        .collect();
    found.sort();
    let mut expected: Vec<(String, usize)> = [7, 2999, 1234]
        .into_iter()
        .map(|i| (kw(i), body.find(&kw(i)).unwrap()))
        .collect();
    expected.sort();
    assert_eq!(found, expected);
}
