//! Times the whole triage report at 10k and 100k items and the share of time
//! in each stage (classification, clustering, jobs, the report's assembly).
//! Real texts from `../shared/data`, cycled with small variations; synthetic
//! texts when the folder is absent. Prints peak memory (VmHWM).
//!
//! ```text
//! cargo run --release --example triage_bench                       # one core
//! cargo run --release --features parallel --example triage_bench    # all cores
//! cargo run --release --example triage_bench -- 1000 20000          # other sizes
//! ```

mod common;

use std::time::Instant;

use feedback_triage::{Classifier, Clusterer, Triage, extract_jobs};

fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    let texts = common::shared_texts("../shared/data");
    println!(
        "triage report, {} texts (cycled with small variations), parallel feature {}",
        if texts.is_empty() {
            "synthetic".to_string()
        } else {
            format!("{} real", texts.len())
        },
        if cfg!(feature = "parallel") {
            "on"
        } else {
            "off"
        }
    );
    let mut last: Option<(usize, f64)> = None;
    for n in sizes {
        let mut items = common::scale_items(n, &texts);
        for (i, item) in items.iter_mut().enumerate() {
            item.created = Some(format!("2026-{:02}-01", 1 + i % 9));
        }
        let classifier = Classifier::builtin();
        let clusterer = Clusterer::default();
        let t = Instant::now();
        let classes = classifier.classify_batch(&items);
        let t_classify = t.elapsed().as_secs_f64();
        assert_eq!(classes.len(), n);
        let t = Instant::now();
        let clustering = clusterer.cluster(&items).unwrap();
        let t_cluster = t.elapsed().as_secs_f64();
        assert_eq!(clustering.len(), n);
        let t = Instant::now();
        let jobs: usize = items
            .iter()
            .map(|i| extract_jobs(&i.title, &i.body).len())
            .sum();
        let t_jobs = t.elapsed().as_secs_f64();
        let triage = Triage::builtin();
        let t = Instant::now();
        let report = triage.report(&items).unwrap();
        let t_total = t.elapsed().as_secs_f64();
        assert_eq!(report.items, n);
        let other = (t_total - t_classify - t_cluster).max(0.0);
        println!(
            "{n:>8} items: report {t_total:.2} s | classify {t_classify:.2} s ({:.0}%), cluster {t_cluster:.2} s ({:.0}%), \
             rest {other:.2} s ({:.0}%: features' class mix, their jobs, signals; jobs of all items alone {t_jobs:.2} s, {jobs} jobs) | {} features | peak {:.0} MiB",
            100.0 * t_classify / t_total,
            100.0 * t_cluster / t_total,
            100.0 * other / t_total,
            report.features.len(),
            peak_mib().unwrap_or(f64::NAN)
        );
        if let Some((m, tm)) = last {
            println!("          time({n}) / time({m}) = {:.1}", t_total / tm);
        }
        last = Some((n, t_total));
    }
}
