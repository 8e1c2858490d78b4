//! Adversarial classification workloads, shared by benches/adversarial.rs
//! (criterion) and examples/adversarial.rs (figures and peak memory for the
//! notes). Each case is built at a scale: 1x and 10x, so that the time ratio
//! shows whether the work grows linearly (a ratio near 10, at most 15).
#![allow(dead_code)]

use feedback_triage::{Classifier, FeedbackItem};

/// One workload: a batch of items.
pub struct Case {
    pub name: &'static str,
    /// What the size counts ("items", "bytes").
    pub unit: &'static str,
    pub build: fn(usize) -> Vec<FeedbackItem>,
    /// The size at 1x.
    pub base: usize,
}

impl Case {
    /// The items at `scale` (1 or 10) and their size in `unit`s.
    pub fn at(&self, scale: usize) -> (Vec<FeedbackItem>, usize) {
        let items = (self.build)(self.base * scale);
        let size = if self.unit == "items" {
            items.len()
        } else {
            items.iter().map(|i| i.title.len() + i.body.len()).sum()
        };
        (items, size)
    }
}

/// Classifies a batch; returns a checksum so the work is not optimised away.
pub fn run(classifier: &Classifier, items: &[FeedbackItem]) -> usize {
    items
        .iter()
        .map(|i| {
            let c = classifier.classify(i).expect("valid item");
            c.evidence.len() + c.class.map_or(0, |c| c.index())
        })
        .sum()
}

fn repeat_to(unit: &str, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + unit.len());
    while s.len() < bytes {
        s.push_str(unit);
    }
    s
}

fn identical(n: usize) -> Vec<FeedbackItem> {
    (0..n)
        .map(|i| {
            FeedbackItem::new(format!("same-{i}"))
                .with_title("The export crashes when I click save")
                .with_body("Please fix this, we lose data every time. Not a feature request.")
        })
        .collect()
}

/// Every item repeats "data", which starts many phrases of the default
/// policy (data loss, data protection, data residency, ...).
fn common_word(n: usize) -> Vec<FeedbackItem> {
    (0..n)
        .map(|i| {
            FeedbackItem::new(format!("data-{i}"))
                .with_title(format!("data {i} data data"))
                .with_body(format!(
                    "data of data {} data, data data data; the data of customer {i}",
                    i * 7
                ))
        })
        .collect()
}

/// One huge request, `bytes` long, full of keywords, negations and clauses.
fn one_huge(bytes: usize) -> Vec<FeedbackItem> {
    let body = repeat_to(
        "The app crashes when exporting. It no longer loses data; GDPR deletion is required \
         by law. We would buy more seats with SSO. ",
        bytes,
    );
    vec![
        FeedbackItem::new("huge")
            .with_title("Crash")
            .with_body(body),
    ]
}

fn emoji_only(n: usize) -> Vec<FeedbackItem> {
    const E: &[&str] = &[
        "👍",
        "🔥",
        "😡",
        "💥",
        "👨\u{200d}👩\u{200d}👧",
        "🏳\u{fe0f}\u{200d}🌈",
        "🇫🇷",
        "👍🏽",
        "❤\u{fe0f}",
    ];
    (0..n)
        .map(|i| {
            let s: String = (0..12).map(|k| E[(i * 7 + k * 3) % E.len()]).collect();
            FeedbackItem::new(format!("emoji-{i}"))
                .with_title(s.clone())
                .with_body(s.repeat(4))
        })
        .collect()
}

/// CJK without spaces (matched by substring), Korean, Thai, Arabic, Cyrillic
/// and English mixed, in one request of `bytes`.
fn mixed_script(bytes: usize) -> Vec<FeedbackItem> {
    let body = repeat_to(
        "应用程序崩溃了，数据丢失。アプリがクラッシュします。데이터 손실 문제 The app crashes ไม่ทำงาน \
         التطبيق يتعطل Приложение падает GDPR 合规 ",
        bytes,
    );
    vec![
        FeedbackItem::new("mixed")
            .with_title("崩溃 crash")
            .with_body(body),
    ]
}

/// Control characters, zero-width joiners and spaces, bidi overrides and
/// combining marks between and inside words, in one request of `bytes`.
fn control_zwj(bytes: usize) -> Vec<FeedbackItem> {
    let body = repeat_to(
        "\u{0}\u{1}cr\u{200d}ash\u{7}\u{1b}[31m\u{200b}export\u{200b}fails\u{202e}gdpr\u{202c}\
         \u{feff}data\u{200d}\u{200d}\u{200d}loss e\u{301}\u{301}\u{301}rror \u{8}\u{7f}\r\n",
        bytes,
    );
    vec![
        FeedbackItem::new("ctrl")
            .with_title("\u{200d}crash\u{0}")
            .with_body(body),
    ]
}

/// The classification cases.
pub const CASES: &[Case] = &[
    Case {
        name: "identical requests",
        unit: "items",
        build: identical,
        base: 10_000,
    },
    Case {
        name: "one very common word",
        unit: "items",
        build: common_word,
        base: 10_000,
    },
    Case {
        name: "one huge request",
        unit: "bytes",
        build: one_huge,
        base: 1 << 20,
    },
    Case {
        name: "emoji-only requests",
        unit: "items",
        build: emoji_only,
        base: 1_000,
    },
    Case {
        name: "CJK and mixed script",
        unit: "bytes",
        build: mixed_script,
        base: 100_000,
    },
    Case {
        name: "control chars and ZWJ",
        unit: "bytes",
        build: control_zwj,
        base: 100_000,
    },
];

/// Clusters the items (the same cases as for classification) and returns a
/// checksum: the number of groups, after checking every item is placed.
pub fn run_cluster(clusterer: &feedback_triage::Clusterer, items: &[FeedbackItem]) -> usize {
    let c = clusterer.cluster(items).expect("valid, unique items");
    assert_eq!(c.len(), items.len());
    c.features.len() + c.special_cases.len()
}
