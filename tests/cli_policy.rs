//! The `policy` tool as a user runs it: `--help` and `--version`, usage
//! errors and unreadable files (exit 2), output that cannot be written,
//! lint and check listing every error, bad lines in report, diff and learn
//! (exit 1). Run through `cargo run`, as the other example tests do.

#[path = "common/run_example.rs"]
mod run_example;
use run_example::{run, run_out, scratch, text};

#[test]
fn policy_help_and_version_go_to_stdout_with_exit_0() {
    let out = run("policy", &["--help"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let help = text(&out.stdout);
    for word in [
        "dump",
        "check",
        "lint",
        "report",
        "diff",
        "learn",
        "Exit status",
    ] {
        assert!(help.contains(word), "policy --help lacks {word}:\n{help}");
    }
    let out = run("policy", &["--version"], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    for sub in ["dump", "check", "report", "lint", "diff", "learn"] {
        let out = run("policy", &[sub, "--help"], "");
        assert_eq!(out.status.code(), Some(0), "policy {sub} --help");
        assert!(
            text(&out.stdout).contains("Exit status"),
            "policy {sub} --help"
        );
    }
    let out = run("policy", &["learn", "--help"], "");
    assert!(text(&out.stdout).contains("--folds"));
}

#[test]
fn policy_usage_errors_and_unreadable_files_exit_2() {
    let dir = scratch("policy-usage");
    let data = dir.join("d.jsonl");
    std::fs::write(
        &data,
        "{\"id\":\"a\",\"title\":\"crash\",\"label\":\"Bug\"}\n",
    )
    .unwrap();
    let data = data.to_str().unwrap();
    let out = run("policy", &["check", "/no/such/policy.json"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/no/such/policy.json"));
    for args in [
        &[][..],
        &["frobnicate"],
        &["check"],
        &["check", data, "extra"],
        &["dump", "extra"],
        &["lint", "extra"],
        &["dump", "--table"],
    ] {
        let out = run("policy", args, "");
        assert_eq!(out.status.code(), Some(2), "policy {args:?}");
    }
    let labels = "Bug=fault_correction";
    for bad in ["2.7", "-1", "abc"] {
        let out = run(
            "policy",
            &["learn", data, "--labels", labels, "--folds", bad],
            "",
        );
        assert_eq!(out.status.code(), Some(2), "--folds {bad}");
        let err = text(&out.stderr);
        assert!(
            err.contains("--folds") && err.contains(bad),
            "--folds {bad}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
    let out = run("policy", &["diff", data, "--policy", "/no/such.toml"], "");
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

/// A full disk is an error (exit 2, said on stderr); a closed pipe, as
/// with `| head`, ends the tool quietly, as it does `classify`.
#[test]
fn policy_output_that_cannot_be_written() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for args in [&["dump"][..], &["dump", "--toml"], &["lint"]] {
        let out = run_out("policy", args, full().into());
        assert_eq!(out.status.code(), Some(2), "policy {args:?} > /dev/full");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("policy: ") && !err.contains("panicked"),
            "{err}"
        );
        for tool in ["classify", "policy"] {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            let args = if tool == "policy" {
                args
            } else {
                &["examples/data/sample.jsonl"][..]
            };
            let out = run_out(tool, args, writer.into());
            assert_eq!(out.status.code(), Some(0), "{tool} {args:?} | (closed)");
            assert!(out.stderr.is_empty(), "{tool}: {}", text(&out.stderr));
        }
    }
}

/// `policy lint` validates first: an invalid policy's errors are those of
/// `policy check --table`, on stderr, with exit status 1 as `check` has.
#[test]
fn policy_lint_reports_validation_errors_as_check_does() {
    let dir = scratch("policy-lint");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "version = 1\n[settings]\ntitle_weight = -1.0\n\
[[rules]]\nid = \"a\"\nclass = \"necessity\"\nkeywords = [\"gdpr\"]\n\
[[rules]]\nid = \"a\"\nclass = \"necessity\"\nkeywords = [\"\"]\n\
[[rules]]\nid = \"empty\"\nclass = \"necessity\"\n",
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let check = run("policy", &["check", "--table", bad], "");
    assert_eq!(check.status.code(), Some(1));
    let errors = text(&check.stdout);
    assert!(errors.lines().count() >= 4, "{errors}");
    for table in [false, true] {
        let args = if table {
            vec!["lint", "--table", "--policy", bad]
        } else {
            vec!["lint", "--policy", bad]
        };
        let lint = run("policy", &args, "");
        assert_eq!(lint.status.code(), Some(1), "{args:?}");
        assert!(lint.stdout.is_empty(), "{}", text(&lint.stdout));
        let err = text(&lint.stderr);
        for line in errors.lines() {
            assert!(err.contains(line), "lint lacks {line:?}:\n{err}");
        }
    }
    // The embedded default is valid: it lints with status 0.
    let out = run("policy", &["lint"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

/// `report`, `diff` and `learn` exit 1 when some input lines are bad (all
/// of them, for a CSV file read as JSON Lines), 0 when every line was read.
#[test]
fn policy_report_diff_learn_exit_1_on_bad_lines() {
    let dir = scratch("policy-bad-lines");
    let mut good = String::new();
    for i in 0..12 {
        let (label, body) = if i % 2 == 0 {
            ("Bug", "the app crashes when saving")
        } else {
            ("Feature", "please add dark mode support")
        };
        good.push_str(&format!(
            "{{\"id\":\"R{i}\",\"title\":\"item {i}\",\"body\":\"{body}\",\"label\":\"{label}\"}}\n"
        ));
    }
    let files = [
        ("good.jsonl", good.clone(), 0),
        ("bom.jsonl", format!("\u{feff}{good}"), 0),
        (
            "some-bad.jsonl",
            format!("{good}{{not json\n{{\"title\":\"no id\"}}\n"),
            1,
        ),
        (
            "items.csv",
            "id,title,label\nR1,crash,Bug\nR2,dark mode,Feature\n".into(),
            1,
        ),
    ];
    let policy = dir.join("p.json");
    let dumped = run("policy", &["dump"], "");
    // A byte order mark before a JSON policy is skipped too.
    std::fs::write(&policy, format!("\u{feff}{}", text(&dumped.stdout))).unwrap();
    let policy = policy.to_str().unwrap();
    let check = run("policy", &["check", policy], "");
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    let labels = "Bug=fault_correction,Feature=market_driven";
    for (name, content, status) in files {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let path = path.to_str().unwrap();
        for args in [
            vec!["report", path, "--labels", labels, "--policy", policy],
            vec!["diff", path, "--policy", policy],
            vec!["learn", path, "--labels", labels],
        ] {
            if name.ends_with(".csv") && args[0] == "learn" {
                continue; // nothing to learn from: an error (exit 2)
            }
            let out = run("policy", &args, "");
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(status), "{args:?}: {err}");
            assert!(!out.stdout.is_empty(), "{args:?}");
            if status == 1 {
                assert!(err.contains("lines could not be read"), "{args:?}: {err}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A policy that does not parse gives every rule at fault at once, each by
/// its place and id (serde alone stops at the first, and TOML places an
/// error in a `[[rules]]` table at the table's first line).
#[test]
fn a_policy_that_does_not_parse_lists_every_rule_at_fault() {
    let toml = "version = 1\n[settings]\nmin_scor = 0.3\n\
        [[rules]]\nid = \"a\"\nclass = \"necessity\"\nkeywrods = [\"x\"]\n\
        [[rules]]\nid = \"ok\"\nclass = \"necessity\"\nkeywords = [\"y\"]\n\
        [[rules]]\nid = \"b\"\nclass = \"necesity\"\nkeywords = [\"y\"]\n";
    let value: toml::Value = toml::from_str(toml).unwrap();
    let json = serde_json::to_string(&value).unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("policy_all_errors");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in [("p.toml", toml.to_string()), ("p.json", json)] {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let path = path.display().to_string();
        let out = run("policy", &["check", "--table", &path], "");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = text(&out.stdout) + &text(&out.stderr);
        for want in [
            "unknown field `min_scor`",
            "rules[0]: rule \"a\": unknown key \"keywrods\"",
            "rules[2]: rule \"b\": field `class`: unknown class \"necesity\"",
        ] {
            assert!(err.contains(want), "{name}: {want}: {err}");
        }
        assert!(!err.contains("rules[1]"), "{name}: {err}");
        // The other tools name them all too.
        let out = run("classify", &["--policy", &path], "");
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(text(&out.stderr).matches("rules[").count(), 2, "{name}");
    }
}

/// `dump --hand-written` gives the default's hand-written rules alone: a
/// valid policy without the learned layer, which `classify` takes.
#[test]
fn dump_hand_written_leaves_out_the_learned_layer() {
    let ids = |json: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let full = run("policy", &["dump"], "");
    let hand = run("policy", &["dump", "--hand-written"], "");
    assert_eq!(hand.status.code(), Some(0), "{}", text(&hand.stderr));
    let (full_ids, hand_ids) = (ids(&text(&full.stdout)), ids(&text(&hand.stdout)));
    assert!(full_ids.iter().any(|id| id.starts_with("learned-")));
    assert!(!hand_ids.is_empty() && hand_ids.iter().all(|id| !id.starts_with("learned-")));
    // The same hand-written rules, in the same order.
    let kept: Vec<&String> = full_ids
        .iter()
        .filter(|id| !id.starts_with("learned-"))
        .collect();
    assert_eq!(kept, hand_ids.iter().collect::<Vec<_>>());

    let dir = scratch("hand-written");
    let path = dir.join("hand.json");
    std::fs::write(&path, &hand.stdout).unwrap();
    let path = path.to_str().unwrap();
    let check = run("policy", &["check", path], "");
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    let gdpr = r#"{"id":"g","title":"GDPR erasure request","body":"We are legally required to delete personal data under GDPR"}
"#;
    let out = run("classify", &["--class-only", "--policy", path], gdpr);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "{\"class\":\"necessity\",\"id\":\"g\"}\n"
    );
}
