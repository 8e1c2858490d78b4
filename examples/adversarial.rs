//! Prints the adversarial classification figures for the notes: each case of
//! benches/common/adversarial.rs at 1x and 10x, the time (best of 3), the
//! 10x/1x ratio, and the peak memory (VmHWM, reset before each case, so it
//! is that case's peak including its 10x input); then reading, checking and
//! compiling a JSON policy of 2,000 and of 20,000 rules (the limit). Exits
//! non-zero when a ratio exceeds 15.
//!
//! ```text
//! cargo run --release --example adversarial
//! ```

#[path = "../benches/common/adversarial.rs"]
mod adversarial;

use std::process::ExitCode;
use std::time::Instant;

use feedback_triage::{Classifier, Clusterer, FeedbackItem, Policy};

const MAX_RATIO: f64 = 15.0;

/// Peak resident memory so far, from /proc/self/status (Linux only).
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".to_string())
}

/// Resets the peak (VmHWM) to the current resident size, so each case's
/// peak is its own (Linux 4.0+; ignored elsewhere).
fn reset_peak() {
    if let Err(e) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("cannot reset VmHWM: {e}");
    }
}

fn human(n: usize, unit: &str) -> String {
    match unit {
        "bytes" if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        "bytes" => format!("{:.0} KB", n as f64 / 1024.0),
        _ => format!("{n} {unit}"),
    }
}

/// Times `work` on every case at 1x and 10x (best of `tries` runs), prints
/// one row per case, and returns false if a 10x/1x ratio is over the limit.
fn table(work: &dyn Fn(&[FeedbackItem]) -> usize, tries: usize) -> bool {
    println!(
        "{:<24} {:>12} {:>11} {:>12} {:>11} {:>6}  peak memory (VmHWM)",
        "case", "1x size", "1x time", "10x size", "10x time", "ratio"
    );
    let mut ok = true;
    for case in adversarial::CASES {
        reset_peak();
        let (small, small_size) = case.at(1);
        let (large, large_size) = case.at(10);
        let best = |items: &[FeedbackItem]| {
            (0..tries)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(work(items));
                    start.elapsed()
                })
                .min()
                .unwrap_or_default()
        };
        let (t1, t10) = (best(&small), best(&large));
        let ratio = t10.as_secs_f64() / t1.as_secs_f64().max(1e-9);
        let flag = if ratio > MAX_RATIO {
            ok = false;
            "  <-- over 15"
        } else {
            ""
        };
        println!(
            "{:<24} {:>12} {:>11.2?} {:>12} {:>11.2?} {:>6.1}  {}{flag}",
            case.name,
            human(small_size, case.unit),
            t1,
            human(large_size, case.unit),
            t10,
            ratio,
            peak_memory()
        );
    }
    ok
}

/// A JSON policy of `rules` rules with three keywords and an exclusion each
/// (about 170 bytes a rule).
fn policy_json(rules: usize) -> String {
    let mut json = String::from("{\"version\": 1, \"rules\": [");
    for i in 0..rules {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            "{{\"id\": \"rule-{i}\", \"class\": \"market_driven\", \"keywords\": [\"feature {i}\", \"integration with tool {i}\", \"support for {i}\"], \"exclude\": [\"not {i}\"]}}"
        ));
    }
    json.push_str("]}");
    json
}

/// Parses, validates and compiles a policy of 2,000 and of 20,000 rules
/// (best of 3 each); returns false if the ratio is over the limit.
fn policy_table() -> bool {
    let time = |json: &str| {
        (0..3)
            .map(|_| {
                let start = Instant::now();
                let policy: Policy = serde_json::from_str(json).expect("parses");
                std::hint::black_box(Classifier::new(&policy).expect("valid"));
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let (small, large) = (policy_json(2_000), policy_json(20_000));
    let (t1, t10) = (time(&small), time(&large));
    let ratio = t10.as_secs_f64() / t1.as_secs_f64().max(1e-9);
    println!(
        "{:<24} {:>12} {:>11.2?} {:>12} {:>11.2?} {:>6.1}",
        "read, check, compile",
        human(small.len(), "bytes"),
        t1,
        human(large.len(), "bytes"),
        t10,
        ratio
    );
    ratio <= MAX_RATIO
}

fn main() -> ExitCode {
    let classifier = Classifier::builtin();
    println!("classification (best of 3 runs)");
    let mut ok = table(&|items| adversarial::run(&classifier, items), 3);
    println!("\npolicy of 2,000 and 20,000 rules (best of 3 runs)");
    ok &= policy_table();
    println!("\nclustering (Clusterer::default, one timed run each)");
    let clusterer = Clusterer::default();
    ok &= table(&|items| adversarial::run_cluster(&clusterer, items), 1);

    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("a 10x/1x time ratio is over {MAX_RATIO}");
        ExitCode::from(1)
    }
}
