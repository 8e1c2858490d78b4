//! Every malformed policy and item in tests/data/bad/ (see its MANIFEST.toml)
//! goes through the public API and must give a typed error whose message
//! names the rule, key or field at fault: never a panic, never a silent
//! acceptance. Inputs too big to commit (a 5 MB policy, a 10 MB title) are
//! generated here.

use feedback_triage::{Classifier, FeedbackItem, Policy};

#[path = "common/bad_manifest.rs"]
mod bad_manifest;

use bad_manifest::{dir, manifest};

/// Where a policy failed, and the message.
#[derive(Debug, PartialEq)]
enum PolicyFailure {
    Parse(String),
    Compile(String),
}

fn parse_policy(name: &str, bytes: &[u8]) -> Result<Policy, String> {
    if name.ends_with(".toml") {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
        toml::from_str::<Policy>(text).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<Policy>(bytes).map_err(|e| e.to_string())
    }
}

fn policy_failure(name: &str, bytes: &[u8]) -> Option<PolicyFailure> {
    let policy = match parse_policy(name, bytes) {
        Ok(p) => p,
        Err(e) => return Some(PolicyFailure::Parse(e)),
    };
    // The typed errors: PolicyErrors, each naming its rule where it has one.
    let errors = Classifier::new(&policy).err()?;
    // `validate` reports the same (compared as text: NaN != NaN).
    assert_eq!(
        policy.validate().err().map(|e| e.to_string()),
        Some(errors.to_string())
    );
    assert!(!errors.is_empty());
    Some(PolicyFailure::Compile(errors.to_string()))
}

fn check_contains(file: &str, message: &str, contains: &[String], problems: &mut Vec<String>) {
    for c in contains {
        if !message.contains(c.as_str()) {
            problems.push(format!(
                "{file}: message does not name {c:?}:\n    {message}"
            ));
        }
    }
}

#[test]
fn bad_policies_are_rejected_naming_the_culprit() {
    let m = manifest();
    let mut problems = Vec::new();
    let mut n = 0;
    for case in m.case.iter().filter(|c| c.kind == "policy") {
        n += 1;
        let bytes = std::fs::read(dir().join(&case.file)).expect(&case.file);
        let failure = policy_failure(&case.file, &bytes);
        let message = match (&failure, case.stage.as_str()) {
            (Some(PolicyFailure::Parse(m)), "parse")
            | (Some(PolicyFailure::Compile(m)), "compile") => m.clone(),
            (other, stage) => {
                problems.push(format!(
                    "{} ({}): expected a {stage} error, got {other:?}",
                    case.file, case.note
                ));
                continue;
            }
        };
        check_contains(&case.file, &message, &case.contains, &mut problems);
    }
    assert!(n >= 30, "only {n} bad policies");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn bad_items_are_rejected_naming_the_field() {
    let m = manifest();
    let mut problems = Vec::new();
    let mut n = 0;
    for case in m.case.iter().filter(|c| c.kind == "item") {
        n += 1;
        let bytes = std::fs::read(dir().join(&case.file)).expect(&case.file);
        match serde_json::from_slice::<FeedbackItem>(&bytes) {
            Ok(item) => problems.push(format!(
                "{} ({}): accepted as {item:?}",
                case.file, case.note
            )),
            Err(e) => check_contains(&case.file, &e.to_string(), &case.contains, &mut problems),
        }
    }
    assert!(n >= 20, "only {n} bad items");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_bad_file_is_in_the_manifest() {
    let m = manifest();
    // good-items.jsonl (not bad) is the input for tests/examples_bad_input.rs.
    for sub in ["policies", "items"] {
        for entry in std::fs::read_dir(dir().join(sub)).unwrap() {
            let name = format!("{sub}/{}", entry.unwrap().file_name().to_string_lossy());
            assert!(
                m.case.iter().any(|c| c.file == name),
                "{name} is not in MANIFEST.toml"
            );
        }
    }
}

/// A 5 MB policy: 30,000 rules, past the limit of 20,000. Rejected with the
/// count named. (How the time to read and check a policy grows with its
/// size is measured by `cargo run --release --example adversarial`, not
/// here: a timed unit test proves little on a shared machine.)
#[test]
fn five_megabyte_policy_is_rejected_quickly() {
    let mut json = String::from("{\"version\": 1, \"rules\": [");
    let mut i = 0;
    while json.len() < 5 * 1024 * 1024 {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            "{{\"id\": \"rule-{i}\", \"class\": \"market_driven\", \"keywords\": [\"feature {i}\", \"integration with tool {i}\", \"support for {i}\"], \"exclude\": [\"not {i}\"]}}"
        ));
        i += 1;
    }
    json.push_str("]}");
    assert!(json.len() >= 5 * 1024 * 1024);
    let policy: Policy = serde_json::from_str(&json).expect("parses");
    let errors = Classifier::new(&policy).unwrap_err();
    let err = errors.to_string();
    assert!(
        err.contains(&format!("{i} rules")) && err.contains("20000"),
        "{err}"
    );
    // Only the count is wrong: one error, not one per rule.
    assert_eq!(errors.len(), 1, "{err}");

    // The same in TOML, with one bad rule in the middle: it is named.
    let mut toml_text = String::from("version = 1\n");
    let mut j = 0;
    while toml_text.len() < 5 * 1024 * 1024 {
        let class = if j == 12_345 {
            "feature"
        } else {
            "market_driven"
        };
        toml_text.push_str(&format!(
            "[[rules]]\nid = \"rule-{j}\"\nclass = \"{class}\"\nkeywords = [\"feature {j}\", \"integration with tool {j}\"]\n"
        ));
        j += 1;
    }
    let err = toml::from_str::<Policy>(&toml_text)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rule-12345") && err.contains("\"feature\""),
        "{err}"
    );
}

/// A 10 MB title is valid: accepted and classified, with the evidence of
/// the sentence it repeats. (That the time grows linearly, 1 MB to
/// 10 MB, is measured by `cargo run --release --example adversarial`, case
/// "one huge request", not by a timed unit test.)
#[test]
fn ten_megabyte_title_is_classified() {
    let mut title = String::with_capacity(10 * 1024 * 1024 + 64);
    while title.len() < 10 * 1024 * 1024 {
        title.push_str("the export crashes again and we lose data ");
    }
    let json = serde_json::to_string(&serde_json::json!({"id": "huge", "title": title})).unwrap();
    let item: FeedbackItem = serde_json::from_str(&json).expect("a long title is valid");
    let c = Classifier::builtin().classify(&item).expect("classifies");
    assert!(c.class.is_some());
    // The text repeats one sentence: the huge title gives the evidence of
    // that sentence alone, each keyword reported once, at its first match.
    let one = Classifier::builtin().classify_text("the export crashes again and we lose data ", "");
    assert_eq!(c.class, one.class);
    assert_eq!(c.evidence.len(), one.evidence.len());
    for (e, o) in c.evidence.iter().zip(&one.evidence) {
        assert_eq!((&e.rule, &e.kind), (&o.rule, &o.kind));
    }
}
