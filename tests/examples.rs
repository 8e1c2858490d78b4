//! The example programs on the bundled sample, through their command lines
//! (as the csv crate tests its examples): the output contracts scripts rely
//! on.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(example: &str, args: &[&str]) -> (String, String, bool) {
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["run", "--quiet", "--example", example, "--"])
        .args(args)
        .output()
        .expect("cargo runs");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

const SAMPLE: &str = "examples/data/sample.jsonl";

fn sample_ids() -> Vec<String> {
    std::fs::read_to_string(root().join(SAMPLE))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn classify_writes_one_object_per_item_in_input_order() {
    let (out, err, ok) = run("classify", &[SAMPLE]);
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, sample_ids());
    for r in &rows {
        for key in ["class", "confidence", "scores", "evidence", "outcome"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        let c = r["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        assert_eq!(r["class"].is_null(), r["outcome"] == "no_match");
    }
}

#[test]
fn cluster_puts_every_id_in_exactly_one_object() {
    let (out, err, ok) = run("cluster", &[SAMPLE]);
    assert!(ok, "{err}");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds = Vec::new();
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        kinds.push(v["kind"].as_str().unwrap().to_string());
        for m in v["members"].as_array().unwrap() {
            *seen.entry(m.as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    let mut expected = sample_ids();
    expected.sort();
    assert_eq!(seen.keys().cloned().collect::<Vec<_>>(), expected);
    assert!(seen.values().all(|&n| n == 1));
    // Features first, then special cases.
    let first_special = kinds.iter().position(|k| k == "special_case").unwrap();
    assert!(kinds[..first_special].iter().all(|k| k == "feature"));
    assert!(kinds[first_special..].iter().all(|k| k == "special_case"));
    assert!(
        first_special >= 3,
        "the sample's three shared asks are features: {kinds:?}"
    );
}

#[test]
fn triage_reports_json_table_and_markdown() {
    let (out, err, ok) = run("triage", &[SAMPLE]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["items"], sample_ids().len());
    for key in [
        "class_mix",
        "features",
        "special_cases",
        "abstained",
        "signals",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let (table, _, ok) = run("triage", &["--table", SAMPLE]);
    assert!(ok && table.contains("Candidate common features") && table.contains("Signals"));
    let (md, _, ok) = run("triage", &["--markdown", SAMPLE]);
    assert!(ok && md.starts_with("# Triage report") && md.contains("| class | requests |"));
}

#[test]
fn the_policy_dump_passes_check_and_round_trips_through_classify() {
    let dir = std::env::temp_dir().join(format!("ft-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (flag, name) in [("", "p.json"), ("--toml", "p.toml")] {
        let args: Vec<&str> = if flag.is_empty() {
            vec!["dump"]
        } else {
            vec!["dump", flag]
        };
        let (policy, err, ok) = run("policy", &args);
        assert!(ok, "{err}");
        let path = dir.join(name);
        std::fs::write(&path, policy).unwrap();
        let p = path.to_str().unwrap();
        let (_, err, ok) = run("policy", &["check", p]);
        assert!(ok, "{err}");
        // The dumped default classifies exactly like the embedded one.
        let (a, _, _) = run("classify", &[SAMPLE]);
        let (b, err, ok) = run("classify", &["--policy", p, SAMPLE]);
        assert!(ok, "{err}");
        assert_eq!(a, b);
    }
}

#[test]
fn an_unknown_option_is_an_error_not_ignored() {
    let (_, err, ok) = run("classify", &["--tabel", SAMPLE]);
    assert!(!ok && err.contains("--tabel"));
}

/// The reported panic, from the command line: 20 of 40 training items carry
/// a 250-character token; `policy learn --folds 5` cross-validates, and the
/// written policy passes `policy check`.
#[test]
fn policy_learn_on_a_250_character_token_cross_validates_and_checks() {
    let dir = std::env::temp_dir().join(format!("ft-learn-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let long = "x".repeat(250);
    let mut lines = String::new();
    for i in 0..40 {
        let (label, body) = if i % 2 == 0 {
            ("Bug", "the app crashes when saving")
        } else {
            ("Feature", "please add dark mode support")
        };
        let body = if i < 20 {
            format!("{body} {long}")
        } else {
            body.to_string()
        };
        let row = serde_json::json!({"id": format!("R{i}"), "title": format!("item {i}"), "body": body, "label": label});
        lines.push_str(&format!("{row}\n"));
    }
    let data = dir.join("long.jsonl");
    std::fs::write(&data, lines).unwrap();
    let out = dir.join("learned.json");
    let (stdout, err, ok) = run(
        "policy",
        &[
            "learn",
            data.to_str().unwrap(),
            "--labels",
            "Bug=fault_correction,Feature=market_driven",
            "--folds",
            "5",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(report["cross_validation"]["folds"], 5, "{report}");
    let (stdout, err, ok) = run("policy", &["check", out.to_str().unwrap()]);
    assert!(ok, "{stdout} {err}");
    let check: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(check["ok"], true);
    std::fs::remove_dir_all(&dir).ok();
}

/// `policy learn --merge-into BASE`: the report's `keywords` counts what was
/// learned, not the base policy's keywords, while the written policy holds
/// both.
#[test]
fn policy_learn_merge_into_reports_the_learned_keywords() {
    let dir = std::env::temp_dir().join(format!("ft-learn-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut lines = String::new();
    for i in 0..20 {
        let (label, body) = if i % 2 == 0 {
            ("Bug", "the app crashes when saving a file")
        } else {
            ("Feature", "please add dark mode support to the editor")
        };
        let row = serde_json::json!({"id": format!("R{i}"), "title": format!("item {i}"), "body": body, "label": label});
        lines.push_str(&format!("{row}\n"));
    }
    let data = dir.join("train.jsonl");
    std::fs::write(&data, lines).unwrap();
    let base = dir.join("base.toml");
    std::fs::write(
        &base,
        "version = 1\n[[rules]]\nid = \"base\"\nclass = \"necessity\"\nkeywords = [\"gdpr\", \"hipaa\", \"soc 2\"]\n",
    )
    .unwrap();
    let merged = dir.join("merged.json");
    let learn = |extra: &[&str]| {
        let mut args = vec![
            "learn",
            data.to_str().unwrap(),
            "--labels",
            "Bug=fault_correction,Feature=market_driven",
        ];
        args.extend_from_slice(extra);
        let (stdout, err, ok) = run("policy", &args);
        assert!(ok, "{err}");
        serde_json::from_str::<serde_json::Value>(stdout.trim()).unwrap()
    };
    let alone = learn(&[]);
    let report = learn(&[
        "--merge-into",
        base.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(report["keywords"], alone["keywords"], "{report}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let total: usize = written["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["keywords"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(total, alone["keywords"].as_u64().unwrap() as usize + 3);
    std::fs::remove_dir_all(&dir).ok();
}
