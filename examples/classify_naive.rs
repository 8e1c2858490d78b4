//! The naive reference for the `classify` tool's whole-process speed (issue
//! 18): reads each line with serde_json into a struct (id, title, body),
//! splits with `unicode_words`, lowercases each word into a new `String`,
//! looks it up in a `HashMap` of about 300 keywords (the single-word
//! keywords of the default policy), counts per class and writes
//! `{"id","class"}` per line. Not a classifier to use: a yardstick.
//!
//! ```text
//! cargo run --release --example classify_naive -- FILE > /dev/null
//! ```
//!
//! `scripts/bench_cli.sh` times it against `classify` as whole processes.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};

use feedback_triage::Policy;
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

#[derive(Deserialize)]
struct In {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

#[derive(Serialize)]
struct Out<'a> {
    id: &'a str,
    class: Option<&'static str>,
}

fn main() -> std::io::Result<()> {
    let mut keywords: HashMap<String, usize> = HashMap::new();
    for rule in Policy::builtin().rules {
        for k in rule.keywords {
            if keywords.len() < 300 && !k.text.contains(' ') {
                keywords
                    .entry(k.text.to_lowercase())
                    .or_insert(rule.class.index());
            }
        }
    }
    let names = feedback_triage::Class::ALL.map(|c| c.as_str());
    let path = std::env::args().nth(1).expect("usage: classify_naive FILE");
    let reader = BufReader::new(std::fs::File::open(path)?);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in reader.lines() {
        let line = line?;
        let Ok(item) = serde_json::from_str::<In>(&line) else {
            continue;
        };
        let mut counts = [0usize; 5];
        for w in item.title.unicode_words().chain(item.body.unicode_words()) {
            if let Some(&c) = keywords.get(&w.to_lowercase()) {
                counts[c] += 1;
            }
        }
        let best = (0..5)
            .max_by_key(|&i| (counts[i], 5 - i))
            .filter(|&i| counts[i] > 0);
        serde_json::to_writer(
            &mut out,
            &Out {
                id: &item.id,
                class: best.map(|i| names[i]),
            },
        )?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
