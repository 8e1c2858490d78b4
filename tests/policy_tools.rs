//! The foundations of the `policy` example's `dump` and `check`: the embedded
//! policy validates, and survives JSON and TOML as it is.

use feedback_triage::{Classifier, Policy};

#[test]
fn builtin_policy_validates() {
    if let Err(e) = Policy::builtin().validate() {
        panic!("the builtin policy does not validate: {e}");
    }
}

#[test]
fn builtin_policy_round_trips_through_json_and_toml() {
    let p = Policy::builtin();
    let json = serde_json::to_string_pretty(&p).unwrap();
    let back: Policy = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    let toml = toml::to_string(&p).unwrap();
    let back: Policy = toml::from_str(&toml).unwrap();
    assert_eq!(back, p);
    Classifier::new(&back).unwrap();
}

#[test]
fn learned_policy_round_trips_through_json_and_toml() {
    use feedback_triage::{Class, Labelled, LearnParams, Learner};
    let texts = [
        ("app crashes on start", Class::FaultCorrection),
        ("crashes when I log in", Class::FaultCorrection),
        ("please add dark mode", Class::MarketDriven),
        ("please add export", Class::MarketDriven),
    ];
    let items: Vec<Labelled> = texts
        .iter()
        .enumerate()
        .map(|(i, (t, c))| Labelled::new(i, t, "", *c))
        .collect();
    let p = Learner::new(LearnParams::default().min_doc_freq(2))
        .unwrap()
        .learn(&items)
        .unwrap();
    let toml = toml::to_string(&p).unwrap();
    let back: Policy = toml::from_str(&toml).unwrap();
    assert_eq!(back, p);
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
}

#[test]
fn tool_types_are_send_sync_and_unwind_safe() {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    fn assert_all<T: Send + Sync + UnwindSafe + RefUnwindSafe>() {}
    assert_all::<feedback_triage::Learner>();
    assert_all::<feedback_triage::LearnParams>();
    assert_all::<feedback_triage::LearnError>();
    assert_all::<feedback_triage::CrossValidation>();
    assert_all::<feedback_triage::RuleStats>();
    assert_all::<feedback_triage::RuleReport>();
    assert_all::<feedback_triage::Diff>();
    assert_all::<feedback_triage::PolicyDiff>();
    assert_all::<feedback_triage::LintWarning>();
    assert_all::<feedback_triage::testing::Failure>();
}

#[test]
fn failure_message_format() {
    use feedback_triage::{Class, Classifier, Policy, Rule};
    let mut p = Policy::empty();
    p.rules
        .push(Rule::new("market-ask", Class::MarketDriven).keyword("add"));
    let c = Classifier::new(&p).unwrap();
    let f =
        feedback_triage::testing::check_table(&c, &[("Add a dark mode", Class::FaultCorrection)]);
    assert_eq!(
        f[0].to_string(),
        "\"Add a dark mode\": expected fault_correction, got market_driven (matched)\n    market-ask: \"add\" in title (market_driven +1.5)"
    );
}
