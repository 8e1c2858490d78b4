//! Prints the cost of substring matching (keywords in scripts without
//! spaces) as the policy and the text grow: the time per MB of the built-in
//! policy and of policies with 200 and 2,000 CJK keywords, on one CJK text
//! (no spaces, some punctuation, a few keywords in it) of 1, 2 and 4 MB.
//! The whole classification is timed (best of 3 runs), as a caller meets it.
//!
//! Goal (issue 24): with 2,000 CJK keywords, the time per MB within 2x of the
//! built-in policy's, and flat from 1 MB to 4 MB. Exits non-zero when not.
//!
//! ```text
//! cargo run --release --example substring_scale
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use feedback_triage::{Class, Classifier, Policy, Rule};

/// A small deterministic generator (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % u64::from(n)) as u32
    }

    /// A CJK unified ideograph among the first 3,000 (the common ones).
    fn ideograph(&mut self) -> char {
        char::from_u32(0x4E00 + self.next(3_000)).unwrap_or('中')
    }
}

/// `n` distinct keywords of 2 to 4 ideographs.
fn keywords(n: usize) -> Vec<String> {
    let mut g = Lcg(7);
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < n {
        let len = 2 + g.next(3) as usize;
        seen.insert((0..len).map(|_| g.ideograph()).collect::<String>());
    }
    seen.into_iter().collect()
}

/// A policy with `n` CJK keywords spread over five rules, one per class.
fn cjk_policy(n: usize) -> Policy {
    let mut policy = Policy::empty();
    let kws = keywords(n);
    for (c, class) in Class::ALL.into_iter().enumerate() {
        let mut rule = Rule::new(format!("cjk-{class}"), class);
        for k in kws.iter().skip(c).step_by(Class::ALL.len()) {
            rule = rule.keyword(k.as_str());
        }
        policy.rules.push(rule);
    }
    policy
}

/// CJK text of about `bytes` bytes: random ideographs, a full stop or comma
/// now and then, and every 500 characters one of the keywords.
fn text(bytes: usize, kws: &[String]) -> String {
    let mut g = Lcg(11);
    let mut s = String::with_capacity(bytes + 16);
    let mut n = 0usize;
    while s.len() < bytes {
        n += 1;
        if n.is_multiple_of(500) {
            s.push_str(&kws[g.next(kws.len() as u32) as usize]);
        } else if n.is_multiple_of(37) {
            s.push(if n.is_multiple_of(2) { '。' } else { '，' });
        } else {
            s.push(g.ideograph());
        }
    }
    s
}

fn best_of_3(c: &Classifier, body: &str) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(c.classify_text("", body));
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() -> ExitCode {
    const MB: usize = 1 << 20;
    let kws = keywords(2_000);
    let texts: Vec<(usize, String)> = [1, 2, 4].map(|m| (m, text(m * MB, &kws))).into();
    let policies = [
        ("built-in policy", Classifier::builtin()),
        (
            "200 CJK keywords",
            Classifier::new(&cjk_policy(200)).expect("valid"),
        ),
        (
            "2,000 CJK keywords",
            Classifier::new(&cjk_policy(2_000)).expect("valid"),
        ),
    ];
    println!(
        "{:<20} {:>12} {:>12} {:>12}  (ms per MB, best of 3; whole classification)",
        "policy", "1 MB", "2 MB", "4 MB"
    );
    let mut per_mb = Vec::new();
    for (name, c) in &policies {
        let row: Vec<f64> = texts
            .iter()
            .map(|(m, t)| best_of_3(c, t).as_secs_f64() * 1e3 / *m as f64)
            .collect();
        println!(
            "{name:<20} {:>12.2} {:>12.2} {:>12.2}",
            row[0], row[1], row[2]
        );
        per_mb.push(row);
    }
    let builtin = per_mb[0].iter().copied().fold(0.0, f64::max);
    let many = &per_mb[2];
    let vs_builtin = many.iter().copied().fold(0.0, f64::max) / builtin;
    let growth = many[2] / many[0];
    println!(
        "2,000 CJK keywords: {vs_builtin:.2}x the built-in policy's time per MB (goal <= 2); \
         4 MB / 1 MB per-MB ratio {growth:.2} (goal: flat, <= 1.3)"
    );
    if vs_builtin <= 2.0 && growth <= 1.3 {
        ExitCode::SUCCESS
    } else {
        eprintln!("substring_scale: goal not met");
        ExitCode::from(1)
    }
}
