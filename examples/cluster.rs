//! Groups JSON Lines items into ranked candidate features.
//!
//! ```text
//! cargo run --release --example cluster -- examples/data/sample.jsonl
//! cat items.jsonl | cargo run --release --example cluster -- --table
//! cargo run --release --example cluster -- items.jsonl --threshold 0.4 --min-customers 3
//! ```
//!
//! Output: one JSON object per candidate feature (`"kind": "feature"`), in
//! rank order, then one per special case (`"kind": "special_case"`); every
//! input id is in exactly one object's `members`. `--table` prints a ranked
//! table instead. Lines that are not valid items are reported on stderr with
//! their line numbers and skipped; the exit status is then non-zero.

mod common;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use feedback_triage::{ClusterParams, Clusterer, Clustering};
use serde_json::json;

/// Progress is shown from this many items on (when stderr is a terminal).
const LARGE: usize = 20_000;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cluster: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let args = common::Args::parse(&["threshold", "min-customers"])?;
    args.check(&["threshold", "min-customers", "table"])?;
    let mut params = ClusterParams::default();
    if let Some(t) = args.value("threshold") {
        params =
            params.similarity_threshold(t.parse().map_err(|e| format!("--threshold {t:?}: {e}"))?);
    }
    if let Some(m) = args.value("min-customers") {
        params = params.min_distinct_customers(
            m.parse()
                .map_err(|e| format!("--min-customers {m:?}: {e}"))?,
        );
    }
    let clusterer = Clusterer::new(params).map_err(|e| e.to_string())?;
    let path = args.positional.first().map(String::as_str);
    let (rows, bad) = common::read_items(path).map_err(|e| e.to_string())?;
    common::report_bad(path, &bad);
    let progress = rows.len() >= LARGE && common::stderr_is_terminal();
    if progress {
        eprintln!("cluster: grouping {} items...", rows.len());
    }
    let t0 = Instant::now();
    let items: Vec<_> = rows.into_iter().map(|(_, item, _)| item).collect();
    let clustering = clusterer.cluster(&items).map_err(|e| e.to_string())?;
    if progress {
        eprintln!(
            "cluster: {} features, {} special cases in {:.1} s",
            clustering.features.len(),
            clustering.special_cases.len(),
            t0.elapsed().as_secs_f64()
        );
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = if args.has("table") {
        table(&mut out, &clustering)
    } else {
        lines(&mut out, &clustering)
    };
    match written.and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.map_err(|e| e.to_string())?,
    }
    Ok(bad.is_empty())
}

fn lines(out: &mut impl Write, c: &Clustering) -> std::io::Result<()> {
    for (rank, f) in c.features.iter().enumerate() {
        let v = json!({
            "kind": "feature",
            "rank": rank + 1,
            "id": f.id,
            "name": f.name,
            "key_terms": f.key_terms,
            "representative": f.representative,
            "members": f.members,
            "size": f.members.len(),
            "distinct_customers": f.distinct_customers,
            "deal_value": f.deal_value,
            "class_mix": f.class_mix,
            "cohesion": f.cohesion,
        });
        writeln!(out, "{v}")?;
    }
    for s in &c.special_cases {
        let v = json!({
            "kind": "special_case",
            "id": s.id,
            "reason": s.reason,
            "name": s.name,
            "representative": s.representative,
            "members": s.members,
            "size": s.members.len(),
            "distinct_customers": s.distinct_customers,
            "deal_value": s.deal_value,
        });
        writeln!(out, "{v}")?;
    }
    Ok(())
}

fn table(out: &mut impl Write, c: &Clustering) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>4}  {:<10}  {:<32}  {:>5}  {:>9}  {:>12}  {:<16}  {:>5}  representative",
        "rank", "id", "name", "size", "customers", "deal value", "main class", "coh."
    )?;
    for (rank, f) in c.features.iter().enumerate() {
        let class = f.class_mix.dominant().map_or("-", |c| c.as_str());
        writeln!(
            out,
            "{:>4}  {:<10}  {:<32}  {:>5}  {:>9}  {:>12.0}  {:<16}  {:>5.2}  {}",
            rank + 1,
            f.id,
            common::cut(&f.name, 32),
            f.members.len(),
            f.distinct_customers,
            f.deal_value,
            class,
            f.cohesion,
            common::cut(&f.representative, 30)
        )?;
    }
    let alone = c
        .special_cases
        .iter()
        .filter(|s| s.members.len() == 1)
        .count();
    writeln!(
        out,
        "\n{} candidate features; {} special cases ({} lone requests, {} groups from too few customers)",
        c.features.len(),
        c.special_cases.len(),
        alone,
        c.special_cases.len() - alone
    )?;
    for s in c.special_cases.iter().filter(|s| s.members.len() > 1) {
        writeln!(
            out,
            "  {:<10}  {:<32}  {:>5} items  {:>3} customers",
            s.id,
            common::cut(&s.name, 32),
            s.members.len(),
            s.distinct_customers
        )?;
    }
    Ok(())
}
