//! Evaluates the raw grouping of [`Clusterer`] against labelled data: items
//! whose true group is in their `label` field.
//!
//! ```text
//! cargo run --release --example evaluate_clusters                  # the default sets
//! cargo run --release --example evaluate_clusters -- --file F.jsonl
//! cargo run --release --example evaluate_clusters -- --params '{"similarity_threshold": 0.4}'
//! ```
//!
//! Default sets (under `--data`, default `../shared/data`; a missing file is
//! skipped with a note): `banking77/train.jsonl`, `clinc150/val.jsonl` and
//! `duplicate_bugs/hadoop.jsonl`.
//!
//! What is evaluated: the partition of the items into groups, i.e. every
//! candidate feature and every special case (a lone request is a group of
//! one). Customers are ignored (each item is its own customer), so
//! `min_distinct_customers` plays no part. Printed: NMI (arithmetic mean
//! normalisation), ARI, pairwise precision, recall and F1 over item pairs (all
//! from the contingency table, never by enumerating pairs), the number of
//! groups, the share of items in groups of two or more, the largest group and
//! the time taken.
//!
//! When the parameters give meaning a weight (`semantic_weight` above 0, as
//! by default), each set is also clustered by terms alone (the same
//! parameters with `semantic_weight` 0), on the row marked `terms only`.

mod common;

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use feedback_triage::{ClusterParams, Clusterer, FeedbackItem};

const SETS: &[&str] = &[
    "banking77/train.jsonl",
    "clinc150/val.jsonl",
    "duplicate_bugs/hadoop.jsonl",
];

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("evaluate_clusters: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let args = common::Args::parse(&["data", "file", "params"])?;
    args.check(&["data", "file", "params"])?;
    let params: ClusterParams = match args.value("params") {
        Some(p) => serde_json::from_str(p).map_err(|e| format!("--params: {e}"))?,
        None => ClusterParams::default(),
    };
    let mut runs = vec![(
        "",
        Clusterer::new(params.clone()).map_err(|e| e.to_string())?,
    )];
    if params.semantic_weight > 0.0 {
        let terms = Clusterer::new(params.semantic_weight(0.0)).map_err(|e| e.to_string())?;
        runs.push((" terms only", terms));
    }
    let files: Vec<String> = match args.value("file") {
        Some(f) => vec![f.to_string()],
        None => {
            let dir = args.value("data").unwrap_or("../shared/data");
            SETS.iter().map(|s| format!("{dir}/{s}")).collect()
        }
    };
    println!(
        "{:<40} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>6} {:>7} {:>6}",
        "data", "n", "NMI", "ARI", "pairP", "pairR", "pairF1", "groups", "in>=2", "largest", "secs"
    );
    let mut ok = true;
    for file in &files {
        if !std::path::Path::new(file).exists() {
            println!("{file}: not found, skipped");
            continue;
        }
        let (rows, bad) = common::read_items(Some(file)).map_err(|e| format!("{file}: {e}"))?;
        if !bad.is_empty() {
            common::report_bad(Some(file), &bad);
            ok = false;
        }
        let mut items = Vec::with_capacity(rows.len());
        let mut truth = HashMap::new();
        for (_, mut item, value) in rows {
            let label = match &value["label"] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => continue,
                v => v.to_string(),
            };
            item.customer = None;
            truth.insert(item.id.clone(), label);
            items.push(item);
        }
        for (suffix, clusterer) in &runs {
            let name = format!("{}{suffix}", file.trim_start_matches("../shared/data/"));
            print_row(&name, clusterer, &items, &truth)?;
        }
    }
    Ok(ok)
}

/// Clusters `items` and prints one row of figures.
fn print_row(
    name: &str,
    clusterer: &Clusterer,
    items: &[FeedbackItem],
    truth: &HashMap<String, String>,
) -> Result<(), String> {
    {
        let t0 = Instant::now();
        let clustering = clusterer.cluster(items).map_err(|e| e.to_string())?;
        let secs = t0.elapsed().as_secs_f64();
        let groups: Vec<&Vec<String>> = clustering
            .features
            .iter()
            .map(|f| &f.members)
            .chain(clustering.special_cases.iter().map(|s| &s.members))
            .collect();
        let m = metrics(items, truth, &groups);
        println!(
            "{:<40} {:>6} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>7} {:>6.3} {:>7} {:>6.2}",
            common::cut(name, 40),
            items.len(),
            m.nmi,
            m.ari,
            m.precision,
            m.recall,
            m.f1,
            groups.len(),
            m.grouped,
            m.largest,
            secs
        );
    }
    Ok(())
}

struct Metrics {
    nmi: f64,
    ari: f64,
    precision: f64,
    recall: f64,
    f1: f64,
    grouped: f64,
    largest: usize,
}

fn pairs(c: usize) -> f64 {
    (c as f64) * (c as f64 - 1.0) / 2.0
}

fn metrics(
    items: &[FeedbackItem],
    truth: &HashMap<String, String>,
    groups: &[&Vec<String>],
) -> Metrics {
    let n = items.len() as f64;
    let mut true_ix: HashMap<&str, usize> = HashMap::new();
    let mut cont: HashMap<(usize, usize), usize> = HashMap::new();
    let mut true_sizes: Vec<usize> = Vec::new();
    for (g, members) in groups.iter().enumerate() {
        for id in members.iter() {
            let label = truth[id].as_str();
            let next = true_ix.len();
            let t = *true_ix.entry(label).or_insert(next);
            if t == true_sizes.len() {
                true_sizes.push(0);
            }
            true_sizes[t] += 1;
            *cont.entry((t, g)).or_insert(0) += 1;
        }
    }
    let pred_sizes: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let tp: f64 = cont.values().map(|&c| pairs(c)).sum();
    let true_pairs: f64 = true_sizes.iter().map(|&c| pairs(c)).sum();
    let pred_pairs: f64 = pred_sizes.iter().map(|&c| pairs(c)).sum();
    let all_pairs = pairs(items.len());
    let precision = if pred_pairs > 0.0 {
        tp / pred_pairs
    } else {
        0.0
    };
    let recall = if true_pairs > 0.0 {
        tp / true_pairs
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let expected = true_pairs * pred_pairs / all_pairs.max(1.0);
    let max_index = (true_pairs + pred_pairs) / 2.0;
    let ari = if max_index - expected != 0.0 {
        (tp - expected) / (max_index - expected)
    } else {
        1.0
    };
    let entropy = |sizes: &[usize]| -> f64 {
        sizes
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let p = c as f64 / n;
                -p * p.ln()
            })
            .sum()
    };
    let (ht, hp) = (entropy(&true_sizes), entropy(&pred_sizes));
    let mi: f64 = cont
        .iter()
        .map(|(&(t, g), &c)| {
            let c = c as f64;
            c / n * (c * n / (true_sizes[t] as f64 * pred_sizes[g] as f64)).ln()
        })
        .sum();
    let nmi = if ht + hp > 0.0 {
        (2.0 * mi / (ht + hp)).max(0.0)
    } else {
        1.0
    };
    Metrics {
        nmi,
        ari,
        precision,
        recall,
        f1,
        grouped: pred_sizes.iter().filter(|&&s| s >= 2).sum::<usize>() as f64 / n.max(1.0),
        largest: pred_sizes.iter().copied().max().unwrap_or(0),
    }
}
