//! One test per policy validation error: the variant, and a message that names
//! the rule and the field at fault. Also: every error is collected, and an
//! unknown key is rejected wherever it appears.

use feedback_triage::{Channel, Class, Classifier, Conditions, Keyword, Policy, PolicyError, Rule};

fn errors(policy: &Policy) -> Vec<PolicyError> {
    Classifier::new(policy).unwrap_err().into_iter().collect()
}

fn with_rules(rules: Vec<Rule>) -> Policy {
    let mut p = Policy::empty();
    p.rules = rules;
    p
}

fn only(policy: &Policy) -> PolicyError {
    let mut e = errors(policy);
    assert_eq!(e.len(), 1, "{e:?}");
    e.remove(0)
}

fn ok_rule(id: &str) -> Rule {
    Rule::new(id, Class::FaultCorrection).keyword("crash")
}

#[test]
fn unsupported_version() {
    let mut p = with_rules(vec![ok_rule("a")]);
    p.version = 7;
    let e = only(&p);
    assert!(matches!(
        e,
        PolicyError::UnsupportedVersion {
            found: 7,
            supported: 1
        }
    ));
    assert!(e.to_string().contains("version 7"));
}

#[test]
fn no_rules() {
    assert!(matches!(only(&Policy::empty()), PolicyError::NoRules));
}

#[test]
fn duplicate_rule_ids_name_both_positions() {
    let e = only(&with_rules(vec![
        ok_rule("crash"),
        ok_rule("other"),
        ok_rule("crash"),
    ]));
    assert!(matches!(&e, PolicyError::DuplicateRuleId { id, index: 2, first: 0 } if id == "crash"));
    assert_eq!(e.rule(), Some("crash"));
    assert!(e.to_string().contains("\"crash\"") && e.to_string().contains("#0"));
}

#[test]
fn empty_rule_id() {
    let e = only(&with_rules(vec![ok_rule("a"), ok_rule(" ")]));
    assert!(matches!(e, PolicyError::EmptyRuleId { index: 1 }));
    assert!(e.to_string().contains("rule #1"));
}

#[test]
fn invalid_rule_and_keyword_weights() {
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = only(&with_rules(vec![ok_rule("w").weight(bad)]));
        assert!(
            matches!(&e, PolicyError::InvalidWeight { rule, field, .. } if rule == "w" && field == "weight"),
            "{e}"
        );
        let e = only(&with_rules(vec![
            ok_rule("k").weighted_keyword("boom", bad),
        ]));
        assert!(
            matches!(&e, PolicyError::InvalidWeight { rule, field, .. } if rule == "k" && field == "keywords[1].weight"),
            "{e}"
        );
        assert!(e.to_string().contains("\"k\"") && e.to_string().contains("keywords[1].weight"));
    }
}

#[test]
fn empty_keyword_and_exclusion() {
    for bad in ["", "   ", "!!!", "-- ,"] {
        let e = only(&with_rules(vec![ok_rule("e").keyword(bad)]));
        assert!(
            matches!(&e, PolicyError::EmptyKeyword { rule, field, .. } if rule == "e" && field == "keywords[1]"),
            "{e}"
        );
        let e = only(&with_rules(vec![ok_rule("x").exclude(bad)]));
        assert!(
            matches!(&e, PolicyError::EmptyKeyword { field, .. } if field == "exclude[0]"),
            "{e}"
        );
    }
}

#[test]
fn phrase_over_the_length_limit() {
    let long = "one two three four five six seven eight nine";
    let e = only(&with_rules(vec![ok_rule("p").keyword(long)]));
    assert!(
        matches!(&e, PolicyError::PhraseTooLong { rule, words: 9, .. } if rule == "p"),
        "{e}"
    );
    let huge = "x".repeat(500);
    let e = only(&with_rules(vec![ok_rule("h").keyword(huge)]));
    assert!(
        matches!(&e, PolicyError::PhraseTooLong { chars: 500, .. }),
        "{e}"
    );
    assert!(e.to_string().len() < 400, "the message quotes a cut phrase");
}

#[test]
fn a_rule_with_nothing_to_match() {
    let e = only(&with_rules(vec![Rule::new("nothing", Class::Necessity)]));
    assert!(matches!(&e, PolicyError::EmptyRule { rule } if rule == "nothing"));
    assert!(e.to_string().contains("\"nothing\""));
}

#[test]
fn conditions_that_can_never_hold() {
    let cases = [
        (
            Conditions {
                channel: Some(vec![]),
                ..Conditions::default()
            },
            "when.channel",
        ),
        (
            Conditions {
                channel: Some(vec![Channel::Sales]),
                not_channel: Some(vec![Channel::Sales, Channel::Partner]),
                ..Conditions::default()
            },
            "when.channel",
        ),
        (
            Conditions {
                tags: Some(vec![]),
                ..Conditions::default()
            },
            "when.tags",
        ),
        (
            Conditions {
                min_deal_value: Some(-5.0),
                ..Conditions::default()
            },
            "when.min_deal_value",
        ),
        (
            Conditions {
                max_deal_value: Some(f64::NAN),
                ..Conditions::default()
            },
            "when.max_deal_value",
        ),
        (
            Conditions {
                min_deal_value: Some(10.0),
                max_deal_value: Some(5.0),
                ..Conditions::default()
            },
            "when.min_deal_value",
        ),
    ];
    for (when, field) in cases {
        let e = only(&with_rules(vec![
            Rule::new("never", Class::Opportunistic).when(when.clone()),
        ]));
        assert!(
            matches!(&e, PolicyError::NeverHolds { rule, field: f, .. } if rule == "never" && f == field),
            "{when:?}: {e}"
        );
        assert!(e.to_string().contains(field));
    }
}

#[test]
fn invalid_settings() {
    let mut p = with_rules(vec![ok_rule("a")]);
    p.settings.title_weight = -1.0;
    p.settings.fit_ratio = 1.5;
    p.settings.ambiguity_ratio = 0.0;
    p.settings.confidence_scale = f64::NAN;
    p.settings.precedence = vec![Class::Necessity, Class::Necessity];
    p.settings.negation_window = 1000;
    p.settings.negation_cues.push(String::new());
    let fields: Vec<String> = errors(&p)
        .into_iter()
        .map(|e| match e {
            PolicyError::InvalidSetting { field, .. } => field,
            other => panic!("unexpected {other}"),
        })
        .collect();
    for f in [
        "title_weight",
        "fit_ratio",
        "ambiguity_ratio",
        "confidence_scale",
        "precedence",
        "negation_window",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    assert!(fields.iter().any(|x| x.starts_with("negation_cues[")));
}

#[test]
fn every_error_is_collected_in_rule_order() {
    let p = with_rules(vec![
        Rule::new("a", Class::Necessity),
        ok_rule("b").weight(-2.0).keyword(""),
        ok_rule("a"),
    ]);
    let e = errors(&p);
    let rules: Vec<Option<&str>> = e.iter().map(|e| e.rule()).collect();
    assert_eq!(rules, [Some("a"), Some("b"), Some("b"), Some("a")], "{e:?}");
    let all = Classifier::new(&p).unwrap_err().to_string();
    assert!(all.starts_with("4 errors in policy"), "{all}");
}

#[test]
fn unknown_keys_are_errors_that_name_the_rule() {
    let cases = [
        (
            r#"{"version":1,"rules":[{"id":"r1","class":"necessity","keywrods":["gdpr"]}]}"#,
            "keywrods",
        ),
        (
            r#"{"version":1,"rules":[{"id":"r2","class":"necessity","keywords":["gdpr"],"when":{"chanel":["sales"]}}]}"#,
            "when.chanel",
        ),
        (
            r#"{"version":1,"rules":[{"id":"r3","class":"bugfix","keywords":["x"]}]}"#,
            "bugfix",
        ),
        (
            r#"{"version":1,"rules":[{"id":"r4","class":"necessity","when":{"channel":["fax"]}}]}"#,
            "fax",
        ),
        (
            r#"{"version":1,"rules":[{"id":"r5","class":"necessity","keywords":[{"text":"x","wieght":2}]}]}"#,
            "wieght",
        ),
        (r#"{"version":1,"setings":{},"rules":[]}"#, "setings"),
        (
            r#"{"version":1,"settings":{"title_weigth":2},"rules":[]}"#,
            "title_weigth",
        ),
    ];
    for (i, (json, culprit)) in cases.iter().enumerate() {
        let err = serde_json::from_str::<Policy>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(culprit), "{json}: {err}");
        if i < 4 {
            assert!(
                err.contains(&format!("\"r{}\"", i + 1)),
                "names the rule: {err}"
            );
        }
    }
}

#[test]
fn toml_policies_are_checked_the_same_way() {
    let text = r#"
version = 1
[[rules]]
id = "gdpr"
class = "necessity"
keywords = ["gdpr", { text = "right to be forgotten", weight = 2.0 }]
when = { not_channel = ["internal"] }
"#;
    let p: Policy = toml::from_str(text).unwrap();
    assert_eq!(p.rules[0].keywords[1], {
        let mut k = Keyword::new("right to be forgotten");
        k.weight = 2.0;
        k
    });
    Classifier::new(&p).unwrap();
    let bad = text.replace("keywords", "keyword");
    let err = toml::from_str::<Policy>(&bad).unwrap_err().to_string();
    assert!(
        err.contains("\"gdpr\"") && err.contains("\"keyword\""),
        "{err}"
    );
}

/// Conditions read back on their own what they write, in JSON and TOML;
/// an unknown key is an error that names it.
#[test]
fn conditions_round_trip_on_their_own() {
    let when = Conditions {
        channel: Some(vec![Channel::Sales, Channel::Partner]),
        min_deal_value: Some(50_000.0),
        tags: Some(vec!["vip".into()]),
        min_votes: Some(3),
        ..Conditions::default()
    };
    let json = serde_json::to_string(&when).unwrap();
    assert_eq!(serde_json::from_str::<Conditions>(&json).unwrap(), when);
    let text = toml::to_string(&when).unwrap();
    assert_eq!(toml::from_str::<Conditions>(&text).unwrap(), when);
    assert_eq!(
        serde_json::from_str::<Conditions>("{}").unwrap(),
        Conditions::default()
    );
    let err = serde_json::from_str::<Conditions>(r#"{"chanel": ["sales"]}"#).unwrap_err();
    assert!(err.to_string().contains("chanel"), "{err}");
}
