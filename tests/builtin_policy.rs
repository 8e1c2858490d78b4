//! Golden cases for the embedded default policy, written the way a product
//! team unit-tests its own policy: each line is a request and the class the
//! team expects, for a stated reason.

use feedback_triage::{Channel, Class, Classifier, FeedbackItem, Outcome};

use Class::*;

/// `(title, body, expected)`; the channel is unknown, as in text-only use.
const CASES: &[(&str, &str, Class)] = &[
    // necessity: law, regulation, security, forced end of life
    (
        "GDPR deletion request",
        "A former customer asks us to erase all their personal data.",
        Necessity,
    ),
    (
        "Right to be forgotten",
        "Please remove everything you store about me.",
        Necessity,
    ),
    (
        "WCAG 2.1 AA",
        "Our public-sector customers must meet the accessibility directive by June.",
        Necessity,
    ),
    (
        "Stored XSS in comments",
        "Script tags in a comment run in other users' browsers.",
        Necessity,
    ),
    (
        "",
        "The upload endpoint is vulnerable to path traversal (CVE pending).",
        Necessity,
    ),
    (
        "Login page crashes and leaks session tokens",
        "Security bug: the crash page prints the token.",
        Necessity,
    ),
    (
        "Node 16 reaches end of life",
        "We must migrate the workers before support ends.",
        Necessity,
    ),
    (
        "SOX audit trail for approvals",
        "Auditors need a log of who approved each refund.",
        Necessity,
    ),
    (
        "HIPAA",
        "Patient notes must be encrypted at rest to stay compliant.",
        Necessity,
    ),
    // opportunistic: a deal, a prospect, an adoption blocker
    ("We lose the deal without SSO", "", Opportunistic),
    (
        "RFP requires SAML",
        "The tender for the city council lists SAML as mandatory.",
        Opportunistic,
    ),
    (
        "Prospect will sign if we add multi-currency",
        "Big logistics prospect, 400 seats.",
        Opportunistic,
    ),
    (
        "Blocking our rollout",
        "Our IT department will not approve company wide rollout until audit logs exist.",
        Opportunistic,
    ),
    (
        "",
        "We are losing deals to Zendesk because we can't export to Excel.",
        Opportunistic,
    ),
    (
        "Would upgrade to Enterprise",
        "We would upgrade if there was a sandbox environment.",
        Opportunistic,
    ),
    // fault correction: something existing is broken
    (
        "App crashes on launch",
        "Since the last update the app crashes immediately.",
        FaultCorrection,
    ),
    (
        "Can't log in after password reset",
        "The login page says invalid token.",
        FaultCorrection,
    ),
    (
        "Export produces wrong totals",
        "Steps to reproduce: 1. export. Expected 10, actual 12.",
        FaultCorrection,
    ),
    (
        "",
        "NullPointerException in the scheduler when the queue is empty.",
        FaultCorrection,
    ),
    (
        "Dashboard freezes",
        "It hangs for a minute and then times out.",
        FaultCorrection,
    ),
    (
        "Sync stopped working",
        "My notes no longer sync between phone and laptop.",
        FaultCorrection,
    ),
    (
        "Regression in 4.2",
        "Search returns nothing for accented names.",
        FaultCorrection,
    ),
    (
        "Das Programm stürzt ab",
        "Beim Speichern kommt ein Fehler.",
        FaultCorrection,
    ),
    ("应用闪退", "打开设置页面就崩溃", FaultCorrection),
    // market driven: new capabilities, integrations, platforms, competition
    (
        "Salesforce integration",
        "Sync contacts and deals' stages both ways.",
        MarketDriven,
    ),
    (
        "Support for Apple Watch",
        "Show reminders on the watch.",
        MarketDriven,
    ),
    (
        "Competitor already has AI summaries",
        "We should add this to stay competitive.",
        MarketDriven,
    ),
    (
        "Add a public REST API",
        "Partners want to build on top of us.",
        MarketDriven,
    ),
    (
        "Offline mode",
        "Field teams need to work without network.",
        MarketDriven,
    ),
    // responsiveness: users' own experience, questions, small wishes
    ("Love the new app", "Great job, five stars!", Responsiveness),
    (
        "The new UI is confusing",
        "I can't find the settings anymore, bring back the old layout.",
        Responsiveness,
    ),
    ("How do I change my avatar?", "", Responsiveness),
    (
        "Dark mode please",
        "It would be nice to have a dark theme.",
        Responsiveness,
    ),
    (
        "Option to hide weekends",
        "Please add an option to hide Saturday and Sunday.",
        Responsiveness,
    ),
    (
        "Terrible",
        "Worst app ever, waste of money.",
        Responsiveness,
    ),
];

#[test]
fn the_default_policy_classifies_the_golden_cases() {
    let classifier = Classifier::builtin();
    let mut failures = Vec::new();
    for (title, body, expected) in CASES {
        let c = classifier.classify_text(title, body);
        if c.class != Some(*expected) {
            let ev: Vec<String> = c
                .evidence
                .iter()
                .map(|e| format!("{}:{:?}", e.rule, e.kind))
                .collect();
            failures.push(format!(
                "{title:?} / {body:?}: expected {expected}, got {:?}\n    {}",
                c.class,
                ev.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_regulator_request_is_always_necessity() {
    let item = FeedbackItem::new("r")
        .with_title("Please add a dark mode")
        .with_channel(Channel::Regulator);
    let c = Classifier::builtin().classify(&item).unwrap();
    assert_eq!(c.class, Some(Necessity));
    assert_eq!(c.outcome, Outcome::Decided);
    assert!(
        c.evidence
            .iter()
            .any(|e| e.rule == "necessity-regulator-channel")
    );
}

#[test]
fn a_security_bug_is_necessity_first_and_fault_second() {
    let c = Classifier::builtin().classify_text(
        "SQL injection in search crashes the server",
        "Entering a quote causes an error and exposes the query.",
    );
    assert_eq!(c.class, Some(Necessity));
    assert!(c.secondary.contains(&FaultCorrection) || c.scores[FaultCorrection] > 0.0);
}

#[test]
fn sales_metadata_tips_a_feature_ask_into_opportunistic() {
    let text = "Salesforce integration";
    let plain = Classifier::builtin().classify_text(text, "");
    assert_eq!(plain.class, Some(MarketDriven));
    let item = FeedbackItem::new("s")
        .with_title(text)
        .with_channel(Channel::Sales)
        .with_deal_value(250_000.0);
    let c = Classifier::builtin().classify(&item).unwrap();
    assert!(c.scores[Opportunistic] > plain.scores[Opportunistic]);
}

#[test]
fn negations_and_exclusions_are_respected() {
    let classifier = Classifier::builtin();
    let c = classifier.classify_text("", "The app no longer crashes since 2.1, thanks! Love it.");
    assert_eq!(c.class, Some(Responsiveness));
    assert!(
        c.evidence
            .iter()
            .any(|e| matches!(e.kind, feedback_triage::EvidenceKind::Negated { .. }))
    );
    let c = classifier.classify_text("This is not a bug", "Just wondering how to export.");
    assert_ne!(c.class, Some(FaultCorrection));
}

#[test]
fn text_that_is_no_request_gets_no_class() {
    for text in ["", "https://example.com/t/123", "👋", "ok"] {
        let c = Classifier::builtin().classify_text(text, "");
        assert_eq!(c.outcome, Outcome::NoMatch, "{text:?}");
        assert_eq!(c.class, None);
        assert_eq!(c.confidence, 0.0);
    }
}

#[test]
fn whole_words_only() {
    let c = Classifier::builtin().classify_text("Update the test fixture", "");
    assert!(c.evidence.iter().all(|e| !matches!(&e.kind, feedback_triage::EvidenceKind::Keyword { phrase, .. } if phrase == "fix")));
}
