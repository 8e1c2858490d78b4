//! Evaluates a policy (the embedded default, or `--policy FILE`) against
//! labelled data, printing accuracy, per-class precision and recall, and
//! macro-F1 under a label map.
//!
//! ```text
//! cargo run --release --example evaluate                      # every set in ../shared/data
//! cargo run --release --example evaluate -- --data DIR        # another data folder
//! cargo run --release --example evaluate -- --file F.jsonl --labels 'bug=fault_correction,...'
//! cargo run --release --example evaluate -- --json            # one JSON object per data set
//! ```
//!
//! The label maps of the shared data sets follow `../shared/data/README.md`:
//! where a label fits two classes (`Feature`), either counts as correct.
//! Items whose label is not in the map are skipped and counted. A set
//! whose items carry a `site` (five_class) is also scored per half: GitHub,
//! and the other sites.

mod common;

use std::collections::BTreeMap;
use std::process::ExitCode;

use feedback_triage::{Class, Classifier, Evaluation, EvaluationReport, LabelMap};

/// `(file under the data folder, label map, note)`.
const SETS: &[(&str, &str, &str)] = &[
    (
        "five_class/requests.jsonl",
        "fault_correction=fault_correction,necessity=necessity,market_driven=market_driven,opportunistic=opportunistic,responsiveness=responsiveness",
        "real requests labelled with the five classes (the default's learned layer was fitted on them: in-sample; see fit_default for cross-validated figures)",
    ),
    (
        "app_reviews/maalej.jsonl",
        "Bug=fault_correction,Feature=market_driven|responsiveness,UserExperience=responsiveness,Rating=responsiveness",
        "app store reviews",
    ),
    (
        "github_issues/nlbse24_train.jsonl",
        "bug=fault_correction,feature=market_driven|responsiveness,question=responsiveness",
        "GitHub issues",
    ),
    (
        "security_bugs/farsec_train.jsonl",
        "security=necessity,non_security=fault_correction",
        "security vs other bug reports",
    ),
    (
        "requirements/promise_exp.jsonl",
        "L=necessity,SE=necessity",
        "legal and security requirements (other labels are not requests of the five kinds: skipped)",
    ),
];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("evaluate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = common::Args::parse(&["data", "file", "labels", "policy", "misses", "misfires"])?;
    args.check(&[
        "data", "file", "labels", "policy", "json", "misses", "misfires",
    ])?;
    let count = |name: &str| -> Result<usize, String> {
        args.value(name)
            .map(str::parse)
            .transpose()
            .map_err(|e| format!("--{name}: {e}"))
            .map(Option::unwrap_or_default)
    };
    let (misfires, misses) = (count("misfires")?, count("misses")?);
    let classifier = match args.value("policy") {
        Some(p) => Classifier::new(&common::read_policy(p)?).map_err(|e| e.to_string())?,
        None => Classifier::builtin(),
    };
    let json = args.has("json");
    let mut macro_sum = 0.0;
    let mut evaluated = 0;
    for (path, map, note) in &sets(&args)? {
        if !std::path::Path::new(path).exists() {
            eprintln!("evaluate: {path} not found, skipped");
            continue;
        }
        let (items, bad) = common::read_items(Some(path)).map_err(|e| format!("{path}: {e}"))?;
        common::report_bad(Some(path), &bad);
        let scored = score(&classifier, &items, map, misses)?;
        if misfires > 0 {
            print_misfires(&scored.blame, misfires);
        }
        macro_sum += scored.report.macro_f1;
        evaluated += 1;
        if json {
            print_json(path, map, &scored);
        } else {
            print_set(path, note, &scored);
        }
    }
    if !json && evaluated > 0 {
        println!(
            "mean macro-F1 over {evaluated} data sets: {:.3}",
            macro_sum / evaluated as f64
        );
    }
    Ok(())
}

/// The sets to evaluate: `--file` with `--labels`, or the shared sets under
/// `--data` (default `../shared/data`), as (path, label map, note).
fn sets(args: &common::Args) -> Result<Vec<(String, LabelMap, String)>, String> {
    if let Some(f) = args.value("file") {
        let labels = args.value("labels").ok_or("--file needs --labels")?;
        return Ok(vec![(
            f.to_string(),
            labels.parse().map_err(|e| format!("--labels: {e}"))?,
            String::new(),
        )]);
    }
    let dir = args.value("data").unwrap_or("../shared/data");
    SETS.iter()
        .map(|(f, m, n)| {
            let map = m
                .parse()
                .map_err(|e| format!("built-in label map of {f}: {e}"))?;
            Ok((format!("{dir}/{f}"), map, n.to_string()))
        })
        .collect()
}

/// One set's figures.
struct Scored {
    report: EvaluationReport,
    /// For sets whose items carry a `site` (five_class): GitHub, and every
    /// other site.
    halves: Option<[(&'static str, EvaluationReport); 2]>,
    /// Items whose label is outside the map, and how many of those the
    /// classifier called necessity.
    outside: usize,
    outside_necessity: usize,
    /// `class:keyword` -> (times it pushed a wrong prediction, times it
    /// backed a right one).
    blame: BTreeMap<String, (usize, usize)>,
}

fn score(
    classifier: &Classifier,
    items: &[common::ReadItem],
    map: &LabelMap,
    misses: usize,
) -> Result<Scored, String> {
    let mut eval = Evaluation::new().max_misses(misses);
    let mut halves = [Evaluation::new(), Evaluation::new()];
    let mut has_site = false;
    let (mut outside, mut outside_necessity) = (0, 0);
    let mut blame: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (_, item, raw) in items {
        let label = raw.get("label").and_then(|l| l.as_str()).unwrap_or("");
        let result = classifier.classify(item).map_err(|e| e.to_string())?;
        let Some(truth) = map.get(label) else {
            eval.skip();
            outside += 1;
            outside_necessity += usize::from(result.class == Some(Class::Necessity));
            continue;
        };
        let right = result.class.is_some_and(|c| truth.contains(&c));
        for e in &result.evidence {
            if let feedback_triage::EvidenceKind::Keyword { phrase, .. } = &e.kind
                && e.contribution > 0.0
                && Some(e.class) == result.class
            {
                let b = blame.entry(format!("{}:{phrase}", e.class)).or_default();
                if right { b.1 += 1 } else { b.0 += 1 }
            }
        }
        if let Some(site) = raw.get("site").and_then(|s| s.as_str()) {
            has_site = true;
            halves[usize::from(site != "github")].add(&item.id, truth, &result);
        }
        eval.add(&item.id, truth, &result)
    }
    let halves = has_site.then(|| {
        let [github, other] = halves;
        [("github", github.finish()), ("other_sites", other.finish())]
    });
    Ok(Scored {
        report: eval.finish(),
        halves,
        outside,
        outside_necessity,
        blame,
    })
}

fn print_misfires(blame: &BTreeMap<String, (usize, usize)>, n: usize) {
    let mut v: Vec<_> = blame.iter().collect();
    v.sort_by_key(|(_, (wrong, right))| std::cmp::Reverse(*wrong as isize - *right as isize));
    println!("  keywords behind wrong predictions (wrong/right):");
    for (k, (w, r)) in v.iter().take(n) {
        println!("    {k:<45} {w:>4} / {r}");
    }
}

fn print_json(path: &str, map: &LabelMap, s: &Scored) {
    let mut v =
        serde_json::json!({ "file": path, "label_map": map.to_string(), "report": s.report });
    if let Some(h) = &s.halves {
        v["halves"] = h
            .iter()
            .map(|(name, r)| (name.to_string(), serde_json::json!(r)))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    println!("{v}");
}

fn print_set(path: &str, note: &str, s: &Scored) {
    print_report(path, note, &s.report);
    for (name, r) in s.halves.iter().flatten() {
        println!(
            "  half {name:<12} items {:>4}  accuracy {:.3}  macro-F1 {:.3}  coverage {:.3}",
            r.items, r.accuracy, r.macro_f1, r.coverage
        );
    }
    if s.outside > 0 && path.contains("promise") {
        println!(
            "  other requirements (skipped): {}, of which classified necessity: {} ({:.1}%)",
            s.outside,
            s.outside_necessity,
            100.0 * s.outside_necessity as f64 / s.outside as f64
        );
    }
    println!();
}

fn print_report(path: &str, note: &str, r: &EvaluationReport) {
    println!("== {path}  ({note})");
    println!(
        "  items {}  skipped {}  accuracy {:.3}  macro-F1 {:.3}  coverage {:.3}",
        r.items, r.skipped, r.accuracy, r.macro_f1, r.coverage
    );
    println!(
        "  {:<17} {:>7} {:>9} {:>9} {:>7} {:>7}",
        "class", "support", "predicted", "precision", "recall", "F1"
    );
    for c in Class::ALL {
        let m = &r.per_class[c.index()];
        if m.support == 0 && m.predicted == 0 {
            continue;
        }
        println!(
            "  {:<17} {:>7} {:>9} {:>9.3} {:>7.3} {:>7.3}",
            c.as_str(),
            m.support,
            m.predicted,
            m.precision,
            m.recall,
            m.f1
        );
    }
    print!("  confusion (rows true, columns predicted: nec opp fault mkt resp none):");
    for c in Class::ALL {
        let row = &r.confusion[c.index()];
        if row.iter().sum::<usize>() > 0 {
            print!("\n    {:<17}", c.as_str());
            for v in row {
                print!(" {v:>5}");
            }
        }
    }
    println!();
    let bands: Vec<String> = r
        .bands
        .iter()
        .map(|b| {
            format!(
                "{} {:.2} of items, {:.2} right",
                b.band, b.share, b.precision
            )
        })
        .collect();
    println!("  bands: {}", bands.join("; "));
    for m in &r.misses {
        let ev: Vec<String> = m
            .evidence
            .iter()
            .filter(|e| e.contribution > 0.0)
            .map(|e| match &e.kind {
                feedback_triage::EvidenceKind::Keyword { phrase, .. } => {
                    format!("{}:{phrase}", e.rule)
                }
                _ => e.rule.to_string(),
            })
            .collect();
        println!(
            "  miss {} expected {} got {:?}: {}",
            m.id,
            m.expected,
            m.predicted.map(|c| c.as_str()),
            ev.join(" ")
        );
    }
}
