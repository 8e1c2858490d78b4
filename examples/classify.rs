//! Classifies JSON Lines of feedback items with the embedded default policy
//! (or `--policy FILE`, JSON or TOML) and writes one JSON object per input
//! item, in input order: `id`, `class`, `confidence`, `band`, `outcome`, `secondary`,
//! `scores`, `evidence`.
//!
//! ```text
//! cargo run --release --example classify -- examples/data/sample.jsonl
//! cargo run --release --example classify -- --table examples/data/sample.jsonl
//! cat items.jsonl | cargo run --release --example classify -- --policy my-policy.toml
//! ```
//!
//! A line that cannot be read (invalid JSON, no id, a negative deal value, a
//! repeated id) is reported on stderr with its line number and never silently
//! dropped; the other lines are still classified. The exit status is 0 only
//! when every line was classified.

mod common;

use std::io::Write;
use std::process::ExitCode;

use feedback_triage::{Class, Classifier, EvidenceKind};

const USAGE: &str = "usage: classify [--table] [--policy FILE] [FILE|-]";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("classify: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let args = common::Args::parse(&["policy"])?;
    args.check(&["policy", "table", "help"])?;
    if args.has("help") {
        println!("{USAGE}");
        return Ok(true);
    }
    let classifier = match args.value("policy") {
        Some(p) => Classifier::new(&common::read_policy(p)?).map_err(|e| format!("{p}: {e}"))?,
        None => Classifier::builtin(),
    };
    let path = args.positional.first().map(String::as_str);
    let (items, bad) =
        common::read_items(path).map_err(|e| format!("{}: {e}", path.unwrap_or("<stdin>")))?;
    common::report_bad(path, &bad);
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let table = args.has("table");
    if table {
        writeln!(
            out,
            "{:<10} {:<17} {:>5} {:<6} {:<10} {:<44} evidence",
            "id", "class", "conf", "band", "outcome", "title"
        )
        .map_err(|e| e.to_string())?;
    }
    let mut counts = [0usize; 6];
    for (_, item, _) in &items {
        let c = classifier.classify(item).map_err(|e| e.to_string())?;
        counts[c.class.map_or(5, Class::index)] += 1;
        if table {
            // The evidence for the class given, strongest first.
            let mut ev: Vec<&feedback_triage::Evidence> = c
                .evidence
                .iter()
                .filter(|e| Some(e.class) == c.class && e.contribution > 0.0)
                .filter(|e| {
                    matches!(
                        e.kind,
                        EvidenceKind::Keyword { .. } | EvidenceKind::Condition { .. }
                    )
                })
                .collect();
            ev.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
            let ev: Vec<String> = ev
                .into_iter()
                .map(|e| match &e.kind {
                    EvidenceKind::Keyword { phrase, .. } => format!("{phrase:?}"),
                    EvidenceKind::Negated { phrase, .. } => format!("not {phrase:?}"),
                    EvidenceKind::Excluded { phrase, .. } => format!("vetoed by {phrase:?}"),
                    EvidenceKind::Condition { description } => description.to_string(),
                    _ => e.rule.to_string(),
                })
                .fold(Vec::new(), |mut v: Vec<String>, s| {
                    // Each word once (a rule and the title's rule may both count it).
                    if v.len() < 4 && !v.contains(&s) {
                        v.push(s);
                    }
                    v
                });
            let title = if item.title.is_empty() {
                &item.body
            } else {
                &item.title
            };
            writeln!(
                out,
                "{:<10} {:<17} {:>5.2} {:<6} {:<10} {:<44} {}",
                common::cut(&item.id, 10),
                c.class.map_or("-", |c| c.as_str()),
                c.confidence,
                c.band.as_str(),
                c.outcome.as_str(),
                common::cut(title, 44),
                ev.join(", ")
            )
            .map_err(|e| e.to_string())?;
        } else {
            let v = serde_json::json!({
                "id": item.id,
                "class": c.class,
                "confidence": c.confidence,
                "band": c.band,
                "outcome": c.outcome,
                "secondary": c.secondary,
                "scores": c.scores,
                "evidence": c.evidence,
            });
            writeln!(out, "{v}").map_err(|e| e.to_string())?;
        }
    }
    if table {
        let summary: Vec<String> = Class::ALL
            .iter()
            .map(|c| format!("{} {}", c.as_str(), counts[c.index()]))
            .chain(std::iter::once(format!("no class {}", counts[5])))
            .collect();
        writeln!(out, "\n{} items: {}", items.len(), summary.join(", "))
            .map_err(|e| e.to_string())?;
        if !bad.is_empty() {
            writeln!(out, "{} lines could not be read (see stderr)", bad.len())
                .map_err(|e| e.to_string())?;
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(bad.is_empty())
}
