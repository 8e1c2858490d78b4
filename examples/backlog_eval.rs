//! Measures the growing [`Backlog`] against batch clustering: quality on
//! labelled data in random orders, and the time per insert at scale.
//!
//! ```text
//! cargo run --release --example backlog_eval                       # quality, then 10k/100k/1M
//! cargo run --release --example backlog_eval -- --scale 10000,100000
//! cargo run --release --example backlog_eval -- --scale 0          # quality only
//! cargo run --release --example backlog_eval -- --scale 0 --params '{"semantic_weight": 0.5}'
//! cargo run --release --example backlog_eval -- --speed-only --scale 10000   # speed only
//! ```
//!
//! Quality: for `banking77/train.jsonl` and `clinc150/val.jsonl` (under
//! `--data`, default `../shared/data`; customers ignored, so each request is
//! its own customer), the batch clustering (default parameters or
//! `--params`, and terms only) and the backlog fed the items one at a time in 5 random orders
//! (seeds 1 to 5), with the threshold the batch clustering adapted to. ARI
//! against the labels, ARI of each streamed result against the batch, and
//! the spread over the orders.
//!
//! Speed: the shared texts (mixed and cycled, see `common::scale_items`)
//! inserted one at a time, the mean time per insert at each size, and the
//! process's peak resident memory (Linux only).

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use feedback_triage::{Backlog, ClusterParams, Clusterer, FeedbackItem};

#[path = "common/mod.rs"]
mod common;

const SETS: [&str; 2] = ["banking77/train.jsonl", "clinc150/val.jsonl"];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backlog_eval: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = common::Args::parse(&["data", "scale", "params"])?;
    args.check(&["data", "scale", "params", "speed-only"])?;
    let base: ClusterParams = match args.value("params") {
        Some(p) => serde_json::from_str(p).map_err(|e| format!("--params: {e}"))?,
        None => ClusterParams::default(),
    };
    let dir = args.value("data").unwrap_or("../shared/data");
    for set in SETS {
        if args.has("speed-only") {
            break;
        }
        let path = format!("{dir}/{set}");
        if !std::path::Path::new(&path).exists() {
            println!("{path}: not found, skipped");
            continue;
        }
        quality(set, &path, &base)?;
    }
    let sizes: Vec<usize> = args
        .value("scale")
        .unwrap_or("10000,100000,1000000")
        .split(',')
        .map(|s| s.trim().parse().map_err(|e| format!("--scale {s:?}: {e}")))
        .collect::<Result<_, _>>()?;
    let sizes: Vec<usize> = sizes.into_iter().filter(|&n| n > 0).collect();
    if !sizes.is_empty() {
        speed(dir, &sizes)?;
    }
    Ok(())
}

/// Reads labelled items (customers dropped).
fn labelled(path: &str) -> Result<(Vec<FeedbackItem>, Vec<String>), String> {
    let (rows, bad) = common::read_items(Some(path)).map_err(|e| format!("{path}: {e}"))?;
    if !bad.is_empty() {
        common::report_bad(Some(path), &bad);
    }
    let mut items = Vec::new();
    let mut labels = Vec::new();
    for (_, mut item, value) in rows {
        let label = match &value["label"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => continue,
            v => v.to_string(),
        };
        item.customer = None;
        items.push(item);
        labels.push(label);
    }
    Ok((items, labels))
}

fn quality(set: &str, path: &str, base: &ClusterParams) -> Result<(), String> {
    let (items, labels) = labelled(path)?;
    let truth = codes(labels.iter().map(String::as_str));
    let clusterer = Clusterer::new(base.clone()).map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let (batch, index) = clusterer
        .cluster_with_index(&items)
        .map_err(|e| e.to_string())?;
    let batch_secs = t0.elapsed().as_secs_f64();
    let groups = batch
        .features
        .iter()
        .map(|f| &f.members)
        .chain(batch.special_cases.iter().map(|s| &s.members));
    let batch_labels = labels_of(&items, groups.map(|m| m.iter().map(String::as_str)));
    let terms = Clusterer::new(base.clone().semantic_weight(0.0))
        .map_err(|e| e.to_string())?
        .cluster(&items)
        .map_err(|e| e.to_string())?;
    let terms_groups = terms
        .features
        .iter()
        .map(|f| &f.members)
        .chain(terms.special_cases.iter().map(|s| &s.members));
    let terms_labels = labels_of(&items, terms_groups.map(|m| m.iter().map(String::as_str)));
    let batch_ari = ari(&truth, &batch_labels);
    let terms_ari = ari(&truth, &terms_labels);
    let (bp, br) = pair_precision_recall(&truth, &batch_labels);
    println!(
        "{set}: n {}  batch ARI {batch_ari:.3}, pairwise P/R {bp:.3}/{br:.3} ({batch_secs:.2} s, threshold {:.3})  batch terms-only ARI {terms_ari:.3}",
        items.len(),
        index.threshold(),
    );
    let params = base.clone().similarity_threshold(index.threshold());
    let mut aris = Vec::new();
    for seed in 1..=5u64 {
        let mut order: Vec<&FeedbackItem> = items.iter().collect();
        shuffle(&mut order, seed);
        let mut backlog = Backlog::new(params.clone()).map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        backlog
            .insert_batch(order.iter().copied())
            .map_err(|e| e.to_string())?;
        let secs = t0.elapsed().as_secs_f64();
        let streamed = labels_of(&items, backlog.partition().into_iter());
        let a = ari(&truth, &streamed);
        aris.push(a);
        let (p, r) = pair_precision_recall(&truth, &streamed);
        println!(
            "  order seed {seed}: streamed ARI {a:.3} (vs batch {:+.3}), pairwise P/R {p:.3}/{r:.3}, ARI streamed-vs-batch {:.3}, {} features, {} special, {secs:.2} s",
            a - batch_ari,
            ari(&batch_labels, &streamed),
            backlog.features().len(),
            backlog.special_cases().len(),
        );
    }
    let (lo, hi) = aris
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &a| (l.min(a), h.max(a)));
    let mean = aris.iter().sum::<f64>() / aris.len() as f64;
    println!(
        "  streamed ARI mean {mean:.3}, spread {lo:.3}..{hi:.3} ({:.3}), mean gap to batch {:+.3}, to terms-only batch {:+.3}",
        hi - lo,
        mean - batch_ari,
        mean - terms_ari
    );
    Ok(())
}

fn speed(dir: &str, sizes: &[usize]) -> Result<(), String> {
    let texts = common::shared_texts(dir);
    for &n in sizes {
        let items = common::scale_items(n, &texts);
        let mut backlog = Backlog::new(ClusterParams::default()).map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        for it in &items {
            backlog.insert(it).map_err(|e| e.to_string())?;
        }
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "scale {n}: {secs:.2} s, {:.2} µs per insert, {} features, {} special cases, peak RSS {}",
            secs * 1e6 / n as f64,
            backlog.features().len(),
            backlog.special_cases().len(),
            peak_rss()
        );
    }
    Ok(())
}

/// The process's peak resident memory, from /proc (Linux), or "n/a".
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

/// Fisher-Yates with a fixed 64-bit LCG: the same order for a seed.
fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..v.len()).rev() {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = ((x >> 33) % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// Numbers labels in order of first appearance.
fn codes<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut ix: HashMap<&str, usize> = HashMap::new();
    labels
        .map(|l| {
            let next = ix.len();
            *ix.entry(l).or_insert(next)
        })
        .collect()
}

/// Per item (in `items` order), the number of its group.
fn labels_of<'a, G, M>(items: &[FeedbackItem], groups: G) -> Vec<usize>
where
    G: Iterator<Item = M>,
    M: IntoIterator<Item = &'a str>,
{
    let pos: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let mut out = vec![usize::MAX; items.len()];
    for (g, members) in groups.enumerate() {
        for id in members {
            if let Some(&i) = pos.get(id) {
                out[i] = g;
            }
        }
    }
    out
}

/// The contingency table of two labellings of the same items: the pairs
/// both put together, and the pairs each puts together (counted from the
/// table, never by enumerating pairs).
fn pair_counts(a: &[usize], b: &[usize]) -> (f64, f64, f64) {
    let pairs = |c: usize| (c as f64) * (c as f64 - 1.0) / 2.0;
    let mut cont: HashMap<(usize, usize), usize> = HashMap::new();
    let (mut sa, mut sb): (HashMap<usize, usize>, HashMap<usize, usize>) = Default::default();
    for (&x, &y) in a.iter().zip(b) {
        *cont.entry((x, y)).or_insert(0) += 1;
        *sa.entry(x).or_insert(0) += 1;
        *sb.entry(y).or_insert(0) += 1;
    }
    let both = cont.values().map(|&c| pairs(c)).sum();
    let in_a = sa.values().map(|&c| pairs(c)).sum();
    let in_b = sb.values().map(|&c| pairs(c)).sum();
    (both, in_a, in_b)
}

/// Pairwise precision and recall of the groups `b` against the true groups
/// `a`: of the pairs `b` puts together, the share `a` does too, and of the
/// pairs `a` puts together, the share `b` does too.
fn pair_precision_recall(a: &[usize], b: &[usize]) -> (f64, f64) {
    let (both, in_a, in_b) = pair_counts(a, b);
    (both / in_b.max(1.0), both / in_a.max(1.0))
}

/// The adjusted Rand index of two labellings of the same items.
fn ari(a: &[usize], b: &[usize]) -> f64 {
    let pairs = |c: usize| (c as f64) * (c as f64 - 1.0) / 2.0;
    let (index, pa, pb) = pair_counts(a, b);
    let expected = pa * pb / pairs(a.len()).max(1.0);
    let max = (pa + pb) / 2.0;
    if max - expected == 0.0 {
        1.0
    } else {
        (index - expected) / (max - expected)
    }
}
