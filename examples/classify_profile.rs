//! Profiling aid: classifies a JSON Lines file many times, with the full
//! classifier or (`naive`) the benchmark's naive reference loop.
//! `cargo run --release --example classify_profile -- FILE ROUNDS [naive]`
mod common;
use unicode_segmentation::UnicodeSegmentation;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (items, _) = common::read_items(args.get(1).map(String::as_str)).unwrap();
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(10);
    let c = feedback_triage::Classifier::builtin();
    let words: std::collections::HashMap<String, f64> = c
        .policy()
        .rules
        .iter()
        .flat_map(|r| r.keywords.iter().map(|k| (k.text.to_lowercase(), r.weight)))
        .collect();
    let naive = args.get(3).is_some_and(|a| a == "naive");
    let mut n = 0usize;
    for _ in 0..rounds {
        for (_, item, _) in &items {
            if naive {
                for w in item.title.unicode_words().chain(item.body.unicode_words()) {
                    n += usize::from(words.contains_key(&w.to_lowercase()));
                }
            } else {
                n += c.classify(item).unwrap().evidence.len();
            }
        }
    }
    println!("{n}");
}
