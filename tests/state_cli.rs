//! `cluster --state` and `triage --state`: two runs on the halves of the
//! sample give the same clustering and report as one run on the whole, and
//! `changes` lists the features the second half brought.

use std::process::{Command, Output};

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", name, "--"])
        .args(args)
        .output()
        .expect("cargo runs")
}

/// A scratch folder for one test, emptied first.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The sample's halves, written into `dir`.
fn halves(dir: &std::path::Path) -> (String, String, String) {
    let whole = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sample.jsonl");
    let text = std::fs::read_to_string(whole).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mid = lines.len() / 2;
    let (a, b) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    std::fs::write(&a, lines[..mid].join("\n") + "\n").unwrap();
    std::fs::write(&b, lines[mid..].join("\n") + "\n").unwrap();
    (
        whole.to_string(),
        a.display().to_string(),
        b.display().to_string(),
    )
}

fn stdout(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The clustering lines (without events).
fn clustering_lines(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| !l.contains("\"event\""))
        .map(String::from)
        .collect()
}

#[test]
fn cluster_state_in_two_runs_equals_one() {
    let dir = scratch("cluster_state");
    let (whole, a, b) = halves(&dir);
    let (s1, s2) = (dir.join("s1.json"), dir.join("s2.json"));
    let (s1, s2) = (s1.to_str().unwrap(), s2.to_str().unwrap());
    stdout(&run("cluster", &["--state", s1, &a]));
    let second = stdout(&run("cluster", &["--state", s1, &b]));
    let once = stdout(&run("cluster", &["--state", s2, &whole]));
    assert_eq!(clustering_lines(&second), clustering_lines(&once));
    // Every id in exactly one members list.
    let mut ids: Vec<String> = Vec::new();
    for l in clustering_lines(&second) {
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        for m in v["members"].as_array().unwrap() {
            ids.push(m.as_str().unwrap().to_string());
        }
    }
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((n, ids.len()), (56, 56));
    // The second run's events are lines with an "event" key.
    assert!(second.lines().any(|l| l.contains("\"event\"")));
    // A repeated id is a bad line: exit 1, the state unchanged.
    let before = std::fs::read(s1).unwrap();
    let again = run("cluster", &["--state", s1, &b]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already inserted"));
    assert_eq!(std::fs::read(s1).unwrap(), before);
}

#[test]
fn triage_state_in_two_runs_equals_one_and_lists_changes() {
    let dir = scratch("triage_state");
    let (whole, a, b) = halves(&dir);
    let (s1, s2) = (dir.join("s1.json"), dir.join("s2.json"));
    let (s1, s2) = (s1.to_str().unwrap(), s2.to_str().unwrap());
    let first: serde_json::Value =
        serde_json::from_str(&stdout(&run("triage", &["--state", s1, &a]))).unwrap();
    let mut second: serde_json::Value =
        serde_json::from_str(&stdout(&run("triage", &["--state", s1, &b]))).unwrap();
    let mut once: serde_json::Value =
        serde_json::from_str(&stdout(&run("triage", &["--state", s2, &whole]))).unwrap();
    let changes = second.as_object_mut().unwrap().remove("changes").unwrap();
    once.as_object_mut().unwrap().remove("changes");
    assert_eq!(second, once);
    // The new features are those not in the first run's report.
    let ids = |r: &serde_json::Value| -> Vec<String> {
        r["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (before, after) = (ids(&first), ids(&second));
    let mut expected: Vec<String> = after.into_iter().filter(|i| !before.contains(i)).collect();
    let mut listed: Vec<String> = changes["new_features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    expected.sort();
    listed.sort();
    assert!(!listed.is_empty());
    assert_eq!(listed, expected);
    assert_eq!(changes["requests_before"], 28);
    // The table gains the section.
    let s3 = dir.join("s3.json");
    let s3 = s3.to_str().unwrap();
    stdout(&run("triage", &["--state", s3, &a]));
    let table = stdout(&run("triage", &["--state", s3, &b, "--table"]));
    assert!(table.contains("Changes since the saved state"));
    assert!(table.contains("New features:"));
    // So does the HTML page, with every new feature listed.
    let s4 = dir.join("s4.json");
    let s4 = s4.to_str().unwrap();
    stdout(&run("triage", &["--state", s4, &a]));
    let html = stdout(&run("triage", &["--state", s4, &b, "--output", "html"]));
    let at = html
        .find("<section id=\"changes\"")
        .expect("a changes section");
    let section = &html[at..at + html[at..].find("</section>").unwrap()];
    assert!(section.contains("Changes since the saved state (28 requests saved"));
    for id in &listed {
        assert!(section.contains(&format!("<li>{id} ")), "{id}: {section}");
    }
    assert!(html.contains("<a href=\"#changes\">"));
}

/// A state whose saved requests are not the backlog's (hand-edited ids) is
/// refused with exit status 2 rather than reported with members missing;
/// the JSON report keeps its own key order, `changes` last.
#[test]
fn triage_state_refuses_requests_that_are_not_the_backlogs() {
    let dir = scratch("triage_state_edited");
    let (_, a, b) = halves(&dir);
    let s = dir.join("s.json");
    let s = s.to_str().unwrap();
    let report = stdout(&run("triage", &["--state", s, &a]));
    assert!(
        report.trim_start().starts_with("{\n  \"items\""),
        "{report}"
    );
    assert!(report.contains("\"changes\""));
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s).unwrap()).unwrap();
    for it in state["items"].as_array_mut().unwrap() {
        let id = format!("renamed-{}", it["id"].as_str().unwrap());
        it["id"] = id.into();
    }
    std::fs::write(s, state.to_string()).unwrap();
    let out = run("triage", &["--state", s, &b]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not in the saved backlog"), "{err}");
}

/// `run` with stdout sent to `/dev/full` (every write fails).
fn run_to_full(name: &str, args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", name, "--"])
        .args(args)
        .stdout(full)
        .output()
        .expect("cargo runs")
}

/// A run whose output cannot be written leaves the state as it was: run
/// again, it adds the same requests and reports the same events (the
/// state used to be saved first, so the rerun found every line "already
/// inserted" and the run's events were lost).
#[test]
fn a_run_that_cannot_write_its_output_leaves_the_state() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    for tool in ["cluster", "triage"] {
        let dir = scratch(&format!("state_full_{tool}"));
        let (_, a, b) = halves(&dir);
        let state = dir.join("s.json").display().to_string();
        // No state yet: none is created.
        let out = run_to_full(tool, &["--state", &state, &a]);
        assert_eq!(out.status.code(), Some(2), "{tool}");
        assert!(!std::path::Path::new(&state).exists(), "{tool}");
        // Saved once the output is written ...
        stdout(&run(tool, &["--state", &state, &a]));
        let saved = std::fs::read(&state).unwrap();
        // ... and unchanged by a run that could not write.
        let out = run_to_full(tool, &["--state", &state, &b]);
        assert_eq!(out.status.code(), Some(2), "{tool}");
        assert_eq!(std::fs::read(&state).unwrap(), saved, "{tool}");
        // The rerun adds the second half: no line is a repeat.
        let out = run(tool, &["--state", &state, &b]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A state that could not be saved (its folder missing) is refused before
/// any work: no output reports events of a state that is never saved, and
/// the error names the state, not a temporary file.
#[test]
fn a_state_in_a_missing_folder_is_refused_before_any_output() {
    let dir = scratch("state_missing_folder");
    let (whole, _, _) = halves(&dir);
    let state = dir.join("no such folder").join("s.json");
    let state = state.display().to_string();
    for tool in ["cluster", "triage"] {
        let out = run(tool, &["--state", &state, &whole]);
        assert_eq!(out.status.code(), Some(2), "{tool}");
        assert!(out.stdout.is_empty(), "{tool}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{state}: the state cannot be saved here")),
            "{tool}: {err}"
        );
        assert!(!err.contains(".tmp"), "{tool}: {err}");
    }
}
