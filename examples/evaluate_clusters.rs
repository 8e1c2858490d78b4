//! Evaluates the raw grouping of [`Clusterer`] against labelled data: items
//! whose true group is in their `label` field.
//!
//! ```text
//! cargo run --release --example evaluate_clusters                  # the default sets
//! cargo run --release --example evaluate_clusters -- --file F.jsonl
//! cargo run --release --example evaluate_clusters -- --params '{"similarity_threshold": 0.4}'
//! cargo run --release --example evaluate_clusters -- --vectors table.ftsv  # another static table
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
//! Then the feature names (features of 2+ members, the members' customers
//! ignored as above): the share whose name occurs as a contiguous phrase in
//! at least one member's title or body (both lower-cased, every character
//! that is not a letter or digit made a space, white space collapsed; whole
//! words, or a substring for scripts written without spaces), the share of
//! names of 2+ words, the mean token F1 of the name's words against the
//! words of the members' most common label (`card_arrival` -> {card,
//! arrival}; exact words, no stemming; only where at most a tenth of the
//! labels has a digit, so not on Hadoop's group ids) and the number of features whose
//! name another feature also has.
//!
//! When the parameters give meaning a weight (`semantic_weight` above 0, as
//! by default), each set is also clustered by terms alone (the same
//! parameters with `semantic_weight` 0), on the row marked `terms only`.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::time::Instant;

use feedback_triage::{ClusterParams, Clusterer, Clustering, FeedbackItem, StaticVectors};

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
    let args = common::Args::parse(&["data", "file", "params", "vectors"])?;
    args.check(&["data", "file", "params", "vectors"])?;
    let params: ClusterParams = match args.value("params") {
        Some(p) => serde_json::from_str(p).map_err(|e| format!("--params: {e}"))?,
        None => ClusterParams::default(),
    };
    let mut clusterer = Clusterer::new(params.clone()).map_err(|e| e.to_string())?;
    if let Some(path) = args.value("vectors") {
        let bytes = std::fs::read(path).map_err(|e| format!("--vectors {path}: {e}"))?;
        let table =
            StaticVectors::from_bytes(&bytes).map_err(|e| format!("--vectors {path}: {e}"))?;
        clusterer = clusterer.with_static_vectors(Some(table));
    }
    let mut runs = vec![("", clusterer)];
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
    let mut names = Vec::new();
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
            let n = print_row(&name, clusterer, &items, &truth)?;
            names.push((name, n));
        }
    }
    print_names(&names);
    Ok(ok)
}

/// Clusters `items`, prints one row of figures and returns the figures on
/// the feature names.
fn print_row(
    name: &str,
    clusterer: &Clusterer,
    items: &[FeedbackItem],
    truth: &HashMap<String, String>,
) -> Result<NameMetrics, String> {
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
        Ok(name_metrics(items, truth, &clustering))
    }
}

/// Prints the figures on the feature names, one row per clustering.
fn print_names(names: &[(String, NameMetrics)]) {
    println!(
        "\n{:<40} {:>8} {:>8} {:>8} {:>8} {:>6}",
        "feature names", "features", "phrase", "2+words", "tokenF1", "dups"
    );
    for (name, n) in names {
        println!(
            "{:<40} {:>8} {:>8.3} {:>8.3} {:>8} {:>6}",
            common::cut(name, 40),
            n.features,
            n.phrase,
            n.multi_word,
            n.token_f1.map_or("-".to_string(), |f| format!("{f:.3}")),
            n.duplicates
        );
    }
}

/// What the feature names look like (see the module docs).
struct NameMetrics {
    features: usize,
    phrase: f64,
    multi_word: f64,
    token_f1: Option<f64>,
    duplicates: usize,
}

/// Lower-cased, every character that is not a letter or digit made a space,
/// white space collapsed.
fn plain(s: &str) -> String {
    let mapped: String = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when `name` occurs in `text` as a run of whole words (a substring
/// for names in scripts written without spaces).
fn occurs(name: &str, text: &str) -> bool {
    let (name, text) = (plain(name), plain(text));
    if name.is_empty() {
        return false;
    }
    let nospace = name.chars().any(|c| {
        matches!(c as u32, 0x0E00..=0x109F | 0x1780..=0x17FF | 0x3040..=0x30FF
            | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF66..=0xFF9F
            | 0x20000..=0x3134F)
    });
    if nospace {
        text.contains(&name)
    } else {
        format!(" {text} ").contains(&format!(" {name} "))
    }
}

fn name_metrics(
    items: &[FeedbackItem],
    truth: &HashMap<String, String>,
    clustering: &Clustering,
) -> NameMetrics {
    let by_id: HashMap<&str, &FeedbackItem> = items.iter().map(|it| (it.id.as_str(), it)).collect();
    // Labels are words (not ids) when at most a tenth of them has a digit.
    let with_digit = truth
        .values()
        .filter(|l| l.chars().any(|c| c.is_ascii_digit()))
        .count();
    let wordy = with_digit * 10 <= truth.len();
    let features: Vec<_> = clustering
        .features
        .iter()
        .filter(|f| f.members.len() >= 2)
        .collect();
    let n = features.len().max(1) as f64;
    let mut phrase = 0usize;
    let mut multi = 0usize;
    let mut f1_sum = 0.0;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for f in &features {
        *seen.entry(f.name.as_str()).or_insert(0) += 1;
        let members: Vec<&FeedbackItem> = f.members.iter().map(|id| by_id[id.as_str()]).collect();
        if members
            .iter()
            .any(|it| occurs(&f.name, &it.title) || occurs(&f.name, &it.body))
        {
            phrase += 1;
        }
        let words: Vec<String> = plain(&f.name).split(' ').map(str::to_string).collect();
        if words.len() >= 2 {
            multi += 1;
        }
        // The members' most common label, ties by the smaller label.
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for id in &f.members {
            *counts.entry(truth[id].as_str()).or_insert(0) += 1;
        }
        let label = counts
            .into_iter()
            .min_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)))
            .map_or("", |c| c.0);
        let mut truth_words: Vec<String> = plain(label).split(' ').map(str::to_string).collect();
        truth_words.sort();
        truth_words.dedup();
        let mut name_words = words;
        name_words.sort();
        name_words.dedup();
        let hits = name_words
            .iter()
            .filter(|w| truth_words.contains(w))
            .count() as f64;
        if hits > 0.0 {
            let (p, r) = (
                hits / name_words.len() as f64,
                hits / truth_words.len() as f64,
            );
            f1_sum += 2.0 * p * r / (p + r);
        }
    }
    NameMetrics {
        features: features.len(),
        phrase: phrase as f64 / n,
        multi_word: multi as f64 / n,
        token_f1: wordy.then_some(f1_sum / n),
        duplicates: seen.values().filter(|&&c| c > 1).sum(),
    }
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
    let table = Contingency::new(truth, groups);
    let tp: f64 = table.cells.values().map(|&c| pairs(c)).sum();
    let true_pairs: f64 = table.true_sizes.iter().map(|&c| pairs(c)).sum();
    let pred_pairs: f64 = table.pred_sizes.iter().map(|&c| pairs(c)).sum();
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let precision = ratio(tp, pred_pairs);
    let recall = ratio(tp, true_pairs);
    let f1 = ratio(2.0 * precision * recall, precision + recall);
    // Adjusted Rand index: pairs together in both, against chance.
    let expected = true_pairs * pred_pairs / pairs(items.len()).max(1.0);
    let max_index = (true_pairs + pred_pairs) / 2.0;
    let ari = if max_index - expected != 0.0 {
        (tp - expected) / (max_index - expected)
    } else {
        1.0
    };
    let pred_sizes = &table.pred_sizes;
    Metrics {
        nmi: table.nmi(n),
        ari,
        precision,
        recall,
        f1,
        grouped: pred_sizes.iter().filter(|&&s| s >= 2).sum::<usize>() as f64 / n.max(1.0),
        largest: pred_sizes.iter().copied().max().unwrap_or(0),
    }
}

/// The contingency table of true labels against predicted groups.
struct Contingency {
    /// Items per (true label, predicted group), ordered so that sums over
    /// the cells add in the same order on every run.
    cells: BTreeMap<(usize, usize), usize>,
    true_sizes: Vec<usize>,
    pred_sizes: Vec<usize>,
}

impl Contingency {
    fn new(truth: &HashMap<String, String>, groups: &[&Vec<String>]) -> Contingency {
        let mut true_ix: HashMap<&str, usize> = HashMap::new();
        let mut cells: BTreeMap<(usize, usize), usize> = BTreeMap::new();
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
                *cells.entry((t, g)).or_insert(0) += 1;
            }
        }
        Contingency {
            cells,
            true_sizes,
            pred_sizes: groups.iter().map(|g| g.len()).collect(),
        }
    }

    /// Normalised mutual information (arithmetic mean normalisation) over `n` items.
    fn nmi(&self, n: f64) -> f64 {
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
        let (ht, hp) = (entropy(&self.true_sizes), entropy(&self.pred_sizes));
        let mi: f64 = self
            .cells
            .iter()
            .map(|(&(t, g), &c)| {
                let c = c as f64;
                let (a, b) = (self.true_sizes[t] as f64, self.pred_sizes[g] as f64);
                c / n * (c * n / (a * b)).ln()
            })
            .sum();
        if ht + hp > 0.0 {
            (2.0 * mi / (ht + hp)).max(0.0)
        } else {
            1.0
        }
    }
}
