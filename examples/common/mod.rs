//! Helpers shared by the examples: the command-line tools' arguments
//! ([`cli`]), streaming input in JSON Lines or CSV ([`stream`]) and output
//! ([`output`]); reading JSON Lines with the raw values (for fields such as
//! `label`), reading policies from JSON or TOML, and simple argument parsing
//! for the evaluation examples.
#![allow(dead_code)]

pub mod cli;
pub mod html;
pub mod json;
pub mod output;
pub mod policy_text;
pub mod state;
pub mod stream;

use std::io::{BufRead, BufReader, Read};

use feedback_triage::{FeedbackItem, Policy};
pub use policy_text::parse_policy;

/// One input line that could not be read as an item.
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// An item read from a line: its 1-based line number, the item, and the raw
/// JSON value (for fields the library does not know, such as `label`).
pub type ReadItem = (usize, FeedbackItem, serde_json::Value);

/// Good items and bad lines.
pub type ItemsAndBadLines = (Vec<ReadItem>, Vec<BadLine>);

/// Reads JSON Lines from a file path, or stdin when the path is `-` or absent.
/// Returns the items (with their 1-based line numbers and the raw JSON value)
/// and the bad lines; blank lines are skipped.
pub fn read_items(path: Option<&str>) -> std::io::Result<ItemsAndBadLines> {
    let reader: Box<dyn Read> = match path {
        None | Some("-") => Box::new(std::io::stdin()),
        Some(p) => Box::new(std::fs::File::open(p)?),
    };
    let mut items = Vec::new();
    let mut bad = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in BufReader::new(reader).split(b'\n').enumerate() {
        let line_no = i + 1;
        let bytes = line?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                bad.push(BadLine {
                    line: line_no,
                    message: format!("invalid UTF-8: {e}"),
                });
                continue;
            }
        };
        let mut text = text.trim();
        if line_no == 1 {
            // A byte order mark, as some Windows editors write.
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        if text.is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                // Reading the line as an item directly names the field where
                // the JSON broke (a bad escape in `title`, `deal_value` out of
                // range), which the generic JSON value cannot.
                let e = match serde_json::from_str::<FeedbackItem>(text) {
                    Err(named) => named,
                    Ok(_) => e,
                };
                bad.push(BadLine {
                    line: line_no,
                    message: format!("invalid JSON: {e}"),
                });
                continue;
            }
        };
        match serde_json::from_str::<FeedbackItem>(text) {
            Ok(item) => {
                if !seen.insert(item.id.clone()) {
                    bad.push(BadLine {
                        line: line_no,
                        message: format!("item {:?} appears more than once in the input (field `id` must be unique)", item.id),
                    });
                    continue;
                }
                items.push((line_no, item, value));
            }
            Err(e) => bad.push(BadLine {
                line: line_no,
                message: e.to_string(),
            }),
        }
    }
    let wrong = drop_odd_embeddings(&mut items);
    bad.extend(wrong);
    bad.sort_by_key(|b| b.line);
    Ok((items, bad))
}

/// Takes out the items whose `embedding` has another length than most
/// items' (ties to the smaller length), as bad lines naming the item: the
/// other items are still processed.
fn drop_odd_embeddings(items: &mut Vec<ReadItem>) -> Vec<BadLine> {
    drop_odd_embeddings_by(items, |(line, item, _)| (*line, item))
}

/// [`drop_odd_embeddings`] for any row holding a line number and an item.
pub fn drop_odd_embeddings_by<T>(
    items: &mut Vec<T>,
    row: impl Fn(&T) -> (usize, &FeedbackItem),
) -> Vec<BadLine> {
    let mut counts = std::collections::BTreeMap::new();
    for r in items.iter() {
        if let Some(e) = &row(r).1.embedding {
            *counts.entry(e.len()).or_insert(0usize) += 1;
        }
    }
    // The most common length; among equals, the smaller (max_by_key keeps
    // the last maximum, so iterate from the largest length down).
    let Some((&dims, _)) = counts.iter().rev().max_by_key(|(_, c)| **c) else {
        return Vec::new();
    };
    let mut bad = Vec::new();
    items.retain(|r| {
        let (line, item) = row(r);
        match &item.embedding {
            Some(e) if e.len() != dims => {
                let err = feedback_triage::ItemError::EmbeddingDimension {
                    id: item.id.clone(),
                    expected: dims,
                    found: e.len(),
                };
                bad.push(BadLine {
                    line,
                    message: err.to_string(),
                });
                false
            }
            _ => true,
        }
    });
    bad
}

/// Prints bad lines to stderr, `line N: message`.
pub fn report_bad(path: Option<&str>, bad: &[BadLine]) {
    let name = path.unwrap_or("<stdin>");
    for b in bad {
        eprintln!("{name}:{}: {}", b.line, b.message);
    }
}

/// Reads a policy from a JSON or TOML file (by extension; `.toml` is TOML,
/// anything else is tried as JSON first, then TOML).
pub fn read_policy(path: &str) -> Result<Policy, String> {
    let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let text = String::from_utf8(text).map_err(|e| format!("{path}: not UTF-8 text: {e}"))?;
    parse_policy(path, &text)
}

/// Minimal flag parsing: `--name value`, `--flag`, and positionals.
pub struct Args {
    pub positional: Vec<String>,
    pub flags: Vec<(String, Option<String>)>,
}

impl Args {
    /// `value_flags` lists the flags that take a value.
    pub fn parse(value_flags: &[&str]) -> Result<Args, String> {
        let mut positional = Vec::new();
        let mut flags = Vec::new();
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (name.to_string(), None),
                };
                if value_flags.contains(&name.as_str()) {
                    let v = match inline {
                        Some(v) => v,
                        None => it.next().ok_or_else(|| format!("--{name} needs a value"))?,
                    };
                    flags.push((name, Some(v)));
                } else {
                    flags.push((name, inline));
                }
            } else {
                positional.push(a);
            }
        }
        Ok(Args { positional, flags })
    }

    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Fails on a flag not in `known`.
    pub fn check(&self, known: &[&str]) -> Result<(), String> {
        for (n, _) in &self.flags {
            if !known.contains(&n.as_str()) {
                return Err(format!(
                    "unknown option --{n} (known: {})",
                    known
                        .iter()
                        .map(|k| format!("--{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// Cuts a string to `n` characters for tables, with an ellipsis.
pub fn cut(s: &str, n: usize) -> String {
    let s = output::plain(s);
    if s.chars().count() <= n {
        s
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// True when stderr is a terminal (progress is only printed then).
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

/// Texts (title, body) of the shared data sets under `dir`, read at run time;
/// empty when the folder is absent.
pub fn shared_texts(dir: &str) -> Vec<(String, String)> {
    let files = [
        "banking77/train.jsonl",
        "clinc150/train.jsonl",
        "duplicate_bugs/hadoop.jsonl",
        "app_reviews/maalej.jsonl",
        "github_issues/nlbse24_train.jsonl",
        "security_bugs/farsec_train.jsonl",
    ];
    let mut out = Vec::new();
    for f in files {
        let path = format!("{dir}/{f}");
        if !std::path::Path::new(&path).exists() {
            continue;
        }
        if let Ok((rows, _)) = read_items(Some(&path)) {
            out.extend(rows.into_iter().map(|(_, it, _)| (it.title, it.body)));
        }
    }
    out
}

/// Words of the synthetic texts `scale_items` makes when no data is present.
const SYNTHETIC_WORDS: &[&str] = &[
    "export",
    "excel",
    "report",
    "dark",
    "mode",
    "editor",
    "login",
    "sso",
    "saml",
    "slow",
    "crash",
    "mobile",
    "android",
    "invoice",
    "billing",
    "webhook",
    "api",
    "search",
    "filter",
    "calendar",
    "sync",
    "upload",
    "photo",
    "timeout",
    "password",
    "reset",
    "email",
    "notify",
    "dashboard",
    "chart",
    "import",
    "csv",
    "permission",
    "role",
    "audit",
    "log",
    "backup",
    "restore",
    "language",
    "translate",
    "offline",
    "tablet",
    "printer",
    "pdf",
    "share",
    "link",
];

/// `n` items for scaling runs: the shared texts, mixed and cycled, each round after the
/// first with one word dropped (a small variation), or synthetic texts from a
/// fixed vocabulary when no data is present. 500 customers, in turn.
pub fn scale_items(n: usize, texts: &[(String, String)]) -> Vec<FeedbackItem> {
    // xorshift64: a fixed, dependency-free sequence, the same on every run.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..n)
        .map(|i| {
            let (title, body) = if texts.is_empty() {
                (String::new(), synthetic_text(&mut next))
            } else {
                varied_text(texts, i)
            };
            FeedbackItem::new(format!("item-{i:07}"))
                .with_title(title)
                .with_body(body)
                .with_customer(format!("customer-{}", i % 500))
        })
        .collect()
}

/// 3 to 8 words of one of 2,000 topics, drawn from `SYNTHETIC_WORDS`.
fn synthetic_text(next: &mut impl FnMut() -> u64) -> String {
    let k = 3 + (next() % 6) as usize;
    let topic = (next() % 2000) as usize;
    let words: Vec<&str> = (0..k)
        .map(|j| {
            SYNTHETIC_WORDS
                [(topic * 7 + j * (1 + topic % 5) + (next() % 3) as usize) % SYNTHETIC_WORDS.len()]
        })
        .collect();
    words.join(" ")
}

/// The `i`th scaling text: the shared texts in a fixed mixed order, so that
/// every size sees the same mix of data sets, and from the second round on
/// with one body word dropped. The stride 7919 is prime, so `k * 7919 mod
/// len` visits every text once per round unless `len` is a multiple of 7919;
/// then some texts repeat within a round, which only changes the mix.
fn varied_text(texts: &[(String, String)], i: usize) -> (String, String) {
    let (t, b) = &texts[(i % texts.len()) * 7919 % texts.len()];
    let round = i / texts.len();
    if round == 0 {
        return (t.clone(), b.clone());
    }
    let words: Vec<&str> = b.split_whitespace().collect();
    let drop = round % words.len().max(1);
    let body: Vec<&str> = words
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != drop)
        .map(|(_, w)| *w)
        .collect();
    (t.clone(), body.join(" "))
}

/// A deal value for people: whole units, or `n/a` for a sum past f64's
/// range (infinite; the JSON outputs write it as null).
pub fn deal(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.0}")
    } else {
        "n/a".to_string()
    }
}
