//! What the HTML report costs next to the JSON one: reads a JSON Lines
//! file, builds the triage report once (builtin policy, default
//! parameters), then writes it as pretty JSON (as `triage` does) and as the
//! HTML page (as `triage --output html` does), and prints the time and the
//! bytes of each. The goal: the page within 1 s of the JSON and under 5 MB
//! at 100,000 requests.
//!
//! ```text
//! python3 scripts/scale_jsonl.py 100000 ../shared/data > /tmp/html-in-100k.jsonl
//! cargo run --release --example html_bench -- /tmp/html-in-100k.jsonl
//! ```

mod common;

use std::process::ExitCode;
use std::time::Instant;

use feedback_triage::{ClusterParams, Triage, TriageParams};

use common::html::{Limits, Run};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: html_bench FILE.jsonl");
        return ExitCode::from(2);
    };
    let (rows, bad) =
        match common::stream::read_all(Some(&path), common::stream::InputFormat::Jsonl) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("html_bench: {path}: {e}");
                return ExitCode::from(2);
            }
        };
    let items: Vec<_> = rows.into_iter().map(|(_, item)| item).collect();
    println!(
        "{} items ({} bad lines) from {path}",
        items.len(),
        bad.len()
    );
    let triage = Triage::builtin();
    let t = Instant::now();
    let report = match triage.report(&items) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("html_bench: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "report built in {:.2} s: {} candidate features, {} special cases, {} without a class",
        t.elapsed().as_secs_f64(),
        report.features.len(),
        report.special_cases.len(),
        report.abstained.len()
    );

    let t = Instant::now();
    let json = serde_json::to_string_pretty(&report).expect("the report serialises") + "\n";
    let json_s = t.elapsed().as_secs_f64();

    let run = Run {
        input: path.clone(),
        policy: "builtin".into(),
        cluster: ClusterParams::default(),
        triage: TriageParams::default(),
        changes: None,
    };
    let t = Instant::now();
    let html = common::html::render(
        &report,
        &items,
        triage.clusterer().classifier(),
        &run,
        Limits::default(),
    );
    let html_s = t.elapsed().as_secs_f64();
    let mb = |n: usize| n as f64 / 1e6;
    println!("json: {json_s:.3} s, {:.2} MB", mb(json.len()));
    println!("html: {html_s:.3} s, {:.2} MB", mb(html.len()));
    println!(
        "html - json: {:+.3} s; html / json bytes: {:.2}",
        html_s - json_s,
        html.len() as f64 / json.len() as f64
    );
    ExitCode::SUCCESS
}
