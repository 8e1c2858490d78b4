//! The `classify` example on bad input, through its command line:
//! `cargo run --example classify -- [--policy FILE] FILE`. Every bad line is
//! reported on stderr with its line number and a message naming the field;
//! every good line still gives one JSON object on stdout, in order; the exit
//! status is non-zero. Bad policies stop it with a message naming the
//! culprit. Kept apart from tests/bad_inputs.rs so it can be adjusted when
//! the example changes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "common/bad_manifest.rs"]
mod bad_manifest;

use bad_manifest::manifest;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the example, or returns None (and says so) when it does not exist.
fn classify(args: &[&Path]) -> Option<Output> {
    if !root().join("examples/classify.rs").exists() {
        eprintln!("examples/classify.rs is absent: skipped");
        return None;
    }
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["run", "--quiet", "--example", "classify", "--"])
        .args(args)
        .output()
        .expect("cargo runs");
    Some(out)
}

#[test]
fn bad_lines_are_reported_and_good_lines_classified() {
    let m = manifest();
    let dir = std::env::temp_dir().join(format!("ft-bad-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut input: Vec<u8> = Vec::new();
    let mut good_ids = Vec::new();
    let mut bad_lines = Vec::new(); // (line, file, contains)
    let mut line = 0;
    let good =
        |n: usize| format!("{{\"id\": \"good-{n}\", \"title\": \"The app crashes on start\"}}\n");
    for case in m.case.iter().filter(|c| c.kind == "item") {
        line += 1;
        input.extend(good(line).bytes());
        good_ids.push(format!("good-{line}"));
        line += 1;
        let mut bytes = std::fs::read(root().join("tests/data/bad").join(&case.file)).unwrap();
        // One input line per case.
        bytes.retain(|&b| b != b'\n' && b != b'\r');
        if bytes.iter().all(u8::is_ascii_whitespace) {
            bytes = b"{}".to_vec();
        }
        input.extend(&bytes);
        input.push(b'\n');
        bad_lines.push((line, case.file.clone(), case.contains.clone()));
    }
    let file = dir.join("items.jsonl");
    std::fs::write(&file, &input).unwrap();
    let Some(out) = classify(&[&file]) else {
        return;
    };
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit status 0 despite bad lines");
    let ids: Vec<String> = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("one JSON object per line");
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids, good_ids, "stdout:\n{stdout}\nstderr:\n{stderr}");
    for (line, file, contains) in bad_lines {
        let tag = format!(":{line}: ");
        let msg = stderr
            .lines()
            .find(|l| l.contains(&tag))
            .unwrap_or_else(|| panic!("line {line} ({file}) not reported:\n{stderr}"));
        // Binary junk may fail as UTF-8 before JSON: only its line is checked.
        if !file.contains("binary") && !file.contains("invalid-utf8") {
            for c in &contains {
                assert!(
                    msg.contains(c.as_str()),
                    "{file}: {msg:?} does not name {c:?}"
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_policies_stop_it_naming_the_culprit() {
    let m = manifest();
    let items = root().join("tests/data/bad/good-items.jsonl");
    let mut checked = 0;
    for case in m.case.iter().filter(|c| c.kind == "policy") {
        if case.file.contains("binary") {
            continue;
        }
        let policy = root().join("tests/data/bad").join(&case.file);
        let Some(out) = Command::new(env!("CARGO"))
            .current_dir(root())
            .args(["run", "--quiet", "--example", "classify", "--", "--policy"])
            .arg(&policy)
            .arg(&items)
            .output()
            .ok()
            .filter(|_| root().join("examples/classify.rs").exists())
        else {
            eprintln!("examples/classify.rs is absent: skipped");
            return;
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}: accepted", case.file);
        assert!(out.stdout.is_empty(), "{}: printed results", case.file);
        for c in &case.contains {
            assert!(
                stderr.contains(c.as_str()),
                "{}: {stderr:?} does not name {c:?}",
                case.file
            );
        }
        checked += 1;
    }
    assert!(checked >= 30 || !root().join("examples/classify.rs").exists());
}
