//! Fits the learned layer of the embedded default policy and measures it by
//! cross-validation grouped by site or repository.
//!
//! ```text
//! cargo run --release --example fit_default                    # cross-validated figures
//! cargo run --release --example fit_default -- --write FILE     # fit on everything, write the layer
//! ```
//!
//! Training data (all under `--data`, default `../shared/data`):
//! `five_class/requests.jsonl` (the five classes themselves) plus the shared
//! sets whose labels map onto one class without doubt (app-review bugs and
//! ratings, GitHub bugs and questions, FARSEC security reports and a sample
//! of its other bugs, PROMISE legal and security requirements). Labels that
//! fit two classes (`Feature`) are left out.
//!
//! Cross-validation: `five_class` is split into folds by site (GitHub by
//! repository), so no fold's site or repository is seen in training; every
//! mapped set is split into the same number of folds by line. Each fold's
//! held-out rows of every set are classified by hand rules plus a layer
//! learned on the other folds. Figures are pooled over folds.

mod common;

use std::collections::BTreeMap;
use std::process::ExitCode;

use feedback_triage::{
    Class, Classification, Classifier, ConfidenceModel, Evaluation, EvaluationReport, LabelMap,
    Labelled, LearnParams, Learner, Policy, Scope,
};

/// `(file, label map, how many times each row is repeated in training, at most this many rows)`.
const SETS: &[(&str, &str, usize, usize)] = &[
    (
        "five_class/requests.jsonl",
        "fault_correction=fault_correction,necessity=necessity,market_driven=market_driven,opportunistic=opportunistic,responsiveness=responsiveness",
        1,
        usize::MAX,
    ),
    (
        "app_reviews/maalej.jsonl",
        "Bug=fault_correction,UserExperience=responsiveness,Rating=responsiveness",
        1,
        usize::MAX,
    ),
    (
        "github_issues/nlbse24_train.jsonl",
        "bug=fault_correction,question=responsiveness",
        1,
        usize::MAX,
    ),
    (
        "security_bugs/farsec_train.jsonl",
        "security=necessity,non_security=fault_correction",
        1,
        usize::MAX,
    ),
    (
        "requirements/promise_exp.jsonl",
        "L=necessity,SE=necessity",
        1,
        usize::MAX,
    ),
];

const FOLDS: usize = 5;

/// The least evidence, priors aside, for a match: above what text with no
/// request in it carries ("see attached", a bare link), below what nearly
/// every real request does (the figures this example prints).
const MIN_SCORE: f64 = 0.3;

struct Row {
    set: usize,
    title: String,
    body: String,
    class: Class,
    fold: usize,
    github: bool,
    /// Used in training (else only evaluated).
    train: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fit_default: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The group a `five_class` row belongs to: its site, or for GitHub its
/// repository.
fn group(raw: &serde_json::Value) -> String {
    let site = raw.get("site").and_then(|s| s.as_str()).unwrap_or("");
    let source = raw.get("source").and_then(|s| s.as_str()).unwrap_or("");
    if site == "github" {
        let parts: Vec<&str> = source.split('/').collect();
        if parts.len() > 4 {
            return format!("github/{}/{}", parts[3], parts[4]);
        }
    }
    site.to_string()
}

fn read(dir: &str, cap_all: usize) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (set, (file, map, _, cap)) in SETS.iter().enumerate() {
        let path = format!("{dir}/{file}");
        let map: LabelMap = map.parse().map_err(|e| format!("{e}"))?;
        let (items, _) = common::read_items(Some(&path)).map_err(|e| format!("{path}: {e}"))?;
        // Per label, every `stride`-th row, so that no label gives more than `cap` rows.
        let mut per_label: BTreeMap<String, usize> = BTreeMap::new();
        for (_, _, raw) in &items {
            let label = raw.get("label").and_then(|l| l.as_str()).unwrap_or("");
            *per_label.entry(label.to_string()).or_default() += 1;
        }
        let cap = if set == 0 {
            usize::MAX
        } else {
            (*cap).min(cap_all)
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (line, item, raw) in items {
            let label = raw.get("label").and_then(|l| l.as_str()).unwrap_or("");
            let Some(classes) = map.get(label) else {
                continue;
            };
            let stride = per_label[label].div_ceil(cap).max(1);
            let n = seen.entry(label.to_string()).or_default();
            *n += 1;
            let train = (*n - 1).is_multiple_of(stride);
            let fold = if set == 0 {
                (fnv(&group(&raw)) % FOLDS as u64) as usize
            } else {
                line % FOLDS
            };
            rows.push(Row {
                set,
                title: item.title.clone(),
                body: item.body.clone(),
                class: classes[0],
                fold,
                github: raw.get("site").and_then(|s| s.as_str()) == Some("github"),
                train,
            });
        }
    }
    Ok(rows)
}

/// Experiment settings.
#[derive(Clone, Copy, Debug)]
struct Knobs {
    /// Factor on the learned weights.
    beta: f64,
    fit_ratio: f64,
    title_weight: f64,
    /// Keep the learned prior rules.
    priors: bool,
    /// Repeats of five_class rows in training.
    five_repeat: usize,
    /// Use the mapped sets in training.
    mapped: bool,
    l2: f64,
    max_keywords: usize,
    min_df: usize,
    max_features: usize,
    min_weight: f64,
    /// Learned keywords worth at most this much after scaling are left out.
    drop: f64,
}

fn fit(rows: &[&Row], k: &Knobs) -> Result<Policy, String> {
    let mut items = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let reps = if r.set == 0 {
            k.five_repeat
        } else if k.mapped {
            SETS[r.set].2
        } else {
            0
        };
        for rep in 0..reps {
            // Repeats share every cross-validation fold (folds split by
            // index modulo their count): 720,720 is a multiple of every
            // count up to 16. (The learner's inner folds, which tune the
            // priors, go by position in index order and may split them.)
            items.push(Labelled::new(i + rep * 720_720, &r.title, &r.body, r.class));
        }
    }
    let params = LearnParams::default()
        .l2(k.l2)
        .max_keywords(k.max_keywords)
        .min_doc_freq(k.min_df)
        .max_features(k.max_features)
        .min_weight(k.min_weight);
    let learner = Learner::new(params).map_err(|e| e.to_string())?;
    learner.learn(&items).map_err(|e| e.to_string())
}

const LEARNED_PREFIX: &str = "learned-";

/// Hand rules plus a learned layer, with the learned weights scaled by beta.
fn combine(learned: &Policy, k: &Knobs, temperature: f64, bands: (f64, f64)) -> Policy {
    let mut p = Policy::builtin_hand_written();
    p.settings.fit_ratio = k.fit_ratio;
    p.settings.title_weight = k.title_weight;
    p.settings.confidence_model = ConfidenceModel::Softmax;
    p.settings.min_score = MIN_SCORE;
    p.settings.confidence_scale = temperature;
    (p.settings.band_high, p.settings.band_medium) = bands;
    for r in &learned.rules {
        if !k.priors && r.id.ends_with("-prior") {
            continue;
        }
        let mut r = r.clone();
        for kw in &mut r.keywords {
            kw.weight = round(kw.weight * r.weight * k.beta);
        }
        r.weight = if r.keywords.is_empty() {
            round(r.weight * k.beta)
        } else {
            1.0
        };
        r.keywords.retain(|kw| kw.weight > k.drop);
        if r.keywords.is_empty() && !r.id.ends_with("-prior") {
            continue;
        }
        p.rules.push(r);
    }
    p
}

fn round(w: f64) -> f64 {
    (w * 1000.0).round() / 1000.0
}

/// Each class's prior in `policy`.
fn priors(policy: &Policy) -> [f64; 5] {
    let mut p = [0.0; 5];
    for r in &policy.rules {
        if r.keywords.is_empty() && r.when.hold_always() {
            p[r.class.index()] += r.weight;
        }
    }
    p
}

/// The best class's score with its prior taken off.
fn evidence_of(scores: &[f64; 5], prior: &[f64; 5]) -> f64 {
    scores
        .iter()
        .zip(prior)
        .map(|(s, p)| s - p)
        .fold(0.0, f64::max)
}

/// One out-of-fold prediction.
struct Oof {
    key: &'static str,
    five: bool,
    truth: Class,
    scores: [f64; 5],
    class: Option<Class>,
}

/// Softmax probability of the top class at temperature `t`.
fn top_prob(scores: &[f64; 5], t: f64, class: Class) -> f64 {
    let p = scores[class.index()];
    1.0 / scores.iter().map(|s| ((s - p) / t).exp()).sum::<f64>()
}

/// The temperature that minimises the log loss of the true class over `oof`.
fn calibrate(oof: &[&Oof]) -> f64 {
    let nll = |t: f64| -> f64 {
        oof.iter()
            .map(|o| -top_prob(&o.scores, t, o.truth).max(1e-12).ln())
            .sum()
    };
    let mut best = (f64::INFINITY, 1.0);
    for i in 1..=1000 {
        let t = i as f64 * 0.01;
        let l = nll(t);
        if l < best.0 {
            best = (l, t);
        }
    }
    best.1
}

/// The smallest confidence threshold (on a 0.01 grid) at which every
/// prediction at or above it is right at least `target` of the time, and
/// the share of predictions it keeps.
fn threshold(oof: &[&Oof], t: f64, target: f64) -> f64 {
    let mut conf: Vec<(f64, bool)> = oof
        .iter()
        .filter_map(|o| o.class.map(|c| (top_prob(&o.scores, t, c), c == o.truth)))
        .collect();
    conf.sort_by(|a, b| b.0.total_cmp(&a.0));
    for i in 0..=100 {
        let th = i as f64 / 100.0;
        let kept: Vec<&(f64, bool)> = conf.iter().filter(|c| c.0 >= th).collect();
        let right = kept.iter().filter(|c| c.1).count();
        if !kept.is_empty() && right as f64 >= target * kept.len() as f64 {
            return th;
        }
    }
    1.0
}

/// The largest confidence threshold `m` (on a 0.01 grid, below `high`) at
/// which the predictions below `m` are right at most `ceiling` of the time:
/// the low band is no better than a coin toss.
fn floor(oof: &[&Oof], t: f64, high: f64, ceiling: f64) -> f64 {
    let conf: Vec<(f64, bool)> = oof
        .iter()
        .filter_map(|o| o.class.map(|c| (top_prob(&o.scores, t, c), c == o.truth)))
        .collect();
    let mut best = 0.0;
    for i in 1..=100 {
        let m = i as f64 / 100.0;
        if m >= high {
            break;
        }
        let below: Vec<&(f64, bool)> = conf.iter().filter(|c| c.0 < m).collect();
        let right = below.iter().filter(|c| c.1).count();
        if !below.is_empty() && right as f64 <= ceiling * below.len() as f64 {
            best = m;
        }
    }
    best
}

fn run() -> Result<(), String> {
    let args = common::Args::parse(&[
        "data",
        "write",
        "beta",
        "fit",
        "title",
        "repeat",
        "l2",
        "cap",
        "max-keywords",
        "min-df",
        "max-features",
        "min-weight",
        "drop",
    ])?;
    let dir = args.value("data").unwrap_or("../shared/data");
    let num = |n: &str, d: f64| -> Result<f64, String> {
        args.value(n)
            .map(|v| v.parse::<f64>().map_err(|e| format!("--{n}: {e}")))
            .transpose()
            .map(|v| v.unwrap_or(d))
    };
    let knobs = Knobs {
        beta: num("beta", 0.2)?,
        fit_ratio: num("fit", 1.0)?,
        title_weight: num("title", 1.5)?,
        priors: !args.has("no-priors"),
        five_repeat: num("repeat", 1.0)? as usize,
        mapped: !args.has("no-mapped"),
        l2: num("l2", 1.0)?,
        max_keywords: num("max-keywords", 20_000.0)? as usize,
        min_df: num("min-df", 1.0)? as usize,
        max_features: num("max-features", 10_000.0)? as usize,
        min_weight: num("min-weight", 0.02)?,
        drop: num("drop", 0.1)?,
    };
    eprintln!("{knobs:?}");
    let rows = read(dir, num("cap", 300.0)? as usize)?;
    let (oof, hand_evals) = out_of_fold(&rows, &knobs)?;
    print_evidence_floor(&rows, &knobs, &oof)?;
    // Calibration and bands on five_class's out-of-fold predictions.
    let five: Vec<&Oof> = oof
        .iter()
        .filter(|o| o.five && o.key == SETS[0].0)
        .collect();
    let t = calibrate(&five);
    let high = threshold(&five, t, 0.95);
    let medium = floor(&five, t, high, 0.5);
    println!(
        "softmax temperature {t:.2} (log loss on five_class out-of-fold); bands: high >= {high:.2} (95% right out of fold), medium >= {medium:.2} (below it, at most 50% right)"
    );
    print_table(&oof, hand_evals, t, (high, medium));
    if let Some(out) = args.value("write") {
        let all: Vec<&Row> = rows.iter().filter(|r| r.train).collect();
        let learned = fit(&all, &knobs)?;
        let policy = combine(&learned, &knobs, t, (high, medium));
        let text = write_layer(&policy, &knobs, t, (high, medium));
        std::fs::write(out, text).map_err(|e| format!("{out}: {e}"))?;
        eprintln!("wrote {out}");
    }
    Ok(())
}

/// Out-of-fold predictions of hand rules plus a layer learned on the other
/// folds, and the hand rules' own evaluation per key.
fn out_of_fold(
    rows: &[Row],
    knobs: &Knobs,
) -> Result<(Vec<Oof>, BTreeMap<&'static str, Evaluation>), String> {
    let mut oof: Vec<Oof> = Vec::new();
    let mut hand_evals: BTreeMap<&'static str, Evaluation> = BTreeMap::new();
    let hand = Classifier::new(&Policy::builtin_hand_written()).map_err(|e| e.to_string())?;
    for f in 0..FOLDS {
        let train: Vec<&Row> = rows.iter().filter(|r| r.fold != f && r.train).collect();
        let learned = fit(&train, knobs)?;
        let classifier = Classifier::new(&combine(&learned, knobs, 1.0, (0.9, 0.5)))
            .map_err(|e| e.to_string())?;
        for r in rows.iter().filter(|r| r.fold == f) {
            let c = classifier.classify_text(&r.title, &r.body);
            let h = hand.classify_text(&r.title, &r.body);
            for key in keys(r) {
                hand_evals
                    .entry(key)
                    .or_insert_with(|| Evaluation::new().max_misses(0))
                    .add("", &[r.class], &h);
                oof.push(Oof {
                    key,
                    five: r.set == 0,
                    truth: r.class,
                    scores: Class::ALL.map(|x| c.scores[x]),
                    class: c.class,
                });
            }
        }
    }
    Ok((oof, hand_evals))
}

/// How much evidence, priors aside, real requests carry, against text with
/// no request in it: the figures behind [`MIN_SCORE`].
fn print_evidence_floor(rows: &[Row], knobs: &Knobs, oof: &[Oof]) -> Result<(), String> {
    let learned = fit(&rows.iter().filter(|r| r.train).collect::<Vec<_>>(), knobs)?;
    let policy = combine(&learned, knobs, 1.0, (0.9, 0.5));
    let prior = priors(&policy);
    let c = Classifier::new(&policy).map_err(|e| e.to_string())?;
    for set in [SETS[0].0, SETS[1].0] {
        let mut ev: Vec<f64> = oof
            .iter()
            .filter(|o| o.key == set)
            .map(|o| evidence_of(&o.scores, &prior))
            .collect();
        if ev.is_empty() {
            continue;
        }
        ev.sort_by(f64::total_cmp);
        let q = |p: f64| ev[((ev.len() - 1) as f64 * p) as usize];
        let below = ev.iter().filter(|&&e| e < MIN_SCORE).count();
        println!(
            "{set}: evidence, priors aside: 1% {:.2}, 3% {:.2}, 10% {:.2}, median {:.2}; below min_score {MIN_SCORE}: {below}",
            q(0.01),
            q(0.03),
            q(0.1),
            q(0.5)
        );
    }
    for junk in [
        "see attached",
        "https://example.com/t/123",
        "hello",
        "thanks",
        "ok",
        "test",
        "asdf",
        "Lorem ipsum dolor sit amet",
    ] {
        let r = c.classify_text(junk, "");
        let s = Class::ALL.map(|x| r.scores[x]);
        println!("  {junk:?}: {:.2}", evidence_of(&s, &prior));
    }
    Ok(())
}

/// One line per key: out-of-fold macro-F1 against the hand rules alone,
/// per-class F1 and each band's share and precision.
fn print_table(
    oof: &[Oof],
    mut hand_evals: BTreeMap<&'static str, Evaluation>,
    t: f64,
    (high, medium): (f64, f64),
) {
    let mut by_key: BTreeMap<&str, Vec<&Oof>> = BTreeMap::new();
    for o in oof {
        by_key.entry(o.key).or_default().push(o);
    }
    println!(
        "{:<36} {:>5} {:>7} {:>7} {:>6} | {:<17} | high: share precision, medium, low",
        "set (out of fold)", "n", "macroF1", "hand", "acc", "F1 nec opp flt mkt rsp"
    );
    for (key, list) in &by_key {
        let mut eval = Evaluation::new().max_misses(0);
        let mut bands = [(0usize, 0usize); 3];
        for o in list {
            let conf = o.class.map_or(0.0, |c| top_prob(&o.scores, t, c));
            let band = if o.class.is_none() || conf < medium {
                2
            } else if conf < high {
                1
            } else {
                0
            };
            bands[band].0 += 1;
            bands[band].1 += usize::from(o.class == Some(o.truth));
            let mut scores = feedback_triage::ClassScores::default();
            for c in Class::ALL {
                scores[c] = o.scores[c.index()];
            }
            eval.add("", &[o.truth], &synthetic(o.class, scores));
        }
        let r = eval.finish();
        let Some(h) = hand_evals.remove(key) else {
            continue;
        };
        print_line(key, &r, &h.finish(), &bands);
    }
}

fn keys(r: &Row) -> Vec<&'static str> {
    let mut keys = vec![SETS[r.set].0];
    if r.set == 0 {
        keys.push(if r.github {
            "five_class (GitHub half)"
        } else {
            "five_class (other sites half)"
        });
    }
    keys
}

/// A classification with just a class and scores, for [`Evaluation::add`].
fn synthetic(class: Option<Class>, scores: feedback_triage::ClassScores) -> Classification {
    let mut c = Classifier::builtin().classify_text("", "");
    c.class = class;
    c.scores = scores;
    c
}

/// The learned layer in the embedded format of `src/policy/learned.rules`.
fn write_layer(policy: &Policy, k: &Knobs, t: f64, bands: (f64, f64)) -> String {
    let mut out = String::new();
    out.push_str(
        "# The embedded default policy's learned layer, written by scripts/fit-default-policy.sh\n\
         # (cargo run --release --example fit_default -- --write src/policy/learned.rules).\n\
         # Do not edit by hand: refit. Format: `settings KEY VALUE...`; `prior ID CLASS WEIGHT`\n\
         # (a rule that always holds); `rule ID CLASS SCOPE` followed by `WEIGHT PHRASE` lines.\n",
    );
    out.push_str(&format!(
        "# Fitted with {k:?} on five_class plus the mapped shared sets (see the example's docs).\n"
    ));
    out.push_str(&format!(
        "settings fit_ratio {} title_weight {} min_score {MIN_SCORE} confidence_scale {t} band_high {} band_medium {}\n",
        k.fit_ratio, k.title_weight, bands.0, bands.1
    ));
    for r in policy
        .rules
        .iter()
        .filter(|r| r.id.starts_with(LEARNED_PREFIX))
    {
        if r.keywords.is_empty() {
            out.push_str(&format!("prior {} {} {}\n", r.id, r.class, r.weight));
            continue;
        }
        let scope = match r.field {
            Scope::Title => "title",
            Scope::Body => "body",
            _ => "both",
        };
        out.push_str(&format!("rule {} {} {scope}\n", r.id, r.class));
        for kw in &r.keywords {
            out.push_str(&format!("{} {}\n", kw.weight, kw.text));
        }
    }
    out
}

fn print_line(
    key: &str,
    r: &EvaluationReport,
    hand: &EvaluationReport,
    bands: &[(usize, usize); 3],
) {
    let f1: Vec<String> = Class::ALL
        .iter()
        .map(|c| {
            let m = &r.per_class[c.index()];
            if m.support == 0 {
                " -  ".to_string()
            } else {
                format!("{:.2}", m.f1)
            }
        })
        .collect();
    let band: Vec<String> = bands
        .iter()
        .map(|(n, right)| {
            format!(
                "{:.2} {:.2}",
                *n as f64 / r.items.max(1) as f64,
                *right as f64 / (*n).max(1) as f64
            )
        })
        .collect();
    println!(
        "{key:<36} {:>5} {:>7.3} {:>7.3} {:>6.3} | {} | {}",
        r.items,
        r.macro_f1,
        hand.macro_f1,
        r.accuracy,
        f1.join(" "),
        band.join(", ")
    );
}
