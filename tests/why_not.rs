//! "Why not class X?": `Classifier::explain_against` on the README's
//! examples and on small policies where each reason can be forced.

use feedback_triage::{
    Channel, Class, Classifier, EvidenceKind, FeedbackItem, Policy, WhyNot, WhyNotReason,
};

fn classifier(toml_text: &str) -> Classifier {
    let policy: Policy = toml::from_str(toml_text).expect("the test policy parses");
    Classifier::new(&policy).expect("the test policy is valid")
}

/// What holds for every answer: the scores are the classification's, the
/// gap is their difference, the class's evidence is its own and strongest
/// first, the winner's is the winner's.
fn assert_consistent(c: &Classifier, item: &FeedbackItem, why: &WhyNot) {
    let r = c.classify(item).unwrap();
    assert_eq!(why.winner, r.class);
    assert!((why.score - r.scores[why.class]).abs() < 1e-12);
    let winner_score = r.class.map_or(0.0, |w| r.scores[w]);
    assert!((why.winner_score - winner_score).abs() < 1e-12);
    assert!((why.gap - (winner_score - why.score)).abs() < 1e-12);
    assert!(
        why.closest
            .iter()
            .all(|e| e.class == why.class && e.contribution > 0.0)
    );
    assert!(
        why.closest
            .windows(2)
            .all(|w| w[0].contribution >= w[1].contribution)
    );
    // The class's evidence that counted sums to its score.
    let sum: f64 = why.closest.iter().map(|e| e.contribution).sum();
    assert!((sum - why.score).abs() < 1e-9, "{sum} vs {}", why.score);
    assert!(why.winner_evidence.len() <= 5);
    assert!(why.winner_evidence.iter().all(|e| Some(e.class) == r.class));
}

#[test]
fn the_readme_deal_is_opportunistic_and_says_why_not_necessity() {
    let c = Classifier::builtin();
    let item = FeedbackItem::new("REQ-1")
        .with_title("We lose the deal without SSO")
        .with_channel(Channel::Sales)
        .with_customer("Acme")
        .with_deal_value(120_000.0);
    let won = c.explain_against(&item, Class::Opportunistic).unwrap();
    assert_eq!(won.reason, WhyNotReason::Won);
    assert_consistent(&c, &item, &won);
    for class in [Class::Necessity, Class::Responsiveness, Class::MarketDriven] {
        let why = c.explain_against(&item, class).unwrap();
        assert_consistent(&c, &item, &why);
        assert_eq!(why.winner, Some(Class::Opportunistic));
        assert_ne!(why.reason, WhyNotReason::Won);
        assert!(why.gap > 0.0, "{class}: {why:?}");
        assert!(!why.winner_evidence.is_empty());
    }
}

#[test]
fn an_invalid_item_is_an_error_not_an_answer() {
    let item = FeedbackItem::new("bad").with_deal_value(-1.0);
    assert!(
        Classifier::builtin()
            .explain_against(&item, Class::Necessity)
            .is_err()
    );
}

#[test]
fn a_decisive_rule_of_another_class_is_named() {
    let c = classifier(
        r#"
        version = 1
        [[rules]]
        id = "crash"
        class = "fault_correction"
        weight = 5.0
        keywords = ["crash"]
        [[rules]]
        id = "regulator-always-wins"
        class = "necessity"
        when = { channel = ["regulator"] }
        decisive = true
        "#,
    );
    let item = FeedbackItem::new("1")
        .with_title("Crash on login")
        .with_channel(Channel::Regulator);
    let why = c.explain_against(&item, Class::FaultCorrection).unwrap();
    assert_consistent(&c, &item, &why);
    assert_eq!(
        why.reason,
        WhyNotReason::Decisive {
            rule: "regulator-always-wins".into(),
            class: Class::Necessity
        }
    );
    // It scored higher: the gap says so.
    assert!(why.gap < 0.0);
    assert!(
        matches!(&why.closest[0].kind, EvidenceKind::Keyword { phrase, .. } if &**phrase == "crash")
    );
}

#[test]
fn unmet_conditions_negations_and_exclusions_are_listed() {
    let c = classifier(
        r#"
        version = 1
        [[rules]]
        id = "sales-deal"
        class = "opportunistic"
        keywords = ["deal"]
        when = { channel = ["sales"] }
        [[rules]]
        id = "crash"
        class = "fault_correction"
        keywords = ["crash"]
        negatable = true
        [[rules]]
        id = "broken"
        class = "fault_correction"
        keywords = ["broken"]
        exclude = ["broken link"]
        [[rules]]
        id = "please"
        class = "responsiveness"
        weight = 0.5
        keywords = ["please"]
        "#,
    );
    let item = FeedbackItem::new("1")
        .with_title("Please, a better deal")
        .with_body("The app no longer crash since 2.1. A broken link in the footer.")
        .with_channel(Channel::Support);
    let why = c.explain_against(&item, Class::Opportunistic).unwrap();
    assert_consistent(&c, &item, &why);
    assert_eq!(why.reason, WhyNotReason::NothingFound);
    assert_eq!(why.unmet.len(), 1);
    assert_eq!(why.unmet[0].rule, "sales-deal");
    assert!(why.unmet[0].conditions.contains("sales"), "{:?}", why.unmet);
    let why = c.explain_against(&item, Class::FaultCorrection).unwrap();
    assert_consistent(&c, &item, &why);
    assert_eq!(why.reason, WhyNotReason::NothingFound);
    assert!(why.unmet.is_empty());
    let kinds: Vec<&str> = why
        .cancelled
        .iter()
        .map(|e| match e.kind {
            EvidenceKind::Negated { .. } => "negated",
            EvidenceKind::Excluded { .. } => "excluded",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["negated", "excluded"]);
    assert_eq!(why.winner, Some(Class::Responsiveness));
}

#[test]
fn precedence_and_a_lower_score_are_told_apart() {
    let c = classifier(
        r#"
        version = 1
        [settings]
        fit_ratio = 0.5
        precedence = ["necessity", "opportunistic", "fault_correction", "market_driven", "responsiveness"]
        [[rules]]
        id = "law"
        class = "necessity"
        weight = 1.0
        keywords = ["law"]
        [[rules]]
        id = "crash"
        class = "fault_correction"
        weight = 1.5
        keywords = ["crash"]
        [[rules]]
        id = "theme"
        class = "responsiveness"
        weight = 0.2
        keywords = ["theme"]
        "#,
    );
    let item = FeedbackItem::new("1").with_body("crash under the new law, and a dark theme");
    // Fault correction scored highest but fits only second by precedence.
    let why = c.explain_against(&item, Class::FaultCorrection).unwrap();
    assert_consistent(&c, &item, &why);
    assert_eq!(why.winner, Some(Class::Necessity));
    assert!(matches!(why.reason, WhyNotReason::Precedence { .. }));
    assert!(why.gap < 0.0);
    let why = c.explain_against(&item, Class::Responsiveness).unwrap();
    assert_consistent(&c, &item, &why);
    assert_eq!(why.reason, WhyNotReason::LowerScore);
    assert!(why.gap > 0.0);
}

#[test]
fn below_min_score_nothing_matched() {
    let c = classifier(
        r#"
        version = 1
        [settings]
        min_score = 2.0
        [[rules]]
        id = "theme"
        class = "responsiveness"
        keywords = ["theme"]
        "#,
    );
    let why = c.explain_text_against("dark theme", "", Class::Responsiveness);
    assert_eq!(why.winner, None);
    assert_eq!(why.reason, WhyNotReason::BelowMinScore { min_score: 2.0 });
    assert!(why.score > 0.0 && why.score < 2.0);
}

#[test]
fn the_learned_layer_lists_the_asked_class_words() {
    // Asking about a class the result does not show lists that class's
    // learned words one by one.
    let c = Classifier::builtin();
    let why = c.explain_text_against(
        "App crashes on startup",
        "Since the update the app crashes every time I open it. Please add a dark theme too.",
        Class::Responsiveness,
    );
    assert!(
        why.closest
            .iter()
            .any(|e| e.rule.starts_with("learned-")
                && matches!(e.kind, EvidenceKind::Keyword { .. })),
        "{:#?}",
        why.closest
    );
}

#[test]
fn the_fallback_class_won() {
    let c = classifier(
        r#"
version = 1
[settings]
fallback = "responsiveness"
[[rules]]
id = "crash"
class = "fault_correction"
keywords = ["crash"]
"#,
    );
    let item = FeedbackItem::new("1").with_title("hello there");
    assert_eq!(
        c.classify(&item).unwrap().class,
        Some(Class::Responsiveness)
    );
    let why = c.explain_against(&item, Class::Responsiveness).unwrap();
    assert_consistent(&c, &item, &why);
    assert_eq!(why.reason, WhyNotReason::Won);
    let other = c.explain_against(&item, Class::FaultCorrection).unwrap();
    assert_eq!(other.reason, WhyNotReason::NothingFound);
}
